"""Each unit's standing at every month end of a year up to a date, for the month-by-month
charts: the trend service (``scoring_service.assessment.trend``) for the month ends before the date,
and the rows at the date itself for its own month, which the page holds already (the year's
scores at the date, ``scores_at``, or a unit's explanation).

A kind's trend is remembered until the year's data or rules change (``edge.memo``):
people reading the same year between writes share one computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from edge import memo
from scoring_service.assessment.trend import month_ends, year_trend
from scoring_service.domain.model import UnitKind
from scoring_service.domain.results import ScoreRun, Trend
from scoring_service.i18n import format_percent
from scoring_service.i18n import gettext as _
from scoring_service.records.score_runs import current_scores
from scoring_service.unit_of_work import UnitOfWork
from web.charts import Chart, Series, line_chart

Rows = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MonthRows:
    """The standing of each unit at one month end (the as-of date itself for its own
    month): ``metrics.rate``, ``score``, ``grade`` and ``rank`` as in a score row."""

    day: date
    rows: Rows  # by unit code


def _by_month(found: Trend, units: set[str]) -> dict[date, Rows]:
    """The rows of ``units`` by month end."""
    months: dict[date, Rows] = {day: {} for day in found.months}
    for series in found.series:
        if series.unit not in units:
            continue
        for point in series.points:
            months[point.as_of][series.unit] = {
                "metrics": {"rate": point.rate},
                "score": point.score,
                "grade": point.grade,
                "rank": point.rank,
            }
    return months


def scores_at(uow: Callable[[], UnitOfWork], year: int, day: date) -> ScoreRun:
    """The year's scores at ``day`` (``current_scores``), remembered until the year's data
    or rules change: the year at a glance shows them and charts their month, from one
    computation."""
    return memo.remember(
        ("score_run", *memo.data_key(uow(), year), day),
        lambda: current_scores(uow(), year, as_of=day),
    )


def monthly(
    uow: Callable[[], UnitOfWork], year: int, until: date, kind: str, at_until: Rows
) -> list[MonthRows]:
    """The rows of the units of ``at_until`` (of one ``kind``) at each month end of ``year``
    before ``until``, then ``at_until``: their rows at ``until`` itself, which the caller
    holds already (the year's scores at the date, or a unit's explanation)."""
    key = memo.data_key(uow(), year)
    ends = [day for day in month_ends(year) if day < until]
    # The kind's trend is remembered whole; a page shows a few units of it (one county, or
    # the counties), whose rows alone are laid out.
    found = None
    if ends and at_until:
        found = memo.remember(
            ("year_trend", *key, kind),
            lambda: year_trend(uow(), year, kind=UnitKind(kind)),
        )
    months = _by_month(found, set(at_until)) if found is not None else {}
    rows = [MonthRows(day, months.get(day, {})) for day in ends]
    rows.append(MonthRows(until, at_until))
    return rows


RATE_TICKS = (0, 0.25, 0.5, 0.75, 1)


def month_charts(months: list[MonthRows], units: list[tuple[str, str]]) -> tuple[Chart, Chart]:
    """The rate and the score of each unit (code, name) month by month, as two line charts;
    the score axis spans the scores shown, in steps of 5, from 80 to 105 at least."""
    labels = [_("month %(month)s", month=m.day.month) for m in months]
    rates = [[_rate(m.rows.get(code)) for m in months] for code, _name in units]
    scores = [[_score(m.rows.get(code)) for m in months] for code, _name in units]
    rate_chart = line_chart(
        labels,
        [Series(name, values) for (_code, name), values in zip(units, rates, strict=True)],
        low=0,
        high=1,
        ticks=RATE_TICKS,
        read=lambda v: format_percent(v, 0) if v in RATE_TICKS else format_percent(v),
    )
    known = [v for values in scores for v in values if v is not None] or [100.0]
    low, high = min([*known, 80.0]) // 5 * 5, max([*known, 105.0]) // 5 * 5 + 5
    score_chart = line_chart(
        labels,
        [Series(name, values) for (_code, name), values in zip(units, scores, strict=True)],
        low=low,
        high=high,
        ticks=[low + i * (high - low) / 4 for i in range(5)],
        read=lambda v: f"{v:g}",
    )
    return rate_chart, score_chart


def _rate(row: dict[str, Any] | None) -> float | None:
    return None if row is None else row["metrics"]["rate"]


def _score(row: dict[str, Any] | None) -> float | None:
    return None if row is None else float(row["score"])
