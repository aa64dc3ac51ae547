"""Inspections with their sample and findings, and each inspection's problem list (问题清单)."""

from __future__ import annotations

from flask import Response

from api.findings import finding_fields
from api.routing import ApiBlueprint
from api.schemas import (
    FindingCreate,
    FindingRecord,
    HouseholdRead,
    InspectionCreate,
    InspectionPage,
    InspectionQuery,
    InspectionRead,
    InspectionSummaryRead,
    InspectionUpdate,
    ProblemListQuery,
    ProblemListRead,
    SampleRead,
    given,
)
from api.scores import csv_attachment
from edge.context import uow
from edge.files import CSV, XLSX, attachment
from scoring_service.domain.model import Finding, Inspection
from scoring_service.domain.principals import Permission
from scoring_service.records import inspections
from scoring_service.reports import exports

bp = ApiBlueprint("inspections", __name__, tag="inspections")
READ, INSPECT = Permission.READ, Permission.INSPECT
W = (404, 409, 422)


def finding_record(year: int, f: Finding) -> FindingRecord:
    return FindingRecord(**finding_fields(year, f))


def inspection_read(year: int, ins: Inspection, findings: list[Finding]) -> InspectionRead:
    return InspectionRead(
        year=year,
        code=ins.code,
        group=ins.group,
        county=ins.county,
        start_date=ins.start_date,
        end_date=ins.end_date,
        letter_date=ins.letter_date,
        letter_number=ins.letter_number,
        sample=SampleRead(
            towns=list(ins.sample.towns),
            villages=list(ins.sample.villages),
            households=[
                HouseholdRead(code=h.code, village=h.village, status=h.status)
                for h in ins.sample.households
            ],
        ),
        findings=[finding_record(year, f) for f in findings],
    )


@bp.operation(
    "GET",
    "/years/<int:year>/inspections",
    summary="List inspections",
    permission=READ,
    query=InspectionQuery,
    response=InspectionPage,
    errors=(404,),
)
def list_inspections(year: int, query: InspectionQuery) -> InspectionPage:
    """The year's inspections by code, with their counts of findings."""
    page = inspections.list_inspections(
        uow(),
        year,
        group=query.group,
        county=query.county,
        limit=query.limit,
        cursor=query.cursor,
    )
    return InspectionPage.of(
        page,
        lambda i: InspectionSummaryRead.model_validate(i, from_attributes=True),
        limit=query.limit,
    )


@bp.operation(
    "POST",
    "/years/<int:year>/inspections",
    summary="Create an inspection",
    permission=INSPECT,
    body=InspectionCreate,
    response=InspectionRead,
    status=201,
    errors=W,
)
def create_inspection(year: int, body: InspectionCreate) -> tuple[InspectionRead, dict[str, str]]:
    """Add an inspection with its sample and findings, all or nothing, checked as in a bundle.

    A token scoped to units may add only an inspection wholly inside its scope: its county,
    and every finding's unit and responsible units."""
    ins, findings = inspections.create_inspection(uow(), year, body)
    where = f"/api/v1/years/{year}/inspections/{ins.code}"
    return inspection_read(year, ins, findings), {"Location": where}


@bp.operation(
    "GET",
    "/years/<int:year>/inspections/<code>",
    summary="Read an inspection",
    permission=READ,
    response=InspectionRead,
    errors=(404,),
)
def get_inspection(year: int, code: str) -> InspectionRead:
    """An inspection with its sample and findings. A token scoped to units reads only the
    inspections of its counties, with the findings it reads."""
    ins, findings = inspections.get_inspection(uow(), year, code)
    return inspection_read(year, ins, findings)


@bp.operation(
    "PATCH",
    "/years/<int:year>/inspections/<code>",
    summary="Set the letter's date and number",
    permission=INSPECT,
    body=InspectionUpdate,
    response=InspectionRead,
    errors=W,
)
def update_inspection(year: int, code: str, body: InspectionUpdate) -> InspectionRead:
    """Record the day the rectification letter was issued (null: not issued yet) and its
    number in the year (null: its place in the year among the year's inspections by end
    date); a number another inspection of the year holds is refused (422)."""
    inspections.update_inspection(uow(), year, code, given(body))
    ins, findings = inspections.get_inspection(uow(), year, code)
    return inspection_read(year, ins, findings)


@bp.operation(
    "POST",
    "/years/<int:year>/inspections/<code>/findings",
    summary="Add a finding",
    permission=INSPECT,
    body=FindingCreate,
    response=FindingRecord,
    status=201,
    errors=W,
)
def add_finding(year: int, code: str, body: FindingCreate) -> tuple[FindingRecord, dict[str, str]]:
    """Add a finding to an inspection held; it is found on the inspection's end date."""
    finding = inspections.add_finding(uow(), year, code, body)
    where = f"/api/v1/findings/{finding.code}?year={year}"
    return finding_record(year, finding), {"Location": where}


@bp.operation(
    "GET",
    "/years/<int:year>/inspections/<code>/problems",
    summary="The problem list (问题清单)",
    permission=READ,
    query=ProblemListQuery,
    response=ProblemListRead,
    errors=(404,),
    media={
        CSV: "CSV with Chinese headers: UTF-8 with a byte-order mark, or encoding=gb18030",
        XLSX: "Excel workbook",
    },
)
def problem_list(year: int, code: str, query: ProblemListQuery) -> ProblemListRead | Response:
    """The inspection's findings as a numbered list with Chinese headers, ready to attach to
    the rectification letter: ``format=json`` (default), ``csv`` or ``xlsx``."""
    doc = exports.problem_list(uow(), year, code)
    if query.format == "csv":
        return csv_attachment(
            exports.problem_list_csv(doc, query.encoding),
            query.encoding,
            f"问题清单-{code}.csv",
            f"problems-{code}.csv",
        )
    if query.format == "xlsx":
        return attachment(
            exports.problem_list_xlsx(doc), XLSX, f"问题清单-{code}.xlsx", f"problems-{code}.xlsx"
        )
    return ProblemListRead.model_validate(doc, from_attributes=True)
