"""The year's whole structure at once: units, pairings and groups in stored order."""

from __future__ import annotations

from dataclasses import dataclass

from scoring_service.assessment.rules_in_force import held_year
from scoring_service.domain.model import Group, Pairing, Unit
from scoring_service.records.groups import list_groups
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Structure:
    year: int
    units: list[Unit]
    pairings: list[Pairing]
    groups: list[Group]


def year_structure(uow: UnitOfWork, year: int) -> Structure:
    """The year's units, pairings and groups, in stored order: of a scoped caller, the
    units inside its scope and their pairings (groups concern no unit: all of them)."""
    with uow:
        held_year(uow, year)
        units = uow.structure.units(year)
        pairings = uow.structure.pairings(year)
        groups = list_groups(uow, year, limit=10**9, cursor=None).items
        if uow.actor.scope is not None:
            where = uow.reach(year)
            units = [u for u in units if where.has(u.code)]
            pairings = [p for p in pairings if where.has_any([p.helping_unit, p.village])]
    return Structure(year, units, pairings, groups)
