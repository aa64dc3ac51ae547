"""The kept finding timelines and the unit tree's closure table: written with the data they
derive from, in the same transaction, and checked against a fresh replay.

A finding's timeline comes from ``domain.timeline.replay`` (the state machine of spec
section 2) and nowhere else: an import writes every finding's, an event or a new finding
rewrites those of its unit and criterion that change (they share repeats). The closure table holds
every unit with its ancestors. Nothing here commits; callers own the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.orm import Session

from scoring_service.db import count_deltas
from scoring_service.db.findings import events_where, findings_where, year_findings
from scoring_service.db.models import EventRow, FindingRow, TimelineRow, UnitAncestorRow, UnitRow
from scoring_service.db.rows import bulk_insert_tuples, rows_by_key, select_rows
from scoring_service.domain.model import Event, Finding, Unit
from scoring_service.domain.results import Difference, differences
from scoring_service.domain.timeline import APPLY_ORDER, repeats, replay, state_after

_TIMELINE_ROW = (
    "year",
    "finding",
    "valid_from",
    "valid_until",
    "unit",
    "severity",
    "category",
    "outcome",
    "effective_deadline",
    "completed_on",
    "fakes",
    "repeat_of",
)

# One stored span: the columns of _TIMELINE_ROW after year.
TimelineTuple = tuple[Any, ...]


def timeline_tuples(findings: Sequence[Finding], events: Iterable[Event]) -> list[TimelineTuple]:
    """Every span of every finding, as rows of _TIMELINE_ROW without the year, by finding
    then date. ``events`` are all the events of ``findings`` (in any order)."""
    return list(timeline_rows(findings, events))


def timeline_rows(findings: Sequence[Finding], events: Iterable[Event]) -> Iterator[TimelineTuple]:
    """``timeline_tuples`` one row at a time: a finding's spans are made as its rows are
    written, so a province's spans are never all held at once. Repeats need every
    finding's first rectification first: that is its state after its events, without the
    spans."""
    events_of: dict[str, list[Event]] = defaultdict(list)
    for event in sorted(events, key=APPLY_ORDER):
        events_of[event.finding].append(event)
    first_rectified = {
        f.code: state_after(f, events_of.get(f.code, ())).first_rectified_on for f in findings
    }
    repeat_of = repeats(findings, first_rectified)
    del first_rectified
    for f in sorted(findings, key=lambda f: f.code):
        category = f.category
        again = repeat_of[f.code]
        spans, _ = replay(f, events_of.get(f.code, ()))
        for span in spans:
            yield (
                f.code,
                span.valid_from,
                span.valid_until,
                f.unit,
                f.severity.value,
                category,
                span.outcome.value,
                span.effective_deadline,
                span.completed_on,
                span.fakes,
                again,
            )


def store_timelines(
    session: Session, year: int, findings: Sequence[Finding], events: Iterable[Event]
) -> None:
    """Insert the timelines of ``findings`` (none stored yet), from their events."""
    rows = timeline_rows(findings, events)
    bulk_insert_tuples(session, TimelineRow, _TIMELINE_ROW, ((year, *row) for row in rows))


def refresh_timelines(
    session: Session,
    year: int,
    findings: Collection[Finding],
    known_events: Mapping[str, Sequence[Event]] | None = None,
) -> None:
    """Bring the timelines of ``findings`` and of their peers (sharing a unit and criterion:
    a new event or finding can change their repeats as well as its own) up to date, with
    the kept counts: only the findings whose spans change are rewritten.

    Everything is read and computed first (a few indexed reads: the peers, their events
    and spans, whom they count for), the writes come last, so a write transaction holds
    its lock briefly. ``known_events``: whole histories of findings the caller holds
    already (not read again)."""
    if not findings:
        return
    groups = sorted({(f.unit, f.criterion) for f in findings})
    # Spans do not depend on responsible units: whom they count for is read below.
    peers = findings_where(
        session,
        year,
        tuple_(FindingRow.unit, FindingRow.criterion).in_(groups),
        responsible_units=False,
    )
    codes = [f.code for f in peers]
    known = known_events or {}
    events = [e for code in codes for e in known.get(code, ())]
    unknown = [code for code in codes if code not in known]
    if unknown:
        events += events_where(session, year, EventRow.finding.in_(unknown))
    fresh = rows_by_key(timeline_tuples(peers, events))
    kept = rows_by_key(
        select_rows(
            session,
            select(*(TimelineRow.__table__.c[name] for name in _TIMELINE_ROW[1:]))
            .where(TimelineRow.year == year, TimelineRow.finding.in_(codes))
            .order_by(TimelineRow.finding, TimelineRow.valid_from),
        )
    )
    changed = sorted(code for code in set(fresh) | set(kept) if fresh.get(code) != kept.get(code))
    if not changed:
        return
    old = [_span(code, row) for code in changed for row in kept.get(code, ())]
    new = [_span(code, row) for code in changed for row in fresh.get(code, ())]
    # The units' kept counts lose what the old spans gave them and gain the new spans'.
    by_place, responsible = count_deltas.ways(
        session, year, {s[1] for s in old} | {s[1] for s in new}, changed
    )
    before = count_deltas.span_deltas(old, by_place, responsible)
    after = count_deltas.span_deltas(new, by_place, responsible)
    table = cast(Table, TimelineRow.__table__)
    session.execute(delete(table).where(table.c.year == year, table.c.finding.in_(changed)))
    bulk_insert_tuples(
        session,
        TimelineRow,
        _TIMELINE_ROW,
        ((year, code, *row) for code in changed for row in fresh.get(code, ())),
    )
    count_deltas.apply(session, year, before, after)


def _span(code: str, row: Sequence[Any]) -> count_deltas.SpanTuple:
    """A span as the counts read it, from a row of _TIMELINE_ROW without the year and
    the finding."""
    valid_from, valid_until, unit, severity, category, outcome, _, _, fakes, repeat_of = row
    return (code, unit, severity, category, outcome, valid_from, valid_until, fakes, repeat_of)


_ANCESTOR_ROW = ("year", "unit", "ancestor", "depth", "ancestor_kind")


def ancestor_tuples(
    units: Mapping[str, tuple[str | None, str]],
) -> Iterator[tuple[str, str, int, str]]:
    """(unit, ancestor, depth, the ancestor's kind) for every unit of ``units`` (code ->
    its parent and kind): itself at depth 0, its parent at 1, and so on up."""
    for code, (parent, kind) in units.items():
        yield code, code, 0, kind
        seen = [code]
        up = parent
        while up is not None and up not in seen and up in units:  # never loop on a cycle
            yield code, up, len(seen), units[up][1]
            seen.append(up)
            up = units[up][0]


def store_ancestors(session: Session, year: int, units: Iterable[Unit]) -> None:
    """Insert the closure rows of ``units`` (their ancestors among ``units`` themselves)."""
    tree = {u.code: (u.parent, u.kind.value) for u in units}
    rows = ((year, *row) for row in ancestor_tuples(tree))
    bulk_insert_tuples(session, UnitAncestorRow, _ANCESTOR_ROW, rows)


def add_unit_ancestors(session: Session, year: int, unit: Unit) -> None:
    """The closure rows of one new unit: itself, then its parent's own rows one deeper."""
    rows: list[tuple[Any, ...]] = [(year, unit.code, unit.code, 0, unit.kind.value)]
    if unit.parent is not None:
        above = select_rows(
            session,
            select(
                UnitAncestorRow.ancestor, UnitAncestorRow.depth, UnitAncestorRow.ancestor_kind
            ).where(UnitAncestorRow.year == year, UnitAncestorRow.unit == unit.parent),
        )
        rows += [(year, unit.code, ancestor, depth + 1, kind) for ancestor, depth, kind in above]
    bulk_insert_tuples(session, UnitAncestorRow, _ANCESTOR_ROW, rows)


def _unit_tree(session: Session, year: int) -> dict[str, tuple[str | None, str]]:
    """Each unit of the year with its parent and kind."""
    rows = select_rows(
        session, select(UnitRow.code, UnitRow.parent, UnitRow.kind).where(UnitRow.year == year)
    )
    return {code: (parent, kind) for code, parent, kind in rows}


# --- consistency -------------------------------------------------------------------------


def check_year(session: Session, year: int) -> list[Difference]:
    """Replay every finding of the year from its events and rebuild the closure from the
    units; each finding or unit whose kept rows differ, by table then code."""
    findings = year_findings(session, year)
    replayed = timeline_tuples(findings, events_where(session, year))
    expected = rows_by_key(replayed)
    kept = rows_by_key(
        select_rows(
            session,
            select(*(TimelineRow.__table__.c[name] for name in _TIMELINE_ROW[1:]))
            .where(TimelineRow.year == year)
            .order_by(TimelineRow.finding, TimelineRow.valid_from),
        )
    )
    found = differences("finding_timelines", kept, expected)
    # Compared in Python's order: the database's collation may sort codes otherwise.
    tree = list(ancestor_tuples(_unit_tree(session, year)))
    want = rows_by_key(sorted(tree))
    have = rows_by_key(
        sorted(
            tuple(row)
            for row in select_rows(
                session,
                select(
                    UnitAncestorRow.unit,
                    UnitAncestorRow.ancestor,
                    UnitAncestorRow.depth,
                    UnitAncestorRow.ancestor_kind,
                ).where(UnitAncestorRow.year == year),
            )
        )
    )
    found += differences("unit_ancestors", have, want)
    # The kept counts against the replayed spans (as count_deltas.SpanTuple).
    spans = ((r[0], r[3], r[4], r[5], r[6], r[1], r[2], r[9], r[10]) for r in replayed)
    return found + count_deltas.check_counts(session, year, spans, tree)


def rebuild_year(session: Session, year: int) -> None:
    """Write the year's timelines, closure and kept counts afresh from its findings,
    events and units."""
    for model in (TimelineRow, UnitAncestorRow):
        table = cast(Table, model.__table__)
        session.execute(delete(table).where(table.c.year == year))
    store_timelines(session, year, year_findings(session, year), events_where(session, year))
    rows = ((year, *row) for row in ancestor_tuples(_unit_tree(session, year)))
    bulk_insert_tuples(session, UnitAncestorRow, _ANCESTOR_ROW, rows)
    count_deltas.store_counts(session, year)
