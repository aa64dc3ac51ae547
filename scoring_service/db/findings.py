"""Findings and their events: storing them in bulk, reading them for lists and single
findings (the stored fields a list filters on, and the findings and events a finding's
state at a date depends on), locking a finding and adding an event to it. Every function
takes the caller's ``Session`` and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from scoring_service.db import holds_write_lock
from scoring_service.db.models import (
    EventRow,
    FindingResponsibleRow,
    FindingRow,
    InspectionRow,
    YearRow,
)
from scoring_service.db.queries import Page, counts_for, in_categories, keyset_page, subtree
from scoring_service.db.rows import bulk_insert, bulk_insert_tuples, grouped, select_rows
from scoring_service.domain.model import Event, EventType, Finding, Severity, new_event, new_finding
from scoring_service.domain.ruleset import Attribution

# Dictionary lookups: calling an enum class per row costs about a microsecond each,
# which at 250,000 events is a noticeable share of load_year.
_SEVERITIES = {severity.value: severity for severity in Severity}
_EVENT_TYPES = {event_type.value: event_type for event_type in EventType}


def finding_conditions(
    year: int,
    attribution: Attribution,
    *,
    unit: str | None = None,
    counts_for_unit: str | None = None,
    inspection: str | None = None,
    category: str | None = None,
    criterion: str | None = None,
    severity: Severity | None = None,
    group: str | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions on the stored fields of a year's findings; None means any."""
    conditions: list[ColumnElement[bool]] = []
    if unit is not None:
        conditions.append(FindingRow.unit.in_(subtree(year, [unit])))
    if counts_for_unit is not None:
        conditions.append(counts_for(year, [counts_for_unit], attribution))
    if inspection is not None:
        conditions.append(FindingRow.inspection == inspection)
    if category is not None:
        conditions.append(in_categories(FindingRow.criterion, [category]))
    if criterion is not None:
        conditions.append(FindingRow.criterion == criterion)
    if severity is not None:
        conditions.append(FindingRow.severity == severity.value)
    if group is not None:
        conditions.append(
            FindingRow.inspection.in_(
                select(InspectionRow.code).where(
                    InspectionRow.year == year, InspectionRow.group_code == group
                )
            )
        )
    return conditions


def findings_page(
    session: Session, year: int, conditions: Sequence[Any], *, limit: int, cursor: str | None
) -> Page[Finding]:
    """A page of the year's findings matching ``conditions``, by code."""
    page = keyset_page(
        session,
        select(FindingRow.code).where(FindingRow.year == year, *conditions),
        keys=[FindingRow.code],
        limit=limit,
        cursor=cursor,
        tag="findings",
    )
    codes = [row.code for row in page.items]
    findings = findings_where(session, year, FindingRow.code.in_(codes))
    return Page(findings, page.total, page.next_cursor)


def finding(session: Session, year: int, code: str) -> Finding | None:
    found = findings_where(session, year, FindingRow.code == code)
    return found[0] if found else None


def finding_matches(session: Session, code: str, condition: Any) -> bool:
    """Whether the finding ``code`` matches ``condition`` (a scope's, naming the year)."""
    found = session.scalar(select(FindingRow.code).where(condition, FindingRow.code == code))
    return found is not None


def repeat_history(
    session: Session, year: int, findings: Sequence[Finding], as_of: date
) -> tuple[list[Finding], list[Event]]:
    """What the state of ``findings`` at ``as_of`` depends on: the findings of the same unit
    and criterion found by then (they decide repeats), and every event of those."""
    pairs = sorted({(f.unit, f.criterion) for f in findings})
    same = (
        # The units and the criteria seek the (year, unit, criterion) index; the pairs keep
        # only the peers: a page of a county's findings spans dozens of units and criteria,
        # whose every combination holds several times as many findings.
        FindingRow.unit.in_(sorted({u for u, _ in pairs})),
        FindingRow.criterion.in_(sorted({c for _, c in pairs})),
        tuple_(FindingRow.unit, FindingRow.criterion).in_(pairs),
    )
    peers = findings_where(session, year, *same, FindingRow.found_on <= as_of)
    codes = select(FindingRow.code).where(FindingRow.year == year, *same)
    events = events_where(session, year, EventRow.finding.in_(codes))
    return peers, events


# --- bulk writes -----------------------------------------------------------------------


def store_findings(
    session: Session, year: int, findings: Sequence[Finding], start: int = 0
) -> None:
    """Insert the findings and their responsible units, the first at position ``start``."""
    # Tuples, not dicts: a province has 100,000 findings and 250,000 events.
    bulk_insert_tuples(
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
    bulk_insert(
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


def store_events(session: Session, year: int, events: Iterable[Event]) -> None:
    """Insert the events as they are, seq included."""
    bulk_insert_tuples(session, EventRow, _EVENT_ROW, _event_tuples(year, events))


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


# --- reads -------------------------------------------------------------------------------

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


def year_findings(session: Session, year: int) -> list[Finding]:
    """The year's findings in stored order, each with its responsible units."""
    responsible = grouped(
        select_rows(
            session,
            select(FindingResponsibleRow.finding, FindingResponsibleRow.unit)
            .where(FindingResponsibleRow.year == year)
            .order_by(FindingResponsibleRow.finding, FindingResponsibleRow.position),
        )
    )
    rows = select_rows(
        session,
        select(*_FINDING_COLUMNS).where(FindingRow.year == year).order_by(FindingRow.position),
    )
    return _findings(rows, responsible)


def findings_where(
    session: Session, year: int, *conditions: Any, responsible_units: bool = True
) -> list[Finding]:
    """The year's findings matching ``conditions`` (on FindingRow), by code, each with its
    responsible units (left empty without ``responsible_units``: one query fewer): two
    column queries read as the driver's tuples."""
    where = (FindingRow.year == year, *conditions)
    rows = select_rows(session, select(*_FINDING_COLUMNS).where(*where).order_by(FindingRow.code))
    if not responsible_units:
        return _findings(rows, {})
    responsible = grouped(
        select_rows(
            session,
            select(FindingResponsibleRow.finding, FindingResponsibleRow.unit)
            .where(
                FindingResponsibleRow.year == year,
                FindingResponsibleRow.finding.in_(select(FindingRow.code).where(*where)),
            )
            .order_by(FindingResponsibleRow.finding, FindingResponsibleRow.position),
        )
    )
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


def events_where(session: Session, year: int, *conditions: Any) -> list[Event]:
    """The year's events matching ``conditions`` (on EventRow), in submission order."""
    return _events(
        select_rows(
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
        # SQLite has no row locks. A transaction begun with begin_write holds the database
        # write lock already; else pysqlite runs SELECTs outside a transaction, and a no-op
        # write takes the lock now, so the checks made on what is read next cannot be
        # overtaken by another writer.
        if not holds_write_lock(session):
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
