"""The standings kept from the counts (``db.standings``) against scoring afresh, on SQLite
and PostgreSQL: the trend and every explanation's rank read from them are those computed
without them; they stop being read when the rules in force or the data move on without
them, and are scored again for the rules in force on request."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import explain_unit, import_bundle
from scoring_service.assessment.standings import keep_standings
from scoring_service.assessment.trend import year_trend
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


def test_a_write_without_a_rule_engine_leaves_the_standings_not_read(
    session_factory: sessionmaker[Session],
) -> None:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    first, second = MAJORS[:2]
    bare = UnitOfWork(session_factory, RULES, None, command_line())
    append_event(bare, first, ESCALATED, year=2018)
    assert not current(session_factory, RULES.current(2018))
    # A later write with an engine does not make them current again: they missed one.
    append_event(uow(session_factory), second, ESCALATED, year=2018)
    assert not current(session_factory, RULES.current(2018))
    keep_standings(uow(session_factory), 2018)
    assert current(session_factory, RULES.current(2018))
    kept = answers(lambda: uow(session_factory))
    forget(session_factory)
    assert kept == answers(lambda: uow(session_factory))
