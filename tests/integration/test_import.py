"""Bundle import on SQLite and PostgreSQL: all or nothing, atomic replace, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import years as year_data
from scoring_service.domain.errors import Conflict
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.bundles import spec_bundle

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"
RULES = FileRuleSource(REPO_RULES_DIR)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: the database's whole visible state."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in meta.tables.items()
        }


def test_round_trip_loses_nothing(session_factory: sessionmaker[Session]) -> None:
    raw = DEMO.read_bytes()
    import_bundle(UnitOfWork(session_factory, RULES, None, command_line()), raw)
    expected = read_bundle(raw, lambda y: RULES.current(y).catalogue)  # type: ignore[union-attr]
    with session_factory() as session:
        loaded = year_data.load_year(session, 2018)
    assert loaded is not None
    assert sorted(loaded.units, key=repr) == sorted(expected.units, key=repr)
    assert sorted(loaded.pairings, key=repr) == sorted(expected.pairings, key=repr)
    assert sorted(loaded.groups, key=repr) == sorted(expected.groups, key=repr)
    assert sorted(loaded.inspections, key=repr) == sorted(expected.inspections, key=repr)
    assert sorted(loaded.findings, key=repr) == sorted(expected.findings, key=repr)
    # Events keep their submission order, which decides same-day events.
    strip = [
        (e.finding, e.type, e.date, e.new_deadline, e.reason, e.note, e.to) for e in expected.events
    ]
    assert [
        (e.finding, e.type, e.date, e.new_deadline, e.reason, e.note, e.to) for e in loaded.events
    ] == strip


def test_an_invalid_bundle_leaves_the_database_exactly_as_it_was(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    import_bundle(
        UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(spec_bundle())
    )
    before = snapshot(engine)
    bad = spec_bundle()
    bad["year"] = 2019
    bad["events"][0]["finding"] = "NOPE"
    with pytest.raises(InvalidBundle):
        import_bundle(UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(bad))
    with pytest.raises(InvalidBundle):
        import_bundle(
            UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(bad), replace=True
        )
    assert snapshot(engine) == before


def test_a_failure_while_storing_rolls_everything_back(
    engine: Engine, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_bundle(
        UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(spec_bundle())
    )
    before = snapshot(engine)
    original = year_data.store_year

    def store_then_fail(session: Session, data: Any) -> None:
        original(session, data)  # everything written, then the transaction dies
        raise RuntimeError("disk full")

    monkeypatch.setattr(year_data, "store_year", store_then_fail)
    with pytest.raises(RuntimeError):
        import_bundle(
            UnitOfWork(session_factory, RULES, None, command_line()),
            DEMO.read_bytes(),
            replace=True,
        )
    assert snapshot(engine) == before


def test_replace_swaps_the_year_whole_and_other_years_stay(
    session_factory: sessionmaker[Session],
) -> None:
    other = spec_bundle()
    other["year"] = 2019
    for insp in other["inspections"]:
        for key in ("start_date", "end_date", "letter_date"):
            insp[key] = insp[key].replace("2018", "2019")
        for f in insp["findings"]:
            f["deadline"] = f["deadline"].replace("2018", "2019")
    for e in other["events"]:
        for key in ("date", "new_deadline"):
            if key in e:
                e[key] = e[key].replace("2018", "2019")
    import_bundle(UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(other))
    import_bundle(
        UnitOfWork(session_factory, RULES, None, command_line()), json.dumps(spec_bundle())
    )
    with pytest.raises(Conflict):
        import_bundle(UnitOfWork(session_factory, RULES, None, command_line()), DEMO.read_bytes())
    summary = import_bundle(
        UnitOfWork(session_factory, RULES, None, command_line()), DEMO.read_bytes(), replace=True
    )
    assert summary.replaced
    with session_factory() as session:
        years = {y["year"]: y for y in year_data.years_summary(session)}
        loaded = year_data.load_year(session, 2018)
        assert loaded is not None
        assert "2018-G1-07-01" not in {f.code for f in loaded.findings}
        assert len(loaded.findings) == summary.findings
    assert years[2019]["findings"] == 2


def test_an_import_into_a_sqlite_file_leaves_its_write_ahead_log_empty(tmp_path: Path) -> None:
    """The import's pages are in the database file, not left in the log every read would
    look them up in."""
    from scoring_service.db import make_engine, make_session_factory, upgrade
    from scoring_service.engine import PythonEngine

    path = tmp_path / "scoring.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        rules = FileRuleSource(REPO_RULES_DIR)
        uow = UnitOfWork(factory, rules, PythonEngine(), command_line())
        import_bundle(uow, DEMO.read_bytes())
        log = Path(f"{path}-wal")
        assert log.exists() and log.stat().st_size == 0
        with factory() as session:
            assert year_data.load_year(session, 2018) is not None
    finally:
        engine.dispose()
