"""Inspections with their sample and findings (spec section 2), checked as a bundle's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import audit, scope
from scoring_service.access.roles import Principal
from scoring_service.bundle.schema import FindingIn, HouseholdIn, InspectionIn, SampleIn
from scoring_service.db import repository as repo
from scoring_service.db.models import FindingRow, InspectionRow
from scoring_service.db.queries import Page, keyset_page, next_position, subtree
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Finding, Inspection, YearData
from scoring_service.domain.ruleset import Ruleset
from scoring_service.records.groups import group_in
from scoring_service.records.year import (
    begin_write,
    check_record,
    exists_where,
    held_year,
    not_held,
    units_in,
)
from scoring_service.services import RuleSource, ruleset_of


@dataclass(frozen=True, slots=True)
class InspectionSummary:
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    findings: int


def create_inspection(
    year: int,
    inspection: InspectionIn,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> tuple[Inspection, list[Finding]]:
    """Add an inspection with its sample and findings (spec section 2), checked as a bundle's."""
    with db.begin() as session:
        ruleset = begin_write(session, year, rules, create=True)
        if exists_where(session, InspectionRow.year == year, InspectionRow.code == inspection.code):
            raise Conflict(f"the year {year} already has an inspection {inspection.code!r}")
        taken = _taken_findings(session, year, [f.code for f in inspection.findings])
        if taken:
            raise Conflict(f"the year {year} already has findings {', '.join(taken)}")
        checked = _check(session, ruleset, year, ("inspections", 0), inspection)
        findings = checked.findings
        _require_inside(session, year, actor, inspection.county, findings)
        start = next_position(session, InspectionRow.position, InspectionRow.year == year)
        repo.store_inspections(session, year, checked.inspections[:1], start)
        _insert_findings(session, year, findings)
        audit.record(
            session,
            actor,
            "inspection.create",
            "inspection",
            f"{year}/{inspection.code}",
            year=year,
            detail={"findings": [f.code for f in findings]},
        )
    return checked.inspections[0], findings


def add_finding(
    year: int,
    inspection_code: str,
    finding: FindingIn,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Finding:
    """Add a finding to an inspection already held."""
    with db.begin() as session:
        ruleset = begin_write(session, year, rules, create=False)
        inspection = _held_inspection(session, year, inspection_code)
        if _taken_findings(session, year, [finding.code]):
            raise Conflict(f"the year {year} already has a finding {finding.code!r}")
        at = ("inspections", 0, "findings", 0)
        new = _check(session, ruleset, year, at, _as_in(inspection, [finding])).findings[0]
        _require_inside(session, year, actor, inspection.county, [new])
        _insert_findings(session, year, [new])
        audit.record(
            session,
            actor,
            "finding.create",
            "finding",
            f"{year}/{finding.code}",
            year=year,
            detail=finding.model_dump(mode="json"),
        )
    return new


def update_inspection(
    year: int,
    code: str,
    changes: dict[str, Any],
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Inspection:
    """Set (or clear) an inspection's letter date: the day the rectification letter went out."""
    with db.begin() as session:
        ruleset = begin_write(session, year, rules, create=False)
        inspection = _held_inspection(session, year, code)
        _require_inside(session, year, actor, inspection.county, [])
        letter: date | None = changes.get("letter_date", inspection.letter_date)
        candidate = _as_in(inspection).model_copy(update={"letter_date": letter})
        updated = _check(session, ruleset, year, ("inspections", 0), candidate).inspections[0]
        session.execute(
            update(InspectionRow)
            .where(InspectionRow.year == year, InspectionRow.code == code)
            .values(letter_date=letter)
        )
        audit.record(
            session,
            actor,
            "inspection.update",
            "inspection",
            f"{year}/{code}",
            year=year,
            detail={"letter_date": letter},
        )
    return updated


def get_inspection(
    year: int, code: str, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> tuple[Inspection, list[Finding]]:
    """An inspection with its sample and the findings of it the caller reads (by code).

    An inspection of a county outside the caller's scope is not found."""
    with held_year(db, year) as session:
        inspection = _held_inspection(session, year, code)
        if not scope.reach(session, year, actor).has(inspection.county):
            raise not_held(year, "inspection", code)
        visible = scope.visible_findings_condition(year, actor, ruleset_of(rules, year).attribution)
        findings = repo.findings_where(session, year, FindingRow.inspection == code, visible)
    return inspection, findings


def list_inspections(
    year: int,
    *,
    db: sessionmaker[Session],
    actor: Principal,
    group: str | None = None,
    county: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[InspectionSummary]:
    """The year's inspections by code, with their counts of findings; a scoped caller's
    list holds only the inspections of counties inside its scope."""
    statement = select(InspectionRow).where(InspectionRow.year == year)
    if actor.scope is not None:
        statement = statement.where(InspectionRow.county.in_(subtree(year, actor.scope)))
    if group is not None:
        statement = statement.where(InspectionRow.group_code == group)
    if county is not None:
        statement = statement.where(InspectionRow.county == county)
    with held_year(db, year) as session:
        page = keyset_page(
            session, statement, keys=[InspectionRow.code], limit=limit, cursor=cursor, scalars=True
        )
        codes = [row.code for row in page.items]
        counts = dict(
            session.execute(
                select(FindingRow.inspection, func.count())
                .where(FindingRow.year == year, FindingRow.inspection.in_(codes))
                .group_by(FindingRow.inspection)
            ).all()
        )
        return page.map(
            lambda r: InspectionSummary(
                r.code,
                r.group_code,
                r.county,
                r.start_date,
                r.end_date,
                r.letter_date,
                counts.get(r.code, 0),
            )
        )


# --- helpers -------------------------------------------------------------------------------------


def _check(
    session: Session,
    ruleset: Ruleset,
    year: int,
    at: tuple[str | int, ...],
    inspection: InspectionIn,
) -> YearData:
    """Check an inspection as a bundle's, with the year's units and the group it names."""
    group = group_in(session, year, inspection.group)
    return check_record(
        ruleset,
        year,
        at,
        units=units_in(session, year),
        groups=[group] if group else [],
        inspections=[inspection],
    )


def _require_inside(
    session: Session, year: int, actor: Principal, county: str, findings: Sequence[Finding]
) -> None:
    """Forbidden unless the inspection's county and every unit its findings name (where
    found, responsible) are inside the caller's scope: a write wholly inside it."""
    if actor.scope is None:
        return
    units = [county]
    for finding in findings:
        units += [finding.unit, *finding.responsible]
    scope.require_inside(actor, scope.reach(session, year, actor), units, "the inspection")


def _taken_findings(session: Session, year: int, codes: Sequence[str]) -> list[str]:
    return list(
        session.scalars(
            select(FindingRow.code)
            .where(FindingRow.year == year, FindingRow.code.in_(list(codes)))
            .order_by(FindingRow.code)
        )
    )


def _insert_findings(session: Session, year: int, findings: Sequence[Finding]) -> None:
    """Insert findings after the year's last one."""
    if findings:
        start = next_position(session, FindingRow.position, FindingRow.year == year)
        repo.store_findings(session, year, findings, start)


def _held_inspection(session: Session, year: int, code: str) -> Inspection:
    """The inspection with its sample; NotFound when the year has no such inspection."""
    found = repo.load_inspections(session, year, code)
    if not found:
        raise not_held(year, "inspection", code)
    return found[0]


def _as_in(ins: Inspection, findings: list[FindingIn] | None = None) -> InspectionIn:
    """An inspection held, as a bundle holds it (for the bundle checks)."""
    s = ins.sample
    return InspectionIn.model_construct(
        code=ins.code,
        group=ins.group,
        county=ins.county,
        start_date=ins.start_date,
        end_date=ins.end_date,
        letter_date=ins.letter_date,
        sample=SampleIn.model_construct(
            towns=list(s.towns),
            villages=list(s.villages),
            households=[
                HouseholdIn.model_construct(code=h.code, village=h.village, status=h.status)
                for h in s.households
            ],
        ),
        findings=findings or [],
    )
