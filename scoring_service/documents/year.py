"""A year's data and its assessment as of a date, read once for a document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.documents.files import cn_date
from scoring_service.domain.alerts import Alert, process_alerts
from scoring_service.domain.assessment import Assessment, assess
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.model import YearData
from scoring_service.domain.principals import Reach
from scoring_service.domain.ruleset import Ruleset
from scoring_service.gc_pause import bulk
from scoring_service.i18n import _
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


def require_inspected(data: YearData, ruleset: Ruleset, first: date, last: date) -> None:
    """A document of the days ``first`` to ``last`` must fall within the inspections and
    the assessment: before the year's first inspection began it would be empty, after the
    rule set's cutoff it would assess days the year does not count. Refused in words."""
    began = min((i.start_date for i in data.inspections), default=None)
    if began is None or last < began:
        raise InvalidRequest(
            _(
                "no inspection of %(year)s had begun by %(date)s (the first began on "
                "%(first)s): the document would be empty",
                year=data.year,
                date=cn_date(last),
                first=cn_date(began) if began is not None else "-",
            )
        )
    if first > ruleset.cutoff:
        raise InvalidRequest(
            _(
                "%(date)s is after the cutoff of the year's assessment, %(cutoff)s: the "
                "document would count days the year does not",
                date=cn_date(first),
                cutoff=cn_date(ruleset.cutoff),
            )
        )


@bulk
def assessed_year(
    uow: UnitOfWork,
    year: int,
    as_of: date | None,
    *,
    period_from: date | None = None,
    checked: bool = True,
) -> AssessedYear:
    """The year's data, the rule set in force and the assessment as of ``as_of`` (default:
    the rule set's cutoff), with the caller's reach. With ``checked``, the days from
    ``period_from`` (default: the as-of date) to the as-of date are refused before the year's
    first inspection or after its cutoff (``require_inspected``)."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        data = uow.years.load(year)
        if data is None:
            raise NotFound(
                _("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        where = uow.reach(year)
    if checked:
        require_inspected(data, ruleset, period_from or day, day)
    assessment = assess(data, ruleset, day, uow.evaluator, keep_findings=True)
    return AssessedYear(data, ruleset, assessment, where)
