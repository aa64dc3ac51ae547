"""A year's scores brought up to date from those computed at an earlier data revision (the
units whose counts changed since scored again, ``assessment.services``), and its process
alerts kept while no write changed what they read, against those computed afresh, on
SQLite and PostgreSQL, after random sequences of imports, events, pairings and score runs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment import services
from scoring_service.assessment.services import compute, import_bundle, year_alerts
from scoring_service.cache import InProcess
from scoring_service.db import years
from scoring_service.domain.model import EventType
from scoring_service.engine import PythonEngine
from scoring_service.records.events import NewEvent, append_event
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.histories import as_of_dates, bundles
from tests.integration.test_kept_counts import STEPS, step
from tests.integration.test_kept_timelines import DEMO, PROPERTY, RULES, uow


def keeping(factory: sessionmaker[Session], recent: InProcess) -> UnitOfWork:
    """A unit of work that starts from, and keeps, the assessments in ``recent``."""
    return UnitOfWork(factory, RULES, PythonEngine(), command_line(), recent=recent)


@PROPERTY
@given(bundle=bundles(max_findings=6), steps=STEPS, days=as_of_dates())
def test_scores_brought_up_to_date_equal_scores_computed_afresh(
    session_factory: sessionmaker[Session],
    bundle: dict[str, Any],
    steps: list[tuple[Any, ...]],
    days: list[date],
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    recent = InProcess()
    for day in days:
        compute(keeping(session_factory, recent), 2018, as_of=day)
    for action in steps:
        step(session_factory, bundle, action)
        for day in days:
            got, got_revision = compute(keeping(session_factory, recent), 2018, as_of=day)
            want, revision = compute(uow(session_factory), 2018, as_of=day)
            assert (got.rows(), got_revision) == (want.rows(), revision)
            kept_alerts = year_alerts(keeping(session_factory, recent), 2018, as_of=day)
            assert kept_alerts == year_alerts(uow(session_factory), 2018, as_of=day)


def test_a_write_rescores_only_the_units_it_changed(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a rectification, the scores at the cutoff and on the day it was made are the
    earlier ones with the units the finding counts for scored again: no aggregate of every
    unit; the day before, nothing changed."""
    import_bundle(uow(session_factory), DEMO.read_bytes(), replace=True)
    recent = InProcess()
    days = (None, date(2018, 12, 20), date(2018, 12, 19))
    before = [compute(keeping(session_factory, recent), 2018, as_of=d)[0] for d in days]
    append_event(
        uow(session_factory),
        "2018-G1-441602-07-09",
        NewEvent(EventType.RECTIFIED, date(2018, 12, 20)),
    )
    want = [compute(uow(session_factory), 2018, as_of=d)[0].rows() for d in days]

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("every unit was scored again")

    monkeypatch.setattr(services, "assess_counts", refused)
    got = [compute(keeping(session_factory, recent), 2018, as_of=d)[0].rows() for d in days]
    assert got == want
    assert [g != b.rows() for g, b in zip(got, before, strict=True)] == [True, True, False]
    assert {r["unit"]: r["score"] for r in got[0]}["441602"] == 93


def test_alerts_are_kept_through_a_rectification_and_not_through_an_escalation(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process alerts read no rectification: after one, the alerts computed before are
    given again without reading the year. An escalation in time takes the major finding's
    alert away at once."""
    import_bundle(uow(session_factory), DEMO.read_bytes(), replace=True)
    recent = InProcess()
    _, before = year_alerts(keeping(session_factory, recent), 2018)
    unescalated = [a.finding for a in before if a.type == "unescalated_major"]
    assert unescalated and unescalated[0] is not None
    finding = unescalated[0]
    with session_factory() as session:
        data = years.load_year(session, 2018)
    assert data is not None
    found_on = next(f.found_on for f in data.findings if f.code == finding)
    append_event(
        uow(session_factory),
        "2018-G1-441602-07-09",
        NewEvent(EventType.RECTIFIED, date(2018, 12, 20)),
    )

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the alerts were computed again")

    with monkeypatch.context() as patched:
        patched.setattr(years, "load_for_alerts", refused)
        patched.setattr(services, "process_alerts", refused)
        assert year_alerts(keeping(session_factory, recent), 2018)[1] == before
    append_event(uow(session_factory), finding, NewEvent(EventType.ESCALATED, found_on))
    _, after = year_alerts(keeping(session_factory, recent), 2018)
    assert after == year_alerts(uow(session_factory), 2018)[1]
    assert after == [a for a in before if a.finding != finding]
