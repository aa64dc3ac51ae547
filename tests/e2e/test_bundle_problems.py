"""Bad bundles at every entrance: the command line and the HTTP API say the same, store nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from scoring_service.bundle import PROBLEM_LIMIT
from scoring_service.cli import main
from scoring_service.db import upgrade
from tests.helpers.api import Api, api_fixture, make_api, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle

Y = "/api/v1/years/2018"
DEEP = 100_000


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, content: bytes | str) -> str:
    path = tmp_path / "bundle.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def nul_bundle() -> str:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "源\u0000城区"
    bundle["events"][0]["reason"] = "资金\u0000待拨付"
    return json.dumps(bundle, ensure_ascii=False)


def deep_nul_bundle() -> str:
    """A NUL inside 100,000 nested arrays: more than any reader's stack allows."""
    nested = "[" * DEEP + '"\\u0000"' + "]" * DEEP
    return '{"format": "assessment-bundle/1", "year": 2018, "units": [], "notes": ' + nested + "}"


def bad_units(count: int) -> bytes:
    """A bundle of ``count`` counties, each with an unknown field."""
    units = ",".join(
        '{"code":"U' + str(i) + '","name":"县","kind":"county","population":1}'
        for i in range(count)
    )
    return ('{"format":"assessment-bundle/1","year":2018,"units":[' + units + "]}").encode()


def nothing_stored(db_url: str) -> bool:
    code, out, _ = run("--db", db_url, "years")
    return code == 0 and "no year is held" in out


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_refuses_nul_naming_where(db_url: str, tmp_path: Path) -> None:
    code, _, err = run("--db", db_url, "import", write(tmp_path, nul_bundle()))
    assert code == 2, err
    assert "  /units/0/name: must not hold a NUL character" in err
    assert "  /events/0/reason: must not hold a NUL character" in err
    assert "Traceback" not in err
    assert nothing_stored(db_url)


def test_the_command_line_refuses_deep_nesting_with_a_message(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, deep_nul_bundle())
    code, _, err = run("--db", db_url, "import", path)
    assert code == 2, err
    assert "the JSON nests arrays and objects more than 200 deep" in err
    assert "Traceback" not in err and "Recursion" not in err
    code, out, _ = run("--db", db_url, "import", path, "--format", "json")
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert error["pointer"] == "" and "more than 200 deep" in error["message"]
    assert nothing_stored(db_url)


def test_the_command_line_lists_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    path = write(tmp_path, bad_units(50_000))
    code, _, err = run("--db", db, "import", path)
    lines = err.splitlines()
    assert code == 2
    assert lines[0] == (
        "error: the bundle has 50,000 problems (the first 1,000 are listed); nothing was stored"
    )
    assert lines[1] == "  /units/0/population: unknown field"
    assert lines[PROBLEM_LIMIT] == "  /units/999/population: unknown field"
    assert lines[PROBLEM_LIMIT + 1 :] == ["  ... and 49,000 more problems, not listed"]
    code, out, _ = run("--db", db, "import", path, "--format", "json")
    doc = json.loads(out)
    assert code == 2 and doc["stored"] is False
    assert len(doc["errors"]) == PROBLEM_LIMIT and doc["more_errors"] == 49_000


# --- the HTTP API ----------------------------------------------------------------------------


def post_raw(api: Api, body: bytes | str, **headers: str) -> Any:
    return api.client.post(
        "/api/v1/bundles",
        data=body,
        headers=api.headers(**{"Content-Type": "application/json", **headers}),
    )


def test_the_api_refuses_nul_naming_where(api: Api) -> None:
    doc = problem(post_raw(api, nul_bundle()), 422)
    assert doc["type"].endswith("#problem-invalid-bundle")
    assert doc["errors"] == [
        {"pointer": "/units/0/name", "message": "must not hold a NUL character"},
        {"pointer": "/events/0/reason", "message": "must not hold a NUL character"},
    ]
    problem(api.get(Y), 404)


def test_the_api_refuses_deep_nesting_with_a_problem(api: Api) -> None:
    for headers in ({}, {"Idempotency-Key": "deep-1"}):
        doc = problem(post_raw(api, deep_nul_bundle(), **headers), 422)
        [error] = doc["errors"]
        assert error["pointer"] == "" and "more than 200 deep" in error["message"]
    problem(api.get(Y), 404)


def test_the_api_lists_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    upgrade(url)
    apis = make_api(url)
    api = next(apis)
    try:
        response = post_raw(api, bad_units(50_000))
    finally:
        apis.close()
    doc = problem(response, 422)
    assert len(doc["errors"]) == PROBLEM_LIMIT
    assert doc["errors"][0] == {"pointer": "/units/0/population", "message": "unknown field"}
    assert doc["more_errors"] == 49_000
    assert doc["detail"] == (
        "the bundle has 50,000 problems (the first 1,000 are listed); nothing was stored"
    )
    assert len(response.get_data()) < 100_000  # 50,000 problems once took megabytes


# --- dates at the calendar's ends ----------------------------------------------------------


def far_bundle() -> str:
    """A deadline and an extension on 9999-12-31, the last day the bundle's dates allow."""
    bundle = spec_bundle()
    bundle["inspections"][0]["findings"][1]["deadline"] = "9999-12-31"
    bundle["events"][0]["new_deadline"] = "9999-12-31"
    return json.dumps(bundle, ensure_ascii=False)


def early_bundle() -> str:
    bundle = spec_bundle()
    bundle["inspections"][0]["findings"][1]["deadline"] = "0001-01-01"
    return json.dumps(bundle, ensure_ascii=False)


def test_far_deadlines_score_through_the_command_line(db_url: str, tmp_path: Path) -> None:
    code, out, err = run("--db", db_url, "import", write(tmp_path, far_bundle()))
    assert code == 0, err
    code, out, err = run("--db", db_url, "score", "--year", "2018")
    assert code == 0 and "Traceback" not in err, err
    code, out, err = run("--db", db_url, "import", "--replace", write(tmp_path, early_bundle()))
    assert code != 0 and "Traceback" not in err
    assert "/inspections/0/findings/1/deadline" in out + err


def test_far_deadlines_score_through_the_api(api: Api) -> None:
    assert post_raw(api, far_bundle()).status_code in (200, 201), "import"
    scores = api.get(f"{Y}/scores")
    assert scores.status_code == 200
    assert scores.get_json()["items"]
    doc = problem(post_raw(api, early_bundle()), 422)
    assert any(e["pointer"] == "/inspections/0/findings/1/deadline" for e in doc["errors"])
