"""Reads and writes of inspections: single ones and the findings added to them, and a
year's inspections with their samples in bulk. Every function takes the caller's
``Session`` and never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from scoring_service.db.findings import findings_where, store_findings
from scoring_service.db.models import (
    FindingRow,
    InspectionRow,
    SampleHouseholdRow,
    SampleTownRow,
    SampleVillageRow,
)
from scoring_service.db.queries import Page, keyset_page, next_position, subtree
from scoring_service.db.rows import bulk_insert, code_is, grouped, select_rows
from scoring_service.db.scopes import visible_findings_condition
from scoring_service.db.timelines import refresh_timelines
from scoring_service.domain.model import Finding, Household, HouseholdStatus, Inspection, Sample
from scoring_service.domain.principals import Principal
from scoring_service.domain.ruleset import Attribution

# A dictionary lookup: calling the enum class per row costs about a microsecond each.
_STATUSES = {status.value: status for status in HouseholdStatus}

# An inspection as listed: code, group, county, start, end, letter date, count of findings.
SummaryRow = tuple[str, str, str, date, date, date | None, int]


def inspection_exists(session: Session, year: int, code: str) -> bool:
    where = (InspectionRow.year == year, InspectionRow.code == code)
    return bool(session.execute(select(exists().where(*where))).scalar())


def find_inspection(session: Session, year: int, code: str) -> Inspection | None:
    """The inspection with its sample, or None when the year has no such inspection."""
    found = load_inspections(session, year, code)
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
    store_inspections(session, year, [inspection], start)


def add_findings(session: Session, year: int, findings: Sequence[Finding]) -> None:
    """Store findings after the year's last one."""
    if findings:
        start = next_position(session, FindingRow.position, FindingRow.year == year)
        store_findings(session, year, findings, start)
        refresh_timelines(session, year, findings)


def set_letter(
    session: Session, year: int, code: str, letter: date | None, number: int | None
) -> None:
    """Set the letter's date and number (None: not issued, the letter's place in the year)."""
    session.execute(
        update(InspectionRow)
        .where(InspectionRow.year == year, InspectionRow.code == code)
        .values(letter_date=letter, letter_number=number)
    )


def letter_number_holder(session: Session, year: int, number: int) -> str | None:
    """The code of the year's inspection whose letter has ``number``, if any."""
    return session.scalar(
        select(InspectionRow.code).where(
            InspectionRow.year == year, InspectionRow.letter_number == number
        )
    )


def inspection_findings(session: Session, year: int, code: str, *where: Any) -> list[Finding]:
    """The inspection's findings that also match ``where`` (a scope's condition), by code."""
    return findings_where(session, year, FindingRow.inspection == code, *where)


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


# --- bulk writes and reads -----------------------------------------------------------


def store_inspections(
    session: Session, year: int, inspections: Sequence[Inspection], start: int = 0
) -> None:
    """Insert the inspections and their samples, the first at position ``start``."""
    bulk_insert(
        session,
        InspectionRow,
        (
            {
                "year": year,
                "code": ins.code,
                "group_code": ins.group,
                "county": ins.county,
                "start_date": ins.start_date,
                "end_date": ins.end_date,
                "letter_date": ins.letter_date,
                "letter_number": ins.letter_number,
                "position": start + i,
            }
            for i, ins in enumerate(inspections)
        ),
    )
    bulk_insert(
        session,
        SampleTownRow,
        (
            {"year": year, "inspection": ins.code, "position": i, "town": town}
            for ins in inspections
            for i, town in enumerate(ins.sample.towns)
        ),
    )
    bulk_insert(
        session,
        SampleVillageRow,
        (
            {"year": year, "inspection": ins.code, "position": i, "village": village}
            for ins in inspections
            for i, village in enumerate(ins.sample.villages)
        ),
    )
    bulk_insert(
        session,
        SampleHouseholdRow,
        (
            {
                "year": year,
                "inspection": ins.code,
                "position": i,
                "code": h.code,
                "village": h.village,
                "status": h.status.value,
            }
            for ins in inspections
            for i, h in enumerate(ins.sample.households)
        ),
    )


def load_inspections(session: Session, year: int, code: str | None = None) -> list[Inspection]:
    """The year's inspections (only the one ``code`` names when given), each with its sample."""
    towns = grouped(
        select_rows(
            session,
            select(SampleTownRow.inspection, SampleTownRow.town)
            .where(SampleTownRow.year == year, *code_is(SampleTownRow.inspection, code))
            .order_by(SampleTownRow.inspection, SampleTownRow.position),
        )
    )
    villages = grouped(
        select_rows(
            session,
            select(SampleVillageRow.inspection, SampleVillageRow.village)
            .where(SampleVillageRow.year == year, *code_is(SampleVillageRow.inspection, code))
            .order_by(SampleVillageRow.inspection, SampleVillageRow.position),
        )
    )
    households: dict[str, list[Household]] = defaultdict(list)
    for inspection, household, village, status in select_rows(
        session,
        select(
            SampleHouseholdRow.inspection,
            SampleHouseholdRow.code,
            SampleHouseholdRow.village,
            SampleHouseholdRow.status,
        )
        .where(SampleHouseholdRow.year == year, *code_is(SampleHouseholdRow.inspection, code))
        .order_by(SampleHouseholdRow.inspection, SampleHouseholdRow.position),
    ):
        households[inspection].append(Household(household, village, _STATUSES[status]))
    rows = select_rows(
        session,
        select(
            InspectionRow.code,
            InspectionRow.group_code,
            InspectionRow.county,
            InspectionRow.start_date,
            InspectionRow.end_date,
            InspectionRow.letter_date,
            InspectionRow.letter_number,
        )
        .where(InspectionRow.year == year, *code_is(InspectionRow.code, code))
        .order_by(InspectionRow.position),
    )
    return [
        Inspection(
            code,
            group,
            county,
            start_date,
            end_date,
            letter_date,
            Sample(
                tuple(towns.get(code, ())),
                tuple(villages.get(code, ())),
                tuple(households.get(code, ())),
            ),
            number,
        )
        for code, group, county, start_date, end_date, letter_date, number in rows
    ]


class InspectionRepository:
    """Inspections with their samples, and the findings added to them (``uow.inspections``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, year: int, code: str) -> bool:
        return inspection_exists(self.session, year, code)

    def get(self, year: int, code: str) -> Inspection | None:
        """The inspection with its sample."""
        return find_inspection(self.session, year, code)

    def of_year(self, year: int) -> list[Inspection]:
        """The year's inspections in stored order, each with its sample."""
        return load_inspections(self.session, year)

    def add(self, year: int, inspection: Inspection, findings: Sequence[Finding]) -> None:
        """Store an inspection after the year's last one, then its findings after theirs."""
        add_inspection(self.session, year, inspection)
        add_findings(self.session, year, findings)

    def add_findings(self, year: int, findings: Sequence[Finding]) -> None:
        """Store findings of inspections held, after the year's last one, with their timelines."""
        add_findings(self.session, year, findings)

    def taken_finding_codes(self, year: int, codes: Sequence[str]) -> list[str]:
        return taken_finding_codes(self.session, year, codes)

    def set_letter(self, year: int, code: str, letter: date | None, number: int | None) -> None:
        set_letter(self.session, year, code, letter, number)

    def letter_number_holder(self, year: int, number: int) -> str | None:
        return letter_number_holder(self.session, year, number)

    def findings(
        self, year: int, code: str, actor: Principal, attribution: Attribution
    ) -> list[Finding]:
        """The inspection's findings ``actor`` reads (the scope rule, ``access.scope``), by code."""
        visible = visible_findings_condition(year, actor, attribution)
        return inspection_findings(self.session, year, code, visible)

    def page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        group: str | None,
        county: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[SummaryRow]:
        return inspections_page(
            self.session,
            year,
            within=within,
            group=group,
            county=county,
            limit=limit,
            cursor=cursor,
        )
