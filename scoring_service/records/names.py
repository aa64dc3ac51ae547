"""The year's names a person may type instead of codes: units, criteria and groups.

Every entrance that reads a unit, a criterion or a group typed by a person (the forms, the
problem list's cells) resolves it here, so a name means the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from scoring_service.domain.names import Names
from scoring_service.records.year import held_year
from scoring_service.rules_in_force import ruleset_of
from scoring_service.unit_of_work import UnitOfWork

GROUPS = 10_000  # a year has a handful of groups; all are read at once


@dataclass(frozen=True)
class YearNames:
    """The year's units (those inside the caller's scope), criteria and groups."""

    units: Names
    criteria: Names
    groups: Names


def year_names(uow: UnitOfWork, year: int) -> YearNames:
    """What a person may type for the year's units, criteria and groups, and what each
    resolves to; units outside the caller's scope are not offered."""
    with uow:
        held_year(uow, year)
        reach = uow.reach(year)
        held = uow.structure.units(year)
        units = [(u.code, u.name) for u in held if reach.has(u.code)]
        others = frozenset(u.code for u in held if not reach.has(u.code))
        groups = uow.structure.groups_page(year, county=None, limit=GROUPS, cursor=None).items
    catalogue = ruleset_of(uow.rules, year).catalogue
    return YearNames(
        units=Names("unit", dict(units), others),
        criteria=Names.of("criterion", catalogue.items.items()),
        groups=Names.of("group", ((g.code, g.name) for g in groups)),
    )
