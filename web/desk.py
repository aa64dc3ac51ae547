"""What a unit person's page reads: their open findings with a traffic light, their reports
and extension requests. Only calls of services; the page shows the result.

A unit person sees every open finding, the ones not yet due too (green), so the page reads
the findings service's open findings and lights each with the due list's own rule
(``due.light_of``) and days (``due.default_within``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring_service.assessment.due import Light, default_within, light_of
from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.domain.rectification import ExtensionRequest, Report, ReportState, RequestState
from scoring_service.records import extensions, reports
from scoring_service.records.findings import FindingFilter, FindingView, list_findings
from scoring_service.unit_of_work import UnitOfWork

PAGE = 500


@dataclass(frozen=True, slots=True)
class OpenFinding:
    """A finding not rectified at the as-of date, its deadline in force and its light."""

    view: FindingView
    deadline: date
    days_left: int
    light: Light


@dataclass(frozen=True, slots=True)
class Desk:
    """A unit person's year: open findings, reports and requests (newest first)."""

    year: int
    as_of: date
    within: int
    findings: list[OpenFinding]
    reports: list[Report]
    requests: list[ExtensionRequest]
    waiting_reports: frozenset[str]  # findings with a report waiting for a decision
    waiting_requests: frozenset[str]


def open_findings(
    uow: UnitOfWork, year: int, *, as_of: date | None, within: int
) -> tuple[date, list[OpenFinding]]:
    """The caller's findings still open at ``as_of`` (default: today, within the year's
    cutoff), red when past their deadline, yellow when it falls within ``within`` days."""
    if as_of is None:
        as_of = min(date.today(), ruleset_of(uow.rules, year).cutoff)
    found: list[OpenFinding] = []
    cursor: str | None = None
    while True:
        # Not rectified, with a deadline on or before the last day there is: every open one.
        day, page = list_findings(
            uow, year, FindingFilter(due_by=date.max), as_of=as_of, limit=PAGE, cursor=cursor
        )
        for view in page.items:
            if view.facts is None:
                continue
            deadline = view.facts.state.effective_deadline
            left = (deadline - day).days
            found.append(OpenFinding(view, deadline, left, light_of(deadline, day, within)))
        cursor = page.next_cursor
        if cursor is None:
            break
    order = {"red": 0, "yellow": 1, "green": 2}
    found.sort(key=lambda f: (order[f.light], f.deadline, f.view.finding.code))
    return day, found


def desk(uow: UnitOfWork, year: int, *, as_of: date | None, within: int | None) -> Desk:
    """Everything the unit person's page shows for ``year``."""
    days = default_within(uow, year) if within is None else within
    day, found = open_findings(uow, year, as_of=as_of, within=days)
    made = reports.reports_of_year(uow, year)
    asked = extensions.requests_of_year(uow, year)
    return Desk(
        year=year,
        as_of=day,
        within=days,
        findings=found,
        reports=sorted(made, key=lambda r: r.id, reverse=True),
        requests=sorted(asked, key=lambda r: r.id, reverse=True),
        waiting_reports=frozenset(r.finding for r in made if r.state is ReportState.SUBMITTED),
        waiting_requests=frozenset(r.finding for r in asked if r.state is RequestState.SUBMITTED),
    )


@dataclass(frozen=True, slots=True)
class LoopRecords:
    """A finding's reports and extension requests, oldest first."""

    reports: list[Report]
    requests: list[ExtensionRequest]


def loop_by_finding(uow: UnitOfWork, year: int) -> dict[str, LoopRecords]:
    """The year's reports and requests the caller reads, by finding (the ledger's column)."""
    found: dict[str, LoopRecords] = {}
    for r in reports.reports_of_year(uow, year):
        found.setdefault(r.finding, LoopRecords([], [])).reports.append(r)
    for x in extensions.requests_of_year(uow, year):
        found.setdefault(x.finding, LoopRecords([], [])).requests.append(x)
    return found


def loop_of_finding(uow: UnitOfWork, year: int, code: str) -> LoopRecords:
    """A finding's reports and requests (the finding's page's history)."""
    return LoopRecords(
        reports.reports_of_finding(uow, code, year=year)[1],
        extensions.requests_of_finding(uow, code, year=year)[1],
    )
