"""The scope rule on every endpoint: a scoped principal reads only data about its units (and
the units under them) and writes only records wholly inside that.

The matrix: every write endpoint with a record inside the scope, outside it and across its
edge (mixed); every list and export read by a scoped token, compared with what an
unscoped token reads, filtered to the scope.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests.e2e.test_api_inspections import inspection
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle
from tests.helpers.english import english_runs

Y = "/api/v1/years/2018"
# The county, everything under it and the helping unit: the scoped admin's reach.
SCOPE = ["441624", "SZ-NS-001"]
REACH = {"441624", "441624101", "441624101201", "441624101202", "SZ-NS-001"}
OTHER = "441602"
OTHER_REACH = {OTHER, "441602100", "441602100201"}  # with the town and village added below
EVENT = {"type": "escalated", "date": "2018-08-16"}


@pytest.fixture(name="world")
def world_fixture(loaded: Api) -> Api:
    """The spec's example, with a town, a village, an inspection and a finding in the other
    county and a second helping unit (all written unscoped), and a scoped admin."""
    admin_writes = [
        ("units", {"code": "441602100", "name": "丙镇", "kind": "town", "parent": OTHER}),
        (
            "units",
            {
                "code": "441602100201",
                "name": "丙村",
                "kind": "village",
                "parent": "441602100",
                "village_type": "poor",
            },
        ),
        ("units", {"code": "SZ-XX-002", "name": "另一帮扶单位", "kind": "helping_unit"}),
        ("pairings", {"helping_unit": "SZ-XX-002", "village": "441602100201"}),
        ("inspections", other_county_inspection("2018-G1-09")),
    ]
    for path, body in admin_writes:
        response = loaded.post(f"{Y}/{path}", body)
        assert response.status_code == 201, response.get_json()
    loaded.token("scoped-admin", "admin", SCOPE)
    loaded.token("scoped-reader", "reader", [OTHER])
    return loaded


def other_county_inspection(code: str, **finding: Any) -> dict[str, Any]:
    return inspection(
        code=code,
        county=OTHER,
        sample={"towns": ["441602100"], "villages": [], "households": []},
        findings=[
            {
                "code": f"{code}-01",
                "unit": "441602100",
                "criterion": "6.2",
                "severity": "major",
                "description": "资金滞留",
                "deadline": "2018-09-15",
                **finding,
            }
        ],
    )


def status(response: Any) -> int:
    return int(response.status_code)


WHO = "scoped-admin"


def test_inspections_and_findings_are_written_only_wholly_inside(world: Api) -> None:
    inside = inspection(code="2018-G1-10")
    inside["findings"][0]["code"] = "2018-G1-10-01"
    assert status(world.post(f"{Y}/inspections", inside, who=WHO)) == 201
    # The attack found by probing: an inspection in another county whose finding names the
    # scoped county responsible, so that it counts against the other county.
    attack = other_county_inspection("2018-G1-11", severity="major", responsible=["441624"])
    assert "441602" in problem(world.post(f"{Y}/inspections", attack, who=WHO), 403)["detail"]
    # Mixed: the county is inside, a responsible unit is not.
    mixed = inspection(code="2018-G1-12")
    mixed["findings"][0] |= {"code": "2018-G1-12-01", "responsible": [OTHER]}
    problem(world.post(f"{Y}/inspections", mixed, who=WHO), 403)
    for refused in ("2018-G1-11", "2018-G1-12"):
        problem(world.get(f"{Y}/inspections/{refused}"), 404)  # nothing was stored

    # A letter date on another county's inspection: refused; on its own: done.
    problem(world.patch(f"{Y}/inspections/2018-G1-09", {"letter_date": "2018-08-16"}, WHO), 403)
    assert world.get(f"{Y}/inspections/2018-G1-09").get_json()["letter_date"] is None
    own = world.patch(f"{Y}/inspections/2018-G1-07", {"letter_date": "2018-07-12"}, WHO)
    assert status(own) == 200

    finding = {
        "code": "2018-G1-07-09",
        "unit": "441624101202",
        "criterion": "2.1",
        "severity": "general",
        "description": "台账不全",
        "deadline": "2018-09-01",
    }
    url = f"{Y}/inspections/2018-G1-07/findings"
    assert status(world.post(url, finding, who=WHO)) == 201
    mixed_finding = {**finding, "code": "2018-G1-07-10", "responsible": ["SZ-XX-002"]}
    problem(world.post(url, mixed_finding, who=WHO), 403)
    outside = {**finding, "code": "2018-G1-09-05", "unit": "441602100"}
    problem(world.post(f"{Y}/inspections/2018-G1-09/findings", outside, who=WHO), 403)


def test_events_are_written_only_on_findings_wholly_inside(world: Api) -> None:
    def event(code: str) -> Any:
        body = {"type": "escalated", "date": "2018-08-16"}
        return world.post(f"/api/v1/findings/{code}/events?year=2018", body, who=WHO)

    assert status(event("2018-G1-07-02")) in (201, 409)  # at the town, inside
    assert status(event("2018-G1-07-01")) in (201, 409)  # the village and its helping unit
    # The other county's finding is not even readable: answered as a missing code.
    problem(event("2018-G1-09-01"), 404)
    # Mixed: an inside finding naming a unit outside responsible.
    body = inspection(code="2018-G1-13")
    body["findings"][0] |= {"code": "2018-G1-13-01", "responsible": [OTHER]}
    assert status(world.post(f"{Y}/inspections", body)) == 201  # unscoped
    assert "441602" in problem(event("2018-G1-13-01"), 403)["detail"]


def test_structure_is_written_only_inside(world: Api) -> None:
    town = {"code": "441624102", "name": "新镇", "kind": "town", "parent": "441624"}
    assert status(world.post(f"{Y}/units", town, who=WHO)) == 201
    other_town = {"code": "441602101", "name": "外镇", "kind": "town", "parent": OTHER}
    problem(world.post(f"{Y}/units", other_town, who=WHO), 403)
    county = {"code": "441699", "name": "新县", "kind": "county"}
    problem(world.post(f"{Y}/units", county, who=WHO), 403)
    assert status(world.patch(f"{Y}/units/441624101", {"name": "阳明街道"}, WHO)) == 200
    problem(world.patch(f"{Y}/units/{OTHER}", {"name": "改名"}, WHO), 403)

    pairing = {"helping_unit": "SZ-NS-001", "village": "441624101202"}
    assert status(world.post(f"{Y}/pairings", pairing, who=WHO)) == 201
    mixed = {"helping_unit": "SZ-XX-002", "village": "441624101202"}
    problem(world.post(f"{Y}/pairings", mixed, who=WHO), 403)
    problem(world.delete(f"{Y}/pairings/SZ-XX-002/441602100201", who=WHO), 403)
    assert status(world.delete(f"{Y}/pairings/SZ-NS-001/441624101202", who=WHO)) in (200, 204)

    group = {"code": "G9", "name": "第九组", "leader": "李明", "counties": ["441624"]}
    assert status(world.post(f"{Y}/groups", group, who=WHO)) == 201
    wide = {**group, "code": "G8", "counties": ["441624", OTHER]}
    problem(world.post(f"{Y}/groups", wide, who=WHO), 403)
    problem(world.patch(f"{Y}/groups/G1", {"leader": "王五"}, WHO), 403)  # covers both


def test_year_wide_writes_need_an_unscoped_principal(world: Api) -> None:
    from tests.helpers.bundles import spec_bundle

    problem(world.post("/api/v1/bundles?replace=true", spec_bundle(), who=WHO), 403)
    problem(world.post(f"{Y}/score-runs", {}, who=WHO), 403)
    draft = {"files": {"rules.yaml": "rules: []\n"}}
    problem(world.post("/api/v1/rulesets/2018/drafts", draft, who=WHO), 403)
    problem(world.post("/api/v1/rulesets/2020/new-year", {"from_year": 2019}, who=WHO), 403)
    problem(world.get("/api/v1/audit", who=WHO), 403)
    # Each refusal is a security event in the audit log, with who tried what.
    entries = world.get("/api/v1/audit?action=security.refused&limit=100").get_json()["items"]
    tried = {e["record"] for e in entries if e["token"] == WHO}
    assert {"POST /api/v1/bundles", f"POST {Y}/score-runs", "GET /api/v1/audit"} <= tried


def test_principals_are_never_made_wider(world: Api) -> None:
    def create(body: dict[str, Any], who: str = WHO) -> Any:
        return world.post("/api/v1/tokens", body, who=who)

    narrower = create({"name": "town", "role": "inspector", "scope": ["441624101"]})
    assert status(narrower) == 201
    problem(create({"name": "everything", "role": "admin"}), 403)
    problem(create({"name": "other", "role": "reader", "scope": [OTHER]}), 403)
    problem(create({"name": "edge", "role": "reader", "scope": ["441624", OTHER]}), 403)
    problem(create({"name": "empty", "role": "reader", "scope": []}), 422)
    problem(create({"name": "empty", "role": "reader", "scope": []}, who="admin"), 422)
    unknown = problem(create({"name": "nowhere", "role": "reader", "scope": ["9"]}, "admin"), 422)
    assert "9" in unknown["detail"]
    # The scoped admin lists and revokes only tokens inside its scope.
    listed = {t["name"] for t in world.get("/api/v1/tokens", who=WHO).get_json()["items"]}
    assert listed == {"scoped-admin", "town"}
    everyone = world.get("/api/v1/tokens").get_json()["items"]
    unscoped = next(t["id"] for t in everyone if t["name"] == "admin")
    wider = next(t["id"] for t in everyone if t["name"] == "scoped-reader")
    problem(world.delete(f"/api/v1/tokens/{unscoped}", who=WHO), 403)
    problem(world.delete(f"/api/v1/tokens/{wider}", who=WHO), 403)
    assert status(world.delete(f"/api/v1/tokens/{narrower.get_json()['id']}", who=WHO)) == 200


def _units_of_csv(body: bytes) -> set[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header = rows[0]
    column = next(i for i, h in enumerate(header) if h in ("单位代码", "代码", "unit"))
    return {r[column].lstrip("'") for r in rows[1:] if r}


def _units_of_xlsx(body: bytes) -> set[str]:
    """The unit codes of every sheet holding them (scores: one sheet per kind)."""
    units: set[str] = set()
    for sheet in openpyxl.load_workbook(io.BytesIO(body)).worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header_at = next((i for i, r in enumerate(rows) if r and "单位代码" in r), None)
        if header_at is None:
            continue
        column = rows[header_at].index("单位代码")
        units |= {str(r[column]) for r in rows[header_at + 1 :] if r and r[column]}
    return units


@pytest.mark.parametrize(("who", "reach"), [(WHO, REACH), ("scoped-reader", OTHER_REACH)])
def test_every_list_and_export_shows_only_the_scope(world: Api, who: str, reach: set[str]) -> None:
    run = world.post(f"{Y}/score-runs", {}).get_json()  # a stored run, unscoped
    everything = world.get(f"{Y}/scores?limit=1000").get_json()["items"]

    # Score rows: those of the reach, with the year's ranks.
    rows = world.get(f"{Y}/scores?limit=1000", who=who).get_json()
    expected = [r for r in everything if r["unit"] in reach]
    assert rows["items"] == expected and rows["total"] == len(expected)
    page = world.get(f"{Y}/score-runs/{run['id']}/rows?limit=1000", who=who).get_json()
    assert page["items"] == expected
    one = world.get(f"{Y}/scores?limit=1", who=who).get_json()
    assert one["total"] == len(expected)
    for path in (f"{Y}/scores", f"{Y}/score-runs/{run['id']}/rows"):
        wanted = {r["unit"] for r in expected}
        assert _units_of_csv(world.get(f"{path}?format=csv", who=who).data) == wanted
        assert _units_of_xlsx(world.get(f"{path}?format=xlsx", who=who).data) == wanted
    recomputed = world.get(f"{Y}/score-runs/{run['id']}/recomputation", who=who).get_json()
    assert recomputed["matches"] and recomputed["differences"] == []

    # Explanations: the reach's units, and nothing else (not found, as a missing unit).
    for unit in {"441624", OTHER, "SZ-NS-001"}:
        response = world.get(f"{Y}/units/{unit}/explanation", who=who)
        assert status(response) == (200 if unit in reach else 404)

    # Inspections: those of counties inside the reach.
    listed = world.get(f"{Y}/inspections", who=who).get_json()["items"]
    every = world.get(f"{Y}/inspections").get_json()["items"]
    assert listed == [i for i in every if i["county"] in reach]
    for ins in every:
        answer = world.get(f"{Y}/inspections/{ins['code']}", who=who)
        assert status(answer) == (200 if ins["county"] in reach else 404)
        problems = world.get(f"{Y}/inspections/{ins['code']}/problems?format=csv", who=who)
        assert status(problems) == (200 if ins["county"] in reach else 404)

    # Findings: found inside the reach or counting for a unit inside it.
    findings = world.get("/api/v1/findings?year=2018&limit=1000", who=who).get_json()["items"]
    assert findings
    for f in findings:
        detail = world.get(f"/api/v1/findings/{f['code']}?year=2018").get_json()
        counts = {c["unit"] for c in detail["counts_for"]}
        assert f["unit"] in reach or counts & reach

    # Alerts: on findings it reads or inspections of its counties; none on other counties.
    alerts = world.get(f"{Y}/alerts?limit=1000", who=who).get_json()["items"]
    seen = {f["code"] for f in findings}
    ours = {i["code"] for i in listed}
    for alert in alerts:
        assert alert.get("finding") in seen or alert.get("inspection") in ours, alert
    all_alerts = world.get(f"{Y}/alerts?limit=1000").get_json()["items"]
    assert len(alerts) < len(all_alerts)

    # Structure: units of the reach, and pairings with a unit inside it.
    units = world.get(f"{Y}/units?limit=1000", who=who).get_json()["items"]
    assert {u["code"] for u in units} == reach
    structure = world.get(f"{Y}/structure", who=who).get_json()
    shown = {h["code"] for h in structure["helping_units"]}
    for county in structure["counties"]:
        shown.add(county["code"])
        for town in county["towns"]:
            shown |= {town["code"], *(v["code"] for v in town["villages"])}
    assert shown == reach
    pairings = world.get(f"{Y}/pairings?limit=1000", who=who).get_json()["items"]
    assert pairings and all({p["helping_unit"], p["village"]} & reach for p in pairings)
    for unit in ("441624101", OTHER):
        assert status(world.get(f"{Y}/units/{unit}", who=who)) == (200 if unit in reach else 404)


@pytest.mark.language("zh")
def test_a_refusal_of_the_scope_holds_no_english_word(world: Api) -> None:
    body = inspection(code="2018-G1-13")
    body["findings"][0] |= {"code": "2018-G1-13-01", "responsible": [OTHER]}
    assert status(world.post(f"{Y}/inspections", body)) == 201  # unscoped
    other_town = {"code": "441602101", "name": "外镇", "kind": "town", "parent": OTHER}
    refused = [
        world.post(f"{Y}/units", other_town, who=WHO),
        world.post(f"{Y}/pairings", {"helping_unit": "SZ-XX-002", "village": "441624101202"}, WHO),
        world.patch(f"{Y}/groups/G1", {"leader": "王五"}, WHO),
        world.post("/api/v1/findings/2018-G1-13-01/events?year=2018", EVENT, who=WHO),
        world.post(f"{Y}/inspections", other_county_inspection("2018-G1-14"), who=WHO),
        world.post(f"{Y}/score-runs", {}, who=WHO),
        world.post("/api/v1/bundles?replace=true", spec_bundle(), who=WHO),
        world.post("/api/v1/rulesets/2018/drafts", {"files": {"rules.yaml": ""}}, who=WHO),
        world.get("/api/v1/audit", who=WHO),
        world.get(f"{Y}/documents/circular", who=WHO),
        world.get(f"{Y}/documents/monthly?month=8", who=WHO),
        world.get(f"{Y}/documents/archive?quarter=3", who=WHO),
        world.get("/api/v1/rulesets/2018/drafts/1/diff", who=WHO),
    ]
    for response in refused:
        detail = problem(response, 403)["detail"]
        assert english_runs(detail, min_words=1) == [], detail
