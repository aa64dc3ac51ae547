"""Each unit's score row at every month end of a year, for the month-by-month charts.

To be replaced by the trend service (scoring_service's month-by-month trend, being built
beside this): this stand-in asks ``records.score_runs.current_scores`` for each month end,
which reads a current stored run or scores the year again, so it costs a score run per
month; each month's rows are remembered until the year's data or rules change
(``web.memo``). Pages call only ``monthly``; swapping it is a change of this one module.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring_service.records.score_runs import current_scores
from scoring_service.unit_of_work import UnitOfWork
from web import memo

Rows = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MonthRows:
    """The score rows at one month end (the as-of date itself for its own month)."""

    day: date
    rows: Rows  # by unit code


def month_ends(year: int, until: date) -> list[date]:
    """The last day of each month of ``year`` up to ``until``; ``until`` ends its month."""
    days = []
    for month in range(1, 13):
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end >= until:
            days.append(until)
            break
        days.append(end)
    return days


def monthly(
    uow: Callable[[], UnitOfWork], year: int, until: date, units: set[str] | None = None
) -> list[MonthRows]:
    """The rows of ``units`` (every unit the person reads when None) at each month end."""
    key = memo.data_key(uow(), year)
    found = []

    def rows_at(day: date) -> Rows:
        return {r["unit"]: r for r in current_scores(uow(), year, as_of=day).rows}

    for day in month_ends(year, until):
        rows = memo.remember(("trend", *key, day), functools.partial(rows_at, day))
        if units is not None:
            rows = {code: row for code, row in rows.items() if code in units}
        found.append(MonthRows(day, rows))
    return found
