"""The year records belong to: whether it is held, beginning a write, checking a record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scoring_service.assessment.rules_in_force import held_year, ruleset_of
from scoring_service.bundle import InvalidBundle, Problem
from scoring_service.bundle.checks import check_bundle
from scoring_service.bundle.problems import pointer
from scoring_service.bundle.schema import BUNDLE_FORMAT, BundleIn, UnitIn
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import YearData
from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import not_held as not_held_text
from scoring_service.unit_of_work import UnitOfWork


class InvalidRecord(InvalidBundle):
    """A record the year's data does not allow; each problem points into the record."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        self.args = (
            _("the record has %(count)s problem(s); nothing was stored", count=len(self.problems)),
        )


def not_held(year: int, what: str, code: str) -> NotFound:
    """The error for a record the year does not hold."""
    return NotFound(not_held_text(what, code, year))


def begin_write(uow: UnitOfWork, year: int, *, create: bool) -> Ruleset:
    """Start a write to the year: create the year when it has a rule set, bump its revision.

    ``create``: the record may be the year's first (a new unit, pairing, group or
    inspection); else the year's data must be held. The revision update also serialises
    the year's writers (a row lock on PostgreSQL, the write lock on SQLite), so positions
    and uniqueness checks cannot race.
    """
    if not create:
        held_year(uow, year)
    ruleset = ruleset_of(uow.rules, year)
    if not uow.years.exists(year):
        # A concurrent first write may create it too: one of the two fails on the key
        # and is reported as a conflict to retry.
        uow.years.create(year)
    uow.years.bump_revision(year)
    return ruleset


def units_in(uow: UnitOfWork, year: int) -> list[UnitIn]:
    """The year's units in stored order, as a bundle holds them (for the bundle checks)."""
    return [
        UnitIn.model_construct(
            code=u.code, name=u.name, kind=u.kind, parent=u.parent, village_type=u.village_type
        )
        for u in uow.structure.units(year)
    ]


def check_record(ruleset: Ruleset, year: int, at: tuple[str | int, ...], **parts: Any) -> YearData:
    """Run the bundle checks on a small bundle; raise InvalidRecord for problems at ``at``.

    Returns the small bundle's data as the checks read it (the record in domain form).
    """
    bundle = BundleIn.model_construct(
        format=BUNDLE_FORMAT,
        year=year,
        units=parts.get("units", []),
        pairings=parts.get("pairings", []),
        groups=parts.get("groups", []),
        inspections=parts.get("inspections", []),
        events=[],
    )
    data, problems = check_bundle(bundle, lambda _year: ruleset.catalogue)
    prefix = pointer(*at)
    mine = [
        Problem(p.pointer[len(prefix) :], p.message)
        for p in problems
        if p.pointer == prefix or p.pointer.startswith(prefix + "/")
    ]
    if mine:
        raise InvalidRecord(mine)
    return data
