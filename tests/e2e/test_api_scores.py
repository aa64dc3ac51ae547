"""Bundles, score runs, scores, explanations, alerts and rule sets through the HTTP API."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from scoring_service.cli import main
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EXAMPLES = FIXTURES / "examples"
NAMES = sorted(p.name.removesuffix(".bundle.json") for p in EXAMPLES.glob("*.bundle.json"))
Y = "/api/v1/years/2018"


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def all_rows(api: Api, url: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def test_bundle_import_is_all_or_nothing(api: Api) -> None:
    bundle = spec_bundle()
    bundle["units"][2]["parent"] = "NOWHERE"
    bundle["inspections"][0]["findings"][0]["deadline"] = "2018-13-01"
    bundle["events"][0]["colour"] = "red"
    doc = problem(api.post("/api/v1/bundles", bundle), 422)
    assert doc["type"].endswith("#problem-invalid-bundle")
    assert {e["pointer"] for e in doc["errors"]} == {
        "/inspections/0/findings/0/deadline",
        "/events/0/colour",
        "/units/2/parent",
    }  # every problem at once: shape problems do not stop the cross-record checks
    bundle = spec_bundle()
    bundle["units"][2]["parent"] = "NOWHERE"
    bundle["events"][1]["date"] = "2018-07-01"
    doc = problem(api.post("/api/v1/bundles", bundle), 422)
    assert {"/units/2/parent", "/events/1/date"} <= {e["pointer"] for e in doc["errors"]}
    problem(api.get(Y), 404)
    raw = api.client.post(
        "/api/v1/bundles",
        data=b"{not json",
        headers=api.headers(**{"Content-Type": "application/json"}),
    )
    assert problem(raw, 422)["errors"][0]["pointer"] == ""
    nul = spec_bundle()
    nul["units"][0]["name"] = "源\u0000城区"
    assert problem(api.post("/api/v1/bundles", nul), 422)["errors"] == [
        {"pointer": "/units/0/name", "message": "must not hold a NUL character"}
    ]
    created = api.post("/api/v1/bundles", spec_bundle())
    assert created.status_code == 201 and created.headers["Location"] == Y
    assert created.get_json() == {
        "year": 2018,
        "replaced": False,
        "counts": {
            "units": 6,
            "pairings": 1,
            "groups": 1,
            "inspections": 1,
            "findings": 2,
            "events": 7,
        },
    }
    problem(api.post("/api/v1/bundles", spec_bundle()), 409)
    replaced = api.post("/api/v1/bundles?replace=true", spec_bundle())
    assert replaced.status_code == 201 and replaced.get_json()["replaced"] is True


def test_worked_examples_through_the_api(api: Api) -> None:
    """Every worked example of the spec: scores, stored runs and alerts at each date."""
    for name in NAMES:
        bundle = json.loads((EXAMPLES / f"{name}.bundle.json").read_text(encoding="utf-8"))
        expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
        response = api.post("/api/v1/bundles?replace=true", bundle)
        assert response.status_code == 201, (name, response.get_json())
        year = bundle["year"]
        for case in expected:
            at = f"{name} as of {case['as_of']}"
            url = f"/api/v1/years/{year}/scores?as_of={case['as_of']}&limit=1000"
            assert api.get(url).get_json()["items"] == case["rows"], at
            created = api.post(
                f"/api/v1/years/{year}/score-runs", {"as_of": case["as_of"]}, who="assessor"
            )
            assert created.status_code == 201, at
            assert created.get_json()["scores"] == case["rows"], at
            url = f"/api/v1/years/{year}/alerts?as_of={case['as_of']}&limit=1000"
            alerts = api.get(url).get_json()["items"]
            got = sorted(
                (a["type"], a["inspection"], a["group"], a["month"], a["finding"]) for a in alerts
            )
            want = sorted(
                (a["type"], a.get("inspection"), a.get("group"), a.get("month"), a.get("finding"))
                for a in case["alerts"]
            )
            assert got == want, at


def test_a_score_run_equals_the_command_line(api: Api, db_url: str) -> None:
    api.load(json.loads((FIXTURES / "demo-2018.bundle.json").read_text(encoding="utf-8")))
    created = api.post(f"{Y}/score-runs", {"as_of": "2018-11-30"}, who="assessor")
    assert created.status_code == 201
    run = created.get_json()
    code, out = cli(
        "--db", db_url, "score", "--year", "2018", "--as-of", "2018-11-30", "--format", "json"
    )
    assert code == 0, out
    assert run["scores"] == json.loads(out)
    assert run["rows"] == {
        kind: sum(1 for r in run["scores"] if r["kind"] == kind) for kind in run["rows"]
    }
    # Stored, listed, latest, and its rows by kind page by page.
    assert created.headers["Location"] == f"{Y}/score-runs/{run['id']}"
    assert api.get(f"{Y}/score-runs/{run['id']}").get_json()["id"] == run["id"]
    assert api.get(f"{Y}/score-runs/latest").get_json()["id"] > run["id"]  # the CLI's run
    assert api.get(f"{Y}/score-runs/latest?as_of=2018-11-30").get_json()["as_of"] == "2018-11-30"
    listed = api.get(f"{Y}/score-runs?limit=1").get_json()
    assert listed["total"] == 2 and listed["next_cursor"]
    # A listed run says how many rows it holds of each kind, as the run itself does.
    rest = api.get(f"{Y}/score-runs?cursor={listed['next_cursor']}").get_json()["items"]
    assert [r["id"] for r in rest] == [run["id"]]
    assert rest[0]["rows"] == run["rows"] == {"county": 7, "town": 35, "helping_unit": 35}
    assert list(rest[0]["rows"]) == ["county", "town", "helping_unit"]
    assert listed["items"][0]["rows"] == run["rows"]
    towns = all_rows(api, f"{Y}/score-runs/{run['id']}/rows?kind=town&limit=7")
    assert towns == [r for r in run["scores"] if r["kind"] == "town"]
    # The scores of that date come from the run while it is current.
    scores = api.get(f"{Y}/scores?as_of=2018-11-30&kind=county").get_json()
    assert scores["run_id"] is not None
    assert scores["items"] == [r for r in run["scores"] if r["kind"] == "county"]
    problem(api.get(f"{Y}/score-runs/999999"), 404)
    problem(api.get("/api/v1/years/2019/score-runs/latest"), 404)


def test_scores_are_computed_when_no_current_run_exists(loaded: Api) -> None:
    computed = loaded.get(f"{Y}/scores").get_json()
    assert computed["run_id"] is None and computed["as_of"] == "2018-12-31"
    run = loaded.post(f"{Y}/score-runs", None, who="assessor").get_json()
    assert loaded.get(f"{Y}/scores").get_json()["run_id"] == run["id"]
    event = {"type": "escalated", "date": "2018-07-12"}
    assert (
        loaded.post("/api/v1/findings/2018-G1-07-02/events", event, who="inspector").status_code
        == 201
    )
    after = loaded.get(f"{Y}/scores").get_json()
    assert after["run_id"] is None and after["data_revision"] > run["data_revision"]
    problem(loaded.get("/api/v1/years/2019/scores"), 404)
    problem(loaded.post("/api/v1/years/2019/score-runs", {}, who="assessor"), 404)
    problem(loaded.post(f"{Y}/score-runs", {"as_of": "2017-01-01"}, who="assessor"), 422)
    problem(loaded.post(f"{Y}/score-runs", {"as_of": 20180101}, who="assessor"), 422)


def test_computed_scores_page_as_a_stored_run_does(loaded: Api) -> None:
    """Pages of scores computed now (no current run), of one kind or all, hold the rows and
    totals that pages of the run stored from the same data hold."""
    kind = Counter(r["kind"] for r in all_rows(loaded, f"{Y}/scores?limit=1000")).most_common()[0][
        0
    ]
    urls = [f"{Y}/scores?limit=1", f"{Y}/scores?kind={kind}&limit=1"]
    first = loaded.get(urls[1]).get_json()
    assert first["run_id"] is None and first["total"] > 1 and first["next_cursor"]
    computed = [all_rows(loaded, url) for url in urls]
    assert loaded.post(f"{Y}/score-runs", None, who="assessor").status_code == 201
    assert loaded.get(urls[1]).get_json()["run_id"] is not None
    assert [all_rows(loaded, url) for url in urls] == computed
    assert {r["kind"] for r in computed[1]} == {kind}
    assert len(computed[0]) > len(computed[1]) == first["total"]


def test_scores_as_csv_and_xlsx(loaded: Api) -> None:
    response = loaded.get(f"{Y}/scores?format=csv&kind=county")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["类别", "名次", "单位代码", "单位名称"]
    assert [r[2] for r in rows[1:]] == ["441602", "441624"]
    response = loaded.get(f"{Y}/scores?format=xlsx")
    book = load_workbook(io.BytesIO(response.data))
    # A summary, then a sheet per kind: title, headers and the kind's scored units.
    assert book.sheetnames == ["汇总", "县区", "镇街", "帮扶单位"]
    sizes = {}
    for name in book.sheetnames[1:]:
        values = [[c.value for c in row] for row in book[name].iter_rows()]
        assert values[1][:3] == ["类别", "名次", "单位代码"]
        assert {r[0] for r in values[2:]} == {name}
        sizes[name] = len(values) - 2
    assert sum(sizes.values()) == 4 and sizes["县区"] == 2  # four scored units


def test_explanation_and_alerts(loaded: Api) -> None:
    doc = loaded.get(f"{Y}/units/441624/explanation?as_of=2018-12-31").get_json()
    assert doc["unit"]["name"] == "和平县"
    assert [f["code"] for f in doc["findings"]] == ["2018-G1-07-01", "2018-G1-07-02"]
    assert {r["rule"] for r in doc["rules"] if r["fired"]} == {
        f["rule"] for f in doc["row"]["fired"]
    }
    problem(loaded.get(f"{Y}/units/441624101201/explanation"), 404)  # a village is not scored
    problem(loaded.get(f"{Y}/units/441624/explanation?as_of=2017-06-01"), 422)
    alerts = loaded.get(f"{Y}/alerts?as_of=2018-12-31").get_json()
    assert alerts["as_of"] == "2018-12-31"
    assert {a["type"] for a in alerts["items"]} == {"missed_month"}
    only = loaded.get(f"{Y}/alerts?as_of=2018-12-31&type=late_letter").get_json()
    assert only["total"] == 0
    paged = loaded.get(f"{Y}/alerts?limit=2").get_json()
    assert paged["total"] == alerts["total"] and len(paged["items"]) == 2
    problem(loaded.get("/api/v1/years/2019/alerts"), 404)


def test_rule_sets(api: Api) -> None:
    listed = api.get("/api/v1/rulesets", who="rule_editor").get_json()["items"]
    assert [(r["year"], r["extends"]) for r in listed] == [(2018, None), (2019, 2018)]
    doc = api.get("/api/v1/rulesets/2019", who="reader").get_json()
    assert doc["parameters"]["late_credit"] == 0.3
    assert doc["parameters"]["severity_weights"] == {"general": 1, "major": 3}
    r6 = next(r for r in doc["rules"] if r["id"] == "R6")
    assert r6["grade"] == "poor" and r6["deduction"] == {"points": 4, "per": "fakes"}
    assert [c["code"] for c in doc["catalogue"]] == ["1", "2", "3", "4", "E", "5", "6", "7"]
    assert doc["catalogue"][1]["items"][2] == {"code": "2.3", "name": "教育补助"}
    problem(api.get("/api/v1/rulesets/2030"), 404)
