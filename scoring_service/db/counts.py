"""The assessment's reads of the kept timelines: every unit's finding counts at a date in
one aggregate (``unit_counts``) or at several (``monthly_counts``), one unit's counted
findings with why each counts, and findings by their state at a date.

Attribution (spec section 4) is a join: the found unit and, when the rule set says
``territorial``, its ancestors (``unit_ancestors``); the helping units paired with it when
the finding's category is one the rule set names (``pairings``); its responsible units
(``finding_responsible``). A finding counts once for a unit however many ways it reaches
it. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from scoring_service.db import count_deltas
from scoring_service.db.models import (
    FindingResponsibleRow,
    FindingRow,
    PairingRow,
    TimelineRow,
    UnitAncestorRow,
    UnitRow,
)
from scoring_service.db.queries import in_categories
from scoring_service.db.rows import grouped, select_rows
from scoring_service.domain.assessment import Counts
from scoring_service.domain.attribution import Reason
from scoring_service.domain.model import (
    Finding,
    Outcome,
    Severity,
    Unit,
    UnitKind,
    VillageType,
    new_finding,
)
from scoring_service.domain.ruleset import Attribution
from scoring_service.domain.timeline import Span

_OUTCOMES = {o.value: o for o in Outcome}
_REASONS = {r.value: r for r in Reason}
_SEVERITIES = {s.value: s for s in Severity}
_KINDS = {k.value: k for k in UnitKind}
_VILLAGE_TYPES = {v.value: v for v in VillageType}

T = TimelineRow
A = UnitAncestorRow
P = PairingRow
R = FindingResponsibleRow


def in_force(year: int, as_of: date) -> list[ColumnElement[bool]]:
    """The spans of the year's timelines in force at ``as_of`` (one per finding found)."""
    return [
        T.year == year,
        T.valid_from <= as_of,
        or_(T.valid_until.is_(None), T.valid_until > as_of),
    ]


def state_condition(
    year: int,
    as_of: date,
    *,
    outcome: Outcome | None = None,
    overdue: bool | None = None,
    repeat: bool | None = None,
    due_by: date | None = None,
    found_in: Select[Any] | None = None,
) -> ColumnElement[bool]:
    """Findings (``FindingRow``) found by ``as_of`` whose kept state then matches: an
    outcome, overdue or not, a repeat or not, not rectified with a deadline (extended) on
    or before ``due_by`` (None: any). ``found_in``: the codes of the units the findings
    were found in, when a filter already asks for those only: the timelines are then read
    through their ``(year, unit, outcome)`` index, not all of the year's."""
    wanted = list(in_force(year, as_of))
    if found_in is not None:
        wanted.append(T.unit.in_(found_in))
    if outcome is not None:
        wanted.append(T.outcome == outcome.value)
    if overdue is not None:
        is_overdue = T.outcome == Outcome.OVERDUE.value
        wanted.append(is_overdue if overdue else ~is_overdue)
    if repeat is not None:
        wanted.append(T.repeat_of.is_not(None) if repeat else T.repeat_of.is_(None))
    if due_by is not None:
        # Rectified (on time or late) is the only state with a completion date.
        wanted.append(T.completed_on.is_(None))
        wanted.append(T.effective_deadline <= due_by)
    return FindingRow.code.in_(select(T.finding).where(*wanted))


def tally_states(
    session: Session, year: int, as_of: date, conditions: Sequence[ColumnElement[bool]]
) -> list[tuple[str, str, str, int]]:
    """How many findings matching ``conditions`` (on ``FindingRow``) found by ``as_of`` are
    of each (category, severity, outcome) then: one aggregate over the kept timelines."""
    wanted = list(in_force(year, as_of))
    if conditions:
        wanted.append(
            T.finding.in_(select(FindingRow.code).where(FindingRow.year == year, *conditions))
        )
    statement = (
        select(T.category, T.severity, T.outcome, func.count())
        .where(*wanted)
        .group_by(T.category, T.severity, T.outcome)
    )
    return [(c, s, o, n) for c, s, o, n in session.execute(statement)]


def _by_place(year: int, attribution: Attribution) -> ColumnElement[bool]:
    """The closure rows a finding's found unit reaches: itself, and its ancestors when
    attribution is territorial."""
    on = [A.year == year, A.unit == T.unit]
    if not attribution.territorial:
        on.append(A.depth == 0)
    return and_(*on)


def _paired(attribution: Attribution) -> ColumnElement[bool]:
    """A finding whose category brings in the helping units paired with its village."""
    categories = sorted(attribution.helping_unit_categories)
    return T.category.in_(categories) if categories else false()


def counting_for(
    year: int, unit: str, attribution: Attribution, columns: Sequence[Any], where: Sequence[Any]
) -> Select[Any]:
    """``columns`` of each timeline row matching ``where`` that counts for ``unit``, once
    for each reason it does (``reason``: a Reason's value). Each way starts from the
    unit's own index entries: its closure rows, its pairings, its responsible rows."""
    found = case(
        (A.depth == 0, literal(Reason.FOUND.value)), else_=literal(Reason.TERRITORIAL.value)
    )
    place = (
        select(*columns, found.label("reason"))
        .join(A, _by_place(year, attribution))
        .where(*where, A.ancestor == unit)
    )
    paired = (
        select(*columns, literal(Reason.PAIRED.value).label("reason"))
        .join(P, and_(P.year == year, P.village == T.unit))
        .where(*where, P.helping_unit == unit, _paired(attribution))
    )
    responsible = (
        select(*columns, literal(Reason.RESPONSIBLE.value).label("reason"))
        .join(R, and_(R.year == year, R.finding == T.finding))
        .where(*where, R.unit == unit)
    )
    return union_all(place, paired, responsible)  # type: ignore[return-value]


def unit_counts(
    session: Session,
    year: int,
    as_of: date,
    attribution: Attribution,
    kinds: Collection[UnitKind],
    units: Collection[str] | None = None,
) -> list[Counts]:
    """Per unit of ``kinds`` (of ``units`` alone, when given), how many of the findings
    counting for it at ``as_of`` have each outcome, severity and category, with their
    fakes and repeats: the sum of the kept deltas up to ``as_of`` (``db.count_deltas``)."""
    return count_deltas.unit_counts(session, year, as_of, attribution, kinds, units)


def monthly_counts(
    session: Session,
    year: int,
    days: Sequence[date],
    attribution: Attribution,
    kinds: Collection[UnitKind],
) -> list[dict[str, list[Counts]]]:
    """``unit_counts`` at each of ``days`` (ascending month ends): for each day, the counts
    of every unit whose counts changed since the day before (at the first day, since
    nothing), by unit. A unit left out has the counts it had. One read of the kept month
    rows, then running totals."""
    if not days:
        return []
    return _running(count_deltas.monthly_changes(session, year, days, attribution, kinds))


def _running(
    changes: list[dict[str, dict[tuple[str, str, str], tuple[int, int, int]]]],
) -> list[dict[str, list[Counts]]]:
    """The counts of each unit changed on each day, from the changes by day."""
    running: dict[str, dict[tuple[str, str, str], list[int]]] = {}
    out: list[dict[str, list[Counts]]] = []
    for delta in changes:
        changed: dict[str, list[Counts]] = {}
        for unit, by_key in delta.items():
            totals = running.setdefault(unit, {})
            for k, (n, fakes, repeats) in by_key.items():
                total = totals.setdefault(k, [0, 0, 0])
                total[0] += n
                total[1] += fakes
                total[2] += repeats
            changed[unit] = [
                Counts(unit, _OUTCOMES[o], _SEVERITIES[s], c, n, f, r)
                for (o, s, c), (n, f, r) in totals.items()
                if n
            ]
        out.append(changed)
    return out


def scored_units(session: Session, year: int, kinds: Collection[UnitKind]) -> list[Unit]:
    """The year's units of ``kinds``, in stored order."""
    rows = select_rows(
        session,
        select(UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.parent, UnitRow.village_type)
        .where(UnitRow.year == year, UnitRow.kind.in_(sorted(k.value for k in kinds)))
        .order_by(UnitRow.position),
    )
    return [
        Unit(code, name, _KINDS[kind], parent, _VILLAGE_TYPES.get(village_type))
        for code, name, kind, parent, village_type in rows
    ]


def counted_findings(
    session: Session, year: int, unit: str, as_of: date, attribution: Attribution
) -> list[tuple[Finding, Span, str | None, tuple[Reason, ...]]]:
    """The findings counting for ``unit`` at ``as_of``, by code: each with its span then,
    the finding it repeats and why it counts (reasons in the order the Attributor gives).

    Two queries: the findings with their spans and reasons, and their responsible units.
    """
    F = FindingRow
    columns = (
        T.finding,
        F.inspection,
        F.unit,
        F.criterion,
        F.severity,
        F.description,
        F.deadline,
        F.found_on,
        T.valid_from,
        T.valid_until,
        T.outcome,
        T.effective_deadline,
        T.completed_on,
        T.fakes,
        T.repeat_of,
    )
    where = [*in_force(year, as_of), F.year == year, F.code == T.finding]
    counting = counting_for(year, unit, attribution, columns, where)
    rows = select_rows(session, counting)
    codes = select(counting.subquery().c.finding)
    responsible = grouped(
        select_rows(
            session,
            select(R.finding, R.unit)
            .where(R.year == year, R.finding.in_(codes))
            .order_by(R.finding, R.position),
        )
    )
    reasons: dict[str, set[Reason]] = defaultdict(set)
    kept: dict[str, tuple[Finding, Span, str | None]] = {}
    for row in rows:
        code = row[0]
        reasons[code].add(_REASONS[row[-1]])
        if code in kept:
            continue
        found_at, criterion, severity = row[2], row[3], row[4]
        finding = new_finding(
            code,
            row[1],
            found_at,
            criterion,
            _SEVERITIES[severity],
            row[5],
            row[6],
            row[7],
            tuple(responsible.get(code, ())),
        )
        span = Span(row[8], row[9], _OUTCOMES[row[10]], row[11], row[12], row[13])
        kept[code] = (finding, span, row[14])
    order = list(Reason)
    return [(*kept[code], tuple(sorted(reasons[code], key=order.index))) for code in sorted(kept)]


def _due(
    year: int, as_of: date, until: date, conditions: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """Findings (``FindingRow`` joined to its spans) found by ``as_of``, not rectified then,
    with an effective deadline on or before ``until``, matching ``conditions``."""
    return [
        FindingRow.year == year,
        T.year == year,
        T.finding == FindingRow.code,
        *in_force(year, as_of),
        # Rectified (on time or late) is the only state with a completion date.
        T.completed_on.is_(None),
        T.effective_deadline <= until,
        *conditions,
    ]


def due_findings(
    session: Session,
    year: int,
    as_of: date,
    until: date,
    conditions: Sequence[ColumnElement[bool]],
    attribution: Attribution,
) -> list[tuple[str, str, str, str, date, list[tuple[str, str, str]]]]:
    """What is due (spec section 10): the findings found by ``as_of``, not rectified then,
    whose effective deadline is on or before ``until``, matching ``conditions`` (on
    ``FindingRow``), by deadline then code: code, description, found unit, severity,
    effective deadline, and the units it counts for as (code, name, kind) in the year's
    unit order. Two queries, whatever their number."""
    F = FindingRow
    where = _due(year, as_of, until, conditions)
    rows = select_rows(
        session,
        select(F.code, F.description, F.unit, F.severity, T.effective_deadline)
        .where(*where)
        .order_by(T.effective_deadline, F.code),
    )
    chosen = select(F.code, F.unit, F.criterion).where(*where)
    units = _counting_units(session, year, chosen, attribution)
    return [(c, d, u, s, dl, units.get(c, [])) for c, d, u, s, dl in rows]


def counting_units(
    session: Session, year: int, codes: Collection[str], attribution: Attribution
) -> dict[str, list[str]]:
    """For each of ``codes``, the codes of the units it counts for (spec section 4)."""
    F = FindingRow
    chosen = select(F.code, F.unit, F.criterion).where(
        F.year == year, F.code.in_(sorted(set(codes)))
    )
    return {
        code: [u[0] for u in units]
        for code, units in _counting_units(session, year, chosen, attribution).items()
    }


def _counting_units(
    session: Session, year: int, chosen: Select[str, str, str], attribution: Attribution
) -> dict[str, list[tuple[str, str, str]]]:
    """For each finding ``chosen`` gives (its code, found unit and criterion), the units it
    counts for (spec section 4), each once, as (code, name, kind) in the year's unit order:
    the three ways of ``counting_for`` (place, pairing, responsibility) for all of them in
    one query. The findings are chosen once (a common table) and each way joins them on
    its own index, so no way reads the year's findings again."""
    found = chosen.cte("chosen")
    on_place = [A.year == year, A.unit == found.c.unit]
    if not attribution.territorial:
        on_place.append(A.depth == 0)
    parts: list[Select[str, str]] = [
        select(found.c.code.label("finding"), A.ancestor.label("unit")).join(A, and_(*on_place))
    ]
    categories = sorted(attribution.helping_unit_categories)
    if categories:
        parts.append(
            select(found.c.code, P.helping_unit)
            .join(P, and_(P.year == year, P.village == found.c.unit))
            .where(in_categories(found.c.criterion, categories))
        )
    parts.append(
        select(found.c.code, R.unit).join(R, and_(R.year == year, R.finding == found.c.code))
    )
    ways = union_all(*parts).subquery()
    statement = (
        select(ways.c.finding, UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.position)
        .join(UnitRow, and_(UnitRow.year == year, UnitRow.code == ways.c.unit))
        .distinct()
        .order_by(ways.c.finding, UnitRow.position)
    )
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for finding, code, name, kind, _position in select_rows(session, statement):
        out[finding].append((code, name, kind))
    return dict(out)
