"""The standings kept from the counts (``db.standings``) against scoring afresh, on SQLite
and PostgreSQL: the trend and every explanation's rank read from them are those computed
without them; they stop being read when the rules in force or the data move on without
them, and are scored again for the rules in force on request."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import explain_unit, import_bundle
from scoring_service.assessment.standings import keep_standings
from scoring_service.assessment.trend import year_trend
from scoring_service.db import standings, years
from scoring_service.db.models import StandingsKeptRow
from scoring_service.db.standings import StandingRepository
from scoring_service.domain.model import EventType
from scoring_service.domain.ruleset import Ruleset
from scoring_service.engine import PythonEngine
from scoring_service.records.events import NewEvent, append_event
from scoring_service.unit_of_work import UnitOfWork
from tests.integration.test_kept_timelines import DEMO, RULES, uow

DAYS = [date(2018, 3, 1), date(2018, 8, 20), date(2018, 10, 9), date(2018, 12, 31)]
MAJORS = [
    f["code"]
    for i in json.loads(DEMO.read_text(encoding="utf-8"))["inspections"]
    for f in i["findings"]
    if f["severity"] == "major"
]
ESCALATED = NewEvent(EventType.ESCALATED, date(2018, 12, 31), note="escalated")
# A rectification that changes counts (the demo's finding 441602-07-09 is open at the end).
RECTIFIED_FINDING = "2018-G1-441602-07-09"
RECTIFIED = NewEvent(EventType.RECTIFIED, date(2018, 12, 20))


class OtherRules:
    """The shipped rules with R1 stricter, under a hash of their own: rules published later."""

    def __init__(self) -> None:
        ruleset = RULES.current(2018)
        assert ruleset is not None
        stricter = tuple(
            dataclasses.replace(r, bonus=None) if r.id == "R1" else r for r in ruleset.rules
        )
        self.ruleset = dataclasses.replace(ruleset, rules=stricter, content_hash="later-rules")

    def current(self, year: int) -> Ruleset | None:
        return self.ruleset if year == 2018 else RULES.current(year)

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        return self.ruleset if content_hash == "later-rules" else RULES.by_hash(year, content_hash)


def answers(make: Any) -> tuple[Any, ...]:
    """The trend, and every scored unit's explanation at each of DAYS."""
    trend = year_trend(make(), 2018)
    units = [s.unit for s in trend.series]
    return trend, [explain_unit(make(), 2018, u, as_of=d) for u in units for d in DAYS]


def current(factory: sessionmaker[Session], ruleset: Ruleset | None) -> bool:
    assert ruleset is not None
    with factory() as session:
        return StandingRepository(session).current(2018, ruleset)


def forget(factory: sessionmaker[Session]) -> None:
    """Make the kept standings not current, as a write without a rule engine leaves them."""
    with factory() as session:
        session.execute(delete(StandingsKeptRow))
        session.commit()


def test_the_kept_standings_answer_as_scoring_afresh_does(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    assert current(session_factory, RULES.current(2018))
    kept = answers(lambda: uow(session_factory))
    forget(session_factory)
    assert not current(session_factory, RULES.current(2018))
    assert kept == answers(lambda: uow(session_factory))


def test_rules_in_force_that_change_are_scored_afresh_until_the_standings_are_kept_again(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    later = OtherRules()

    def make() -> UnitOfWork:
        return UnitOfWork(session_factory, later, PythonEngine(), command_line())

    assert not current(session_factory, later.ruleset)  # kept for the rules replaced
    fresh = answers(make)
    assert fresh != answers(lambda: uow(session_factory))  # R1's bonus is gone
    keep_standings(make(), 2018)
    assert current(session_factory, later.ruleset)
    assert answers(make) == fresh


def test_a_write_without_a_rule_engine_leaves_the_standings_not_read_until_the_next_write(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    first, second = MAJORS[:2]
    bare = UnitOfWork(session_factory, RULES, None, command_line())
    append_event(bare, first, ESCALATED, year=2018)
    assert not current(session_factory, RULES.current(2018))
    # A later write with an engine brings them up to date, the one they missed with it.
    append_event(uow(session_factory), second, ESCALATED, year=2018)
    assert current(session_factory, RULES.current(2018))
    kept = answers(lambda: uow(session_factory))
    forget(session_factory)
    assert kept == answers(lambda: uow(session_factory))


def test_a_rectification_without_a_rule_engine_is_scored_by_the_next_write(
    session_factory: sessionmaker[Session],
) -> None:
    """The units whose counts a write without an engine changed are scored again by the
    next write with one, from the changes noted under each revision."""
    import_bundle(uow(session_factory), DEMO.read_bytes())
    bare = UnitOfWork(session_factory, RULES, None, command_line())
    append_event(bare, RECTIFIED_FINDING, RECTIFIED, year=2018)
    assert not current(session_factory, RULES.current(2018))
    append_event(uow(session_factory), MAJORS[0], ESCALATED, year=2018)
    assert current(session_factory, RULES.current(2018))
    kept = answers(lambda: uow(session_factory))
    forget(session_factory)
    assert kept == answers(lambda: uow(session_factory))


def test_a_write_stands_when_its_standings_cannot_be_brought_up_to_date(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the write has committed before its standings are scored: a failure
    then leaves them not read, the write kept, and the next write brings them up to date.
    On SQLite they are scored in the write's transaction: the write fails whole."""
    import_bundle(uow(session_factory), DEMO.read_bytes())
    sqlite = session_factory.kw["bind"].dialect.name == "sqlite"
    assert (RECTIFIED.type, RECTIFIED.date) not in _events_of(session_factory)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the standings could not be written")

    with monkeypatch.context() as patched:
        patched.setattr(standings, "_note", broken)
        if sqlite:
            with pytest.raises(RuntimeError):
                append_event(uow(session_factory), RECTIFIED_FINDING, RECTIFIED)
        else:
            append_event(uow(session_factory), RECTIFIED_FINDING, RECTIFIED)
    assert ((RECTIFIED.type, RECTIFIED.date) in _events_of(session_factory)) != sqlite
    assert current(session_factory, RULES.current(2018)) == sqlite
    append_event(uow(session_factory), MAJORS[0], ESCALATED, year=2018)
    assert current(session_factory, RULES.current(2018))
    kept = answers(lambda: uow(session_factory))
    forget(session_factory)
    assert kept == answers(lambda: uow(session_factory))


def _events_of(factory: sessionmaker[Session]) -> list[tuple[EventType, date]]:
    """The type and date of each event of RECTIFIED_FINDING held."""
    with factory() as session:
        held = years.load_year(session, 2018)
    assert held is not None
    return [(e.type, e.date) for e in held.events if e.finding == RECTIFIED_FINDING]
