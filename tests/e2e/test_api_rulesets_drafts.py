"""The rule editing lifecycle through the HTTP API: drafts, dry runs, publishing, versions."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scoring_service.engine import DurableRulesEngine, PythonEngine
from scoring_service.engine.port import Deadline
from scoring_service.rules.files import read_folder
from tests.helpers.api import Api, make_api, problem

ROOT = Path(__file__).resolve().parents[2]
DEMO_2018 = ROOT / "fixtures" / "demo-2018.bundle.json"
R = "/api/v1/rulesets"
R1 = "when: rate >= 0.95 and overdue_major == 0"
R2 = "when: rate >= 0.90 and (rate < 0.95 or overdue_major > 0)"
CASES = """\
cases:
  - name: rate 0.97 is commended
    metrics: {on_time: 97, overdue: 3, rate: 0.97}
    expect: {fired: [R1], measures: [commendation]}

  - name: rate 0.95 is no longer commended
    metrics: {on_time: 19, overdue: 1, rate: 0.95}
    expect: {fired: [R1]}
"""


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


@pytest.fixture
def demo(db_url: str, rules_dir: Path) -> Iterator[Api]:
    """The API on the demo year 2018, rule files from a copy of the shipped ones."""
    for api in make_api(db_url, rules_dir=rules_dir):
        api.load(json.loads(DEMO_2018.read_text(encoding="utf-8")))
        yield api


def files_2018(rules_dir: Path, threshold: str = "0.97", cases: str = CASES) -> dict[str, str]:
    files = {k: v for k, v in read_folder(rules_dir / "2018").items() if "/" not in k}
    files["rules.yaml"] = (
        files["rules.yaml"]
        .replace(R1, R1.replace("0.95", threshold))
        .replace(R2, R2.replace("rate < 0.95", f"rate < {threshold}"))
    )
    files["tests/threshold.yaml"] = cases
    return files


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.get_data(as_text=True)
    doc: dict[str, Any] = response.get_json()
    return doc


def test_a_broken_draft_is_refused_with_file_line_and_key(demo: Api, rules_dir: Path) -> None:
    files = files_2018(rules_dir)
    files["rules.yaml"] = files["rules.yaml"].replace("when: repeats >= 1", "when: repeats >=")
    doc = problem(demo.post(f"{R}/2018/drafts", {"files": files}, who="rule_editor"), 422)
    (error,) = doc["errors"]
    line = files["rules.yaml"].splitlines().index("    when: repeats >=") + 1
    assert error["pointer"] == "/files/rules.yaml"
    assert (error["file"], error["line"], error["key"]) == (
        "rules/2018/rules.yaml",
        line,
        "rules[6].when",
    )
    assert error["message"].startswith(f"rules/2018/rules.yaml:{line}: rules[6].when: ")
    assert demo.get(f"{R}/2018/drafts", who="rule_editor").get_json()["items"] == []
    # A test file that does not read is refused the same way.
    files = files_2018(rules_dir, cases="cases:\n  - name: x\n    metrics: {on_tme: 1}\n")
    doc = problem(demo.post(f"{R}/2018/drafts", {"files": files}, who="rule_editor"), 422)
    assert any(e["pointer"] == "/files/tests~1threshold.yaml" for e in doc["errors"])


HOSTILE = {
    "a divisor that is always zero": ("rate / 0 > 1", "division by zero"),
    "a folded zero divisor": ("fakes / (1 - 1) > 1", "division by zero"),
    "300 nested parentheses": ("(" * 300 + "fakes >= 1" + ")" * 300, "deeper than 32 levels"),
    "40 nots": ("not " * 40 + "fakes >= 1", "deeper than 32 levels"),
    "20,000 nots": ("not " * 20_000 + "fakes >= 1", "longer than 2000 characters"),
    "a 50,000-term sum": (" + ".join(["fakes"] * 50_000) + " > 1", "longer than 2000 characters"),
    "a 201-term sum": ("+".join(["1"] * 200) + " > fakes", "more than 200 numbers and metrics"),
    "a 100,000-digit number": ("fakes > " + "9" * 100_000, "longer than 2000 characters"),
    "a 16-digit number": ("fakes > 1234567890123456", "at most 15 digits"),
    "16 digits after the point": ("rate > 0.0000000000000001", "at most 15 digits"),
    "512 branches": (
        " and ".join(f"(fakes == {i} or repeats == {i})" for i in range(9)),
        "has 512 branches",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_conditions_are_refused_in_words(demo: Api, rules_dir: Path, case: str) -> None:
    """A condition that would crash the parser or hang the engine is a problem of the draft,
    named by file, line and key; nothing is stored."""
    condition, words = HOSTILE[case]
    files = files_2018(rules_dir)
    files["rules.yaml"] = files["rules.yaml"].replace(
        "when: repeats >= 1", f"when: {json.dumps(condition)}"
    )
    line = next(
        n for n, text in enumerate(files["rules.yaml"].splitlines(), 1) if condition[:20] in text
    )
    doc = problem(demo.post(f"{R}/2018/drafts", {"files": files}, who="rule_editor"), 422)
    (error,) = doc["errors"]
    assert (error["file"], error["line"], error["key"]) == (
        "rules/2018/rules.yaml",
        line,
        "rules[6].when",
    )
    assert words in error["message"], error["message"]
    assert demo.get(f"{R}/2018/drafts", who="rule_editor").get_json()["items"] == []


def test_publishing_is_refused_when_the_drafts_dry_run_does_not_complete(
    demo: Api, rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule tests pass (one unit each), but scoring the year's units is stopped."""
    fixed = files_2018(rules_dir, cases=CASES.replace("{fired: [R1]}", "{fired: [R2]}"))
    draft = created(demo.post(f"{R}/2018/drafts", {"files": fixed}, who="rule_editor"))
    for engine in (DurableRulesEngine, PythonEngine):
        original = engine.evaluate

        def stopped(self: Any, ruleset: Any, values: Any, original: Any = original) -> Any:
            if len(values) > 2:
                raise Deadline(ruleset, 30).expired()
            return original(self, ruleset, values)

        monkeypatch.setattr(engine, "evaluate", stopped)
    url = f"{R}/2018/drafts/{draft['id']}/publish"
    doc = problem(demo.post(url, {"note": "R1 raised"}, who="rule_editor"), 422)
    (error,) = doc["errors"]
    assert error["message"].startswith("its dry run did not complete: evaluating the rules")
    assert "did not finish within 30 seconds" in error["message"]
    assert [v["origin"] for v in demo.get(f"{R}/2018/versions").get_json()["items"]] == ["shipped"]
    monkeypatch.undo()
    assert created(demo.post(url, {"note": "R1 raised"}, who="rule_editor"))["number"] == 2


def test_roles(demo: Api, rules_dir: Path) -> None:
    body = {"files": files_2018(rules_dir)}
    for who in ("reader", "inspector", "assessor"):
        problem(demo.post(f"{R}/2018/drafts", body, who=who), 403)
        problem(demo.get(f"{R}/2018/drafts", who=who), 403)
        assert demo.get(f"{R}/2018/versions", who=who).status_code == 200
    draft = created(demo.post(f"{R}/2018/drafts", body, who="rule_editor"))
    problem(demo.get(f"{R}/2018/drafts/{draft['id']}/diff", who="assessor"), 403)
    problem(demo.post(f"{R}/2018/drafts/{draft['id']}/publish", {"note": "x"}, who="reader"), 403)


def test_draft_dry_run_publish_and_recompute(demo: Api, rules_dir: Path) -> None:
    before = created(demo.post("/api/v1/years/2018/score-runs", {}, who="assessor"))
    old_hash = before["ruleset_hash"]

    response = demo.post(
        f"{R}/2018/drafts", {"files": files_2018(rules_dir), "note": "R1 0.97"}, who="rule_editor"
    )
    draft = created(response)
    assert response.headers["Location"] == f"{R}/2018/drafts/{draft['id']}"
    assert draft["status"] == "open" and draft["base_hash"] == old_hash
    assert draft["tests"]["cases"] == 2 and draft["tests"]["failed"] == 1
    assert draft["created_by"] == "rule_editor" and draft["note"] == "R1 0.97"
    assert [c["what"] for c in draft["rule_changes"]] == ["R1.when", "R2.when"]
    read = demo.get(f"{R}/2018/drafts/{draft['id']}", who="rule_editor").get_json()
    assert read["texts"]["tests/threshold.yaml"] == CASES

    # The dry run lists exactly the units that lose commendation.
    rows = demo.get(f"/api/v1/years/2018/score-runs/{before['id']}/rows?limit=1000").get_json()
    losing = sorted(
        r["unit"]
        for r in rows["items"]
        if "commendation" in r["measures"] and r["metrics"]["rate"] < 0.97
    )
    diff = demo.get(f"{R}/2018/drafts/{draft['id']}/diff", who="rule_editor").get_json()
    assert sorted(diff["summary"]["measures"]["commendation"]["lost"]) == losing
    assert diff["as_of"] == "2018-12-31" and diff["draft"]["id"] == draft["id"]
    changed = {u["unit"] for u in diff["units"] if "measures" in u["changed"]}
    assert changed == set(losing)
    at = demo.get(f"{R}/2018/drafts/{draft['id']}/diff?as_of=2018-09-30", who="rule_editor")
    assert at.status_code == 200 and at.get_json()["as_of"] == "2018-09-30"
    problem(
        demo.get(f"{R}/2018/drafts/{draft['id']}/diff?as_of=2017-01-01", who="rule_editor"), 422
    )

    # Its failing rule test blocks publishing, with the case's place.
    url = f"{R}/2018/drafts/{draft['id']}/publish"
    doc = problem(demo.post(url, {"note": "R1 0.97"}, who="rule_editor"), 422)
    failing = [e for e in doc["errors"] if e["pointer"] == "/files/tests~1threshold.yaml"]
    assert len(failing) == 1
    assert failing[0]["message"].startswith("rules/2018/tests/threshold.yaml:6: rate 0.95")
    assert demo.get(f"{R}/2018").get_json()["content_hash"] == old_hash
    tests = demo.get(f"{R}/2018/drafts/{draft['id']}/tests", who="rule_editor").get_json()
    assert tests["tests"]["failed"] == 1

    # Fixed and uploaded again: published, in force for new runs.
    fixed = files_2018(rules_dir, cases=CASES.replace("{fired: [R1]}", "{fired: [R2]}"))
    second = created(demo.post(f"{R}/2018/drafts", {"files": fixed}, who="rule_editor"))
    response = demo.post(
        f"{R}/2018/drafts/{second['id']}/publish", {"note": "R1 raised"}, who="rule_editor"
    )
    version = created(response)
    assert response.headers["Location"] == f"{R}/2018/versions/2"
    assert version["number"] == 2 and version["in_force"] and version["note"] == "R1 raised"
    assert version["published_by"] == "rule_editor"
    assert demo.get(f"{R}/2018").get_json()["content_hash"] == version["content_hash"]
    problem(demo.post(url, {"note": "late"}, who="rule_editor"), 409)  # made on version 1
    assert (
        demo.get(f"{R}/2018/drafts/{draft['id']}", who="rule_editor").get_json()["status"]
        == "stale"
    )

    versions = demo.get(f"{R}/2018/versions").get_json()
    assert versions["in_force"] == version["content_hash"]
    assert [(v["number"], v["origin"]) for v in versions["items"]] == [
        (1, "shipped"),
        (2, "published"),
    ]
    one = demo.get(f"{R}/2018/versions/1").get_json()
    assert one["content_hash"] == old_hash and not one["in_force"] and "rules.yaml" in one["files"]
    by_hash = demo.get(f"{R}/2018/versions/{version['content_hash'][:10]}").get_json()
    assert by_hash["files"]["tests/threshold.yaml"] == fixed["tests/threshold.yaml"]
    assert demo.get(f"{R}/2018/versions/current").get_json()["number"] == 2
    problem(demo.get(f"{R}/2018/versions/9"), 404)

    after = created(demo.post("/api/v1/years/2018/score-runs", {}, who="assessor"))
    assert after["ruleset_hash"] == version["content_hash"]
    again = demo.get(f"/api/v1/years/2018/score-runs/{before['id']}/recomputation").get_json()
    assert again["matches"] and again["ruleset_hash"] == old_hash and again["differences"] == []
    problem(demo.get(f"/api/v1/years/2019/score-runs/{before['id']}/recomputation"), 404)


def test_new_year_through_the_api(demo: Api) -> None:
    draft = created(demo.post(f"{R}/2020/new-year", {"from_year": 2019}, who="rule_editor"))
    assert (
        draft["extends"]["year"] == 2019 and "cutoff: 2020-12-31" in draft["texts"]["ruleset.yaml"]
    )
    assert draft["rule_changes_from"].startswith("2019 ")
    assert {c["what"] for c in draft["rule_changes"]} == {"cutoff", "alerts.inspections_from"}
    problem(demo.get(f"{R}/2020"), 404)  # not in force before it is published
    created(
        demo.post(f"{R}/2020/drafts/{draft['id']}/publish", {"note": "2020"}, who="rule_editor")
    )
    ruleset = demo.get(f"{R}/2020").get_json()
    assert ruleset["parameters"]["cutoff"] == "2020-12-31"
    problem(demo.post(f"{R}/2020/new-year", {"from_year": 2019}, who="rule_editor"), 409)
    problem(demo.post(f"{R}/2021/new-year", {"from_year": 1999}, who="rule_editor"), 422)


SHIPPED_YEARS = sorted(int(p.name) for p in (ROOT / "rules").iterdir() if p.is_dir())


def test_every_shipped_year_uploads_unchanged_as_a_draft(db_url: str) -> None:
    """The files of each ``rules/<year>/`` as shipped pass every check a draft must pass."""
    for api in make_api(db_url, rules_dir=ROOT / "rules"):
        for year in SHIPPED_YEARS:
            files = read_folder(ROOT / "rules" / str(year))
            doc = created(api.post(f"{R}/{year}/drafts", {"files": files}, who="rule_editor"))
            assert doc["tests"]["cases"] > 0 and doc["tests"]["failed"] == 0, (year, doc["tests"])
            assert doc["rule_changes"] == []
