"""Process alerts read only what they need of a year, and agree with the whole year's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle, year_alerts
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import years
from scoring_service.domain.alerts import process_alerts
from scoring_service.unit_of_work import UnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"


@pytest.mark.parametrize("day", ["2018-07-12", "2018-09-30", "2018-12-31", "2019-03-31"])
def test_alerts_from_the_partial_read_equal_those_of_the_whole_year(
    session_factory: sessionmaker[Session], day: str
) -> None:
    import_bundle(UnitOfWork(session_factory, RULES, None, command_line()), DEMO.read_bytes())
    as_of = date.fromisoformat(day)
    with session_factory() as session:
        whole = years.load_year(session, 2018)
        part = years.load_for_alerts(session, 2018, as_of)
    assert whole is not None and part is not None
    assert len(part.findings) < len(whole.findings) and len(part.events) < len(whole.events)
    ruleset = RULES.current(2018)
    assert ruleset is not None
    expected = process_alerts(whole, ruleset.alerts, as_of)
    _, found = year_alerts(
        UnitOfWork(session_factory, RULES, None, command_line()), 2018, as_of=as_of
    )
    assert found == expected
    assert {a.type for a in expected} >= {"late_letter", "unescalated_major"}
