"""Years, units, pairings, groups and the year's structure through the HTTP API."""

from __future__ import annotations

from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401

Y = "/api/v1/years/2018"


def test_years_and_structure(loaded: Api) -> None:
    years = loaded.get("/api/v1/years").get_json()["items"]
    assert [(y["year"], y["units"], y["findings"], y["events"]) for y in years] == [(2018, 6, 2, 7)]
    assert loaded.get(Y).get_json()["inspections"] == 1
    tree = loaded.get(f"{Y}/structure").get_json()
    county = next(c for c in tree["counties"] if c["code"] == "441624")
    village = county["towns"][0]["villages"][0]
    assert village == {
        "code": "441624101201",
        "name": "甲村",
        "village_type": "poor",
        "helping_units": ["SZ-NS-001"],
    }
    assert tree["helping_units"] == [
        {"code": "SZ-NS-001", "name": "某帮扶单位", "villages": ["441624101201"]}
    ]
    assert tree["groups"][0]["counties"] == ["441602", "441624"]
    problem(loaded.get("/api/v1/years/2019/structure"), 404)


def test_units_list_pages_in_a_stable_order(loaded: Api) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        url = f"{Y}/units?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = loaded.get(url).get_json()
        assert page["total"] == 6 and page["limit"] == 4
        seen += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 == len(set(seen))
    assert seen == [u["code"] for u in loaded.get(f"{Y}/units?limit=100").get_json()["items"]]
    towns = loaded.get(f"{Y}/units?kind=village&parent=441624101").get_json()
    assert [u["code"] for u in towns["items"]] == ["441624101201", "441624101202"]
    problem(loaded.get(f"{Y}/units?kind=shire"), 422)


def test_create_read_update_units(loaded: Api) -> None:
    body = {"code": "441624102", "name": "东水镇", "kind": "town", "parent": "441624"}
    created = loaded.post(f"{Y}/units", body)
    assert created.status_code == 201
    assert created.headers["Location"] == f"{Y}/units/441624102"
    assert created.get_json() == {"year": 2018, **body, "village_type": None}
    problem(loaded.post(f"{Y}/units", body), 409)
    village = {"code": "V9", "name": "丙村", "kind": "village", "parent": "441624102"}
    doc = problem(loaded.post(f"{Y}/units", village), 422)
    assert doc["errors"] == [
        {"pointer": "/village_type", "message": "a village needs a village_type (poor or ordinary)"}
    ]
    doc = problem(
        loaded.post(f"{Y}/units", {**village, "village_type": "poor", "parent": "441624"}), 422
    )
    assert doc["errors"][0]["pointer"] == "/parent"
    assert loaded.post(f"{Y}/units", {**village, "village_type": "poor"}).status_code == 201
    updated = loaded.patch(f"{Y}/units/V9", {"name": "丙村（新）", "village_type": "ordinary"})
    assert updated.status_code == 200
    assert loaded.get(f"{Y}/units/V9").get_json()["village_type"] == "ordinary"
    problem(loaded.patch(f"{Y}/units/V9", {"kind": "town"}), 422)
    problem(loaded.patch(f"{Y}/units/441624", {"village_type": "poor"}), 422)
    problem(loaded.patch(f"{Y}/units/NOPE", {"name": "x"}), 404)
    problem(loaded.get(f"{Y}/units/NOPE"), 404)
    assert loaded.get(Y).get_json()["units"] == 8


def test_first_record_creates_a_year_with_a_rule_set(api: Api) -> None:
    body = {"code": "441624", "name": "和平县", "kind": "county"}
    assert api.post("/api/v1/years/2019/units", body).status_code == 201
    assert api.get("/api/v1/years/2019").get_json()["units"] == 1
    problem(api.post("/api/v1/years/2031/units", body), 404)  # no rule set for 2031


def test_pairings(loaded: Api) -> None:
    body = {"helping_unit": "SZ-NS-001", "village": "441624101202"}
    created = loaded.post(f"{Y}/pairings", body)
    assert created.status_code == 201
    assert created.headers["Location"] == f"{Y}/pairings/SZ-NS-001/441624101202"
    problem(loaded.post(f"{Y}/pairings", body), 409)
    doc = problem(
        loaded.post(f"{Y}/pairings", {"helping_unit": "441624", "village": "441624101202"}), 422
    )
    assert doc["errors"][0]["pointer"] == "/helping_unit"
    listed = loaded.get(f"{Y}/pairings?helping_unit=SZ-NS-001").get_json()
    assert [p["village"] for p in listed["items"]] == ["441624101201", "441624101202"]
    assert loaded.get(f"{Y}/pairings/SZ-NS-001/441624101202").status_code == 200
    assert loaded.delete(f"{Y}/pairings/SZ-NS-001/441624101202").status_code == 204
    problem(loaded.get(f"{Y}/pairings/SZ-NS-001/441624101202"), 404)
    problem(loaded.delete(f"{Y}/pairings/SZ-NS-001/441624101202"), 404)


def test_groups(loaded: Api) -> None:
    body = {"code": "G2", "name": "第二组", "leader": "李明", "counties": ["441602"]}
    created = loaded.post(f"{Y}/groups", body)
    assert created.status_code == 201
    assert created.get_json() == {"year": 2018, **body}
    problem(loaded.post(f"{Y}/groups", body), 409)
    doc = problem(
        loaded.post(f"{Y}/groups", {**body, "code": "G3", "counties": ["441624101"]}), 422
    )
    assert doc["errors"][0]["pointer"] == "/counties/0"
    assert (
        loaded.patch(
            f"{Y}/groups/G2", {"leader": "王强", "counties": ["441602", "441624"]}
        ).status_code
        == 200
    )
    assert loaded.get(f"{Y}/groups/G2").get_json()["counties"] == ["441602", "441624"]
    # G1 inspected 441624: that county cannot be dropped.
    doc = problem(loaded.patch(f"{Y}/groups/G1", {"counties": ["441602"]}), 409)
    assert "2018-G1-07" in doc["detail"]
    listed = loaded.get(f"{Y}/groups?county=441624").get_json()
    assert [g["code"] for g in listed["items"]] == ["G1", "G2"]
    problem(loaded.get(f"{Y}/groups/G9"), 404)
