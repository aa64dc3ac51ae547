"""The queries of the scope rule (``access.scope``): a principal's reach in a year, the
findings and alerts it reads, and the units a token's scope may name.

Nothing here commits; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from scoring_service.access.roles import Principal
from scoring_service.db.models import FindingRow, InspectionRow, UnitRow
from scoring_service.db.queries import beyond_the_tree, subtree
from scoring_service.domain.alerts import Alert
from scoring_service.domain.ruleset import Attribution

if TYPE_CHECKING:
    from scoring_service.access.scope import Reach


def reach(session: Session, year: int, actor: Principal) -> Reach:
    """The principal's reach in ``year``: its scope's units and every unit under them."""
    # Imported here: access.scope re-exports this module's functions, so it loads it first.
    from scoring_service.access.scope import EVERYTHING, Reach

    if actor.scope is None:
        return EVERYTHING
    return Reach(frozenset(session.scalars(subtree(year, actor.scope))))


def visible_findings_condition(
    year: int, actor: Principal, attribution: Attribution
) -> ColumnElement[bool]:
    """Findings of ``year`` the principal reads, as one SQL condition.

    Found inside the reach, or counting for a unit inside it. Ancestors add nothing: the
    reach is closed downwards, so an ancestor inside it means the finding's unit is too.
    """
    if actor.scope is None:
        return true()
    inside = subtree(year, actor.scope)
    conditions = [FindingRow.unit.in_(inside), *beyond_the_tree(year, inside, attribution)]
    return and_(FindingRow.year == year, or_(*conditions))


def reach_in_any_year(session: Session, actor: Principal) -> frozenset[str] | None:
    """Every unit some year's tree puts in the principal's reach (None: every unit).

    One query per year held, once per request: tokens are not tied to a year, so a unit
    is inside when any year's tree puts it there.
    """
    if actor.scope is None:
        return None
    covered = set(actor.scope)
    for year in session.scalars(select(UnitRow.year).distinct()).all():
        covered.update(session.scalars(subtree(year, actor.scope)))
    return frozenset(covered)


def unknown_units(session: Session, codes: Collection[str]) -> list[str]:
    """The codes among ``codes`` that are no unit of any year held."""
    wanted = sorted(set(codes))
    known = set(session.scalars(select(UnitRow.code).where(UnitRow.code.in_(wanted)).distinct()))
    return [c for c in wanted if c not in known]


def alerts_in_reach(
    session: Session, year: int, actor: Principal, attribution: Attribution, alerts: list[Alert]
) -> list[Alert]:
    """The alerts the principal reads (``access.scope.alerts_seen``)."""
    from scoring_service.access.scope import alerts_seen

    if actor.scope is None:
        return alerts
    codes = sorted({a.finding for a in alerts if a.finding is not None})
    seen = set(
        session.scalars(
            select(FindingRow.code).where(
                visible_findings_condition(year, actor, attribution), FindingRow.code.in_(codes)
            )
        )
    )
    counties: dict[str, str] = {
        code: county
        for code, county in session.execute(
            select(InspectionRow.code, InspectionRow.county).where(InspectionRow.year == year)
        )
    }
    return alerts_seen(alerts, reach(session, year, actor), seen, counties)
