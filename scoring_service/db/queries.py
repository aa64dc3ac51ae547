"""Set-based queries the HTTP API needs beyond the concept modules: pages, scopes, sub-trees.

Like every repository, nothing here commits; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from scoring_service.db.models import (
    FindingResponsibleRow,
    FindingRow,
    InspectionRow,
    PairingRow,
    UnitAncestorRow,
    UnitRow,
)
from scoring_service.domain.pages import (
    BadCursor,
    Page,
    decode_cursor,
    encode_cursor,
    list_page,
    position_page,
)
from scoring_service.domain.ruleset import Attribution

# Pages are plain values now (``domain.pages``); they stay importable from here.
__all__ = ["BadCursor", "Page", "decode_cursor", "encode_cursor", "list_page", "position_page"]


def after_key(
    columns: Sequence[Any], values: Sequence[Any], descending: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``columns`` (keyset pagination)."""
    clause: ColumnElement[bool] = false()
    for i in range(len(columns) - 1, -1, -1):
        column, value = columns[i], values[i]
        beyond = column < value if descending else column > value
        clause = beyond if i == len(columns) - 1 else or_(beyond, and_(column == value, clause))
    return clause


def keyset_page(
    session: Session,
    statement: Select[Any],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    limit: int,
    cursor: str | None,
    tag: str | None = None,
    descending: bool = False,
    scalars: bool = False,
) -> Page[Any]:
    """A page of ``statement`` ordered by ``keys`` (unique together), after ``cursor``."""
    tag = tag or ".".join(k.key for k in keys) + "@" + str(statement.get_final_froms()[0])
    types = [k.type.python_type for k in keys]
    total = session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    if cursor is not None:
        statement = statement.where(after_key(keys, decode_cursor(tag, cursor, types), descending))
    order = [k.desc() if descending else k.asc() for k in keys]
    result = session.execute(statement.order_by(*order).limit(limit + 1))
    items = list(result.scalars() if scalars else result.all())
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(tag, [getattr(last, k.key) for k in keys])
    return Page(items, total, next_cursor)


# --- units and attribution ---------------------------------------------------------------


def subtree(year: int, roots: Collection[str]) -> Select[str]:
    """The codes of ``roots`` and of every unit under them: the units whose kept ancestors
    (``unit_ancestors``, a unit its own at depth 0) include a root, read through the
    closure's ``(year, ancestor)`` index rather than the year's whole unit table."""
    return select(UnitAncestorRow.unit).where(
        UnitAncestorRow.year == year, UnitAncestorRow.ancestor.in_(sorted(roots))
    )


def ancestors_of(session: Session, year: int, code: str) -> list[tuple[str, str, str | None]]:
    """The unit and every unit above it, as (code, kind, parent), nearest first."""
    chain = (
        select(UnitRow.code, UnitRow.kind, UnitRow.parent, literal(0).label("depth"))
        .where(UnitRow.year == year, UnitRow.code == code)
        .cte("chain", recursive=True)
    )
    parent = aliased(UnitRow)
    chain = chain.union(
        select(parent.code, parent.kind, parent.parent, (chain.c.depth + 1).label("depth")).where(
            parent.year == year, parent.code == chain.c.parent, chain.c.depth < 64
        )
    )
    rows = session.execute(
        select(chain.c.code, chain.c.kind, chain.c.parent).order_by(chain.c.depth)
    ).all()
    return [(row.code, row.kind, row.parent) for row in rows]


def in_categories(criterion: Any, categories: Collection[str]) -> ColumnElement[bool]:
    """Criteria whose category (the part before the first dot) is one of ``categories``."""
    clauses: list[ColumnElement[bool]] = []
    for category in sorted(categories):
        escaped = category.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(or_(criterion == category, criterion.like(escaped + ".%", escape="\\")))
    return or_(false(), *clauses)


def counts_for(year: int, units: Collection[str], attribution: Attribution) -> ColumnElement[bool]:
    """Findings of ``year`` that count for any of ``units`` (spec section 4), as one condition."""
    units = sorted(units)
    found_or_under = (
        FindingRow.unit.in_(subtree(year, units))
        if attribution.territorial
        else FindingRow.unit.in_(units)
    )
    return and_(
        FindingRow.year == year, or_(found_or_under, *beyond_the_tree(year, units, attribution))
    )


def beyond_the_tree(
    year: int, units: Collection[str] | Select[Any], attribution: Attribution
) -> list[ColumnElement[bool]]:
    """The ways a finding counts for one of ``units`` other than where it was found: a
    helping unit paired with its village (in the rule set's categories), a responsible unit.

    ``units`` is a list of codes or a query giving them.
    """
    codes = sorted(units) if not isinstance(units, Select) else units
    conditions: list[ColumnElement[bool]] = []
    if attribution.helping_unit_categories:
        paired = select(PairingRow.village).where(
            PairingRow.year == year, PairingRow.helping_unit.in_(codes)
        )
        conditions.append(
            and_(
                FindingRow.unit.in_(paired),
                in_categories(FindingRow.criterion, attribution.helping_unit_categories),
            )
        )
    responsible = select(FindingResponsibleRow.finding).where(
        FindingResponsibleRow.year == year, FindingResponsibleRow.unit.in_(codes)
    )
    conditions.append(FindingRow.code.in_(responsible))
    return conditions


def next_position(session: Session, column: InstrumentedAttribute[int], *where: Any) -> int:
    """One past the largest ``position`` so far (0 for the first row)."""
    last = session.execute(select(func.max(column)).where(*where)).scalar()
    return 0 if last is None else last + 1


def inspection_county(session: Session, year: int, code: str) -> str | None:
    """The county an inspection of the year visited, or None when it is not held."""
    return session.scalar(
        select(InspectionRow.county).where(InspectionRow.year == year, InspectionRow.code == code)
    )
