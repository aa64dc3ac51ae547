"""The rule set in force for a year and the as-of date a question is asked at: what the
assessment services and the records of a year both start from."""

from __future__ import annotations

from datetime import date

from scoring_service.domain.assessment import check_as_of
from scoring_service.domain.errors import NotFound
from scoring_service.domain.ruleset import Ruleset, RuleSource
from scoring_service.i18n import gettext as _


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
