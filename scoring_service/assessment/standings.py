"""The kept standings brought up to date by hand: after the rules in force change (a write
brings those of the units it changes up to date by itself, ``db.standings``)."""

from __future__ import annotations

from scoring_service.unit_of_work import UnitOfWork


def keep_standings(uow: UnitOfWork, year: int) -> None:
    """Score every unit's standings afresh under the rules in force now (until then, reads
    compute scores afresh)."""
    with uow.writing():
        if uow.years.exists(year):
            uow.standings.rebuild(year)
            uow.commit()
