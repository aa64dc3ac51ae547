"""Reads and writes of single inspections and the findings added to them. Every function
takes the caller's ``Session`` and never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from scoring_service.db import repository as repo
from scoring_service.db.models import FindingRow, InspectionRow
from scoring_service.db.queries import Page, keyset_page, next_position, subtree
from scoring_service.domain.model import Finding, Inspection

# An inspection as listed: code, group, county, start, end, letter date, count of findings.
SummaryRow = tuple[str, str, str, date, date, date | None, int]


def inspection_exists(session: Session, year: int, code: str) -> bool:
    where = (InspectionRow.year == year, InspectionRow.code == code)
    return bool(session.execute(select(exists().where(*where))).scalar())


def find_inspection(session: Session, year: int, code: str) -> Inspection | None:
    """The inspection with its sample, or None when the year has no such inspection."""
    found = repo.load_inspections(session, year, code)
    return found[0] if found else None


def taken_finding_codes(session: Session, year: int, codes: Sequence[str]) -> list[str]:
    """The codes among ``codes`` that the year's findings already use, in order."""
    return list(
        session.scalars(
            select(FindingRow.code)
            .where(FindingRow.year == year, FindingRow.code.in_(list(codes)))
            .order_by(FindingRow.code)
        )
    )


def add_inspection(session: Session, year: int, inspection: Inspection) -> None:
    """Store an inspection with its sample after the year's last one (its findings apart)."""
    start = next_position(session, InspectionRow.position, InspectionRow.year == year)
    repo.store_inspections(session, year, [inspection], start)


def add_findings(session: Session, year: int, findings: Sequence[Finding]) -> None:
    """Store findings after the year's last one."""
    if findings:
        start = next_position(session, FindingRow.position, FindingRow.year == year)
        repo.store_findings(session, year, findings, start)


def set_letter_date(session: Session, year: int, code: str, letter: date | None) -> None:
    session.execute(
        update(InspectionRow)
        .where(InspectionRow.year == year, InspectionRow.code == code)
        .values(letter_date=letter)
    )


def inspection_findings(session: Session, year: int, code: str, *where: Any) -> list[Finding]:
    """The inspection's findings that also match ``where`` (a scope's condition), by code."""
    return repo.findings_where(session, year, FindingRow.inspection == code, *where)


def inspections_page(
    session: Session,
    year: int,
    *,
    within: Collection[str] | None,
    group: str | None,
    county: str | None,
    limit: int,
    cursor: str | None,
) -> Page[SummaryRow]:
    """The year's inspections by code with their counts of findings: those of counties under
    ``within`` (every one when None), of a group, of a county."""
    statement = select(InspectionRow).where(InspectionRow.year == year)
    if within is not None:
        statement = statement.where(InspectionRow.county.in_(subtree(year, within)))
    if group is not None:
        statement = statement.where(InspectionRow.group_code == group)
    if county is not None:
        statement = statement.where(InspectionRow.county == county)
    page = keyset_page(
        session, statement, keys=[InspectionRow.code], limit=limit, cursor=cursor, scalars=True
    )
    codes = [row.code for row in page.items]
    counts: dict[str, int] = {
        inspection: count
        for inspection, count in session.execute(
            select(FindingRow.inspection, func.count())
            .where(FindingRow.year == year, FindingRow.inspection.in_(codes))
            .group_by(FindingRow.inspection)
        )
    }
    return page.map(
        lambda r: (
            r.code,
            r.group_code,
            r.county,
            r.start_date,
            r.end_date,
            r.letter_date,
            counts.get(r.code, 0),
        )
    )
