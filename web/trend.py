"""Each unit's score row at every month end of a year, for the month-by-month charts.

To be replaced by the trend service (scoring_service's month-by-month trend, being built
beside this): this stand-in asks ``records.score_runs.current_scores`` for each month end,
which reads a current stored run or scores the year again, so it costs a score run per
month. To keep pages usable it remembers the last few answers, keyed by what decides them
(the year's data revision, the rule set's hash, the day and the person's scope), so a
write or a new rule set is never answered from memory. Pages call only ``monthly``;
swapping it is a change of this one module.
"""

from __future__ import annotations

import calendar
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring_service.records.score_runs import current_scores
from scoring_service.rules_in_force import ruleset_of
from scoring_service.services import list_years
from scoring_service.unit_of_work import UnitOfWork

Rows = dict[str, dict[str, Any]]
_REMEMBERED = 96  # month ends remembered per process (8 years' worth, or 8 scopes)
_lock = threading.Lock()
_memory: OrderedDict[tuple[Any, ...], Rows] = OrderedDict()


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


def _rows_at(uow: Callable[[], UnitOfWork], year: int, day: date, key: tuple[Any, ...]) -> Rows:
    with _lock:
        found = _memory.get((*key, day))
        if found is not None:
            _memory.move_to_end((*key, day))
            return found
    run = current_scores(uow(), year, as_of=day)
    rows = {r["unit"]: r for r in run.rows}
    with _lock:
        _memory[(*key, day)] = rows
        while len(_memory) > _REMEMBERED:
            _memory.popitem(last=False)
    return rows


def monthly(
    uow: Callable[[], UnitOfWork], year: int, until: date, units: set[str] | None = None
) -> list[MonthRows]:
    """The rows of ``units`` (every unit the person reads when None) at each month end."""
    first = uow()
    revision = next((y.revision for y in list_years(first) if y.year == year), None)
    key = (year, revision, ruleset_of(first.rules, year).content_hash, first.actor.scope)
    found = []
    for day in month_ends(year, until):
        rows = _rows_at(uow, year, day, key)
        if units is not None:
            rows = {code: row for code, row in rows.items() if code in units}
        found.append(MonthRows(day, rows))
    return found
