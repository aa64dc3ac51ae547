"""Findings, their histories, events and unit scopes through the HTTP API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.test_api_inspections import inspection
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle

F1, F2 = "2018-G1-07-01", "2018-G1-07-02"
Y = "/api/v1/years/2018"


def codes(api: Api, query: str, who: str = "admin") -> list[str]:
    response = api.get(f"/api/v1/findings?year=2018&{query}", who=who)
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert page["total"] == len(page["items"])
    return [f["code"] for f in page["items"]]


def test_list_findings_with_filters(loaded: Api) -> None:
    # A later finding at the same town and criterion as F2, which was rectified on 07-30.
    assert loaded.post(f"{Y}/inspections", inspection(), who="inspector").status_code == 201
    F3 = "2018-G1-08-01"
    assert codes(loaded, "") == [F1, F2, F3]
    assert codes(loaded, "unit=441624") == [F1, F2, F3]
    assert codes(loaded, "unit=441624101201") == [F1]
    assert codes(loaded, "unit=441602") == []
    assert codes(loaded, "counts_for=SZ-NS-001") == [F1]  # named responsible
    assert codes(loaded, "category=6") == [F2, F3]
    assert codes(loaded, "criterion=2.3") == [F1]
    assert codes(loaded, "severity=major") == [F2, F3]
    assert codes(loaded, "inspection=2018-G1-08") == [F3]
    assert codes(loaded, "outcome=open&as_of=2018-08-15") == [F1, F3]
    assert codes(loaded, "outcome=on_time&as_of=2018-08-15") == [F2]
    assert codes(loaded, "overdue=true&as_of=2018-09-10") == [F2]
    assert codes(loaded, "overdue=false&as_of=2018-09-10") == [F1, F3]
    assert codes(loaded, "outcome=late") == [F2]
    assert codes(loaded, "repeat=true") == [F3]
    assert codes(loaded, "repeat=true&severity=general") == []
    # Found after the as-of date: listed without a state, never matched by a state filter.
    page = loaded.get("/api/v1/findings?year=2018&as_of=2018-07-31").get_json()
    assert [f["state"] is None for f in page["items"]] == [False, False, True]
    assert codes(loaded, "repeat=false&as_of=2018-07-31") == [F1, F2]
    problem(loaded.get("/api/v1/findings?year=2017"), 404)
    problem(loaded.get("/api/v1/findings?year=2018&outcome=lost"), 422)


def test_state_filters_paginate_too(loaded: Api) -> None:
    first = loaded.get("/api/v1/findings?year=2018&repeat=false&limit=1").get_json()
    assert first["total"] == 2 and [f["code"] for f in first["items"]] == [F1]
    url = f"/api/v1/findings?year=2018&repeat=false&limit=1&cursor={first['next_cursor']}"
    second = loaded.get(url).get_json()
    assert [f["code"] for f in second["items"]] == [F2] and second["next_cursor"] is None


def test_read_a_finding_with_its_whole_history(loaded: Api) -> None:
    doc = loaded.get(f"/api/v1/findings/{F2}?as_of=2018-09-10").get_json()
    assert [e["type"] for e in doc["events"]] == [
        "escalated",
        "rectified",
        "lookback_failed",
        "rectified",
        "lookback_passed",
    ]
    assert doc["state"]["outcome"] == "overdue" and doc["state"]["fakes"] == 1
    assert doc["state"]["escalated_on"] == "2018-07-11"
    counts_for = {c["unit"]: c["reasons"] for c in doc["counts_for"]}
    assert counts_for == {"441624101": ["found"], "441624": ["territorial"]}
    doc = loaded.get(f"/api/v1/findings/{F1}").get_json()
    assert {c["unit"]: c["reasons"] for c in doc["counts_for"]}["SZ-NS-001"] == ["responsible"]
    events = loaded.get(f"/api/v1/findings/{F2}/events?limit=2").get_json()
    assert events["total"] == 5 and len(events["items"]) == 2 and events["next_cursor"]
    problem(loaded.get("/api/v1/findings/NOPE"), 404)
    problem(loaded.get(f"/api/v1/findings/{F1}?year=2019"), 404)


def post_event(api: Api, code: str, body: dict[str, Any], who: str = "inspector") -> Any:
    return api.post(f"/api/v1/findings/{code}/events", body, who=who)


def test_append_events_through_the_state_machine(loaded: Api) -> None:
    # F1: deadline extended to 09-10, rectified 08-20.
    refused = problem(post_event(loaded, F1, {"type": "rectified", "date": "2018-09-01"}), 409)
    assert refused["type"].endswith("#problem-event-refused")
    assert refused["errors"] == [
        {"pointer": "/type", "message": "the finding is already rectified"}
    ]
    ok = post_event(
        loaded, F1, {"type": "lookback_failed", "date": "2018-09-01", "note": "整改不实"}
    )
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["type"] == "lookback_failed"
    late = {"type": "extension", "date": "2018-09-11", "new_deadline": "2018-10-01", "reason": "r"}
    assert problem(post_event(loaded, F1, late), 409)["errors"][0]["pointer"] == "/date"
    short = {**late, "date": "2018-09-05", "new_deadline": "2018-09-01"}
    assert problem(post_event(loaded, F1, short), 409)["errors"][0]["pointer"] == "/new_deadline"
    good = {**late, "date": "2018-09-05"}
    assert post_event(loaded, F1, good).status_code == 201
    before = {"type": "lookback_passed", "date": "2018-07-01"}
    assert problem(post_event(loaded, F1, before), 409)["errors"][0]["pointer"] == "/date"
    # An earlier event that would invalidate one held is refused too.
    earlier = {"type": "rectified", "date": "2018-08-10"}
    doc = problem(post_event(loaded, F1, earlier), 409)
    assert "would make the rectified event of 2018-08-20 invalid" in doc["errors"][0]["message"]
    assert problem(post_event(loaded, F1, {"type": "escalated", "date": "2018-08-01"}), 409)
    state = loaded.get(f"/api/v1/findings/{F1}").get_json()["state"]
    assert (state["rectified"], state["effective_deadline"], state["fakes"]) == (
        False,
        "2018-10-01",
        1,
    )
    # Same-date events apply in the order they were submitted.
    assert post_event(loaded, F1, {"type": "rectified", "date": "2018-09-05"}).status_code == 201
    history = loaded.get(f"/api/v1/findings/{F1}").get_json()["events"]
    assert [(e["date"], e["type"]) for e in history[-2:]] == [
        ("2018-09-05", "extension"),
        ("2018-09-05", "rectified"),
    ]
    assert loaded.get(Y).get_json()["events"] == 10


def test_event_bodies_are_validated(loaded: Api) -> None:
    doc = problem(post_event(loaded, F1, {"type": "extension", "date": "2018-08-01"}), 422)
    assert {e["pointer"] for e in doc["errors"]} == {"/new_deadline", "/reason"}
    doc = problem(post_event(loaded, F1, {"type": "approved", "date": "2018-08-01"}), 422)
    assert doc["errors"][0]["pointer"] == "/type"
    doc = problem(post_event(loaded, F1, {"date": "2018-08-01"}), 422)
    assert doc["errors"][0]["pointer"] == "/type"
    doc = problem(post_event(loaded, F1, {"type": "rectified", "date": "yesterday"}), 422)
    assert doc["errors"][0]["pointer"] == "/date"
    problem(post_event(loaded, F1, {"type": "rectified", "date": "2018-08-01", "x": 1}), 422)
    problem(post_event(loaded, "NOPE", {"type": "rectified", "date": "2018-08-01"}), 404)


def test_a_code_held_in_two_years_needs_the_year(loaded: Api) -> None:
    text = json.dumps(spec_bundle()).replace("2018-0", "2019-0").replace("2018-1", "2019-1")
    bundle = json.loads(text)
    bundle["year"] = 2019
    for item in bundle["inspections"]:
        item["code"] = "2019-G1-07"
    for f in bundle["inspections"][0]["findings"]:
        f["code"] = f["code"].replace("2019-G1", "2018-G1")
    for e in bundle["events"]:
        e["finding"] = e["finding"].replace("2019-G1", "2018-G1")
    loaded.load(bundle)
    problem(loaded.get(f"/api/v1/findings/{F2}"), 422)
    assert loaded.get(f"/api/v1/findings/{F2}?year=2019").get_json()["year"] == 2019
    body = {"type": "escalated", "date": "2019-07-12"}
    problem(post_event(loaded, F2, body), 422)
    created = loaded.post(f"/api/v1/findings/{F2}/events?year=2019", body, who="inspector")
    assert created.status_code == 201 and created.get_json()["year"] == 2019


@pytest.mark.parametrize(
    ("scope", "visible", "writable", "county_inside"),
    [
        (["441602"], [], [], False),  # another county
        # The county reads both; F1 also counts for the helping unit it names responsible,
        # which is outside the county: only F2 is wholly inside.
        (["441624"], [F1, F2], [F2], True),
        # The town reads both, found under it, but their inspection's county is above it.
        (["441624101"], [F1, F2], [], False),
        (["SZ-NS-001"], [F1], [], False),  # the helping unit: named responsible
        (["441624101202"], [], [], False),  # the other village
    ],
)
def test_a_scoped_token_reads_its_findings_and_writes_only_wholly_inside(
    loaded: Api, scope: list[str], visible: list[str], writable: list[str], county_inside: bool
) -> None:
    loaded.token("scoped", "inspector", scope)
    assert codes(loaded, "", who="scoped") == visible
    missing = loaded.get("/api/v1/findings/2018-NO-SUCH", who="scoped")
    for code in (F1, F2):
        read = loaded.get(f"/api/v1/findings/{code}", who="scoped")
        event = post_event(loaded, code, {"type": "escalated", "date": "2018-07-11"}, who="scoped")
        if code in writable:
            assert event.status_code in (201, 409), event.get_json()
        elif code in visible:
            assert "outside the scope" in problem(event, 403)["detail"]
        else:
            # Not readable: answered exactly as a code that does not exist.
            assert problem(event, 404)["detail"] == f"no finding {code!r} is held"
        if code in visible:
            assert read.status_code == 200
        else:
            body = problem(read, 404)
            assert body["detail"] == missing.get_json()["detail"].replace("2018-NO-SUCH", code)
            problem(loaded.get(f"/api/v1/findings/{code}/events", who="scoped"), 404)
    # Filters narrow the scope further, never widen it.
    assert codes(loaded, "unit=441624", who="scoped") == visible
    assert codes(loaded, "counts_for=441624&severity=major", who="scoped") == [
        c for c in visible if c == F2
    ]
    problems = loaded.get(f"{Y}/inspections/2018-G1-07/problems", who="scoped")
    ins = loaded.get(f"{Y}/inspections/2018-G1-07", who="scoped")
    listed = loaded.get(f"{Y}/inspections", who="scoped").get_json()["items"]
    explanation = loaded.get(f"{Y}/units/441624/explanation", who="scoped")
    if county_inside:
        assert [r["finding"] for r in problems.get_json()["rows"]] == visible
        assert [f["code"] for f in ins.get_json()["findings"]] == visible
        assert [i["code"] for i in listed] == ["2018-G1-07"]
        assert explanation.status_code == 200
    else:
        problem(problems, 404)
        problem(ins, 404)
        assert listed == []
        problem(explanation, 404)


def test_pairing_brings_findings_of_the_helping_categories(loaded: Api) -> None:
    loaded.token("helper", "inspector", ["SZ-NS-001"])
    finding = {
        "code": "2018-G1-07-03",
        "unit": "441624101201",
        "criterion": "3.1",
        "severity": "general",
        "description": "识别不准",
        "deadline": "2018-08-30",
    }
    url = f"{Y}/inspections/2018-G1-07/findings"
    # The helping unit reads what counts for it, but the village's county is outside its
    # scope: it writes nothing there.
    problem(loaded.post(url, finding, who="helper"), 403)
    assert loaded.post(url, finding, who="inspector").status_code == 201
    assert codes(loaded, "", who="helper") == [F1, "2018-G1-07-03"]
    other = {**finding, "code": "2018-G1-07-04", "criterion": "2.1"}  # category 2: not paired
    assert loaded.post(url, other, who="inspector").status_code == 201
    assert codes(loaded, "", who="helper") == [F1, "2018-G1-07-03"]
    county = inspection()
    problem(loaded.post(f"{Y}/inspections", county, who="helper"), 403)
    assert loaded.get(f"{Y}/inspections/2018-G1-08").status_code == 404


def test_a_scoped_token_sees_alerts_only_on_its_findings(loaded: Api) -> None:
    major = {
        "code": "2018-G1-07-05",
        "unit": "441624101202",
        "criterion": "6.1",
        "severity": "major",
        "description": "资金未及时拨付",
        "deadline": "2018-08-30",
    }
    assert loaded.post(f"{Y}/inspections/2018-G1-07/findings", major).status_code == 201
    loaded.token("other-county", "reader", ["441602"])
    loaded.token("this-county", "reader", ["441624"])

    def unescalated(who: str) -> list[str]:
        url = f"{Y}/alerts?type=unescalated_major&limit=1000"
        return [a["finding"] for a in loaded.get(url, who=who).get_json()["items"]]

    assert unescalated("admin") == ["2018-G1-07-05"]
    assert unescalated("this-county") == ["2018-G1-07-05"]
    assert unescalated("other-county") == []


def test_an_event_s_texts_are_bounded_as_everywhere(loaded: Api) -> None:
    from scoring_service.domain.bounds import NOTE_MAX, REASON_MAX

    long_reason = {
        "type": "extension",
        "date": "2018-08-01",
        "new_deadline": "2018-10-01",
        "reason": "因" * (REASON_MAX + 1),
    }
    refused = problem(post_event(loaded, F2, long_reason), 422)
    assert {"pointer": "/reason", "message": f"at most {REASON_MAX} characters"} in refused[
        "errors"
    ]
    long_note = {"type": "lookback_failed", "date": "2018-09-01", "note": "注" * (NOTE_MAX + 1)}
    refused = problem(post_event(loaded, F1, long_note), 422)
    assert refused["errors"][0]["message"] == f"at most {NOTE_MAX} characters"


def test_an_event_dated_after_today_is_refused(loaded: Api) -> None:
    ahead = {"type": "lookback_passed", "date": "2030-01-02"}
    refused = problem(post_event(loaded, F1, ahead), 409)
    assert refused["errors"][0]["pointer"] == "/date"
    assert "after today" in refused["errors"][0]["message"]
    assert all(
        e["date"] != "2030-01-02" for e in loaded.get(f"/api/v1/findings/{F1}").get_json()["events"]
    )
