"""Whether a year is held, the rule set in force for it and the as-of date a question is asked
at: what the assessment services and the records of a year both start from; and the words
for the version of rules a result was computed with."""

from __future__ import annotations

from datetime import date

from scoring_service.domain.assessment import check_as_of
from scoring_service.domain.errors import NotFound
from scoring_service.domain.ruleset import Ruleset, RuleSource
from scoring_service.domain.versions import version_in_words
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork


def held_year(uow: UnitOfWork, year: int) -> None:
    """NotFound unless the year's data is held (inside the caller's ``with uow``)."""
    if not uow.years.exists(year):
        raise NotFound(
            _("no data is held for the year %(year)s; import a bundle or create records", year=year)
        )


def ruleset_of(rules: RuleSource, year: int) -> Ruleset:
    """The year's rule set in force; NotFound when the year has none."""
    ruleset = rules.current(year)
    if ruleset is None:
        raise NotFound(_("there is no rule set for the year %(year)s", year=year))
    return ruleset


def as_of_for(ruleset: Ruleset, year: int, as_of: date | None) -> date:
    """The as-of date asked for, else the rule set's cutoff; refused before the year."""
    day = as_of or ruleset.cutoff
    check_as_of(year, day)
    return day


def version_label(uow: UnitOfWork, year: int, content_hash: str) -> str:
    """The words for the rule set version with this hash: its year, revision and date."""
    with uow:
        row = uow.rulesets.by_hash(year, content_hash)
    return version_in_words(year, row)
