"""The year month by month: every scored unit's rate, score, grade and rank at each month
end, for charts. One aggregate gives the counts at every month end (``db.counts``); the
rules are evaluated once for all twelve."""

from __future__ import annotations

import calendar
from datetime import date

from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.domain.assessment import assess_days
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.metrics import round_rate
from scoring_service.domain.model import UnitKind
from scoring_service.domain.results import Trend, TrendPoint, TrendSeries
from scoring_service.domain.scoring import json_number
from scoring_service.gc_pause import bulk
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork


def month_ends(year: int) -> list[date]:
    """The last day of each month of ``year``."""
    return [date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]


@bulk
def year_trend(uow: UnitOfWork, year: int, *, kind: UnitKind | None = None) -> Trend:
    """Each scored unit (of ``kind`` when given) at every month end of the year, as the
    score rows at those dates say; a scoped caller gets its units' series only (ranks
    stay the year's)."""
    ruleset = ruleset_of(uow.rules, year)
    if kind is not None and kind not in ruleset.scored_kinds:
        kinds = ", ".join(k.value for k in ruleset.scored_kinds)
        raise InvalidRequest(
            _(
                "%(kind)r is not a scored kind of %(year)s (scored kinds: %(kinds)s)",
                kind=kind.value,
                year=year,
                kinds=kinds,
            )
        )
    days = month_ends(year)
    with uow:
        if not uow.years.exists(year):
            raise NotFound(
                _("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        revision = uow.years.revision(year)
        units = uow.index.scored_units(year, ruleset.scored_kinds)
        monthly = uow.index.monthly(year, days, ruleset.attribution, ruleset.scored_kinds)
        where = uow.reach(year)
    assessments = assess_days(year, units, monthly, days, ruleset, uow.evaluator)
    points: dict[str, list[TrendPoint]] = {}
    for assessment in assessments:
        for r in assessment.results:
            v = r.verdict
            points.setdefault(r.unit.code, []).append(
                TrendPoint(
                    as_of=assessment.as_of,
                    findings=r.metrics.findings,
                    overdue=r.metrics.overdue,
                    rate=round_rate(r.metrics.rate),
                    score=json_number(v.score),
                    grade=v.grade.value,
                    rank=r.rank,
                )
            )
    series = [
        TrendSeries(r.unit.code, r.unit.name, r.unit.kind.value, points[r.unit.code])
        for r in assessments[-1].results
        if (kind is None or r.unit.kind is kind) and where.has(r.unit.code)
    ]
    return Trend(year, ruleset.content_hash, revision, days, series)
