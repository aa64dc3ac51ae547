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

from scoring_service.assessment.rules_in_force import as_of_for, held_year, ruleset_of
from scoring_service.domain.assessment import FindingFacts, finding_facts
from scoring_service.domain.attribution import Attributor, Reason
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.model import Event, Finding, YearData
from scoring_service.domain.model import FindingFilter as FindingFilter
from scoring_service.domain.pages import Page, list_page
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.timeline import ordered
from scoring_service.i18n import gettext as _
from scoring_service.records.year import not_held
from scoring_service.unit_of_work import UnitOfWork


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
    peers, events = uow.findings.history(year, findings, as_of)
    every = {f.code: f for f in peers} | {f.code: f for f in findings}
    data = YearData(year, findings=list(every.values()), events=events)
    facts = finding_facts(data, as_of)
    return {f.code: facts[f.code] for f in findings if f.code in facts}


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
        page = uow.findings.page(
            year, filt, day, uow.actor, ruleset.attribution, limit=limit, cursor=cursor
        )
        facts = _facts(uow, year, page.items, day)
        return day, page.map(lambda f: FindingView(f, facts.get(f.code)))


def matching_codes(
    uow: UnitOfWork, year: int, filt: FindingFilter, *, as_of: date | None
) -> set[str]:
    """The codes of every finding of the year the caller reads matching ``filt`` at the
    as-of date: the list ``list_findings`` gives a page at a time, whole (a filtered
    ledger holds exactly the rows the ledger page lists)."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    found: set[str] = set()
    cursor: str | None = None
    with uow:
        held_year(uow, year)
        while True:
            page = uow.findings.page(
                year, filt, day, uow.actor, ruleset.attribution, limit=5000, cursor=cursor
            )
            found.update(f.code for f in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return found


def tally_findings(
    uow: UnitOfWork, year: int, *, as_of: date | None
) -> tuple[date, Counter[tuple[str, str, str]]]:
    """How many of the year's findings found by the as-of date (the caller's, when scoped)
    there are of each category, severity and outcome then; one pass over the year."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        held_year(uow, year)
        counted = uow.findings.tally(year, day, uow.actor, ruleset.attribution)
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
        units = uow.structure.ancestors(year, finding.unit)
        pairings = uow.structure.pairings_of_village(year, finding.unit)
    return Attributor(units, pairings, ruleset.attribution).attribute(finding)


def get_finding(
    uow: UnitOfWork, code: str, *, year: int | None = None, as_of: date | None = None
) -> FindingDetail:
    """One finding with its whole history, its state at the as-of date and who it counts for."""
    with uow:
        year = resolve_year(uow, code, year)
        ruleset = ruleset_of(uow.rules, year)
        day = as_of_for(ruleset, year, as_of)
        finding = uow.findings.get(year, code)
        if finding is None:
            raise not_held(year, "finding", code)
        reasons = attribution_of(uow, year, finding, ruleset)
        facts = _facts(uow, year, [finding], day)
        events = ordered(uow.findings.events(year, code))
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
        events = ordered(uow.findings.events(year, code))
    return year, list_page(events, tag=f"events:{year}:{code}", limit=limit, cursor=cursor)
