"""Findings as they stand: filtered lists and one finding with its whole history.

A finding's state at a date (spec section 3) comes from the domain's ``finding_facts``,
run on just the findings asked for, their events, and the findings of the same unit
and criterion (which decide repeats). Filters on the stored fields run in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scoring_service.db import findings as store
from scoring_service.db.counts import state_condition, tally_states
from scoring_service.db.queries import Page, ancestors_of, list_page
from scoring_service.db.scopes import visible_findings_condition
from scoring_service.db.structure import pairings_of_village
from scoring_service.domain.assessment import FindingFacts, finding_facts
from scoring_service.domain.attribution import Attributor, Reason
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.model import (
    Event,
    Finding,
    Outcome,
    Severity,
    Unit,
    UnitKind,
    YearData,
)
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.timeline import ordered
from scoring_service.i18n import gettext as _
from scoring_service.records.year import held_year, not_held
from scoring_service.rules_in_force import as_of_for, ruleset_of
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What to list; None means any."""

    unit: str | None = None  # found at this unit or at a unit under it
    counts_for: str | None = None  # counts for this unit (spec section 4)
    inspection: str | None = None
    category: str | None = None
    criterion: str | None = None
    severity: Severity | None = None
    outcome: Outcome | None = None  # at the as-of date
    overdue: bool | None = None
    repeat: bool | None = None
    group: str | None = None  # found by an inspection of this group
    # Not yet rectified, with its deadline (as extended) on or before this day.
    due_by: date | None = None

    @property
    def needs_state(self) -> bool:
        return (
            self.outcome is not None
            or self.overdue is not None
            or self.repeat is not None
            or self.due_by is not None
        )


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding and, when it was found by the as-of date, its state then."""

    finding: Finding
    facts: FindingFacts | None


@dataclass(frozen=True, slots=True)
class FindingDetail:
    year: int
    as_of: date
    finding: Finding
    facts: FindingFacts | None
    events: list[Event]
    counts_for: Mapping[str, tuple[Reason, ...]] = field(default_factory=dict)


def _facts(
    uow: UnitOfWork,
    year: int,
    findings: Sequence[Finding],
    as_of: date,
) -> dict[str, FindingFacts]:
    """The state at ``as_of`` of each finding found by then (spec section 3)."""
    if not findings:
        return {}
    peers, events = store.repeat_history(uow.session, year, findings, as_of)
    every = {f.code: f for f in peers} | {f.code: f for f in findings}
    data = YearData(year, findings=list(every.values()), events=events)
    facts = finding_facts(data, as_of)
    return {f.code: facts[f.code] for f in findings if f.code in facts}


def _conditions(uow: UnitOfWork, year: int, filt: FindingFilter, ruleset: Ruleset) -> list[Any]:
    """The conditions on stored fields: the filter's, and the caller's scope."""
    conditions: list[Any] = store.finding_conditions(
        year,
        ruleset.attribution,
        unit=filt.unit,
        counts_for_unit=filt.counts_for,
        inspection=filt.inspection,
        category=filt.category,
        criterion=filt.criterion,
        severity=filt.severity,
        group=filt.group,
    )
    actor = uow.actor
    if actor.scope is not None:
        conditions.append(visible_findings_condition(year, actor, ruleset.attribution))
    return conditions


def list_findings(
    uow: UnitOfWork,
    year: int,
    filt: FindingFilter,
    *,
    as_of: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[date, Page[FindingView]]:
    """Findings of the year by code, filtered, each with its state at the as-of date."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        held_year(uow, year)
        conditions = _conditions(uow, year, filt, ruleset)
        if filt.needs_state:
            # The state at the date is kept on write: a condition like the stored fields'.
            conditions.append(
                state_condition(
                    year,
                    day,
                    outcome=filt.outcome,
                    overdue=filt.overdue,
                    repeat=filt.repeat,
                    due_by=filt.due_by,
                )
            )
        page = store.findings_page(uow.session, year, conditions, limit=limit, cursor=cursor)
        facts = _facts(uow, year, page.items, day)
        return day, page.map(lambda f: FindingView(f, facts.get(f.code)))


def tally_findings(
    uow: UnitOfWork, year: int, *, as_of: date | None
) -> tuple[date, Counter[tuple[str, str, str]]]:
    """How many of the year's findings found by the as-of date (the caller's, when scoped)
    there are of each category, severity and outcome then; one pass over the year."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        held_year(uow, year)
        conditions = _conditions(uow, year, FindingFilter(), ruleset)
        # The states are kept on write: one aggregate over the spans in force then.
        counted = tally_states(uow.session, year, day, conditions)
    return day, Counter({(c, s, o): n for c, s, o, n in counted})


def resolve_year(uow: UnitOfWork, code: str, year: int | None) -> int:
    """The year of a finding code: the one given, else the only year holding it.

    A finding the caller does not read is treated as not held, with the same answer, so
    a scoped caller cannot tell another unit's codes from codes that do not exist.
    """
    with uow:
        years = uow.findings.years_of(code)
        if uow.actor.scope is not None:
            years = [y for y in years if _reads(uow, y, code)]
    if year is not None:
        if year not in years:
            raise not_held(year, "finding", code)
        return year
    if not years:
        raise NotFound(_("no finding %(code)r is held", code=code))
    if len(years) > 1:
        raise InvalidRequest(
            _(
                "finding %(code)r exists in %(years)s; say which with year",
                code=code,
                years=", ".join(map(str, years)),
            )
        )
    return years[0]


def _reads(uow: UnitOfWork, year: int, code: str) -> bool:
    ruleset = uow.rules.current(year)
    if ruleset is None:
        return False
    return uow.findings.readable(year, code, uow.actor, ruleset.attribution)


def attribution_of(
    uow: UnitOfWork, year: int, finding: Finding, ruleset: Ruleset
) -> Mapping[str, tuple[Reason, ...]]:
    """The units a finding counts for, and why (spec section 4)."""
    with uow:
        chain = ancestors_of(uow.session, year, finding.unit)
        pairings = pairings_of_village(uow.session, year, finding.unit)
    units = [Unit(code, "", UnitKind(kind), parent) for code, kind, parent in chain]
    return Attributor(units, pairings, ruleset.attribution).attribute(finding)


def get_finding(
    uow: UnitOfWork, code: str, *, year: int | None = None, as_of: date | None = None
) -> FindingDetail:
    """One finding with its whole history, its state at the as-of date and who it counts for."""
    with uow:
        year = resolve_year(uow, code, year)
        ruleset = ruleset_of(uow.rules, year)
        day = as_of_for(ruleset, year, as_of)
        finding = store.finding(uow.session, year, code)
        if finding is None:
            raise not_held(year, "finding", code)
        reasons = attribution_of(uow, year, finding, ruleset)
        facts = _facts(uow, year, [finding], day)
        events = ordered(store.finding_events(uow.session, year, code))
    return FindingDetail(year, day, finding, facts.get(code), events, reasons)


def finding_events(
    uow: UnitOfWork,
    code: str,
    *,
    year: int | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[int, Page[Event]]:
    """A finding's events in the order they apply (date, then submission)."""
    with uow:
        year = resolve_year(uow, code, year)
        events = ordered(store.finding_events(uow.session, year, code))
    return year, list_page(events, tag=f"events:{year}:{code}", limit=limit, cursor=cursor)
