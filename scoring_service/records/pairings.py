"""Pairings of helping units with villages: a village's findings count for its helpers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import audit, scope
from scoring_service.access.roles import Principal
from scoring_service.bundle.schema import PairingIn
from scoring_service.db.models import PairingRow
from scoring_service.db.queries import Page, keyset_page, next_position, subtree
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import Pairing
from scoring_service.records.year import (
    begin_write,
    check_record,
    exists_where,
    held_year,
    units_in,
)
from scoring_service.services import RuleSource


def _key(year: int, helping_unit: str, village: str) -> tuple[Any, ...]:
    """The conditions that select one pairing."""
    return (
        PairingRow.year == year,
        PairingRow.helping_unit == helping_unit,
        PairingRow.village == village,
    )


def _not_paired(year: int, helping_unit: str, village: str) -> NotFound:
    return NotFound(f"{helping_unit!r} is not paired with {village!r} in {year}")


def create_pairing(
    year: int, pairing: PairingIn, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> Pairing:
    """Pair a helping unit with a village for the year."""
    with db.begin() as session:
        ruleset = begin_write(session, year, rules, create=True)
        where = scope.reach(session, year, actor)
        scope.require_inside(actor, where, [pairing.helping_unit, pairing.village], "the pairing")
        if exists_where(session, *_key(year, pairing.helping_unit, pairing.village)):
            raise Conflict(
                f"{pairing.helping_unit!r} is already paired with {pairing.village!r} in {year}"
            )
        check_record(
            ruleset, year, ("pairings", 0), units=units_in(session, year), pairings=[pairing]
        )
        position = next_position(session, PairingRow.position, PairingRow.year == year)
        session.execute(
            insert(PairingRow).values(
                year=year,
                helping_unit=pairing.helping_unit,
                village=pairing.village,
                position=position,
            )
        )
        audit.record(
            session,
            actor,
            "pairing.create",
            "pairing",
            f"{year}/{pairing.helping_unit}/{pairing.village}",
            year=year,
        )
    return Pairing(pairing.helping_unit, pairing.village)


def delete_pairing(
    year: int,
    helping_unit: str,
    village: str,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> None:
    """End a pairing: the village's findings no longer count for the helping unit."""
    with db.begin() as session:
        begin_write(session, year, rules, create=False)
        where = scope.reach(session, year, actor)
        scope.require_inside(actor, where, [helping_unit, village], "the pairing")
        key = _key(year, helping_unit, village)
        if not exists_where(session, *key):
            raise _not_paired(year, helping_unit, village)
        session.execute(delete(PairingRow).where(*key))
        audit.record(
            session,
            actor,
            "pairing.delete",
            "pairing",
            f"{year}/{helping_unit}/{village}",
            year=year,
        )


def get_pairing(
    year: int, helping_unit: str, village: str, *, db: sessionmaker[Session], actor: Principal
) -> Pairing:
    """A pairing of the year; one of neither unit inside the caller's scope is not found."""
    with held_year(db, year) as session:
        seen = scope.reach(session, year, actor).has_any([helping_unit, village])
        if not seen or not exists_where(session, *_key(year, helping_unit, village)):
            raise _not_paired(year, helping_unit, village)
    return Pairing(helping_unit, village)


def list_pairings(
    year: int,
    *,
    db: sessionmaker[Session],
    actor: Principal,
    helping_unit: str | None = None,
    village: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Pairing]:
    """The year's pairings (those with a unit inside the caller's scope)."""
    statement = select(PairingRow).where(PairingRow.year == year)
    if actor.scope is not None:
        inside = subtree(year, actor.scope)
        statement = statement.where(
            or_(PairingRow.helping_unit.in_(inside), PairingRow.village.in_(inside))
        )
    if helping_unit is not None:
        statement = statement.where(PairingRow.helping_unit == helping_unit)
    if village is not None:
        statement = statement.where(PairingRow.village == village)
    with held_year(db, year) as session:
        page = keyset_page(
            session,
            statement,
            keys=[PairingRow.helping_unit, PairingRow.village],
            limit=limit,
            cursor=cursor,
            scalars=True,
        )
        return page.map(lambda row: Pairing(row.helping_unit, row.village))
