"""The queries of the scope rule (``access.scope``): a principal's reach in a year, the
findings it reads, and the units a token's scope may name; ``ScopeRepository`` binds them to
the unit of work as ``uow.scopes``.

Nothing here commits; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from scoring_service.db.models import FindingRow, InspectionRow, UnitRow
from scoring_service.db.queries import beyond_the_tree, subtree
from scoring_service.domain.principals import EVERYTHING, Principal, Reach
from scoring_service.domain.ruleset import Attribution


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


class ScopeRepository:
    """What the scope rule reads: reaches, the findings a principal reads, the units held."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def reach(self, year: int, actor: Principal) -> Reach:
        """The principal's reach in ``year``: its scope's units and every unit under them."""
        if actor.scope is None:
            return EVERYTHING
        return Reach(frozenset(self.session.scalars(subtree(year, actor.scope))))

    def reach_in_any_year(self, actor: Principal) -> frozenset[str] | None:
        """Every unit some year's tree puts in the principal's reach (None: every unit).

        One query per year held, once per request: tokens are not tied to a year, so a
        unit is inside when any year's tree puts it there.
        """
        if actor.scope is None:
            return None
        covered = set(actor.scope)
        for year in self.session.scalars(select(UnitRow.year).distinct()).all():
            covered.update(self.session.scalars(subtree(year, actor.scope)))
        return frozenset(covered)

    def unknown_units(self, codes: Collection[str]) -> list[str]:
        """The codes among ``codes`` that are no unit of any year held."""
        wanted = sorted(set(codes))
        known = set(
            self.session.scalars(select(UnitRow.code).where(UnitRow.code.in_(wanted)).distinct())
        )
        return [c for c in wanted if c not in known]

    def findings_read(
        self, year: int, actor: Principal, attribution: Attribution, codes: Collection[str]
    ) -> set[str]:
        """The findings among ``codes`` the principal reads."""
        if actor.scope is None:
            return set(codes)
        return set(
            self.session.scalars(
                select(FindingRow.code).where(
                    visible_findings_condition(year, actor, attribution),
                    FindingRow.code.in_(sorted(codes)),
                )
            )
        )

    def inspection_counties(self, year: int) -> dict[str, str]:
        """Each inspection of ``year`` and the county it inspected."""
        return {
            code: county
            for code, county in self.session.execute(
                select(InspectionRow.code, InspectionRow.county).where(InspectionRow.year == year)
            )
        }
