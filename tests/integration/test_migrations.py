"""Alembic migrations on real SQLite and PostgreSQL: up from empty, down to base, models match."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.bootstrap import bootstrap
from scoring_service.config import Settings
from scoring_service.db import (
    alembic_config,
    downgrade,
    make_engine,
    migrations_head,
    up_to_date,
    upgrade,
)
from scoring_service.db.models import Base
from tests.helpers.bundles import spec_bundle

YEAR_TABLES = {
    "years",
    "units",
    "pairings",
    "groups",
    "group_counties",
    "inspections",
    "sample_towns",
    "sample_villages",
    "sample_households",
    "findings",
    "finding_responsible",
    "events",
}


def _tables(url: str) -> set[str]:
    """The tables present in the database."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _version(url: str) -> str | None:
    """The revision the database is at."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_initial_revision_is_0001_at_the_base() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert scripts.get_bases() == ["0001"]
    assert scripts.get_revision("0001").down_revision is None


def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    assert _tables(empty_db_url) == set()
    upgrade(empty_db_url)
    head = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_current_head()
    assert _version(empty_db_url) == head
    assert YEAR_TABLES | {"score_runs", "score_rows", "alembic_version"} <= _tables(empty_db_url)


def test_the_migration_files_name_alembics_head() -> None:
    # Every command checks the schema against this head without loading Alembic.
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert migrations_head() == head


def test_a_command_migrates_a_schema_behind_the_head_and_only_then(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert not up_to_date(engine)
        upgrade(empty_db_url, "0010")
        assert not up_to_date(engine)
        settings = Settings.from_env(database_url=empty_db_url)
        bootstrap(settings, migrate=True).close()
        assert up_to_date(engine)
        assert _version(empty_db_url) == migrations_head()
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    upgrade(empty_db_url)
    assert "findings" in _tables(empty_db_url)


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(db_url: str) -> None:
    downgrade(db_url, "base")
    assert _tables(db_url) <= {"alembic_version"}
    assert _version(db_url) is None
    upgrade(db_url)
    assert _tables(db_url) >= YEAR_TABLES


def test_sqlite_enforces_foreign_keys(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def _inspection_columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("inspections")}
    finally:
        engine.dispose()


def _hold_a_year(url: str) -> None:
    """The spec's example year stored, so that findings refer to their inspections."""
    wiring = bootstrap(Settings.from_env(database_url=url), migrate=False)
    try:
        import_bundle(wiring.unit_of_work(command_line()), json.dumps(spec_bundle()).encode())
    finally:
        wiring.close()


def test_0011_keeps_the_letter_number_on_inspections_and_gives_it_back(db_url: str) -> None:
    # With a year held: the findings' foreign keys must not stop the column going.
    _hold_a_year(db_url)
    downgrade(db_url, "0010")
    assert _version(db_url) == "0010"
    assert "letter_number" not in _inspection_columns(db_url)
    assert "letter_date" in _inspection_columns(db_url)  # the rest of the table stays
    upgrade(db_url)
    assert "letter_number" in _inspection_columns(db_url)
    engine = make_engine(db_url)
    try:
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("inspections")}
    finally:
        engine.dispose()
    numbered = indexes["ix_inspections_year_letter_number"]
    assert numbered["unique"] and numbered["column_names"] == ["year", "letter_number"]


def _month_rows(url: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT year, unit, month, outcome, severity, category, via, kind, n, fakes, "
                    "repeats FROM unit_count_months ORDER BY year, unit, month, outcome, "
                    "severity, category, via"
                )
            )
            return [tuple(str(v) for v in row) for row in rows]
    finally:
        engine.dispose()


def test_0012_fills_the_month_rows_from_the_kept_day_rows_as_an_import_writes_them(
    db_url: str,
) -> None:
    _hold_a_year(db_url)
    written = _month_rows(db_url)
    assert written  # the spec's year has findings counting for units
    downgrade(db_url, "0011")
    assert "unit_count_months" not in _tables(db_url)
    upgrade(db_url)
    assert _month_rows(db_url) == written


def _year_revisions(url: str) -> list[tuple[int, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = {c["name"] for c in inspect(connection).get_columns("years")}
            kept = ", process_revision" if "process_revision" in names else ""
            columns = "year, revision" + kept
            rows = connection.execute(text(f"SELECT {columns} FROM years ORDER BY year"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_0016_notes_every_held_year_as_written_to_at_its_revision(db_url: str) -> None:
    # Nothing is known of the writes before: the alerts are computed afresh once.
    _hold_a_year(db_url)
    downgrade(db_url, "0015")
    before = _year_revisions(db_url)
    assert before and all(len(row) == 2 for row in before)
    upgrade(db_url)
    assert _year_revisions(db_url) == [(year, revision, revision) for year, revision in before]
