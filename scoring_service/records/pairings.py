"""Pairings of helping units with villages: a village's findings count for its helpers."""

from __future__ import annotations

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year
from scoring_service.bundle.schema import PairingIn
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import Pairing
from scoring_service.domain.pages import Page
from scoring_service.i18n import gettext as _
from scoring_service.records.year import begin_write, check_record, units_in
from scoring_service.unit_of_work import UnitOfWork


def _not_paired(year: int, helping_unit: str, village: str) -> NotFound:
    return NotFound(
        _(
            "%(helping_unit)r is not paired with %(village)r in %(year)s",
            helping_unit=helping_unit,
            village=village,
            year=year,
        )
    )


def create_pairing(uow: UnitOfWork, year: int, pairing: PairingIn) -> Pairing:
    """Pair a helping unit with a village for the year."""
    with uow:
        ruleset = begin_write(uow, year, create=True)
        where = uow.reach(year)
        scope.require_inside(
            uow.actor, where, [pairing.helping_unit, pairing.village], "the pairing"
        )
        if uow.structure.has_pairing(year, pairing.helping_unit, pairing.village):
            raise Conflict(
                _(
                    "%(helping_unit)r is already paired with %(village)r in %(year)s",
                    helping_unit=pairing.helping_unit,
                    village=pairing.village,
                    year=year,
                )
            )
        check_record(ruleset, year, ("pairings", 0), units=units_in(uow, year), pairings=[pairing])
        new = Pairing(pairing.helping_unit, pairing.village)
        uow.structure.add_pairing(year, new)
        uow.audit(
            "pairing.create",
            "pairing",
            f"{year}/{pairing.helping_unit}/{pairing.village}",
            year=year,
        )
        uow.commit()
    return new


def delete_pairing(uow: UnitOfWork, year: int, helping_unit: str, village: str) -> None:
    """End a pairing: the village's findings no longer count for the helping unit."""
    with uow:
        begin_write(uow, year, create=False)
        where = uow.reach(year)
        scope.require_inside(uow.actor, where, [helping_unit, village], "the pairing")
        if not uow.structure.has_pairing(year, helping_unit, village):
            raise _not_paired(year, helping_unit, village)
        uow.structure.delete_pairing(year, helping_unit, village)
        uow.audit("pairing.delete", "pairing", f"{year}/{helping_unit}/{village}", year=year)
        uow.commit()


def get_pairing(uow: UnitOfWork, year: int, helping_unit: str, village: str) -> Pairing:
    """A pairing of the year; one of neither unit inside the caller's scope is not found."""
    with uow:
        held_year(uow, year)
        seen = uow.reach(year).has_any([helping_unit, village])
        if not seen or not uow.structure.has_pairing(year, helping_unit, village):
            raise _not_paired(year, helping_unit, village)
    return Pairing(helping_unit, village)


def list_pairings(
    uow: UnitOfWork,
    year: int,
    *,
    helping_unit: str | None = None,
    village: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Pairing]:
    """The year's pairings (those with a unit inside the caller's scope)."""
    with uow:
        held_year(uow, year)
        return uow.structure.pairings_page(
            year,
            within=uow.actor.scope,
            helping_unit=helping_unit,
            village=village,
            limit=limit,
            cursor=cursor,
        )
