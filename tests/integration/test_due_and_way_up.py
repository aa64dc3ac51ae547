"""What is due and the way up (spec section 10), on SQLite and PostgreSQL: the due list
against a replay of every finding, the way up against scoring every set of findings
rectified, and by posting the events it names."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import combinations
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.due import due
from scoring_service.assessment.services import explain_unit, import_bundle
from scoring_service.assessment.way_up import Standing, is_better, way_up
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import years
from scoring_service.domain.assessment import assess, finding_facts
from scoring_service.domain.attribution import Attributor
from scoring_service.domain.model import Event, EventType, Outcome, YearData
from scoring_service.domain.principals import Principal, Role
from scoring_service.domain.ruleset import Points, Ruleset
from scoring_service.domain.timeline import check_history
from scoring_service.engine import PythonEngine
from scoring_service.records.events import NewEvent, append_event
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.bundles import spec_bundle
from tests.helpers.histories import bundles
from tests.integration.test_kept_timelines import PROPERTY

RULES = FileRuleSource(REPO_RULES_DIR)
CUTOFF = date(2018, 12, 31)
TOWN = "441624101"


def uow(
    factory: sessionmaker[Session], actor: Principal | None = None, rules: Any = RULES
) -> UnitOfWork:
    return UnitOfWork(factory, rules, PythonEngine(), actor or command_line())


def load(factory: sessionmaker[Session]) -> YearData:
    with factory() as session:
        data = years.load_year(session, 2018)
    assert data is not None
    return data


def ruleset() -> Ruleset:
    found = RULES.current(2018)
    assert found is not None
    return found


def replayed_due(data: YearData, day: date, within: int) -> list[tuple[Any, ...]]:
    """What is due, from a replay of every finding's events."""
    attribute = Attributor(data.units, data.pairings, ruleset().attribution).attribute
    rows = []
    for code, fact in finding_facts(data, day).items():
        deadline = fact.state.effective_deadline
        if fact.state.rectified or deadline > day + timedelta(days=within):
            continue
        light = "red" if deadline < day else "yellow"
        units = frozenset(attribute(fact.finding))
        rows.append((light != "red", deadline, code, (deadline - day).days, light, units))
    return sorted(rows)


def listed(found: Any) -> list[tuple[Any, ...]]:
    return [
        (
            i.light != "red",
            i.deadline,
            i.finding,
            i.days_left,
            i.light,
            frozenset(u.code for u in i.counts_for),
        )
        for i in found.items
    ]


@PROPERTY
@given(
    bundle=bundles(),
    days=st.lists(st.dates(date(2018, 1, 1), date(2019, 3, 31)), min_size=1, max_size=3),
    within=st.integers(0, 40),
)
def test_the_due_list_is_what_a_replay_of_every_finding_says(
    session_factory: sessionmaker[Session],
    bundle: dict[str, Any],
    days: list[date],
    within: int,
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    data = load(session_factory)
    town = Principal(None, "town", Role.READER, frozenset({TOWN}))
    inside = {u.code for u in data.units if u.code == TOWN or u.parent == TOWN}
    for day in days:
        want = replayed_due(data, day, within)
        assert listed(due(uow(session_factory), 2018, as_of=day, within=within)) == want
        # A scoped reader: the findings found in its reach or counting for a unit in it.
        found_at = {f.code: f.unit for f in data.findings}
        scoped = [r for r in want if found_at[r[2]] in inside or r[5] & inside]
        got = due(uow(session_factory, town), 2018, as_of=day, within=within)
        assert listed(got) == scoped


def test_the_due_list_reads_its_default_days_from_the_rule_set(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), json.dumps(spec_bundle()))
    # 2018-G1-07-01: deadline 2018-08-10, extended on 2018-08-05 to 2018-09-10.
    found = due(uow(session_factory), 2018, as_of=date(2018, 8, 4))
    assert found.within == ruleset().alerts.due_within_days == 3
    assert [(i.finding, i.light) for i in found.items] == []
    found = due(uow(session_factory), 2018, as_of=date(2018, 8, 4), within=6)
    assert [(i.finding, i.light, i.days_left) for i in found.items] == [
        ("2018-G1-07-01", "yellow", 6)
    ]
    assert [(u.code, u.name) for u in found.items[0].counts_for] == [
        ("441624", "和平县"),
        ("441624101", "阳明镇"),
        ("441624101201", "甲村"),
        ("SZ-NS-001", "某帮扶单位"),
    ]


def town_bundle() -> dict[str, Any]:
    """Spec section 10's worked example: the town has 10 general findings, found
    2018-08-01, deadline 2018-09-01; 8 rectified on time, F9 and F10 never."""
    bundle = spec_bundle()
    inspection = json.loads(json.dumps(bundle["inspections"][0]))
    inspection |= {
        "code": "2018-G1-08",
        "start_date": "2018-07-31",
        "end_date": "2018-08-01",
        "letter_date": "2018-08-02",
    }
    inspection["findings"] = [
        {
            "code": f"T-F{i}",
            "unit": TOWN,
            "criterion": "7.1",
            "severity": "general",
            "description": f"台账问题{i}",
            "deadline": "2018-09-01",
        }
        for i in range(1, 11)
    ]
    bundle["inspections"] = [inspection]
    bundle["events"] = [
        {"finding": f"T-F{i}", "type": "rectified", "date": "2018-08-20"} for i in range(1, 9)
    ]
    return bundle


class BonusOf:
    """The 2018 rules with R2's bonus changed: a rule set draft's effect, in memory."""

    def __init__(self, bonus: int) -> None:
        base = ruleset()
        rules = tuple(
            replace(r, bonus=Points(Fraction(bonus))) if r.id == "R2" else r for r in base.rules
        )
        self.ruleset = replace(base, rules=rules, content_hash=base.content_hash + f"-R2{bonus}")

    def current(self, year: int) -> Ruleset | None:
        return self.ruleset if year == 2018 else None

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        return self.current(year)


def test_the_town_of_the_worked_example_has_no_way_up_under_the_2018_rules(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), json.dumps(town_bundle()))
    found = way_up(uow(session_factory), 2018, TOWN, as_of=date(2018, 10, 15))
    assert found.to_json()["from"] == {"grade": "good", "score": 100}
    assert (found.to, found.steps, found.complete) == (None, [], True)
    lights = due(uow(session_factory), 2018, as_of=date(2018, 10, 15))
    assert [(i.finding, i.light) for i in lights.items] == [("T-F10", "red"), ("T-F9", "red")]


def test_with_a_bonus_of_3_for_r2_both_findings_rectified_late_lift_the_town(
    session_factory: sessionmaker[Session],
) -> None:
    rules = BonusOf(3)
    import_bundle(uow(session_factory, rules=rules), json.dumps(town_bundle()))
    day = date(2018, 10, 15)
    found = way_up(uow(session_factory, rules=rules), 2018, TOWN, as_of=day)
    assert found.to_json() | {"unit": TOWN} == {
        "year": 2018,
        "unit": TOWN,
        "as_of": "2018-10-15",
        "cutoff": "2018-12-31",
        "from": {"grade": "good", "score": 100},
        "to": {"grade": "excellent", "score": 103},
        "steps": [
            {"finding": "T-F10", "rectify_by": "2018-10-15"},
            {"finding": "T-F9", "rectify_by": "2018-10-15"},
        ],
    }
    for step in found.steps:
        append_event(
            uow(session_factory, rules=rules),
            step.finding,
            NewEvent(EventType.RECTIFIED, step.rectify_by),
            year=2018,
        )
    after = explain_unit(uow(session_factory, rules=rules), 2018, TOWN)
    assert (after["row"]["grade"], after["row"]["score"]) == ("excellent", 103)


def test_a_scoped_caller_finds_no_way_up_of_a_unit_outside_its_reach(
    session_factory: sessionmaker[Session],
) -> None:
    import pytest

    from scoring_service.domain.errors import NotFound

    import_bundle(uow(session_factory), json.dumps(town_bundle()))
    other = Principal(None, "other", Role.READER, frozenset({"441602"}))
    with pytest.raises(NotFound):
        way_up(uow(session_factory, other), 2018, TOWN, as_of=date(2018, 10, 15))


def score_with(data: YearData, unit: str, added: list[Event]) -> Standing | None:
    """The unit at the cutoff with ``added`` events; None when the history refuses them."""
    events = [*data.events, *added]
    by_finding: dict[str, list[Event]] = {}
    for e in events:
        by_finding.setdefault(e.finding, []).append(e)
    for f in data.findings:
        if check_history(f, by_finding.get(f.code, [])):
            return None
    row = next(
        r
        for r in assess(replace(data, events=events), ruleset(), CUTOFF, PythonEngine()).results
        if r.unit.code == unit
    )
    return Standing(row.verdict.grade, row.verdict.score, row.verdict.measures)


@PROPERTY
@given(
    bundle=bundles(max_findings=6),
    day=st.dates(date(2018, 7, 11), CUTOFF),
    unit=st.sampled_from(["441624", TOWN, "SZ-NS-001"]),
)
def test_the_way_up_is_the_smallest_set_that_lifts_the_unit_and_posting_it_does(
    session_factory: sessionmaker[Session], bundle: dict[str, Any], day: date, unit: str
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    data = load(session_factory)
    found = way_up(uow(session_factory), 2018, unit, as_of=day)
    start = score_with(data, unit, [])
    assert start == found.start
    # Every set of the unit's open or overdue findings at the date, rectified on it.
    attribute = Attributor(data.units, data.pairings, ruleset().attribution).attribute
    open_then = sorted(
        code
        for code, fact in finding_facts(data, day).items()
        if fact.outcome in (Outcome.OPEN, Outcome.OVERDUE) and unit in attribute(fact.finding)
    )
    smallest = None
    for size in range(1, len(open_then) + 1):
        for chosen in combinations(open_then, size):
            added = [Event(c, EventType.RECTIFIED, day, 10_000 + i) for i, c in enumerate(chosen)]
            end = score_with(data, unit, added)
            if end is not None and is_better(found.start, end):
                smallest = size
                break
        if smallest is not None:
            break
    assert found.complete
    event(f"way up of {len(found.steps)}" if found.to else "no way up")
    if found.to is None:
        assert smallest is None and found.steps == []
        return
    assert len(found.steps) == smallest
    assert all(s.rectify_by == day and s.finding in open_then for s in found.steps)
    for step in found.steps:
        append_event(
            uow(session_factory),
            step.finding,
            NewEvent(EventType.RECTIFIED, step.rectify_by),
            year=2018,
        )
    after = explain_unit(uow(session_factory), 2018, unit)
    assert (after["row"]["grade"], Fraction(after["row"]["score"])) == (
        found.to.grade,
        found.to.score,
    )
    assert is_better(found.start, found.to)
