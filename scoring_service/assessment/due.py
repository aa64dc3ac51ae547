"""What is due (spec section 10): the findings still open at a date whose deadline has
passed (red, 已逾期) or comes within a few days (yellow, 临近到期), for reminders.

Read from the kept finding timelines in two queries (``db.counts.due_findings``), never a
replay; a scoped caller sees the findings it reads (the scope rule of ``access.scope``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from scoring_service.assessment.rules_in_force import as_of_for, held_year, ruleset_of
from scoring_service.domain.errors import InvalidRequest
from scoring_service.gc_pause import bulk
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

# Green: open and not yet due; a due list holds only red and yellow findings.
Light = Literal["red", "yellow", "green"]
MAX_WITHIN = 366  # a year ahead: any more is every open finding


@dataclass(frozen=True, slots=True)
class CountedUnit:
    """A unit a due finding counts for (spec section 4)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class DueFinding:
    """One finding on the due list, with its light."""

    finding: str
    description: str
    unit: str  # where it was found
    unit_name: str
    severity: str
    deadline: date  # the effective deadline at the as-of date
    days_left: int  # negative: overdue by so many days
    light: Light
    counts_for: tuple[CountedUnit, ...]
    waiting_report: int | None = None  # the id of its report waiting for a decision
    waiting_request: int | None = None  # the id of its extension request waiting

    def to_json(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "description": self.description,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "severity": self.severity,
            "deadline": self.deadline.isoformat(),
            "days_left": self.days_left,
            "light": self.light,
            "counts_for": [
                {"code": u.code, "name": u.name, "kind": u.kind} for u in self.counts_for
            ],
            "waiting_report": self.waiting_report,
            "waiting_request": self.waiting_request,
        }


@dataclass(frozen=True, slots=True)
class DueList:
    year: int
    as_of: date
    within: int
    items: list[DueFinding]

    @property
    def red(self) -> int:
        return sum(1 for i in self.items if i.light == "red")

    @property
    def yellow(self) -> int:
        return len(self.items) - self.red


def light_of(deadline: date, as_of: date, within: int) -> Light:
    """Red once the effective deadline has passed (overdue, spec section 3), yellow when it
    comes within ``within`` days, else green (open, not yet due: not listed as due)."""
    if deadline < as_of:
        return "red"
    return "yellow" if (deadline - as_of).days <= within else "green"


def default_within(uow: UnitOfWork, year: int) -> int:
    """The days ahead a deadline turns yellow: the rule set's ``alerts.due_within_days``."""
    return ruleset_of(uow.rules, year).alerts.due_within_days


def due(
    uow: UnitOfWork, year: int, *, as_of: date | None = None, within: int | None = None
) -> DueList:
    """The findings found by ``as_of`` (default: the rule set's cutoff) and not rectified
    then whose effective deadline is before it (red) or at most ``within`` days after it
    (yellow; default the rule set's ``alerts.due_within_days``): red first, then by
    deadline and code, each with the id of any report or extension request of it waiting
    for a decision. A scoped caller gets the findings it reads only."""
    return with_waiting(uow, due_lights(uow, year, as_of=as_of, within=within))


@bulk  # a province's list: tens of thousands of rows and units, no cycles among them
def due_lights(
    uow: UnitOfWork, year: int, *, as_of: date | None = None, within: int | None = None
) -> DueList:
    """``due`` without what waits for a decision: all the year's data revision, the rule
    set and the caller's scope decide, so it may be remembered under them (a report or a
    request submitted or decided leaves the revision as it is: ``with_waiting`` reads
    those at each request)."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    days = ruleset.alerts.due_within_days if within is None else within
    if not 0 <= days <= MAX_WITHIN:
        raise InvalidRequest(
            _("within must be a number of days from 0 to %(most)s", most=MAX_WITHIN)
        )
    with uow:
        held_year(uow, year)
        until = day + timedelta(days=days)
        rows = uow.index.due(year, day, until, ruleset.attribution, uow.actor)
    items = []
    # One CountedUnit per unit: a county stands beside thousands of its findings.
    known: dict[tuple[str, str, str], CountedUnit] = {}
    for code, description, found_at, severity, deadline, units in rows:
        counted = tuple(known.get(u) or known.setdefault(u, CountedUnit(*u)) for u in units)
        items.append(
            DueFinding(
                finding=code,
                description=description,
                unit=found_at,
                unit_name=next((u.name for u in counted if u.code == found_at), ""),
                severity=severity,
                deadline=deadline,
                days_left=(deadline - day).days,
                light=light_of(deadline, day, days),
                counts_for=counted,
            )
        )
    # Rows come by deadline: the overdue ones (deadline before as_of) are already first.
    items.sort(key=lambda i: (i.light != "red", i.deadline, i.finding))
    return DueList(year, day, days, items)


def with_waiting(uow: UnitOfWork, found: DueList) -> DueList:
    """``found`` with the id of each finding's report and extension request waiting for a
    decision now. The listed findings are those the caller reads, so nothing here widens
    the scope; the year's waiting records are few, read in two queries."""
    codes = [i.finding for i in found.items]
    with uow:
        reports = uow.reports.waiting_of(found.year, codes)
        requests = uow.extension_requests.waiting_of(found.year, codes)
    items = [
        replace(i, waiting_report=reports.get(i.finding), waiting_request=requests.get(i.finding))
        if i.finding in reports or i.finding in requests
        else i
        for i in found.items
    ]
    return replace(found, items=items)
