"""The year's names a person may type instead of codes: units, criteria and groups.

Every entrance that reads a unit, a criterion or a group typed by a person (the forms, the
problem list's cells) resolves it here, so a name means the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from scoring_service.assessment.rules_in_force import held_year, ruleset_of
from scoring_service.domain.model import UnitKind
from scoring_service.domain.names import Names
from scoring_service.i18n.labels import KINDS, label
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


def units_by_county(uow: UnitOfWork, year: int) -> list[tuple[str, str, str, str]]:
    """The year's units inside the caller's scope as the problem list's template lists
    them: county name, kind, name and code, by county then code (helping units, outside
    any county, last)."""
    with uow:
        held_year(uow, year)
        reach = uow.reach(year)
        units = {u.code: u for u in uow.structure.units(year)}
    rows: list[tuple[str, tuple[str, str, str, str]]] = []
    for unit in units.values():
        if not reach.has(unit.code):
            continue
        county = unit
        while county.kind is not UnitKind.COUNTY and county.parent in units:
            county = units[county.parent]
        inside = county.kind is UnitKind.COUNTY
        rows.append(
            (
                county.code if inside else "~",  # helping units after every county
                (
                    county.name if inside else "",
                    label(KINDS, unit.kind.value),
                    unit.name,
                    unit.code,
                ),
            )
        )
    return [row for _key, row in sorted(rows, key=lambda r: (r[0], r[1][3]))]
