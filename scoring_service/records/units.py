"""The year's units (spec section 1): counties, towns, villages and helping units."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year
from scoring_service.bundle import Problem
from scoring_service.bundle.schema import UnitIn
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Unit, UnitKind, VillageType
from scoring_service.domain.pages import Page
from scoring_service.domain.principals import Reach
from scoring_service.i18n import gettext as _
from scoring_service.records.year import (
    InvalidRecord,
    begin_write,
    check_record,
    not_held,
    units_in,
)
from scoring_service.unit_of_work import UnitOfWork


def _held_unit(uow: UnitOfWork, year: int, code: str) -> Unit:
    """The unit; NotFound when the year has no such unit."""
    unit = uow.structure.unit(year, code)
    if unit is None:
        raise not_held(year, "unit", code)
    return unit


def create_unit(uow: UnitOfWork, year: int, unit: UnitIn) -> Unit:
    """Add a unit to the year (spec section 1)."""
    with uow:
        ruleset = begin_write(uow, year, create=True)
        _require_place(uow, year, unit)
        if uow.structure.has_unit(year, unit.code):
            raise Conflict(
                _("the year %(year)s already has a unit %(code)r", year=year, code=unit.code)
            )
        units = units_in(uow, year)
        check_record(ruleset, year, ("units", len(units)), units=[*units, unit])
        new = Unit(unit.code, unit.name, unit.kind, unit.parent, unit.village_type)
        uow.structure.add_unit(year, new)
        uow.audit(
            "unit.create",
            "unit",
            f"{year}/{unit.code}",
            year=year,
            detail=unit.model_dump(mode="json"),
        )
        uow.commit()
    return new


def update_unit(uow: UnitOfWork, year: int, code: str, changes: dict[str, Any]) -> Unit:
    """Change a unit's name or village type; its code, kind and parent stay."""
    with uow:
        begin_write(uow, year, create=False)
        unit = _held_unit(uow, year, code)
        scope.require_inside(uow.actor, uow.reach(year), [code], "the unit")
        if "village_type" in changes:
            value = changes["village_type"]
            if unit.kind is UnitKind.VILLAGE and value is None:
                raise InvalidRecord([Problem("/village_type", _("a village needs a village_type"))])
            if unit.kind is not UnitKind.VILLAGE and value is not None:
                raise InvalidRecord(
                    [
                        Problem(
                            "/village_type",
                            _(
                                "only a village has a village_type, not a %(kind)s",
                                kind=unit.kind.value,
                            ),
                        )
                    ]
                )
            unit = replace(unit, village_type=None if value is None else VillageType(value))
        if "name" in changes:
            unit = replace(unit, name=changes["name"])
        uow.structure.set_unit(year, unit)
        uow.audit(
            "unit.update",
            "unit",
            f"{year}/{code}",
            year=year,
            detail={k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()},
        )
        uow.commit()
    return unit


def _require_place(uow: UnitOfWork, year: int, unit: UnitIn) -> None:
    """Forbidden unless a new unit goes inside the caller's scope: under a unit inside it,
    or, with no parent, as one of the scope's own units."""
    actor = uow.actor
    if actor.scope is None:
        return
    if unit.parent is not None:
        where = uow.reach(year)
        scope.require_inside(actor, where, [unit.parent], "the unit")
    else:
        scope.require_inside(actor, Reach(actor.scope), [unit.code], "the unit")


def get_unit(uow: UnitOfWork, year: int, code: str) -> Unit:
    """A unit of the year; one outside the caller's scope is not found."""
    with uow:
        held_year(uow, year)
        if not uow.reach(year).has(code):
            raise not_held(year, "unit", code)
        return _held_unit(uow, year, code)


def unit_names(uow: UnitOfWork, year: int, codes: set[str]) -> dict[str, str]:
    """The names of the year's units among ``codes``, by code (those it does not hold left out)."""
    with uow:
        return uow.structure.unit_names(year, codes)


def list_units(
    uow: UnitOfWork,
    year: int,
    *,
    kind: UnitKind | None = None,
    parent: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Unit]:
    """The year's units by code (those inside the caller's scope)."""
    with uow:
        held_year(uow, year)
        return uow.structure.units_page(
            year,
            within=uow.actor.scope,
            kind=kind,
            parent=parent,
            limit=limit,
            cursor=cursor,
        )
