"""Writers on a SQLite file take turns instead of failing: the file is in WAL mode, a writing
unit of work holds the write lock from its start (``BEGIN IMMEDIATE``) and waits for it
(the busy timeout), and a reader is never kept waiting by a writer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import make_engine, make_session_factory, upgrade
from scoring_service.db.models import EventRow, FindingRow
from scoring_service.db.timelines import check_year
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import EventType
from scoring_service.engine import PythonEngine
from scoring_service.records.events import NewEvent, append_event
from scoring_service.synth.bundle import synth_bundle
from scoring_service.unit_of_work import UnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
WRITERS = 4
EVENTS_EACH = 12


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated SQLite file holding a small synthetic 2018, and an engine on it."""
    url = f"sqlite:///{tmp_path / 'writers.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    import_bundle(uow(make_session_factory(engine)), json.dumps(synth_bundle(2018, 0.05, 3)))
    yield url, engine
    engine.dispose()


def uow(factory: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(factory, RULES, PythonEngine(), command_line())


def test_the_file_is_in_wal_mode(sqlite_file: tuple[str, Engine]) -> None:
    _, engine = sqlite_file
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_four_writers_at_once_all_succeed_and_the_kept_counts_stay_true(
    sqlite_file: tuple[str, Engine],
) -> None:
    _, engine = sqlite_file
    factory = make_session_factory(engine)
    with factory() as session:
        majors = list(
            session.scalars(
                select(FindingRow.code)
                .where(FindingRow.year == 2018, FindingRow.severity == "major")
                .order_by(FindingRow.code)
                .limit(6)
            )
        )
        events_before = session.scalar(select(func.count()).select_from(EventRow))
    assert len(majors) == 6
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_EACH):
                # Every writer posts on the same few findings: the same rows, the same
                # peers and the same units' counts are written by all four.
                code = majors[(n + i) % len(majors)]
                event = NewEvent(EventType.ESCALATED, date(2018, 12, 31), note=f"{n}/{i}")
                append_event(uow(factory), code, event, year=2018)
        except BaseException as error:  # every failure is reported, "database is locked" first
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    with factory() as session:
        events_after = session.scalar(select(func.count()).select_from(EventRow))
        assert events_after == (events_before or 0) + WRITERS * EVENTS_EACH
        # What `db check` reports: the kept timelines, closure and counts equal a replay.
        assert check_year(session, 2018) == []


def test_a_reader_is_not_kept_waiting_by_a_writer(sqlite_file: tuple[str, Engine]) -> None:
    url, engine = sqlite_file
    # A second engine that gives up on a lock at once instead of waiting.
    impatient = make_engine(url, connect_args={"timeout": 0.05})
    code = "unknown"
    try:
        writing = uow(make_session_factory(engine)).writing()
        with writing:
            code = writing.session.scalars(select(FindingRow.code).limit(1)).one()
            writing.findings.lock(2018, code)  # the write lock is held from here on
            with Session(impatient) as reader:
                assert reader.scalar(select(FindingRow.code).where(FindingRow.code == code))
            # A second writer is refused, not let in: the lock is the writer's alone.
            second = uow(make_session_factory(impatient)).writing()
            with pytest.raises(Exception, match="database is locked"), second:
                pass
    finally:
        impatient.dispose()


def test_a_write_that_fails_leaves_the_lock_and_the_turn_free(
    sqlite_file: tuple[str, Engine],
) -> None:
    url, engine = sqlite_file
    factory = make_session_factory(engine)
    with pytest.raises(NotFound):
        append_event(
            uow(factory),
            "no-such-finding",
            NewEvent(EventType.ESCALATED, date(2018, 12, 31)),
            year=2018,
        )
    impatient = make_engine(url, connect_args={"timeout": 0.05})
    try:
        with uow(make_session_factory(impatient)).writing() as writing:
            assert writing.findings.lock(2018, "no-such-finding") is None
    finally:
        impatient.dispose()
