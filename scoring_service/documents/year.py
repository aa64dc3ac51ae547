"""A year's data and its assessment as of a date, read once for a document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring_service.access import scope
from scoring_service.domain.alerts import Alert, process_alerts
from scoring_service.domain.assessment import Assessment, assess
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import YearData
from scoring_service.domain.principals import Reach
from scoring_service.domain.ruleset import Ruleset
from scoring_service.gc_pause import bulk
from scoring_service.i18n import _
from scoring_service.rules_in_force import as_of_for, ruleset_of
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class AssessedYear:
    """What the year-wide documents read: the data held, the rule set, the assessment."""

    data: YearData
    ruleset: Ruleset
    assessment: Assessment
    where: Reach  # the caller's units

    @property
    def as_of(self) -> date:
        return self.assessment.as_of

    def alerts(self) -> list[Alert]:
        return process_alerts(self.data, self.ruleset.alerts, self.as_of)

    def names(self) -> dict[str, str]:
        return {u.code: u.name for u in self.data.units}


def require_whole_year(uow: UnitOfWork, what: str) -> None:
    """A document about every unit of the year (a circular, a report, an archive) is for
    unscoped principals: filtered to a county it would misreport the whole (403)."""
    scope.require_unscoped(uow.actor, what)


@bulk
def assessed_year(uow: UnitOfWork, year: int, as_of: date | None) -> AssessedYear:
    """The year's data, the rule set in force and the assessment as of ``as_of`` (default:
    the rule set's cutoff), with the caller's reach."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        data = uow.years.load(year)
        if data is None:
            raise NotFound(
                _("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        where = uow.reach(year)
    assessment = assess(data, ruleset, day, uow.evaluator, keep_findings=True)
    return AssessedYear(data, ruleset, assessment, where)
