"""A year's data as a whole: whether it is held, its revision, its summary, deleting it,
storing and loading it in bulk, and refreshing the planner's statistics after a load.

Every function takes the caller's ``Session``; the service layer owns the transaction.
Writes are bulk (COPY on PostgreSQL, chunked executemany on SQLite), reads are one SELECT
per table, so a year of 100,000 findings and 250,000 events stores and loads in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from scoring_service.db.count_deltas import store_counts
from scoring_service.db.findings import (
    events_where,
    findings_where,
    store_events,
    store_findings,
    year_findings,
)
from scoring_service.db.inspections import load_inspections, store_inspections
from scoring_service.db.models import (
    Base,
    CountDeltaRow,
    CountMonthRow,
    EventRow,
    FindingResponsibleRow,
    FindingRow,
    GroupCountyRow,
    GroupRow,
    InspectionRow,
    PairingRow,
    SampleHouseholdRow,
    SampleTownRow,
    SampleVillageRow,
    StandingRow,
    StandingsKeptRow,
    TimelineRow,
    UnitAncestorRow,
    UnitRow,
    YearRow,
)
from scoring_service.db.rows import bulk_insert, grouped, now, select_rows
from scoring_service.db.timelines import store_ancestors, store_timelines
from scoring_service.domain.model import (
    EventType,
    Group,
    Pairing,
    Severity,
    Unit,
    UnitKind,
    VillageType,
    YearData,
)

# Children before parents, so foreign keys hold at every step of delete_year.
_YEAR_TABLES: tuple[type[Base], ...] = (
    StandingsKeptRow,
    StandingRow,
    CountMonthRow,
    CountDeltaRow,
    TimelineRow,
    UnitAncestorRow,
    EventRow,
    FindingResponsibleRow,
    FindingRow,
    SampleHouseholdRow,
    SampleVillageRow,
    SampleTownRow,
    InspectionRow,
    GroupCountyRow,
    GroupRow,
    PairingRow,
    UnitRow,
)


# --- years -----------------------------------------------------------------------------


def _year_row(session: Session, year: int, *, for_update: bool = False) -> YearRow | None:
    """The year's row, imported or a tombstone left by delete_year."""
    statement = select(YearRow).where(YearRow.year == year)
    if for_update:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def year_exists(session: Session, year: int) -> bool:
    """Whether the year's data is stored."""
    statement = select(YearRow.year).where(YearRow.year == year, YearRow.imported_at.is_not(None))
    return session.execute(statement).first() is not None


def get_process_revision(session: Session, year: int) -> int | None:
    """The revision of the last write to what the year's process alerts read, or None when
    the year is not stored."""
    statement = select(YearRow.process_revision).where(
        YearRow.year == year, YearRow.imported_at.is_not(None)
    )
    return session.execute(statement).scalar_one_or_none()


def get_revision(session: Session, year: int) -> int | None:
    """The year's data revision, or None when the year is not stored."""
    statement = select(YearRow.revision).where(
        YearRow.year == year, YearRow.imported_at.is_not(None)
    )
    return session.execute(statement).scalar_one_or_none()


def bump_revision(session: Session, year: int, *, process: bool = True) -> int:
    """Increment the year's revision (any write to its data) and return the new value.

    ``process``: the write may change what the process alerts read, which is then noted as
    changed at this revision too (``YearRow.process_revision``)."""
    values = {"revision": YearRow.revision + 1}
    if process:
        values["process_revision"] = YearRow.revision + 1
    # One round trip: the new revision comes back with the update.
    row = session.execute(
        update(YearRow)
        .where(YearRow.year == year)
        .values(values)
        .returning(YearRow.revision, YearRow.imported_at)
    ).first()
    if row is None or row.imported_at is None:
        raise LookupError(f"year {year} is not stored")
    # What is kept from the year's data follows it to the new revision (``db.standings``).
    session.info.setdefault(WRITTEN, set()).add(year)
    return int(row.revision)


# ``session.info``'s key for the years this transaction raised the revision of.
WRITTEN = "scoring.years_written"


def years_summary(session: Session) -> list[dict[str, Any]]:
    """Every stored year with its revision and counts of units, inspections, findings, events."""
    counts = {
        name: _counts_by_year(session, model)
        for name, model in (
            ("units", UnitRow),
            ("inspections", InspectionRow),
            ("findings", FindingRow),
            ("events", EventRow),
        )
    }
    years = session.execute(
        select(YearRow.year, YearRow.revision, YearRow.imported_at)
        .where(YearRow.imported_at.is_not(None))
        .order_by(YearRow.year)
    ).all()
    return [
        {
            "year": year,
            "revision": revision,
            "imported_at": imported_at,
            **{name: by_year.get(year, 0) for name, by_year in counts.items()},
        }
        for year, revision, imported_at in years
    ]


def _counts_by_year(session: Session, model: type[Base]) -> dict[int, int]:
    """Row counts of one year-data table, per year."""
    year_column = model.__table__.c.year
    rows = session.execute(select(year_column, func.count()).group_by(year_column)).all()
    return {year: count for year, count in rows}


def delete_year(session: Session, year: int) -> None:
    """Delete the year's data; its row stays as a tombstone so revisions keep growing.

    Score runs are kept: they record what was computed, and their ``data_revision``
    can never match the revision of data imported later.
    """
    for model in _YEAR_TABLES:
        table = cast(Table, model.__table__)
        # A Core delete: the ORM one would add RETURNING to sync objects we never load.
        session.execute(delete(table).where(table.c.year == year))
    session.execute(
        update(YearRow)
        .where(YearRow.year == year)
        .values(
            revision=YearRow.revision + 1,
            process_revision=YearRow.revision + 1,
            imported_at=None,
        )
    )


# --- store -----------------------------------------------------------------------------


def store_year(session: Session, data: YearData) -> None:
    """Insert a whole year; the year must be empty (new, or delete_year called before)."""
    with _large_page_cache(session):
        _store_year(session, data)


# SQLite's default page cache is 2 MB; the indexes of a province's 250,000 events and
# findings are larger, and inserting into them then spills pages to disk mid-transaction.
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def _large_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of BULK_CACHE_KIB for the block, then the connection's own."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def _store_year(session: Session, data: YearData) -> None:
    _claim_year(session, data.year)
    year = data.year
    bulk_insert(session, UnitRow, _unit_rows(year, data.units))
    bulk_insert(
        session,
        PairingRow,
        (
            {"year": year, "helping_unit": p.helping_unit, "village": p.village, "position": i}
            for i, p in enumerate(data.pairings)
        ),
    )
    _store_groups(session, year, data.groups)
    store_inspections(session, year, data.inspections)
    store_findings(session, year, data.findings)
    store_events(session, year, data.events)
    # What the scores read, kept with the data it derives from (db.timelines).
    store_timelines(session, year, data.findings, data.events)
    store_ancestors(session, year, data.units)
    store_counts(session, year)


# SQLite's ANALYZE reads every row of every index unless told to sample; a sample of this
# many rows per index gives the planner the proportions it needs in milliseconds.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(session: Session) -> None:
    """Have the planner see the rows a bulk load has just written: ANALYZE the year tables.

    Without it PostgreSQL plans the first queries after an import on the statistics of empty
    tables (a few rows each) and nests loops over what are thousands of units and findings:
    listing a unit's findings took 22-65 s after a province's import, 3 ms once analysed.
    Autovacuum would get there, but only after its next round. Run inside the import's
    transaction, so the statistics commit, or roll back, with the rows they describe.
    """
    connection = session.connection()
    models: tuple[type[Base], ...] = (YearRow, *_YEAR_TABLES)
    tables = [cast(Table, model.__table__).name for model in models]
    if connection.dialect.name == "postgresql":
        for table in tables:
            connection.exec_driver_sql(f'ANALYZE "{table}"')
    elif connection.dialect.name == "sqlite":
        previous = int(connection.exec_driver_sql("PRAGMA analysis_limit").scalar_one())
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        try:
            for table in tables:
                connection.exec_driver_sql(f'ANALYZE "{table}"')
        finally:
            connection.exec_driver_sql(f"PRAGMA analysis_limit = {previous}")


def _claim_year(session: Session, year: int) -> None:
    """Create the year's row, or revive its tombstone with the next revision."""
    existing = _year_row(session, year, for_update=True)
    if existing is None:
        session.execute(insert(YearRow).values(year=year, revision=1, imported_at=now()))
        return
    if existing.imported_at is not None:
        raise ValueError(f"year {year} is already stored; delete it first")
    session.execute(
        update(YearRow)
        .where(YearRow.year == year)
        .values(
            revision=YearRow.revision + 1,
            process_revision=YearRow.revision + 1,
            imported_at=now(),
        )
    )


def _unit_rows(year: int, units: Sequence[Unit]) -> Iterator[dict[str, Any]]:
    """Rows of the units table."""
    for position, unit in enumerate(units):
        yield {
            "year": year,
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind.value,
            "parent": unit.parent,
            "village_type": unit.village_type.value if unit.village_type else None,
            "position": position,
        }


def _store_groups(session: Session, year: int, groups: Sequence[Group]) -> None:
    """Insert the groups and the counties each covers."""
    bulk_insert(
        session,
        GroupRow,
        (
            {"year": year, "code": g.code, "name": g.name, "leader": g.leader, "position": i}
            for i, g in enumerate(groups)
        ),
    )
    bulk_insert(
        session,
        GroupCountyRow,
        (
            {"year": year, "group_code": g.code, "position": i, "county": county}
            for g in groups
            for i, county in enumerate(g.counties)
        ),
    )


# --- load ------------------------------------------------------------------------------

# Dictionary lookups: calling an enum class per row costs about a microsecond each,
# which at 250,000 events is a noticeable share of load_year.
_UNIT_KINDS = {kind.value: kind for kind in UnitKind}
_VILLAGE_TYPES = {vt.value: vt for vt in VillageType}


def load_year(session: Session, year: int) -> YearData | None:
    """The whole year as domain values, or None when it is not stored."""
    if not year_exists(session, year):
        return None
    return YearData(
        year=year,
        units=load_units(session, year),
        pairings=load_pairings(session, year),
        groups=_load_groups(session, year),
        inspections=load_inspections(session, year),
        findings=year_findings(session, year),
        events=events_where(session, year),
    )


def load_for_alerts(session: Session, year: int, as_of: date) -> YearData | None:
    """What the process alerts read of a year (spec section 7), or None when it is not
    stored: units, groups, inspections with their samples, the major findings found by
    ``as_of`` and the escalations. The rest of the findings and events stay in the
    database: they are most of a year and no alert reads them."""
    if not year_exists(session, year):
        return None
    return YearData(
        year=year,
        units=load_units(session, year),
        groups=_load_groups(session, year),
        inspections=load_inspections(session, year),
        findings=findings_where(
            session,
            year,
            FindingRow.severity == Severity.MAJOR.value,
            FindingRow.found_on <= as_of,
        ),
        events=events_where(session, year, EventRow.type == EventType.ESCALATED.value),
    )


def load_units(session: Session, year: int) -> list[Unit]:
    """The year's units in stored order."""
    rows = select_rows(
        session,
        select(UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.parent, UnitRow.village_type)
        .where(UnitRow.year == year)
        .order_by(UnitRow.position),
    )
    return [
        Unit(code, name, _UNIT_KINDS[kind], parent, _VILLAGE_TYPES.get(village_type))
        for code, name, kind, parent, village_type in rows
    ]


def load_pairings(session: Session, year: int) -> list[Pairing]:
    """The year's pairings in stored order."""
    return [
        Pairing(helping_unit, village)
        for helping_unit, village in select_rows(
            session,
            select(PairingRow.helping_unit, PairingRow.village)
            .where(PairingRow.year == year)
            .order_by(PairingRow.position),
        )
    ]


def _load_groups(session: Session, year: int) -> list[Group]:
    """The year's groups, each with its counties."""
    counties = grouped(
        select_rows(
            session,
            select(GroupCountyRow.group_code, GroupCountyRow.county)
            .where(GroupCountyRow.year == year)
            .order_by(GroupCountyRow.group_code, GroupCountyRow.position),
        )
    )
    rows = select_rows(
        session,
        select(GroupRow.code, GroupRow.name, GroupRow.leader)
        .where(GroupRow.year == year)
        .order_by(GroupRow.position),
    )
    return [Group(code, name, leader, tuple(counties.get(code, ()))) for code, name, leader in rows]
