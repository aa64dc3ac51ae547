"""The assessment's reads of the kept timelines: every unit's finding counts at a date in
one aggregate, and one unit's counted findings with why each counts.

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
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from scoring_service.db.findings import findings_where
from scoring_service.db.models import (
    FindingResponsibleRow,
    FindingRow,
    PairingRow,
    TimelineRow,
    UnitAncestorRow,
    UnitRow,
)
from scoring_service.db.rows import select_rows
from scoring_service.domain.assessment import Counts
from scoring_service.domain.attribution import Reason
from scoring_service.domain.model import Finding, Outcome, Severity, Unit, UnitKind, VillageType
from scoring_service.domain.ruleset import Attribution
from scoring_service.domain.timeline import Span

_OUTCOMES = {o.value: o for o in Outcome}
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


def attributed(
    year: int,
    attribution: Attribution,
    columns: Sequence[Any],
    where: Sequence[Any],
    *,
    once: bool = True,
) -> Select[Any]:
    """``columns`` of each timeline row matching ``where``, for each unit it counts for
    (labelled ``counted``) and why (``reason``: a Reason's value).

    The three ways do not overlap but for a responsible unit also reached by place.
    ``once``: such rows are left out of the responsible part, so a unit counts a finding
    once; else they are kept, one row per reason.
    """
    found = case(
        (A.depth == 0, literal(Reason.FOUND.value)), else_=literal(Reason.TERRITORIAL.value)
    )
    place = (
        select(*columns, A.ancestor.label("counted"), found.label("reason"))
        .join(A, _by_place(year, attribution))
        .where(*where)
    )
    paired = (
        select(
            *columns, P.helping_unit.label("counted"), literal(Reason.PAIRED.value).label("reason")
        )
        .join(P, and_(P.year == year, P.village == T.unit))
        .where(*where, _paired(attribution))
    )
    responsible = (
        select(*columns, R.unit.label("counted"), literal(Reason.RESPONSIBLE.value).label("reason"))
        .join(R, and_(R.year == year, R.finding == T.finding))
        .where(*where, *(_not_reached_by_place(year, attribution) if once else []))
    )
    return union_all(place, paired, responsible)  # type: ignore[return-value]


def unit_counts(
    session: Session,
    year: int,
    as_of: date,
    attribution: Attribution,
    kinds: Collection[UnitKind],
) -> list[Counts]:
    """Per unit of ``kinds``, how many of the findings counting for it at ``as_of`` have
    each outcome, severity and category, with their fakes and repeats: one aggregate.

    Attribution by place depends only on where a finding was found and its category, so
    the spans in force are first summed per found unit (read in the order of the covering
    index), then rolled up over the closure table and the pairings; responsible units are
    joined per finding. That sums a third as many rows as attributing each finding.
    """
    repeat = case((T.repeat_of.is_(None), 0), else_=1)
    found = (
        select(
            T.unit,
            T.outcome,
            T.severity,
            T.category,
            func.count().label("n"),
            func.sum(T.fakes).label("fakes"),
            func.sum(repeat).label("repeats"),
        )
        .where(*in_force(year, as_of))
        .group_by(T.unit, T.outcome, T.severity, T.category)
        .cte("found")
    )
    sums = (found.c.outcome, found.c.severity, found.c.category, found.c.n, found.c.fakes)
    kind_values = sorted(k.value for k in kinds)
    on_place = [A.year == year, A.unit == found.c.unit, A.ancestor_kind.in_(kind_values)]
    if not attribution.territorial:
        on_place.append(A.depth == 0)
    categories = sorted(attribution.helping_unit_categories)
    # Pairings reach helping units and responsible units may be of any kind: those two
    # parts are kept to scored kinds by the outer query.
    parts: list[Select[Any]] = [
        select(A.ancestor.label("counted"), *sums, found.c.repeats).join(A, and_(*on_place))
    ]
    if categories:
        parts.append(
            select(P.helping_unit, *sums, found.c.repeats)
            .join(P, and_(P.year == year, P.village == found.c.unit))
            .where(found.c.category.in_(categories))
        )
    parts.append(
        select(R.unit, T.outcome, T.severity, T.category, literal(1), T.fakes, repeat)
        .join(R, and_(R.year == year, R.finding == T.finding))
        .where(*in_force(year, as_of), *_not_reached_by_place(year, attribution))
    )
    rows = union_all(*parts).subquery()
    kept = select(UnitRow.code).where(UnitRow.year == year, UnitRow.kind.in_(kind_values))
    c = rows.c
    statement = (
        select(
            c.counted,
            c.outcome,
            c.severity,
            c.category,
            func.sum(c.n),
            func.sum(c.fakes),
            func.sum(c.repeats),
        )
        .where(c.counted.in_(kept))
        .group_by(c.counted, c.outcome, c.severity, c.category)
    )
    return [
        Counts(unit, _OUTCOMES[outcome], _SEVERITIES[severity], category, int(n), int(f), int(r))
        for unit, outcome, severity, category, n, f, r in select_rows(session, statement)
    ]


def _not_reached_by_place(year: int, attribution: Attribution) -> list[ColumnElement[bool]]:
    """A responsible unit (``R.unit``) the finding (``T``) does not already reach by place."""
    return [
        ~exists().where(_by_place(year, attribution), A.ancestor == R.unit),
        ~exists().where(
            P.year == year, P.village == T.unit, P.helping_unit == R.unit, _paired(attribution)
        ),
    ]


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
    """The findings counting for ``unit`` at ``as_of``: each with its span then, the finding
    it repeats and why it counts (reasons in the order the domain's Attributor gives)."""
    columns = (
        T.finding,
        T.valid_from,
        T.valid_until,
        T.outcome,
        T.effective_deadline,
        T.completed_on,
        T.fakes,
        T.repeat_of,
    )
    rows = attributed(year, attribution, columns, in_force(year, as_of), once=False).subquery()
    found = select_rows(session, select(rows).where(rows.c.counted == unit))
    reasons: dict[str, set[Reason]] = defaultdict(set)
    spans: dict[str, tuple[Span, str | None]] = {}
    for code, start, until, outcome, deadline, completed, fakes, repeat_of, _, why in found:
        reasons[code].add(Reason(why))
        spans[code] = (
            Span(start, until, _OUTCOMES[outcome], deadline, completed, fakes),
            repeat_of,
        )
    order = list(Reason)
    findings = findings_where(session, year, FindingRow.code.in_(sorted(spans)))
    return [(f, *spans[f.code], tuple(sorted(reasons[f.code], key=order.index))) for f in findings]
