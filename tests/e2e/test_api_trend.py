"""The year month by month through the HTTP API and the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from scoring_service.cli import main
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401

DEMO_2018 = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"
Y = "/api/v1/years/2018"


def demo(api: Api) -> Api:
    api.load(json.loads(DEMO_2018.read_text(encoding="utf-8")))
    return api


def test_the_trend_gives_each_county_at_each_month_end_a_page_at_a_time(api: Api) -> None:
    demo(api)
    first = api.get(f"{Y}/trend?kind=county&limit=4")
    assert first.status_code == 200
    page = first.get_json()
    assert page["total"] == 7 and len(page["items"]) == 4
    assert page["months"][0] == "2018-01-31" and page["months"][-1] == "2018-12-31"
    assert len(page["months"]) == 12
    rest = api.get(f"{Y}/trend?kind=county&limit=4&cursor={page['next_cursor']}").get_json()
    series = page["items"] + rest["items"]
    assert rest["next_cursor"] is None
    # Units come as the year-end score rows do: by rank, then code.
    year_end = api.get(f"{Y}/scores?kind=county&as_of=2018-12-31").get_json()["items"]
    assert [s["unit"] for s in series] == [r["unit"] for r in year_end]
    for s, row in zip(series, year_end, strict=True):
        last = s["points"][-1]
        assert last == {
            "as_of": "2018-12-31",
            "findings": row["metrics"]["findings"],
            "overdue": row["metrics"]["overdue"],
            "rate": row["metrics"]["rate"],
            "score": row["score"],
            "grade": row["grade"],
            "rank": row["rank"],
        }
    # Before the first inspection nothing counts: every county stands at the base score.
    assert {(s["points"][0]["score"], s["points"][0]["findings"]) for s in series} == {(100, 0)}
    september = api.get(f"{Y}/scores?kind=county&as_of=2018-09-30").get_json()["items"]
    by_unit = {s["unit"]: s["points"][8] for s in series}
    assert {r["unit"]: (r["score"], r["grade"]) for r in september} == {
        u: (p["score"], p["grade"]) for u, p in by_unit.items()
    }


def test_a_scoped_token_sees_its_own_units_and_a_bad_kind_is_refused(api: Api) -> None:
    demo(api)
    api.token("county", "reader", ["441624"])
    mine = api.get(f"{Y}/trend?kind=county", who="county").get_json()
    assert [s["unit"] for s in mine["items"]] == ["441624"]
    towns = api.get(f"{Y}/trend?kind=town&limit=1000", who="county").get_json()["items"]
    assert towns and all(s["unit"].startswith("441624") for s in towns)
    assert "scored kind" in problem(api.get(f"{Y}/trend?kind=village"), 422)["detail"]
    problem(api.get(f"{Y}/trend?kind=province"), 422)
    problem(api.get("/api/v1/years/2017/trend"), 404)


def test_the_trend_command_prints_a_line_per_unit_and_json(db_url: str) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main(["--db", db_url, *argv], out=out, err=err), out.getvalue(), err.getvalue()

    assert run("import", str(DEMO_2018))[0] == 0
    code, out, _ = run("trend", "--year", "2018", "--kind", "county")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:6] == ["unit", "name", "kind", "01", "02", "03"]
    assert len(lines) == 3 + 7
    assert lines[3].split()[2:4] == ["county", "100"]
    code, out, _ = run("trend", "--year", "2018", "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    assert code == 0 and doc["months"][-1] == "2018-12-31"
    assert {s["kind"] for s in doc["series"]} == {"county", "town", "helping_unit"}
    code, _, err = run("trend", "--year", "2018", "--kind", "village")
    assert code == 2 and "not a scored kind" in err
