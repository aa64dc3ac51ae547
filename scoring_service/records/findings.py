"""Findings as they stand: filtered lists and one finding with its whole history.

A finding's state at a date (spec section 3) comes from the domain's ``finding_facts``,
run on just the findings asked for, their events, and the findings of the same unit
and criterion (which decide repeats). Filters on the stored fields run in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import scope
from scoring_service.access.roles import Principal
from scoring_service.db import repository as repo
from scoring_service.db.models import EventRow, FindingRow, PairingRow
from scoring_service.db.queries import (
    Page,
    ancestors_of,
    counts_for,
    decode_cursor,
    encode_cursor,
    in_categories,
    keyset_page,
    list_page,
    subtree,
)
from scoring_service.domain.assessment import FindingFacts, finding_facts
from scoring_service.domain.attribution import Attributor, Reason
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.model import (
    Event,
    Finding,
    Outcome,
    Pairing,
    Severity,
    Unit,
    UnitKind,
    YearData,
)
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.timeline import ordered
from scoring_service.records.year import held_year, not_held
from scoring_service.services import RuleSource, as_of_for, ruleset_of


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

    @property
    def needs_state(self) -> bool:
        return self.outcome is not None or self.overdue is not None or self.repeat is not None


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
    session: Session,
    year: int,
    findings: Sequence[Finding],
    as_of: date,
    *,
    whole_year: bool = False,
) -> dict[str, FindingFacts]:
    """The state at ``as_of`` of each finding found by then (spec section 3).

    ``whole_year``: ``findings`` are all the year's findings, so no others are needed.
    """
    if not findings:
        return {}
    if whole_year:
        every = {f.code: f for f in findings}
        codes: Any = select(FindingRow.code).where(FindingRow.year == year)
    else:
        units = sorted({f.unit for f in findings})
        criteria = sorted({f.criterion for f in findings})
        # Findings of the same unit and criterion decide whether one is a repeat.
        peers = repo.findings_where(
            session,
            year,
            FindingRow.unit.in_(units),
            FindingRow.criterion.in_(criteria),
            FindingRow.found_on <= as_of,
        )
        every = {f.code: f for f in peers} | {f.code: f for f in findings}
        codes = select(FindingRow.code).where(
            FindingRow.year == year,
            FindingRow.unit.in_(units),
            FindingRow.criterion.in_(criteria),
        )
    events = repo.events_where(session, year, EventRow.finding.in_(codes))
    data = YearData(year, findings=list(every.values()), events=events)
    facts = finding_facts(data, as_of)
    return {f.code: facts[f.code] for f in findings if f.code in facts}


def _conditions(
    year: int, filt: FindingFilter, ruleset: Ruleset, actor: Principal
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [FindingRow.year == year]
    if filt.unit is not None:
        conditions.append(FindingRow.unit.in_(subtree(year, [filt.unit])))
    if filt.counts_for is not None:
        conditions.append(counts_for(year, [filt.counts_for], ruleset.attribution))
    if filt.inspection is not None:
        conditions.append(FindingRow.inspection == filt.inspection)
    if filt.category is not None:
        conditions.append(in_categories(FindingRow.criterion, [filt.category]))
    if filt.criterion is not None:
        conditions.append(FindingRow.criterion == filt.criterion)
    if filt.severity is not None:
        conditions.append(FindingRow.severity == filt.severity.value)
    if actor.scope is not None:
        conditions.append(scope.visible_findings_condition(year, actor, ruleset.attribution))
    return conditions


def _wanted(filt: FindingFilter, facts: FindingFacts | None) -> bool:
    if not filt.needs_state:
        return True
    if facts is None:
        return False  # found after the as-of date: no state to match
    if filt.outcome is not None and facts.outcome is not filt.outcome:
        return False
    if filt.overdue is not None and (facts.outcome is Outcome.OVERDUE) != filt.overdue:
        return False
    return filt.repeat is None or facts.repeat == filt.repeat


def list_findings(
    year: int,
    filt: FindingFilter,
    *,
    as_of: date | None,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
    limit: int,
    cursor: str | None,
) -> tuple[date, Page[FindingView]]:
    """Findings of the year by code, filtered, each with its state at the as-of date."""
    ruleset = ruleset_of(rules, year)
    day = as_of_for(ruleset, year, as_of)
    conditions = _conditions(year, filt, ruleset, actor)
    with held_year(db, year) as session:
        if not filt.needs_state:
            page = keyset_page(
                session,
                select(FindingRow.code).where(*conditions),
                keys=[FindingRow.code],
                limit=limit,
                cursor=cursor,
                tag="findings",
            )
            codes = [row.code for row in page.items]
            findings = repo.findings_where(session, year, FindingRow.code.in_(codes))
            facts = _facts(session, year, findings, day)
            return day, Page(
                [FindingView(f, facts.get(f.code)) for f in findings],
                page.total,
                page.next_cursor,
            )
        # State filters: every candidate's state is needed before the page can be cut.
        candidates = repo.findings_where(session, year, *conditions[1:])
        whole_year = len(conditions) == 1  # no filter but the year: every finding is here
        facts = _facts(session, year, candidates, day, whole_year=whole_year)
        chosen = sorted(
            (f for f in candidates if _wanted(filt, facts.get(f.code))), key=lambda f: f.code
        )
        start = decode_cursor("findings-state", cursor, [str])[0] if cursor else None
        after = [f for f in chosen if start is None or f.code > start]
        items = [FindingView(f, facts.get(f.code)) for f in after[:limit]]
        more = len(after) > limit
        next_cursor = encode_cursor("findings-state", [items[-1].finding.code]) if more else None
        return day, Page(items, len(chosen), next_cursor)


def resolve_year(
    session: Session, code: str, year: int | None, *, actor: Principal, rules: RuleSource
) -> int:
    """The year of a finding code: the one given, else the only year holding it.

    A finding the caller does not read is treated as not held, with the same answer, so
    a scoped caller cannot tell another unit's codes from codes that do not exist.
    """
    years = repo.find_finding_years(session, code)
    if actor.scope is not None:
        years = [y for y in years if _reads(session, y, code, actor, rules)]
    if year is not None:
        if year not in years:
            raise not_held(year, "finding", code)
        return year
    if not years:
        raise NotFound(f"no finding {code!r} is held")
    if len(years) > 1:
        raise InvalidRequest(
            f"finding {code!r} exists in {', '.join(map(str, years))}; say which with year"
        )
    return years[0]


def _reads(session: Session, year: int, code: str, actor: Principal, rules: RuleSource) -> bool:
    ruleset = rules.current(year)
    if ruleset is None:
        return False
    condition = scope.visible_findings_condition(year, actor, ruleset.attribution)
    return (
        session.scalar(select(FindingRow.code).where(condition, FindingRow.code == code))
        is not None
    )


def attribution_of(
    session: Session, year: int, finding: Finding, ruleset: Ruleset
) -> Mapping[str, tuple[Reason, ...]]:
    """The units a finding counts for, and why (spec section 4)."""
    chain = ancestors_of(session, year, finding.unit)
    units = [Unit(code, "", UnitKind(kind), parent) for code, kind, parent in chain]
    pairings = [
        Pairing(h, v)
        for h, v in session.execute(
            select(PairingRow.helping_unit, PairingRow.village).where(
                PairingRow.year == year, PairingRow.village == finding.unit
            )
        )
    ]
    return Attributor(units, pairings, ruleset.attribution).attribute(finding)


def get_finding(
    code: str,
    *,
    year: int | None = None,
    as_of: date | None = None,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> FindingDetail:
    """One finding with its whole history, its state at the as-of date and who it counts for."""
    with db() as session:
        year = resolve_year(session, code, year, actor=actor, rules=rules)
        ruleset = ruleset_of(rules, year)
        day = as_of_for(ruleset, year, as_of)
        finding = repo.findings_where(session, year, FindingRow.code == code)[0]
        reasons = attribution_of(session, year, finding, ruleset)
        facts = _facts(session, year, [finding], day)
        events = ordered(repo.finding_events(session, year, code))
    return FindingDetail(year, day, finding, facts.get(code), events, reasons)


def finding_events(
    code: str,
    *,
    year: int | None = None,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
    limit: int,
    cursor: str | None,
) -> tuple[int, Page[Event]]:
    """A finding's events in the order they apply (date, then submission)."""
    with db() as session:
        year = resolve_year(session, code, year, actor=actor, rules=rules)
        events = ordered(repo.finding_events(session, year, code))
    return year, list_page(events, tag=f"events:{year}:{code}", limit=limit, cursor=cursor)
