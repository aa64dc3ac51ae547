"""Reads and writes of year data and score runs, set-based and never committing.

Every function takes the caller's ``Session``; the service layer owns the
transaction. Writes are bulk (COPY on PostgreSQL, chunked executemany on SQLite),
reads are one SELECT per table, so a year of 100,000 findings and 250,000 events
stores and loads in seconds.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import Date, Select, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from scoring_service.db.models import (
    Base,
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
    UnitRow,
    YearRow,
)
from scoring_service.domain.model import (
    Event,
    EventType,
    Finding,
    Group,
    Household,
    HouseholdStatus,
    Inspection,
    Pairing,
    Sample,
    Severity,
    Unit,
    UnitKind,
    VillageType,
    YearData,
    new_event,
    new_finding,
)

# Children before parents, so foreign keys hold at every step of delete_year.
_YEAR_TABLES: tuple[type[Base], ...] = (
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


def _now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _bulk_insert(session: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    """Insert dict rows (keyed by column name, same keys in each) as fast as the database allows."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    tuples = (tuple(row.values()) for row in chain([first], iterator))
    _bulk_insert_tuples(session, model, list(first), tuples)


def _bulk_insert_tuples(
    session: Session, model: type[Base], names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows given as tuples of the columns ``names``, as fast as the database allows.

    The values go to the driver as they are: bulk tables hold only strings, integers
    and dates, which need no SQLAlchemy type processing. PostgreSQL gets COPY (about
    twice as fast as executemany here); SQLite gets executemany, which reads the rows
    as they are made (no list of them is built).
    """
    table = cast(Table, model.__table__)
    connection = session.connection()
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
        return
    statement = (
        f"INSERT INTO {preparer.format_table(table)} ({columns}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


# sqlite3's own date adapter is deprecated (Python 3.12). This one writes the same ISO
# text, which SQLAlchemy's SQLite Date type reads back (dates are the only non-native
# values bulk rows hold); as the driver applies it, rows need no conversion in Python.
sqlite3.register_adapter(date, date.isoformat)


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


def get_revision(session: Session, year: int) -> int | None:
    """The year's data revision, or None when the year is not stored."""
    statement = select(YearRow.revision).where(
        YearRow.year == year, YearRow.imported_at.is_not(None)
    )
    return session.execute(statement).scalar_one_or_none()


def bump_revision(session: Session, year: int) -> int:
    """Increment the year's revision (any write to its data) and return the new value."""
    session.execute(
        update(YearRow).where(YearRow.year == year).values(revision=YearRow.revision + 1)
    )
    revision = get_revision(session, year)
    if revision is None:
        raise LookupError(f"year {year} is not stored")
    return revision


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
        .values(revision=YearRow.revision + 1, imported_at=None)
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
    _bulk_insert(session, UnitRow, _unit_rows(year, data.units))
    _bulk_insert(
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
    _bulk_insert_tuples(session, EventRow, _EVENT_ROW, _event_tuples(year, data.events))


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
        session.execute(insert(YearRow).values(year=year, revision=1, imported_at=_now()))
        return
    if existing.imported_at is not None:
        raise ValueError(f"year {year} is already stored; delete it first")
    session.execute(
        update(YearRow)
        .where(YearRow.year == year)
        .values(revision=YearRow.revision + 1, imported_at=_now())
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
    _bulk_insert(
        session,
        GroupRow,
        (
            {"year": year, "code": g.code, "name": g.name, "leader": g.leader, "position": i}
            for i, g in enumerate(groups)
        ),
    )
    _bulk_insert(
        session,
        GroupCountyRow,
        (
            {"year": year, "group_code": g.code, "position": i, "county": county}
            for g in groups
            for i, county in enumerate(g.counties)
        ),
    )


def store_inspections(
    session: Session, year: int, inspections: Sequence[Inspection], start: int = 0
) -> None:
    """Insert the inspections and their samples, the first at position ``start``."""
    _bulk_insert(
        session,
        InspectionRow,
        (
            {
                "year": year,
                "code": ins.code,
                "group_code": ins.group,
                "county": ins.county,
                "start_date": ins.start_date,
                "end_date": ins.end_date,
                "letter_date": ins.letter_date,
                "position": start + i,
            }
            for i, ins in enumerate(inspections)
        ),
    )
    _bulk_insert(
        session,
        SampleTownRow,
        (
            {"year": year, "inspection": ins.code, "position": i, "town": town}
            for ins in inspections
            for i, town in enumerate(ins.sample.towns)
        ),
    )
    _bulk_insert(
        session,
        SampleVillageRow,
        (
            {"year": year, "inspection": ins.code, "position": i, "village": village}
            for ins in inspections
            for i, village in enumerate(ins.sample.villages)
        ),
    )
    _bulk_insert(
        session,
        SampleHouseholdRow,
        (
            {
                "year": year,
                "inspection": ins.code,
                "position": i,
                "code": h.code,
                "village": h.village,
                "status": h.status.value,
            }
            for ins in inspections
            for i, h in enumerate(ins.sample.households)
        ),
    )


def store_findings(
    session: Session, year: int, findings: Sequence[Finding], start: int = 0
) -> None:
    """Insert the findings and their responsible units, the first at position ``start``."""
    # Tuples, not dicts: a province has 100,000 findings and 250,000 events.
    _bulk_insert_tuples(
        session,
        FindingRow,
        _FINDING_ROW,
        (
            (
                year,
                f.code,
                f.inspection,
                f.unit,
                f.criterion,
                f.severity.value,
                f.description,
                f.deadline,
                f.found_on,
                start + i,
            )
            for i, f in enumerate(findings)
        ),
    )
    _bulk_insert(
        session,
        FindingResponsibleRow,
        (
            {"year": year, "finding": f.code, "position": i, "unit": unit}
            for f in findings
            for i, unit in enumerate(f.responsible)
        ),
    )


_FINDING_ROW = (
    "year",
    "code",
    "inspection",
    "unit",
    "criterion",
    "severity",
    "description",
    "deadline",
    "found_on",
    "position",
)
# The keys of _event_row, in its order.
_EVENT_ROW = ("year", "finding", "seq", "type", "date", "new_deadline", "reason", "note", "to")


def _event_tuples(year: int, events: Iterable[Event]) -> Iterator[tuple[Any, ...]]:
    """Rows of the events table as tuples of _EVENT_ROW."""
    for e in events:
        yield (year, e.finding, e.seq, e.type.value, e.date, e.new_deadline, e.reason, e.note, e.to)


def _event_row(year: int, event: Event) -> dict[str, Any]:
    """A row of the events table (keys are column names: ``date``, not ``event_date``)."""
    return {
        "year": year,
        "finding": event.finding,
        "seq": event.seq,
        "type": event.type.value,
        "date": event.date,
        "new_deadline": event.new_deadline,
        "reason": event.reason,
        "note": event.note,
        "to": event.to,
    }


# --- load ------------------------------------------------------------------------------

# Dictionary lookups: calling an enum class per row costs about a microsecond each,
# which at 250,000 events is a noticeable share of load_year.
_UNIT_KINDS = {kind.value: kind for kind in UnitKind}
_VILLAGE_TYPES = {vt.value: vt for vt in VillageType}
_STATUSES = {status.value: status for status in HouseholdStatus}
_SEVERITIES = {severity.value: severity for severity in Severity}
_EVENT_TYPES = {event_type.value: event_type for event_type in EventType}


def _rows(session: Session, statement: Select[*tuple[Any, ...]]) -> Sequence[Sequence[Any]]:
    """All rows of a column SELECT as the driver's tuples, dates as ``date`` values.

    The loads select only strings, integers and dates. Taking the driver's tuples at once
    skips SQLAlchemy's per-row processing (a third of a large load); the one conversion
    left is SQLite's, which stores dates as ISO text.
    """
    connection = session.connection()
    result = connection.execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if connection.dialect.name == "sqlite":
        columns = statement.selected_columns
        dates = [i for i, column in enumerate(columns) if isinstance(column.type, Date)]
        if dates and rows:
            return _with_dates(rows, dates)
    return rows


def _with_dates(rows: Sequence[Sequence[Any]], indexes: list[int]) -> list[tuple[Any, ...]]:
    """The rows with ISO text at ``indexes`` read as dates (a year has a few hundred dates)."""
    parsed: dict[str, date] = {}

    def day(text: str | None) -> date | None:
        if text is None:
            return None
        value = parsed.get(text)
        if value is None:
            value = parsed[text] = date.fromisoformat(text)
        return value

    converted = []
    for row in rows:
        values = list(row)
        for i in indexes:
            values[i] = day(values[i])
        converted.append(tuple(values))
    return converted


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
        findings=_load_findings(session, year),
        events=_load_events(session, year),
    )


def load_units(session: Session, year: int) -> list[Unit]:
    """The year's units in stored order."""
    rows = _rows(
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
        for helping_unit, village in _rows(
            session,
            select(PairingRow.helping_unit, PairingRow.village)
            .where(PairingRow.year == year)
            .order_by(PairingRow.position),
        )
    ]


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[str, list[Any]]:
    """Map the first column to the list of the second, keeping row order."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped


def _load_groups(session: Session, year: int) -> list[Group]:
    """The year's groups, each with its counties."""
    counties = _grouped(
        _rows(
            session,
            select(GroupCountyRow.group_code, GroupCountyRow.county)
            .where(GroupCountyRow.year == year)
            .order_by(GroupCountyRow.group_code, GroupCountyRow.position),
        )
    )
    rows = _rows(
        session,
        select(GroupRow.code, GroupRow.name, GroupRow.leader)
        .where(GroupRow.year == year)
        .order_by(GroupRow.position),
    )
    return [Group(code, name, leader, tuple(counties.get(code, ()))) for code, name, leader in rows]


def load_inspections(session: Session, year: int, code: str | None = None) -> list[Inspection]:
    """The year's inspections (only the one ``code`` names when given), each with its sample."""
    towns = _grouped(
        _rows(
            session,
            select(SampleTownRow.inspection, SampleTownRow.town)
            .where(SampleTownRow.year == year, *_code_is(SampleTownRow.inspection, code))
            .order_by(SampleTownRow.inspection, SampleTownRow.position),
        )
    )
    villages = _grouped(
        _rows(
            session,
            select(SampleVillageRow.inspection, SampleVillageRow.village)
            .where(SampleVillageRow.year == year, *_code_is(SampleVillageRow.inspection, code))
            .order_by(SampleVillageRow.inspection, SampleVillageRow.position),
        )
    )
    households: dict[str, list[Household]] = defaultdict(list)
    for inspection, household, village, status in _rows(
        session,
        select(
            SampleHouseholdRow.inspection,
            SampleHouseholdRow.code,
            SampleHouseholdRow.village,
            SampleHouseholdRow.status,
        )
        .where(SampleHouseholdRow.year == year, *_code_is(SampleHouseholdRow.inspection, code))
        .order_by(SampleHouseholdRow.inspection, SampleHouseholdRow.position),
    ):
        households[inspection].append(Household(household, village, _STATUSES[status]))
    rows = _rows(
        session,
        select(
            InspectionRow.code,
            InspectionRow.group_code,
            InspectionRow.county,
            InspectionRow.start_date,
            InspectionRow.end_date,
            InspectionRow.letter_date,
        )
        .where(InspectionRow.year == year, *_code_is(InspectionRow.code, code))
        .order_by(InspectionRow.position),
    )
    return [
        Inspection(
            code,
            group,
            county,
            start_date,
            end_date,
            letter_date,
            Sample(
                tuple(towns.get(code, ())),
                tuple(villages.get(code, ())),
                tuple(households.get(code, ())),
            ),
        )
        for code, group, county, start_date, end_date, letter_date in rows
    ]


def _code_is(column: Any, code: str | None) -> list[Any]:
    """The condition that ``column`` is ``code``, or none when ``code`` is None."""
    return [] if code is None else [column == code]


# In the order of Finding's fields, so rows map to findings positionally.
_FINDING_COLUMNS = (
    FindingRow.code,
    FindingRow.inspection,
    FindingRow.unit,
    FindingRow.criterion,
    FindingRow.severity,
    FindingRow.description,
    FindingRow.deadline,
    FindingRow.found_on,
)


def _findings(rows: Iterable[Sequence[Any]], responsible: dict[str, list[str]]) -> list[Finding]:
    """Domain findings from rows of ``_FINDING_COLUMNS``."""
    return [
        new_finding(
            code,
            inspection,
            unit,
            criterion,
            _SEVERITIES[severity],
            description,
            deadline,
            found_on,
            tuple(responsible.get(code, ())),
        )
        for code, inspection, unit, criterion, severity, description, deadline, found_on in rows
    ]


def _load_findings(session: Session, year: int) -> list[Finding]:
    """The year's findings, each with its responsible units."""
    responsible = _grouped(
        _rows(
            session,
            select(FindingResponsibleRow.finding, FindingResponsibleRow.unit)
            .where(FindingResponsibleRow.year == year)
            .order_by(FindingResponsibleRow.finding, FindingResponsibleRow.position),
        )
    )
    rows = _rows(
        session,
        select(*_FINDING_COLUMNS).where(FindingRow.year == year).order_by(FindingRow.position),
    )
    return _findings(rows, responsible)


def findings_where(session: Session, year: int, *conditions: Any) -> list[Finding]:
    """The year's findings matching ``conditions`` (on FindingRow), by code, each with its
    responsible units: two column queries read as the driver's tuples."""
    where = (FindingRow.year == year, *conditions)
    responsible = _grouped(
        _rows(
            session,
            select(FindingResponsibleRow.finding, FindingResponsibleRow.unit)
            .where(
                FindingResponsibleRow.year == year,
                FindingResponsibleRow.finding.in_(select(FindingRow.code).where(*where)),
            )
            .order_by(FindingResponsibleRow.finding, FindingResponsibleRow.position),
        )
    )
    rows = _rows(session, select(*_FINDING_COLUMNS).where(*where).order_by(FindingRow.code))
    return _findings(rows, responsible)


# In the order of Event's fields, so rows map to events positionally.
_EVENT_COLUMNS = (
    EventRow.finding,
    EventRow.type,
    EventRow.event_date,
    EventRow.seq,
    EventRow.new_deadline,
    EventRow.reason,
    EventRow.note,
    EventRow.to,
)


def _events(rows: Iterable[Sequence[Any]]) -> list[Event]:
    """Domain events from rows of ``_EVENT_COLUMNS``."""
    return [
        new_event(finding, _EVENT_TYPES[type_], date_, seq, new_deadline, reason, note, to)
        for finding, type_, date_, seq, new_deadline, reason, note, to in rows
    ]


def _load_events(session: Session, year: int) -> list[Event]:
    """The year's events in submission order (seq, then insertion)."""
    return events_where(session, year)


def events_where(session: Session, year: int, *conditions: Any) -> list[Event]:
    """The year's events matching ``conditions`` (on EventRow), in submission order."""
    return _events(
        _rows(
            session,
            select(*_EVENT_COLUMNS)
            .where(EventRow.year == year, *conditions)
            .order_by(EventRow.seq, EventRow.id),
        )
    )


# --- single findings and events ----------------------------------------------------------


def lock_finding(session: Session, year: int, code: str) -> Finding | None:
    """The finding, locked against concurrent event writes until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks, and pysqlite runs SELECTs outside a transaction.
        # A no-op write takes the database write lock now, so the checks made on
        # what is read next cannot be overtaken by another writer.
        session.execute(
            update(YearRow).where(YearRow.year == year).values(revision=YearRow.revision)
        )
        statement = select(*_FINDING_COLUMNS)
    else:
        statement = select(*_FINDING_COLUMNS).with_for_update()
    row = session.execute(statement.where(FindingRow.year == year, FindingRow.code == code)).first()
    if row is None:
        return None
    responsible = session.scalars(
        select(FindingResponsibleRow.unit)
        .where(FindingResponsibleRow.year == year, FindingResponsibleRow.finding == code)
        .order_by(FindingResponsibleRow.position)
    ).all()
    return _findings([row], {code: list(responsible)})[0]


def finding_events(session: Session, year: int, code: str) -> list[Event]:
    """One finding's events in submission order."""
    return events_where(session, year, EventRow.finding == code)


def add_event(session: Session, year: int, event: Event) -> Event:
    """Store an event after every existing one of the year; returns it with its seq.

    The event's own ``seq`` is ignored. Call lock_finding first: the lock makes the
    seq unique within the finding, which is where submission order matters.
    """
    last = session.execute(select(func.max(EventRow.seq)).where(EventRow.year == year)).scalar()
    stored = replace(event, seq=(last or 0) + 1)
    session.execute(insert(cast(Table, EventRow.__table__)), [_event_row(year, stored)])
    return stored


def find_finding_years(session: Session, code: str) -> list[int]:
    """The stored years holding a finding with this code, in order."""
    return list(
        session.scalars(
            select(FindingRow.year).where(FindingRow.code == code).order_by(FindingRow.year)
        )
    )
