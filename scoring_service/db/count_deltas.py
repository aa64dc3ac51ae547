"""Every unit's attributed counts kept on write as dated deltas (``unit_count_deltas``), and
the assessment's reads of them: a unit's counts at a date are one indexed sum of its rows
up to that date, every scored unit's one aggregate over the scored kinds' rows.

A finding's span adds to the counts of each unit it can count for from its first day and
takes away from its end (incremental view maintenance over the kept timelines). A write
that rewrites some findings' spans, or changes whom they count for (a pairing), takes
their old contributions away and adds their new ones, as increments, in the caller's
transaction: only the units those findings count for are touched. Each row says which
attribution settings make it count (``via``), so drafts and dry runs with another
attribution read the same rows. Nothing here commits.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy import cast as cast_as
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from scoring_service.db.models import (
    CountDeltaRow,
    CountMonthRow,
    FindingResponsibleRow,
    PairingRow,
    TimelineRow,
    UnitAncestorRow,
    UnitRow,
)
from scoring_service.db.rows import bulk_insert_tuples, iter_rows, rows_by_key, select_rows
from scoring_service.domain.assessment import Counts
from scoring_service.domain.model import Outcome, Severity, UnitKind
from scoring_service.domain.results import Difference, differences
from scoring_service.domain.ruleset import Attribution
from scoring_service.domain.standings import DayChange

D = CountDeltaRow
M = CountMonthRow
_OUTCOMES = {o.value: o for o in Outcome}
_SEVERITIES = {s.value: s for s in Severity}

# Which attribution settings make a finding count for a unit.
ALWAYS, TERRITORIAL, PAIRED, EITHER = "d", "t", "p", "tp"

# (unit, day, outcome, severity, category, via) -> [n, fakes, repeats]
Key = tuple[str, date, str, str, str, str]
Deltas = dict[Key, list[int]]
_KEY = ("unit", "day", "outcome", "severity", "category", "via")
_ROW = ("year", *_KEY, "kind", "n", "fakes", "repeats")
_MONTH_KEY = ("unit", "month", "outcome", "severity", "category", "via")
_MONTH_ROW = ("year", *_MONTH_KEY, "kind", "n", "fakes", "repeats")

# A stored span as the deltas read it: finding, found unit, severity, category, outcome,
# valid_from, valid_until, fakes, repeat_of.
SpanTuple = tuple[str, str, str, str, str, date, date | None, int, str | None]


def _via(ways: set[str]) -> str:
    if ALWAYS in ways:
        return ALWAYS
    if ways == {TERRITORIAL, PAIRED}:
        return EITHER
    return next(iter(ways))


def ways(
    session: Session,
    year: int,
    found_units: Collection[str],
    codes: Collection[str] | None,
    closure: Iterable[tuple[str, str, int, str]] | None = None,
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
    """Whom findings found at ``found_units`` can count for: per found unit its ancestors
    and paired helping units as (unit, way); per finding (of ``codes``, None: the year's)
    its responsible units. ``closure``: the unit tree's (unit, ancestor, depth, kind) rows
    to use instead of the kept ones."""
    A, P, R = UnitAncestorRow, PairingRow, FindingResponsibleRow
    places = select(A.unit, A.ancestor, A.depth).where(A.year == year)
    pairs = select(P.village, P.helping_unit).where(P.year == year)
    answered = select(R.finding, R.unit).where(R.year == year)
    if codes is not None:
        units = sorted(found_units)
        places = places.where(A.unit.in_(units))
        pairs = pairs.where(P.village.in_(units))
        answered = answered.where(R.finding.in_(sorted(codes)))
    by_place: dict[str, list[tuple[str, str]]] = defaultdict(list)
    tree = select_rows(session, places) if closure is None else [row[:3] for row in closure]
    for unit, ancestor, depth in tree:
        by_place[unit].append((ancestor, ALWAYS if depth == 0 else TERRITORIAL))
    for village, helping in select_rows(session, pairs):
        by_place[village].append((helping, PAIRED))
    responsible: dict[str, list[str]] = defaultdict(list)
    for finding, unit in select_rows(session, answered):
        responsible[finding].append(unit)
    return by_place, responsible


def span_deltas(
    spans: Iterable[SpanTuple],
    by_place: dict[str, list[tuple[str, str]]],
    responsible: dict[str, list[str]],
    sign: int = 1,
    *,
    among: Collection[str] | None = None,
) -> Deltas:
    """The deltas ``spans`` give every unit their findings count for, times ``sign``
    (only the units ``among``, when given). A finding's spans come one after another."""
    out: Deltas = defaultdict(lambda: [0, 0, 0])
    current: str | None = None  # the finding whose units ``units`` holds
    units: dict[str, str] = {}
    for finding, unit, severity, category, outcome, start, end, fakes, repeat_of in spans:
        if finding != current:
            current = finding
            ways: dict[str, set[str]] = defaultdict(set)
            for counted, way in by_place.get(unit, ()):
                ways[counted].add(way)
            for counted in responsible.get(finding, ()):
                ways[counted].add(ALWAYS)
            units = {u: _via(w) for u, w in ways.items() if among is None or u in among}
        repeat = 0 if repeat_of is None else 1
        for counted, via in units.items():
            first = out[(counted, start, outcome, severity, category, via)]
            first[0] += sign
            first[1] += sign * fakes
            first[2] += sign * repeat
            if end is not None:
                last = out[(counted, end, outcome, severity, category, via)]
                last[0] -= sign
                last[1] -= sign * fakes
                last[2] -= sign * repeat
    return out


def _spans(year: int) -> Select[*tuple[Any, ...]]:
    """The year's stored spans as the deltas read them (``SpanTuple``)."""
    T = TimelineRow
    return select(
        T.finding,
        T.unit,
        T.severity,
        T.category,
        T.outcome,
        T.valid_from,
        T.valid_until,
        T.fakes,
        T.repeat_of,
    ).where(T.year == year)


def _stored_spans(session: Session, year: int, codes: Collection[str] | None) -> list[SpanTuple]:
    statement = _spans(year)
    if codes is not None:
        statement = statement.where(TimelineRow.finding.in_(sorted(codes)))
    return [cast(SpanTuple, tuple(row)) for row in select_rows(session, statement)]


def contributions(session: Session, year: int, codes: Collection[str], sign: int = 1) -> Deltas:
    """What the stored spans of the findings ``codes`` add to the units they count for."""
    if not codes:
        return {}
    spans = _stored_spans(session, year, codes)
    by_place, responsible = ways(session, year, {s[1] for s in spans}, codes)
    return span_deltas(spans, by_place, responsible, sign)


def _kinds(session: Session, year: int, units: Collection[str] | None) -> dict[str, str]:
    statement = select(UnitRow.code, UnitRow.kind).where(UnitRow.year == year)
    if units is not None:
        statement = statement.where(UnitRow.code.in_(sorted(units)))
    return {code: kind for code, kind in select_rows(session, statement)}


def apply(session: Session, year: int, before: Deltas, after: Deltas) -> None:
    """Replace the contributions ``before`` by ``after`` in the kept rows, as increments
    (so concurrent writers of other findings' deltas for the same unit and day add up)."""
    change: Deltas = defaultdict(lambda: [0, 0, 0])
    for deltas, sign in ((before, -1), (after, 1)):
        for key, (n, fakes, repeats) in deltas.items():
            total = change[key]
            total[0] += sign * n
            total[1] += sign * fakes
            total[2] += sign * repeats
    # In key order, so two writers lock shared rows in the same order.
    rows = sorted((key, v) for key, v in change.items() if any(v))
    if not rows:
        return
    units: dict[str, date] = {}
    for (unit, day, *_), _v in rows:  # in key order: a unit's earliest day first
        units.setdefault(unit, day)
    note_changed(session, year, units)
    kinds = _kinds(session, year, units)
    months = sorted((key, v) for key, v in by_month(dict(rows)).items() if any(v))
    for model, names, changed in ((D, _ROW, rows), (M, _MONTH_ROW, months)):
        _add(session, year, model, names, [(year, *k, kinds[k[0]], *v) for k, v in changed])


def _add(
    session: Session,
    year: int,
    model: type[CountDeltaRow] | type[CountMonthRow],
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Add ``rows``' counts to the kept rows of their keys, then drop the rows left at zero."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    # The dialect's own INSERT (for ON CONFLICT), imported for the database in use: a
    # command on SQLite does without PostgreSQL's dialect and the asyncio it imports.
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(table)
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table)
    upsert = statement.on_conflict_do_update(
        index_elements=list(names[:7]),
        set_={name: table.c[name] + statement.excluded[name] for name in ("n", "fakes", "repeats")},
    )
    session.execute(upsert, [dict(zip(names, row, strict=True)) for row in rows])
    # Rows the change brought to nothing go. One statement per changed key, each found by
    # the primary key: a row-value IN list is not, and a delete by unit alone would visit
    # every row of a county.
    key = names[1:7]
    session.execute(
        delete(table).where(
            table.c.year == year,
            *(table.c[name] == bindparam(f"k_{name}") for name in key),
            table.c.n == 0,
            table.c.fakes == 0,
            table.c.repeats == 0,
        ),
        [{f"k_{name}": value for name, value in zip(key, row[1:7], strict=True)} for row in rows],
    )


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def by_month(deltas: Deltas) -> Deltas:
    """``deltas`` summed per calendar month (the day in each key becomes its month's end)."""
    out: Deltas = defaultdict(lambda: [0, 0, 0])
    for (unit, day, *rest), (n, fakes, repeats) in deltas.items():
        total = out[(unit, month_end(day), *rest)]  # type: ignore[index]
        total[0] += n
        total[1] += fakes
        total[2] += repeats
    return out


# How many spans' deltas are summed at once when a year's are written afresh: a province's
# year is millions of deltas, more than are worth holding in one dict. A province (scale
# 50, 218,000 spans) takes one pass; each pass re-reads every span (2-4 s at scale 50).
SPANS_PER_PASS = 250_000


def store_counts(session: Session, year: int) -> None:
    """Write the year's day and month rows afresh from its stored spans and attribution."""
    write_days(session, year)
    write_months(session, year)
    note_changed(session, year, None)


# What this transaction changed of each year's kept counts, in ``session.info``: by year,
# the units whose rows changed with the earliest day they changed on, or None when the
# year's rows were written afresh. What is kept from the counts (``db.standings``) is
# brought up to date from it before the commit.
_CHANGED = "scoring.counts_changed"
Changed = dict[int, dict[str, date] | None]


def note_changed(session: Session, year: int, units: Mapping[str, date] | None) -> None:
    """Note that this transaction changed the kept counts of ``units`` from the day each
    maps to (None: every unit, every day)."""
    changed: Changed = session.info.setdefault(_CHANGED, {})
    if units is None:
        changed[year] = None
    elif year not in changed:
        changed[year] = dict(units)
    elif (held := changed[year]) is not None:
        for unit, day in units.items():
            held[unit] = min(day, held.get(unit, day))


def take_changed(session: Session) -> Changed:
    """What ``note_changed`` noted in this transaction, forgotten once taken."""
    changed: Changed = session.info.pop(_CHANGED, {})
    return changed


def write_days(session: Session, year: int) -> None:
    """Write the year's day rows afresh from its stored spans and attribution.

    The counted units are taken in ranges, one pass over the spans (read as a stream) for
    each, so that the deltas held at once stay near those of SPANS_PER_PASS spans; the
    rows go in key order, as one pass would write them."""
    table = cast(Table, D.__table__)
    session.execute(delete(table).where(table.c.year == year))
    by_place, responsible = ways(session, year, (), None)
    kinds = _kinds(session, year, None)
    total = session.scalar(select(func.count()).where(TimelineRow.year == year)) or 0
    passes = max(1, -(-total // SPANS_PER_PASS))
    units = sorted(kinds)
    for n in range(passes):
        among = set(units[n * len(units) // passes : (n + 1) * len(units) // passes])
        spans = _span_stream(session, year)
        deltas = span_deltas(spans, by_place, responsible, among=among)
        rows = (
            (year, *key, kinds[key[0]], *deltas[key]) for key in sorted(deltas) if any(deltas[key])
        )
        bulk_insert_tuples(session, D, _ROW, rows)
        del deltas


def _span_stream(session: Session, year: int) -> Iterator[SpanTuple]:
    """The year's stored spans by finding, read as a stream; each text value read once."""
    T = TimelineRow
    statement = _spans(year).order_by(T.finding, T.valid_from)
    # Severities, categories, outcomes and days are a few hundred values: one object each
    # in the keys, not one per span.
    shared: dict[Any, Any] = {}
    for finding, unit, *values, fakes, repeat_of in iter_rows(session, statement):
        severity, category, outcome, start, end = (shared.setdefault(v, v) for v in values)
        yield finding, unit, severity, category, outcome, start, end, fakes, repeat_of


# The last day of a day row's month, in each database's own words.
_MONTH_END = {
    "postgresql": "CAST(date_trunc('month', day) + interval '1 month - 1 day' AS DATE)",
    "sqlite": "date(day, 'start of month', '+1 month', '-1 day')",
}


def write_months(session: Session, year: int) -> None:
    """Write the year's month rows afresh as the sums of its day rows, in the database."""
    table = cast(Table, M.__table__)
    session.execute(delete(table).where(table.c.year == year))
    month = _MONTH_END[session.connection().dialect.name]
    session.execute(
        text(
            "INSERT INTO unit_count_months "
            "(year, unit, month, outcome, severity, category, via, kind, n, fakes, repeats) "
            f"SELECT year, unit, {month}, outcome, severity, category, via, MIN(kind), "
            "SUM(n), SUM(fakes), SUM(repeats) FROM unit_count_deltas WHERE year = :year "
            f"GROUP BY year, unit, {month}, outcome, severity, category, via "
            "HAVING SUM(n) <> 0 OR SUM(fakes) <> 0 OR SUM(repeats) <> 0"
        ),
        {"year": year},
    )


def check_counts(
    session: Session,
    year: int,
    spans: Iterable[SpanTuple],
    closure: Iterable[tuple[str, str, int, str]],
) -> list[Difference]:
    """The kept deltas against those a fresh replay's ``spans`` and unit tree (``closure``:
    its (unit, ancestor, depth, kind) rows) give, by unit."""
    by_place, responsible = ways(session, year, (), None, closure)
    deltas = span_deltas(spans, by_place, responsible)
    return _differ(session, year, D, _ROW, deltas) + _differ(
        session, year, M, _MONTH_ROW, by_month(deltas)
    )


def _differ(
    session: Session,
    year: int,
    model: type[CountDeltaRow] | type[CountMonthRow],
    names: Sequence[str],
    deltas: Deltas,
) -> list[Difference]:
    want = rows_by_key((*key, *values) for key, values in deltas.items() if any(values))
    table = cast(Table, model.__table__)
    columns = [table.c[name] for name in names[1:] if name != "kind"]
    have = rows_by_key(select_rows(session, select(*columns).where(table.c.year == year)))
    # Compared in Python's order: the database's collation may sort codes otherwise.
    return differences(
        table.name,
        {unit: sorted(rows) for unit, rows in have.items()},
        {unit: sorted(rows) for unit, rows in want.items()},
    )


# --- reads ---------------------------------------------------------------------------------


def _counting(table: Table, attribution: Attribution) -> ColumnElement[bool]:
    """The rows of ``table`` (day or month rows) that count under ``attribution``."""
    categories = sorted(attribution.helping_unit_categories)
    paired = table.c.category.in_(categories) if categories else false()
    territorial = true() if attribution.territorial else false()
    return or_(
        table.c.via == ALWAYS,
        and_(territorial, table.c.via.in_((TERRITORIAL, EITHER))),
        and_(paired, table.c.via.in_((PAIRED, EITHER))),
    )


def _where(
    table: Table, year: int, attribution: Attribution, kinds: Collection[UnitKind]
) -> list[ColumnElement[bool]]:
    return [
        table.c.year == year,
        table.c.kind.in_(sorted(k.value for k in kinds)),
        _counting(table, attribution),
    ]


_SUMMED = ("unit", "outcome", "severity", "category", "n", "fakes", "repeats")


def unit_counts(
    session: Session,
    year: int,
    as_of: date,
    attribution: Attribution,
    kinds: Collection[UnitKind],
    units: Collection[str] | None = None,
) -> list[Counts]:
    """Per unit of ``kinds`` (of ``units`` alone, when given), how many findings counting for it at
    ``as_of`` have each outcome, severity and category, with their fakes and repeats: the
    sum of its month rows before ``as_of``'s month and of that month's day rows up to
    ``as_of`` (month rows alone at a month end), so a date late in the year reads few rows."""
    days, months = cast(Table, D.__table__), cast(Table, M.__table__)
    last_month = as_of if month_end(as_of) == as_of else as_of.replace(day=1) - timedelta(days=1)
    whole = select(*(months.c[name] for name in _SUMMED)).where(
        *_where(months, year, attribution, kinds), months.c.month <= last_month
    )
    rest = select(*(days.c[name] for name in _SUMMED)).where(
        *_where(days, year, attribution, kinds), days.c.day > last_month, days.c.day <= as_of
    )
    if units is not None:
        codes = sorted(units)
        whole, rest = whole.where(months.c.unit.in_(codes)), rest.where(days.c.unit.in_(codes))
    rows = union_all(whole, rest).subquery()
    n = func.sum(rows.c.n)
    statement = (
        select(
            rows.c.unit,
            rows.c.outcome,
            rows.c.severity,
            rows.c.category,
            n,
            func.sum(rows.c.fakes),
            func.sum(rows.c.repeats),
        )
        .group_by(rows.c.unit, rows.c.outcome, rows.c.severity, rows.c.category)
        .having(n > 0)
    )
    # A province's year is some 40,000 rows: each made as ``_make`` makes a named tuple,
    # without the keyword handling of its constructor; the sums are integers on both
    # databases (PostgreSQL sums integers as bigint).
    make = Counts._make
    return [
        make((code, _OUTCOMES[o], _SEVERITIES[s], c, k, f, r))
        for code, o, s, c, k, f, r in select_rows(session, statement)
    ]


def monthly_changes(
    session: Session,
    year: int,
    days: Sequence[date],
    attribution: Attribution,
    kinds: Collection[UnitKind],
) -> list[dict[str, dict[tuple[str, str, str], tuple[int, int, int]]]]:
    """For each of ``days`` (ascending month ends), each unit's change of counts since the
    one before (at the first, since nothing), by (outcome, severity, category): the month
    rows read once, summed here (rows differing only in ``via`` add up)."""
    if any(month_end(day) != day for day in days):
        raise ValueError("monthly_changes reads month ends only")
    months = cast(Table, M.__table__)
    # The month as text on both databases: a year has few, parsed once each below
    # (select_rows would parse every row's on SQLite).
    statement = select(
        cast_as(months.c.month, String),
        months.c.unit,
        months.c.outcome,
        months.c.severity,
        months.c.category,
        months.c.n,
        months.c.fakes,
        months.c.repeats,
    ).where(*_where(months, year, attribution, kinds), months.c.month <= days[-1])
    bucket: dict[str, int] = {}  # a month's end -> the first of ``days`` on or after it
    sums: list[dict[str, dict[tuple[str, str, str], list[int]]]] = [{} for _ in days]
    for month, unit, outcome, severity, category, n, fakes, repeats in select_rows(
        session, statement
    ):
        at = bucket.get(month)
        if at is None:
            at = bucket[month] = bisect_left(days, date.fromisoformat(month))
        total = sums[at].setdefault(unit, {}).setdefault((outcome, severity, category), [0, 0, 0])
        total[0] += n
        total[1] += fakes
        total[2] += repeats
    return [
        {
            unit: {key: (n, f, r) for key, (n, f, r) in by_key.items() if n or f or r}
            for unit, by_key in changes.items()
        }
        for changes in sums
    ]


def day_changes(
    session: Session,
    year: int,
    attribution: Attribution,
    kinds: Collection[UnitKind],
    units: Collection[str] | None = None,
) -> Iterator[DayChange]:
    """How the counts of each unit of ``kinds`` (of ``units`` alone, when given) change on
    each day under ``attribution``, by unit then day, read as a stream: every way a row
    counts summed."""
    days = cast(Table, D.__table__)
    statement = _summed(days, year, attribution, kinds, days.c.day)
    if units is not None:
        statement = statement.where(days.c.unit.in_(sorted(units)))
    for unit, kind, day, outcome, severity, category, k, f, r in iter_rows(
        session, statement.order_by(days.c.unit, days.c.day)
    ):
        yield DayChange(
            unit, kind, day, _OUTCOMES[outcome], _SEVERITIES[severity], category, k, f, r
        )


def changes_from(
    session: Session,
    year: int,
    attribution: Attribution,
    kinds: Collection[UnitKind],
    starts: Mapping[str, date],
) -> list[DayChange]:
    """``day_changes`` of the units ``starts`` names from the day each maps to, each unit's
    earlier changes summed into one dated the day before: a unit's counts then, read
    without its whole year."""
    days = cast(Table, D.__table__)
    # The units first, by which the rows are found (the key); then each unit's days.
    among = days.c.unit.in_(sorted(starts))
    before = or_(*(and_(days.c.unit == u, days.c.day < day) for u, day in starts.items()))
    after = or_(*(and_(days.c.unit == u, days.c.day >= day) for u, day in starts.items()))
    found = [
        DayChange(unit, kind, day, _OUTCOMES[o], _SEVERITIES[s], c, k, f, r)
        for unit, kind, day, o, s, c, k, f, r in select_rows(
            session, _summed(days, year, attribution, kinds, days.c.day).where(among, after)
        )
    ]
    earlier = _summed(days, year, attribution, kinds, None).where(among, before)
    for unit, kind, o, s, c, k, f, r in select_rows(session, earlier):
        day = starts[unit] - timedelta(days=1)
        found.append(DayChange(unit, kind, day, _OUTCOMES[o], _SEVERITIES[s], c, k, f, r))
    found.sort(key=lambda change: (change.unit, change.day))
    return found


def _summed(
    days: Table,
    year: int,
    attribution: Attribution,
    kinds: Collection[UnitKind],
    day: ColumnElement[date] | None,
) -> Select[Any]:
    """The day rows counting under ``attribution`` summed over every way they count, by
    unit, ``day`` (None: all days at once), outcome, severity and category."""
    n = func.sum(days.c.n)
    fakes = func.sum(days.c.fakes)
    repeats = func.sum(days.c.repeats)
    keys = (days.c.outcome, days.c.severity, days.c.category)
    group = (days.c.unit, *(() if day is None else (day,)), *keys)
    return (
        select(days.c.unit, func.min(days.c.kind), *group[1:], n, fakes, repeats)
        .where(*_where(days, year, attribution, kinds))
        .group_by(*group)
        .having(or_(n != 0, fakes != 0, repeats != 0))
    )
