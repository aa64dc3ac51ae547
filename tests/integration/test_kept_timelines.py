"""The kept timelines and the metrics aggregate against a fresh replay of the year, on
SQLite and PostgreSQL: random histories, random as-of dates, every attribution setting."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import compute, explain_unit, import_bundle, score_year
from scoring_service.assessment.trend import year_trend
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import years
from scoring_service.db.count_deltas import month_end
from scoring_service.db.counts import counted_findings, monthly_counts, unit_counts
from scoring_service.db.models import TimelineRow
from scoring_service.db.timelines import check_year
from scoring_service.domain.assessment import (
    Counts,
    FindingFacts,
    assess,
    finding_facts,
    replayed_counts,
)
from scoring_service.domain.attribution import Attributor
from scoring_service.domain.explanation import explanation
from scoring_service.domain.model import EventType, Outcome, UnitKind, YearData
from scoring_service.domain.ruleset import Attribution
from scoring_service.engine import PythonEngine
from scoring_service.records.events import EventRefused, NewEvent, append_event
from scoring_service.records.findings import FindingFilter, list_findings
from scoring_service.rules.words import explanation_in_words
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.histories import as_of_dates, bundles

RULES = FileRuleSource(REPO_RULES_DIR)
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"
EVERY_KIND = frozenset(UnitKind)
SETTINGS = [
    Attribution(territorial=True, helping_unit_categories=frozenset({"3", "4", "E"})),
    Attribution(territorial=False, helping_unit_categories=frozenset()),
    Attribution(territorial=True, helping_unit_categories=frozenset({"2", "3", "4", "6", "E"})),
]
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def uow(factory: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(factory, RULES, PythonEngine(), command_line())


def load(factory: sessionmaker[Session]) -> YearData:
    with factory() as session:
        data = years.load_year(session, 2018)
    assert data is not None
    return data


def kept_at(factory: sessionmaker[Session], day: date) -> dict[str, tuple[Any, ...]]:
    """Each finding's kept span in force at ``day``, as the fields a replay gives."""
    t = TimelineRow
    with factory() as session:
        rows = session.execute(
            select(
                t.finding, t.outcome, t.effective_deadline, t.completed_on, t.fakes, t.repeat_of
            ).where(
                t.year == 2018,
                t.valid_from <= day,
                (t.valid_until.is_(None)) | (t.valid_until > day),
            )
        ).all()
    return {code: tuple(rest) for code, *rest in rows}


def replayed_at(data: YearData, day: date) -> dict[str, tuple[Any, ...]]:
    return {
        code: (
            f.outcome.value,
            f.state.effective_deadline,
            f.state.completed_on,
            f.state.fakes,
            f.repeat_of,
        )
        for code, f in finding_facts(data, day).items()
    }


def subtree_of(data: YearData, root: str) -> set[str]:
    """``root`` and every unit under it, by the units' parents."""
    inside = {root}
    while grown := {u.code for u in data.units if u.parent in inside} - inside:
        inside |= grown
    return inside


def ordered(counts: list[Counts]) -> list[Counts]:
    return sorted(counts, key=lambda c: (c.unit, c.outcome, c.severity, c.category))


def agree_at(factory: sessionmaker[Session], data: YearData, day: date) -> None:
    """Kept spans, counts, counted findings and whole score rows equal a fresh replay."""
    assert kept_at(factory, day) == replayed_at(data, day)
    with factory() as session:
        for attribution in SETTINGS:
            assert ordered(unit_counts(session, 2018, day, attribution, EVERY_KIND)) == ordered(
                replayed_counts(data, attribution, EVERY_KIND, day)
            )
        attribution = SETTINGS[0]
        facts = finding_facts(data, day)
        attribute = Attributor(data.units, data.pairings, attribution).attribute
        for unit in {u.code for u in data.units}:
            got = counted_findings(session, 2018, unit, day, attribution)
            want = {
                code: reasons[unit]
                for code, fact in facts.items()
                if unit in (reasons := attribute(fact.finding))
            }
            assert {f.code: why for f, _, _, why in got} == want
    facts = finding_facts(data, day)
    anywhere: list[tuple[FindingFilter, Callable[[FindingFacts], bool]]] = [
        *((FindingFilter(outcome=o), lambda f, o=o: f.outcome is o) for o in Outcome),
        (FindingFilter(overdue=False), lambda f: f.outcome is not Outcome.OVERDUE),
        (FindingFilter(repeat=True), lambda f: f.repeat),
        (
            FindingFilter(repeat=False, overdue=True),
            lambda f: not f.repeat and f.outcome is Outcome.OVERDUE,
        ),
    ]
    states = list(anywhere)
    # The same states among the findings found in a county or a town, or under it.
    for root in sorted(u.code for u in data.units if u.kind in (UnitKind.COUNTY, UnitKind.TOWN)):
        inside = subtree_of(data, root)
        states += [
            (
                replace(filt, unit=root),
                lambda f, wanted=wanted, inside=inside: f.finding.unit in inside and wanted(f),
            )
            for filt, wanted in anywhere[-3:]
        ]
    for filt, wanted in states:
        _, page = list_findings(uow(factory), 2018, filt, as_of=day, limit=1000, cursor=None)
        # Each listed with its state then, repeats included, as the replay has it.
        assert [(v.finding.code, v.facts) for v in page.items] == sorted(
            (code, fact) for code, fact in facts.items() if wanted(fact)
        )
    ruleset = RULES.current(2018)
    assert ruleset is not None
    aggregated, _ = compute(uow(factory), 2018, as_of=day)
    reference = assess(data, ruleset, day, PythonEngine(), keep_findings=True)
    assert aggregated.rows() == reference.rows()
    for result in reference.results[:: max(1, len(reference.results) // 12)]:
        code = result.unit.code
        want = explanation_in_words(explanation(reference, code), ruleset)
        assert explain_unit(uow(factory), 2018, code, as_of=day) == want


@PROPERTY
@given(bundle=bundles(), days=as_of_dates())
def test_kept_timelines_and_counts_equal_a_fresh_replay(
    session_factory: sessionmaker[Session], bundle: dict[str, Any], days: list[date]
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    data = load(session_factory)
    for day in days:
        agree_at(session_factory, data, day)
    with session_factory() as session:
        assert check_year(session, 2018) == []
        ascending = sorted({month_end(d) for d in days})  # the trend reads month ends
        for attribution in SETTINGS:
            changes = monthly_counts(session, 2018, ascending, attribution, EVERY_KIND)
            monthly, held = [], {}
            for changed in changes:  # a unit not listed on a day keeps its counts
                held |= changed
                monthly.append([c for counts in held.values() for c in counts])
            assert [ordered(c) for c in monthly] == [
                ordered(replayed_counts(data, attribution, EVERY_KIND, day)) for day in ascending
            ]


@PROPERTY
@given(
    bundle=bundles(max_findings=5),
    picks=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 200)), min_size=1, max_size=6),
    days=as_of_dates(),
)
def test_timelines_stay_equal_to_a_replay_as_events_are_appended(
    session_factory: sessionmaker[Session],
    bundle: dict[str, Any],
    picks: list[tuple[int, int]],
    days: list[date],
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    codes = sorted(f["code"] for i in bundle["inspections"] for f in i["findings"])
    for which, offset in picks:
        code = codes[which % len(codes)]
        found = next(f for f in load(session_factory).findings if f.code == code)
        day = date.fromordinal(found.found_on.toordinal() + offset)
        # Whatever the state allows or not: refused events must leave everything as it was.
        for kind in (EventType.RECTIFIED, EventType.LOOKBACK_FAILED, EventType.ESCALATED):
            try:
                append_event(uow(session_factory), code, NewEvent(kind, day, note="x"), year=2018)
                break
            except EventRefused:
                continue
    data = load(session_factory)
    for day in days:
        agree_at(session_factory, data, day)
    with session_factory() as session:
        assert check_year(session, 2018) == []


@pytest.mark.parametrize("day", ["2018-07-31", "2018-09-30", "2018-12-31", "2019-03-31"])
def test_the_demo_year_scores_the_same_from_the_aggregate_as_from_a_replay(
    session_factory: sessionmaker[Session], day: str
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    data = load(session_factory)
    agree_at(session_factory, data, date.fromisoformat(day))


def test_a_draft_s_attribution_is_honoured_by_the_aggregate(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    data = load(session_factory)
    ruleset = RULES.current(2018)
    assert ruleset is not None
    other = replace(
        ruleset,
        attribution=Attribution(territorial=False, helping_unit_categories=frozenset({"2"})),
        scored_kinds=(UnitKind.HELPING_UNIT, UnitKind.VILLAGE),
    )
    day = date(2018, 12, 31)
    with session_factory() as session:
        from scoring_service.db.counts import scored_units
        from scoring_service.domain.assessment import assess_counts

        units = scored_units(session, 2018, other.scored_kinds)
        counts = unit_counts(session, 2018, day, other.attribution, other.scored_kinds)
    got = assess_counts(2018, units, counts, other, day, PythonEngine()).rows()
    assert got == assess(data, other, day, PythonEngine()).rows()
    assert {r["kind"] for r in got} == {"helping_unit", "village"}


def test_an_explanation_takes_its_rank_from_a_current_stored_run_or_scores_the_year(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    data = load(session_factory)
    ruleset = RULES.current(2018)
    assert ruleset is not None
    day = date(2018, 12, 31)
    reference = assess(data, ruleset, day, PythonEngine(), keep_findings=True)
    units = [r.unit.code for r in reference.results]
    before = {u: explain_unit(uow(session_factory), 2018, u) for u in units}
    score_year(uow(session_factory), 2018)
    after = {u: explain_unit(uow(session_factory), 2018, u) for u in units}
    want = {u: explanation_in_words(explanation(reference, u), ruleset) for u in units}
    assert before == after == want


def test_the_trend_is_the_score_rows_at_each_month_end(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    trend = year_trend(uow(session_factory), 2018)
    assert trend.months == [date(2018, m + 1, 1) - timedelta(days=1) for m in range(1, 12)] + [
        date(2018, 12, 31)
    ]
    year_end, _ = compute(uow(session_factory), 2018, as_of=date(2018, 12, 31))
    assert [s.unit for s in trend.series] == [r["unit"] for r in year_end.rows()]
    by_unit = {s.unit: s for s in trend.series}
    for i, day in enumerate(trend.months):
        rows, _ = compute(uow(session_factory), 2018, as_of=day)
        for row in rows.rows():
            point = by_unit[str(row["unit"])].points[i]
            metrics: Any = row["metrics"]
            assert (point.as_of, point.findings, point.overdue, point.rate) == (
                day,
                metrics["findings"],
                metrics["overdue"],
                metrics["rate"],
            )
            assert (point.score, point.grade, point.rank) == (
                row["score"],
                row["grade"],
                row["rank"],
            )
    towns = year_trend(uow(session_factory), 2018, kind=UnitKind.TOWN)
    assert [s.unit for s in towns.series] == [s.unit for s in trend.series if s.kind == "town"]
