"""The scope rule, in one place for every entrance (HTTP API, command line, later pages).

A principal scoped to units **reads only data about its units and the units under
them, and writes only records that are wholly inside that**:

- its *reach* in a year is its scope's units and every unit under them in that year's
  tree (a county's towns and villages; a helping unit has nothing under it);
- it reads a finding when the finding was found inside the reach or counts for a unit
  inside it (spec section 4: a responsible unit, or a helping unit paired with the
  village); a score row or explanation when its unit is inside; an inspection when its
  county is inside; an alert when its inspection or finding is one it reads;
- it writes an inspection only when the inspection's county, every finding's unit and
  every responsible unit are inside; an event only when the finding (its inspection's
  county, its unit, its responsible units) is wholly inside; structure (units,
  pairings, groups) only when every unit the record names is inside;
- year-wide and service-wide writes (bundles, stored score runs, rule sets) and the
  audit log are for unscoped principals only;
- it creates or revokes only principals whose scope lies inside its own.

Reads of something outside the reach answer as if it did not exist (404), so codes
cannot be probed; writes outside it are refused (403) and logged as security events.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from scoring_service.access.roles import Forbidden, Principal
from scoring_service.db.models import (
    FindingRow,
    InspectionRow,
    UnitRow,
)
from scoring_service.db.queries import beyond_the_tree, subtree
from scoring_service.domain.alerts import Alert
from scoring_service.domain.errors import NotFound
from scoring_service.domain.ruleset import Attribution


@dataclass(frozen=True, slots=True)
class Reach:
    """The units of one year a principal may read and write: None means every unit."""

    units: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.units is None

    def has(self, code: str) -> bool:
        return self.units is None or code in self.units

    def has_any(self, codes: Iterable[str]) -> bool:
        return self.units is None or not self.units.isdisjoint(codes)

    def outside(self, codes: Iterable[str]) -> list[str]:
        """The codes among ``codes`` outside the reach, once each, in order."""
        if self.units is None:
            return []
        return [c for c in dict.fromkeys(codes) if c not in self.units]


EVERYTHING = Reach(None)


def reach(session: Session, year: int, actor: Principal) -> Reach:
    """The principal's reach in ``year``: its scope's units and every unit under them."""
    if actor.scope is None:
        return EVERYTHING
    return Reach(frozenset(session.scalars(subtree(year, actor.scope))))


def require_inside(actor: Principal, where: Reach, codes: Iterable[str], what: str) -> None:
    """Forbidden unless every unit of ``codes`` is inside the reach (a write)."""
    outside = where.outside(codes)
    if outside:
        raise Forbidden(
            f"{what} names units outside the scope of {actor.name!r} "
            f"({', '.join(sorted(actor.scope or ()))}): {', '.join(outside)}"
        )


def require_unscoped(actor: Principal, what: str) -> None:
    """Forbidden for a scoped principal: ``what`` concerns the whole year or service."""
    if actor.scope is not None:
        raise Forbidden(
            f"{what} concerns every unit; {actor.name!r} is limited to "
            f"{', '.join(sorted(actor.scope))}, so an unscoped token or account must do it"
        )


def sees_finding(where: Reach, found_at: str, counts_for: Collection[str]) -> bool:
    """Whether a finding found at ``found_at``, counting for ``counts_for``, is readable."""
    return where.has(found_at) or where.has_any(counts_for)


def hidden(what: str, code: str, year: int | None = None) -> NotFound:
    """What a read of a record outside the reach answers: the same as for a missing one."""
    if year is None:
        return NotFound(f"no {what} {code!r} is held")
    return NotFound(f"the year {year} has no {what} {code!r}")


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


def scope_within(session: Session, actor: Principal, scope: Collection[str] | None) -> list[str]:
    """The units of ``scope`` (a principal to create or revoke) outside the actor's scope.

    An unscoped actor covers everything; a scoped one never covers an unscoped principal
    (reported as ``*``). A unit is inside when some year's tree puts it in the reach.
    """
    if actor.scope is None:
        return []
    if scope is None:
        return ["* (every unit)"]
    wanted = sorted(set(scope))
    covered: set[str] = set(wanted) & actor.scope
    years = session.scalars(select(UnitRow.year).distinct()).all()
    for year in years:
        if covered.issuperset(wanted):
            break
        covered.update(
            session.scalars(
                select(UnitRow.code).where(
                    UnitRow.year == year,
                    UnitRow.code.in_(wanted),
                    UnitRow.code.in_(subtree(year, actor.scope)),
                )
            )
        )
    return [u for u in wanted if u not in covered]


def unknown_units(session: Session, codes: Collection[str]) -> list[str]:
    """The codes among ``codes`` that are no unit of any year held."""
    wanted = sorted(set(codes))
    known = set(session.scalars(select(UnitRow.code).where(UnitRow.code.in_(wanted)).distinct()))
    return [c for c in wanted if c not in known]


def alerts_in_reach(
    session: Session, year: int, actor: Principal, attribution: Attribution, alerts: list[Alert]
) -> list[Alert]:
    """The alerts the principal reads: on a finding it reads, or on an inspection of a
    county inside its reach. Alerts on a group's months concern no unit: only unscoped
    principals read them."""
    if actor.scope is None:
        return alerts
    where = reach(session, year, actor)
    codes = sorted({a.finding for a in alerts if a.finding is not None})
    seen = set(
        session.scalars(
            select(FindingRow.code).where(
                visible_findings_condition(year, actor, attribution), FindingRow.code.in_(codes)
            )
        )
    )
    visited = dict(
        session.execute(
            select(InspectionRow.code, InspectionRow.county).where(InspectionRow.year == year)
        ).all()
    )
    return [
        a
        for a in alerts
        if (a.finding is not None and a.finding in seen)
        or (
            a.finding is None
            and a.inspection is not None
            and where.has(visited.get(a.inspection, ""))
        )
    ]
