"""Every rejection of spec section 8, each with its JSON pointer."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scoring_service.bundle import PROBLEM_LIMIT, InvalidBundle, Problem, read_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
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


# --- every problem in one pass -------------------------------------------------------------


def test_a_shape_problem_does_not_hide_the_cross_record_problems() -> None:
    bundle = spec_bundle()
    bundle["comment"] = "exported by the county system"  # one unknown field
    f0, f1 = bundle["inspections"][0]["findings"]
    del bundle["units"][3]["village_type"]
    bundle["pairings"][0]["village"] = "441624101"  # a town
    bundle["groups"][0]["counties"] = ["441602"]  # the inspected county is left out
    bundle["inspections"][0]["letter_date"] = "2018-07-01"
    bundle["inspections"][0]["sample"]["villages"].append("441624101201")
    f0["criterion"] = "9.9"
    f1["deadline"] = "2018-07-01"
    f1["unit"] = "NOWHERE"
    bundle["events"][0]["finding"] = "NOPE"
    assert problems_of(bundle) == [
        ("/comment", "unknown field"),
        ("/units/3/village_type", "a village needs a village_type (poor or ordinary)"),
        ("/pairings/0/village", "unit '441624101' is a town, not a village"),
        ("/inspections/0/county", "county '441624' is not among the counties of group 'G1'"),
        (
            "/inspections/0/letter_date",
            "the letter date 2018-07-01 is before the inspection ended (2018-07-11)",
        ),
        (SAMPLE + "/villages/2", "village '441624101201' is listed twice (first at index 0)"),
        (F0 + "/criterion", "unknown criterion '9.9' in the 2018 catalogue"),
        ("/inspections/0/findings/1/unit", "unknown unit 'NOWHERE'"),
        (
            "/inspections/0/findings/1/deadline",
            "the deadline 2018-07-01 is before the finding was found (2018-07-11)",
        ),
        ("/events/0/finding", "unknown finding 'NOPE'"),
    ]


def test_records_around_a_broken_record_are_checked_without_false_reports() -> None:
    bundle = spec_bundle()
    bundle["units"][2]["kind"] = "township"  # the town every village and the sample name
    bundle["units"][5]["fax"] = "none"  # the helping unit of the pairing and of a finding
    bundle["groups"][0]["leader"] = 7  # the group of the inspection
    bundle["events"][3].pop("date")  # the rectification the look-back of events/4 needs
    bundle["inspections"][0]["findings"][1]["criterion"] = "9.9"
    bundle["events"][6]["finding"] = "NOPE"
    assert problems_of(bundle) == [
        (
            "/units/2/kind",
            "'township' is not allowed; expected 'county', 'town', 'village' or 'helping_unit'",
        ),
        ("/units/5/fax", "unknown field"),
        ("/groups/0/leader", "must be text"),
        ("/events/3/date", "this field is required"),
        ("/inspections/0/findings/1/criterion", "unknown criterion '9.9' in the 2018 catalogue"),
        ("/events/6/finding", "unknown finding 'NOPE'"),
    ]


def test_findings_of_an_inspection_with_broken_fields_are_still_checked() -> None:
    bundle = spec_bundle()
    bundle["inspections"][0]["end_date"] = "2018-07-32"
    bundle["inspections"][0]["findings"][0]["criterion"] = "9.9"
    bundle["inspections"][0]["findings"][1]["severity"] = "grave"
    assert problems_of(bundle) == [
        ("/inspections/0/end_date", "must be a date written YYYY-MM-DD"),
        (
            "/inspections/0/findings/1/severity",
            "'grave' is not allowed; expected 'general' or 'major'",
        ),
        (F0 + "/criterion", "unknown criterion '9.9' in the 2018 catalogue"),
    ]  # no "unknown finding" for the events of either finding


def test_records_that_are_not_objects_are_named_and_hide_nothing_else() -> None:
    bundle = spec_bundle()
    bundle["units"][5] = "SZ-NS-001"
    bundle["events"][2] = None
    bundle["inspections"][0]["findings"][0]["deadline"] = "2018-07-01"
    assert problems_of(bundle) == [
        ("/units/5", "must be an object"),
        ("/events/2", "must be an object"),
        (F0 + "/deadline", "the deadline 2018-07-01 is before the finding was found (2018-07-11)"),
    ]


def test_a_list_that_is_not_a_list_is_named_and_its_references_are_not_unknown() -> None:
    bundle = spec_bundle()
    bundle["groups"] = {"G1": bundle["groups"][0]}
    assert problems_of(bundle) == [("/groups", "must be a list")]


@pytest.mark.parametrize(
    ("mutate", "pointer", "message"),
    [
        (_delete("/inspections/0/sample"), "/inspections/0/sample", "this field is required"),
        (_delete(SAMPLE + "/towns"), SAMPLE + "/towns", "this field is required"),
        (_delete(SAMPLE + "/households"), SAMPLE + "/households", "this field is required"),
        (
            _delete("/inspections/0/letter_date"),
            "/inspections/0/letter_date",
            "this field is required (null while no letter has been issued)",
        ),
        (_delete(F0 + "/description"), F0 + "/description", "this field is required"),
        (_delete("/events/4/note"), "/events/4/note", "this field is required"),
        (_set("/units/0/parent", None), "/units/0/parent", "must not be null; leave the field out"),
        (_set(F0 + "/responsible", None), F0 + "/responsible", "must be a list"),
        (_set("/events/1/note", None), "/events/1/note", "must not be null; leave the field out"),
        (_set("/inspections/0/sample", None), "/inspections/0/sample", "must be an object"),
    ],
    ids=[
        "sample",
        "sample towns",
        "sample households",
        "letter_date",
        "description",
        "lookback_failed note",
        "null parent",
        "null responsible",
        "null note",
        "null sample",
    ],
)
def test_fields_the_spec_does_not_call_optional_are_required(
    mutate: Mutation, pointer: str, message: str
) -> None:
    bundle = spec_bundle()
    mutate(bundle)
    assert (pointer, message) in problems_of(bundle)


def test_null_is_accepted_where_the_spec_gives_it_a_meaning() -> None:
    bundle = spec_bundle()
    bundle["inspections"][0]["letter_date"] = None  # no letter issued yet
    for name in ("pairings", "groups", "events"):
        del bundle[name]  # top-level lists may be left out when empty
    bundle["inspections"][0]["group"] = "G1"
    with pytest.raises(InvalidBundle) as caught:
        read_bundle(json.dumps(bundle), catalogue_of)
    assert [p.pointer for p in caught.value.problems] == ["/inspections/0/group"]  # G1 is gone
    bundle["groups"] = spec_bundle()["groups"]
    data = read_bundle(json.dumps(bundle), catalogue_of)
    assert data.inspections[0].letter_date is None and data.events == []


# --- bounded problem lists -----------------------------------------------------------------


def bad_units(count: int, unit: str = '"name":"县","population":{i}') -> bytes:
    """A bundle of ``count`` counties, each with an unknown field (or as ``unit`` says)."""
    units = ",".join(
        '{"code":"U' + str(i) + '","kind":"county",' + unit.format(i=i) + "}" for i in range(count)
    )
    return f'{{"format":"assessment-bundle/1","year":2018,"units":[{units}]}}'.encode()


def test_a_bundle_of_many_bad_records_lists_the_first_problems_and_counts_the_rest() -> None:
    with pytest.raises(InvalidBundle) as caught:
        read_bundle(bad_units(50_000), catalogue_of)
    error = caught.value
    assert len(error.problems) == PROBLEM_LIMIT == 1000
    assert error.problems[0] == Problem("/units/0/population", "unknown field")
    assert error.problems[-1].pointer == "/units/999/population"
    assert error.more == 49_000
    assert str(error) == (
        "the bundle has 50,000 problems (the first 1,000 are listed); nothing was stored"
    )


def test_checking_many_bad_records_keeps_memory_near_the_size_of_the_bundle() -> None:
    raw = bad_units(10_000, '"population":{i}')  # no name: a problem holding the whole unit
    tracemalloc.start()
    try:
        with pytest.raises(InvalidBundle):
            read_bundle(raw, catalogue_of)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Problems past the first thousand are counted, not kept: what remains is reading the
    # records themselves.
    assert peak < 20 * len(raw), (peak, len(raw))


# --- NUL characters and deep nesting -------------------------------------------------------


def test_nul_characters_are_refused_wherever_they_are() -> None:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "源\u0000城区"
    bundle["events"][0]["reason"] = "\u0000"
    bundle["inspections"][0]["findings"][1]["code"] = "2018-G1-07-02\u0000"
    assert problems_of(bundle)[:3] == [
        ("/units/0/name", "must not hold a NUL character"),
        ("/inspections/0/findings/1/code", "must not hold a NUL character"),
        ("/events/0/reason", "must not hold a NUL character"),
    ]


def test_an_escaped_backslash_before_u0000_is_no_nul() -> None:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "源城区\\u0000"  # a backslash, then the text u0000
    data = read_bundle(json.dumps(bundle), catalogue_of)
    assert data.units[0].name == "源城区\\u0000"


@pytest.mark.parametrize("depth", [201, 100_000])
def test_deep_nesting_is_a_clear_problem(depth: int) -> None:
    nested = "[" * depth + '"\\u0000"' + "]" * depth
    raw = '{"format": "assessment-bundle/1", "year": 2018, "units": [], "x": ' + nested + "}"
    [(where, message)] = problems_of(raw)
    assert where == ""
    assert message.startswith("the JSON nests arrays and objects more than 200 deep")


def test_nul_inside_moderate_nesting_is_found_without_recursion() -> None:
    nested = "[" * 150 + '"\\u0000"' + "]" * 150
    raw = '{"format": "assessment-bundle/1", "year": 2018, "units": [], "x": ' + nested + "}"
    problems = problems_of(raw)
    assert ("/x" + "/0" * 150, "must not hold a NUL character") in problems
    assert ("/x", "unknown field") in problems


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(ROOT.glob("fixtures/*.bundle.json")) + sorted(
    ROOT.glob("fixtures/examples/*.bundle.json")
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_bundle_reads_under_its_rule_set(path: Path) -> None:
    rules = FileRuleSource(REPO_RULES_DIR)
    data = read_bundle(path.read_bytes(), lambda year: rules.current(year).catalogue)  # type: ignore[union-attr]
    assert data.units


def test_an_unknown_parent_is_reported_once_not_at_every_sample_naming_its_children() -> None:
    bundle = spec_bundle()
    bundle["units"][2]["parent"] = "NOWHERE"  # the sampled town, parent of both villages
    assert problems_of(bundle) == [("/units/2/parent", "unknown unit 'NOWHERE'")]


def test_a_record_with_an_unknown_field_is_still_checked_for_its_other_fields() -> None:
    bundle = spec_bundle()
    bundle["units"][3]["fax"] = "0762-1234567"
    del bundle["units"][3]["village_type"]
    with pytest.raises(InvalidBundle) as caught:
        read_bundle(json.dumps(bundle), catalogue_of)
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/units/3/fax", "unknown field"),
        ("/units/3/village_type", "a village needs a village_type (poor or ordinary)"),
    ]
