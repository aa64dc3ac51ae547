"""Every rejection of spec section 8, each with its JSON pointer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.domain.model import EventType, Severity
from tests.helpers.bundles import catalogue_of, spec_bundle

Mutation = Callable[[dict[str, Any]], None]


def problems_of(bundle: dict[str, Any] | str | bytes) -> list[tuple[str, str]]:
    raw = bundle if isinstance(bundle, (str, bytes)) else json.dumps(bundle, ensure_ascii=False)
    with pytest.raises(InvalidBundle) as caught:
        read_bundle(raw, catalogue_of)
    return [(p.pointer, p.message) for p in caught.value.problems]


def test_the_spec_example_is_valid_and_converts_whole() -> None:
    data = read_bundle(json.dumps(spec_bundle()), catalogue_of)
    assert data.year == 2018
    assert [u.code for u in data.units][:2] == ["441602", "441624"]
    assert data.pairings[0].helping_unit == "SZ-NS-001"
    assert data.groups[0].counties == ("441602", "441624")
    finding = data.findings[1]
    assert finding.found_on.isoformat() == "2018-07-11"
    assert finding.severity is Severity.MAJOR and finding.category == "6"
    assert data.findings[0].responsible == ("SZ-NS-001",)
    assert [e.type for e in data.events][:2] == [EventType.EXTENSION, EventType.RECTIFIED]
    assert [e.seq for e in data.events] == list(range(7))
    assert data.inspections[0].sample.households[2].status.value == "not_exited"


def _set(path: str, value: Any) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = bundle
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = bundle
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return mutate


def _append(path: str, value: Any) -> Mutation:
    def mutate(bundle: dict[str, Any]) -> None:
        node: Any = bundle
        for part in path.strip("/").split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        node.append(value)

    return mutate


F0 = "/inspections/0/findings/0"
SAMPLE = "/inspections/0/sample"
CASES: list[tuple[str, Mutation, str, str]] = [
    ("wrong format", _set("/format", "bundle/2"), "/format", "assessment-bundle/1"),
    ("year without rules", _set("/year", 2017), "/year", "no rule set"),
    ("year not a number", _set("/year", "2018"), "/year", "whole number"),
    ("unknown field", _set("/units/0/population", 5), "/units/0/population", "unknown field"),
    ("unknown top field", _set("/extra", []), "/extra", "unknown field"),
    ("missing field", _delete("/units/0/name"), "/units/0/name", "required"),
    ("missing deadline", _delete(F0 + "/deadline"), F0 + "/deadline", "required"),
    ("malformed date", _set(F0 + "/deadline", "2018-02-30"), F0 + "/deadline", "YYYY-MM-DD"),
    ("date as number", _set(F0 + "/deadline", 20180810), F0 + "/deadline", "YYYY-MM-DD"),
    ("bad kind", _set("/units/0/kind", "province"), "/units/0/kind", "not allowed"),
    ("bad severity", _set(F0 + "/severity", "minor"), F0 + "/severity", "not allowed"),
    ("code with space", _set("/units/0/code", "44 16"), "/units/0/code", "without spaces"),
    ("code too long", _set("/groups/0/code", "G" * 65), "/groups/0/code", "64"),
    (
        "duplicate unit",
        _append("/units", {"code": "441602", "name": "x", "kind": "county"}),
        "/units/6/code",
        "listed twice",
    ),
    (
        "duplicate group",
        _append("/groups", {"code": "G1", "name": "x", "leader": "y", "counties": []}),
        "/groups/1/code",
        "listed twice",
    ),
    (
        "duplicate finding",
        _append(
            "/inspections/0/findings",
            {
                "code": "2018-G1-07-01",
                "unit": "441624101",
                "criterion": "2.1",
                "severity": "general",
                "description": "x",
                "deadline": "2018-08-01",
            },
        ),
        "/inspections/0/findings/2/code",
        "listed twice",
    ),
    ("unknown parent", _set("/units/2/parent", "999"), "/units/2/parent", "unknown unit"),
    ("parent of wrong kind", _set("/units/3/parent", "441624"), "/units/3/parent", "not a town"),
    ("county with parent", _set("/units/0/parent", "441624"), "/units/0/parent", "no parent"),
    (
        "village without type",
        _delete("/units/3/village_type"),
        "/units/3/village_type",
        "village_type",
    ),
    (
        "town with village type",
        _set("/units/2/village_type", "poor"),
        "/units/2/village_type",
        "only a village",
    ),
    (
        "pairing unknown village",
        _set("/pairings/0/village", "X"),
        "/pairings/0/village",
        "unknown unit",
    ),
    (
        "pairing with a town",
        _set("/pairings/0/village", "441624101"),
        "/pairings/0/village",
        "not a village",
    ),
    (
        "group unknown county",
        _set("/groups/0/counties/0", "441699"),
        "/groups/0/counties/0",
        "unknown unit",
    ),
    ("unknown group", _set("/inspections/0/group", "G9"), "/inspections/0/group", "unknown group"),
    ("unknown county", _set("/inspections/0/county", "X"), "/inspections/0/county", "unknown unit"),
    (
        "county outside group",
        _set("/groups/0/counties", ["441602"]),
        "/inspections/0/county",
        "not among the counties",
    ),
    (
        "start outside year",
        _set("/inspections/0/start_date", "2017-12-30"),
        "/inspections/0/start_date",
        "outside the year",
    ),
    (
        "end outside year",
        _set("/inspections/0/end_date", "2019-01-02"),
        "/inspections/0/end_date",
        "outside the year",
    ),
    (
        "end before start",
        _set("/inspections/0/end_date", "2018-07-09"),
        "/inspections/0/end_date",
        "before the start date",
    ),
    (
        "letter before end",
        _set("/inspections/0/letter_date", "2018-07-10"),
        "/inspections/0/letter_date",
        "before the inspection ended",
    ),
    (
        "sampled town elsewhere",
        _set(SAMPLE + "/towns/0", "441602"),
        SAMPLE + "/towns/0",
        "not a town",
    ),
    (
        "household outside sample villages",
        _set(SAMPLE + "/households/0/village", "V9"),
        SAMPLE + "/households/0/village",
        "not among the sample's villages",
    ),
    (
        "village listed twice",
        _append(SAMPLE + "/villages", "441624101201"),
        SAMPLE + "/villages/2",
        "listed twice",
    ),
    (
        "household listed twice",
        _append(
            SAMPLE + "/households", {"code": "H1", "village": "441624101201", "status": "pre_exit"}
        ),
        SAMPLE + "/households/6/code",
        "listed twice",
    ),
    ("unknown finding unit", _set(F0 + "/unit", "X"), F0 + "/unit", "unknown unit"),
    ("unknown criterion", _set(F0 + "/criterion", "9.9"), F0 + "/criterion", "unknown criterion"),
    (
        "unknown responsible",
        _set(F0 + "/responsible", ["X"]),
        F0 + "/responsible/0",
        "unknown unit",
    ),
    (
        "deadline before found",
        _set(F0 + "/deadline", "2018-07-10"),
        F0 + "/deadline",
        "before the finding was found",
    ),
    (
        "unknown event finding",
        _set("/events/0/finding", "NOPE"),
        "/events/0/finding",
        "unknown finding",
    ),
    (
        "event before found",
        _set("/events/2/date", "2018-07-10"),
        "/events/2/date",
        "before the finding was found",
    ),
    ("unknown event type", _set("/events/0/type", "closed"), "/events/0", "unknown event type"),
    ("extension without reason", _set("/events/0/reason", " "), "/events/0/reason", "blank"),
    (
        "extension field on rectified",
        _set("/events/1/new_deadline", "2018-09-01"),
        "/events/1/new_deadline",
        "unknown field",
    ),
    (
        "extension after deadline",
        _set("/events/0/date", "2018-08-11"),
        "/events/0/date",
        "on or before the deadline",
    ),
    (
        "extension not later",
        _set("/events/0/new_deadline", "2018-08-10"),
        "/events/0/new_deadline",
        "later than the current deadline",
    ),
    (
        "rectified twice",
        _set("/events/6", {"finding": "2018-G1-07-02", "type": "rectified", "date": "2018-10-20"}),
        "/events/6/type",
        "already rectified",
    ),
    (
        "look-back on an open finding",
        _set("/events/4/date", "2018-07-20"),
        "/events/4/type",
        "only to a rectified finding",
    ),
    (
        "escalating a general finding",
        _set("/events/2/finding", "2018-G1-07-01"),
        "/events/2/type",
        "only a major finding",
    ),
    (
        "extension of a rectified finding",
        _append(
            "/events",
            {
                "finding": "2018-G1-07-01",
                "type": "extension",
                "date": "2018-08-25",
                "new_deadline": "2018-10-01",
                "reason": "r",
            },
        ),
        "/events/7/type",
        "already rectified",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "pointer", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rejection_names_its_place(mutate: Mutation, pointer: str, fragment: str) -> None:
    bundle = spec_bundle()
    mutate(bundle)
    problems = problems_of(bundle)
    assert any(p == pointer and fragment in m for p, m in problems), problems


def test_every_problem_is_reported_not_only_the_first() -> None:
    bundle = spec_bundle()
    bundle["units"][3].pop("village_type")
    bundle["inspections"][0]["findings"][0]["criterion"] = "0.0"
    bundle["events"][0]["finding"] = "NOPE"
    pointers = {p for p, _ in problems_of(bundle)}
    assert {"/units/3/village_type", F0 + "/criterion", "/events/0/finding"} <= pointers


def test_same_day_events_apply_in_submitted_order() -> None:
    bundle = spec_bundle()
    # Rectified, then a look-back on the same day: allowed in this order only.
    bundle["events"][3]["date"] = bundle["events"][4]["date"] = "2018-08-01"
    read_bundle(json.dumps(bundle), catalogue_of)
    bundle["events"][3], bundle["events"][4] = bundle["events"][4], bundle["events"][3]
    assert ("/events/3/type",) in {(p,) for p, _ in problems_of(bundle)}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ('{"format": ', "malformed JSON"),
        ("[1, 2]", "JSON object"),
        (b"\xff\xfe{}", "not UTF-8"),
        ('{"format": "assessment-bundle/1", "year": 2018, "units": {}}', "must be a list"),
    ],
)
def test_unreadable_input_gets_a_clear_message(raw: str | bytes, fragment: str) -> None:
    problems = problems_of(raw)
    assert any(fragment in m for _, m in problems), problems


def test_a_byte_order_mark_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(spec_bundle()).encode()
    assert read_bundle(raw, catalogue_of).year == 2018
