"""The year's units (spec section 1): counties, towns, villages and helping units."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import audit, scope
from scoring_service.access.roles import Principal
from scoring_service.bundle import Problem
from scoring_service.bundle.schema import UnitIn
from scoring_service.db.models import UnitRow
from scoring_service.db.queries import Page, keyset_page, next_position, subtree
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Unit, UnitKind, VillageType
from scoring_service.records.year import (
    InvalidRecord,
    begin_write,
    check_record,
    exists_where,
    held_year,
    not_held,
    units_in,
)
from scoring_service.services import RuleSource


def _unit(row: Any) -> Unit:
    return Unit(
        row.code,
        row.name,
        UnitKind(row.kind),
        row.parent,
        VillageType(row.village_type) if row.village_type else None,
    )


def _unit_row(session: Session, year: int, code: str) -> UnitRow:
    """The unit's row; NotFound when the year has no such unit."""
    row = session.execute(
        select(UnitRow).where(UnitRow.year == year, UnitRow.code == code)
    ).scalar_one_or_none()
    if row is None:
        raise not_held(year, "unit", code)
    return row


def create_unit(
    year: int, unit: UnitIn, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> Unit:
    """Add a unit to the year (spec section 1)."""
    with db.begin() as session:
        ruleset = begin_write(session, year, rules, create=True)
        _require_place(session, year, actor, unit)
        if exists_where(session, UnitRow.year == year, UnitRow.code == unit.code):
            raise Conflict(f"the year {year} already has a unit {unit.code!r}")
        units = units_in(session, year)
        check_record(ruleset, year, ("units", len(units)), units=[*units, unit])
        position = next_position(session, UnitRow.position, UnitRow.year == year)
        session.execute(
            insert(UnitRow).values(
                year=year,
                code=unit.code,
                name=unit.name,
                kind=unit.kind.value,
                parent=unit.parent,
                village_type=unit.village_type.value if unit.village_type else None,
                position=position,
            )
        )
        audit.record(
            session,
            actor,
            "unit.create",
            "unit",
            f"{year}/{unit.code}",
            year=year,
            detail=unit.model_dump(mode="json"),
        )
    return Unit(unit.code, unit.name, unit.kind, unit.parent, unit.village_type)


def update_unit(
    year: int,
    code: str,
    changes: dict[str, Any],
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Unit:
    """Change a unit's name or village type; its code, kind and parent stay."""
    with db.begin() as session:
        begin_write(session, year, rules, create=False)
        row = _unit_row(session, year, code)
        scope.require_inside(actor, scope.reach(session, year, actor), [code], "the unit")
        if "village_type" in changes:
            value = changes["village_type"]
            if row.kind == UnitKind.VILLAGE.value and value is None:
                raise InvalidRecord([Problem("/village_type", "a village needs a village_type")])
            if row.kind != UnitKind.VILLAGE.value and value is not None:
                raise InvalidRecord(
                    [
                        Problem(
                            "/village_type", f"only a village has a village_type, not a {row.kind}"
                        )
                    ]
                )
            row.village_type = None if value is None else VillageType(value).value
        if "name" in changes:
            row.name = changes["name"]
        unit = _unit(row)
        audit.record(
            session,
            actor,
            "unit.update",
            "unit",
            f"{year}/{code}",
            year=year,
            detail={k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()},
        )
    return unit


def _require_place(session: Session, year: int, actor: Principal, unit: UnitIn) -> None:
    """Forbidden unless a new unit goes inside the caller's scope: under a unit inside it,
    or, with no parent, as one of the scope's own units."""
    if actor.scope is None:
        return
    if unit.parent is not None:
        scope.require_inside(actor, scope.reach(session, year, actor), [unit.parent], "the unit")
    else:
        scope.require_inside(actor, scope.Reach(actor.scope), [unit.code], "the unit")


def get_unit(year: int, code: str, *, db: sessionmaker[Session], actor: Principal) -> Unit:
    """A unit of the year; one outside the caller's scope is not found."""
    with held_year(db, year) as session:
        if not scope.reach(session, year, actor).has(code):
            raise not_held(year, "unit", code)
        return _unit(_unit_row(session, year, code))


def list_units(
    year: int,
    *,
    db: sessionmaker[Session],
    actor: Principal,
    kind: UnitKind | None = None,
    parent: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Unit]:
    """The year's units by code (those inside the caller's scope)."""
    statement = select(UnitRow).where(UnitRow.year == year)
    if actor.scope is not None:
        statement = statement.where(UnitRow.code.in_(subtree(year, actor.scope)))
    if kind is not None:
        statement = statement.where(UnitRow.kind == kind.value)
    if parent is not None:
        statement = statement.where(UnitRow.parent == parent)
    with held_year(db, year) as session:
        page = keyset_page(
            session, statement, keys=[UnitRow.code], limit=limit, cursor=cursor, scalars=True
        )
        return page.map(_unit)
