"""The rectification loop (spec section 10): reports with evidence files and extension
requests from responsible units, and inspectors' decisions on them."""

from __future__ import annotations

from flask import Response

from api.routing import OCTET_STREAM, ApiBlueprint
from api.schemas import (
    DecisionRead,
    EvidenceFileRead,
    ExtensionRequestCreate,
    ExtensionRequestList,
    ExtensionRequestRead,
    ExtensionRequestsQuery,
    LoopQuery,
    ReportCreate,
    ReportDecisionCreate,
    ReportList,
    ReportRead,
    ReportsQuery,
    RequestDecisionCreate,
    ReusedEvidenceRead,
)
from edge.context import services, uow
from edge.files import attachment
from scoring_service.domain.principals import Permission
from scoring_service.domain.rectification import (
    Decision,
    ExtensionRequest,
    Report,
    ReportState,
    RequestState,
    Reuse,
)
from scoring_service.records import extensions, reports

bp = ApiBlueprint("rectification", __name__, tag="rectification")
READ, REPORT, INSPECT = Permission.READ, Permission.REPORT, Permission.INSPECT


def _decision(d: Decision | None) -> DecisionRead | None:
    return None if d is None else DecisionRead(by=d.by, at=d.at, reason=d.reason)


def report_reads(found: list[Report]) -> list[ReportRead]:
    """The reports as read, each with the evidence reused from findings the caller reads."""
    reused = reports.reused_evidence(uow(), found)
    return [report_read(r, reused.get(r.id, [])) for r in found]


def report_read(r: Report, reused: list[Reuse]) -> ReportRead:
    return ReportRead(
        id=r.id,
        year=r.year,
        finding=r.finding,
        state=r.state.value,
        date=r.date,
        text=r.text,
        files=[
            EvidenceFileRead(
                name=f.name,
                size=f.size,
                media_type=f.media_type,
                sha256=f.sha256,
                url=f"/api/v1/reports/{r.id}/files/{f.position}",
            )
            for f in r.files
        ],
        submitted_by=r.submitted_by,
        submitted_at=r.submitted_at,
        decision=_decision(r.decision),
        reused_evidence=[
            ReusedEvidenceRead(
                file=u.file,
                other_file=u.other_file,
                finding=u.finding,
                year=u.year,
                report=u.report,
                distance=u.distance,
            )
            for u in reused
        ],
    )


def request_read(r: ExtensionRequest) -> ExtensionRequestRead:
    return ExtensionRequestRead(
        id=r.id,
        year=r.year,
        finding=r.finding,
        state=r.state.value,
        date=r.date,
        new_deadline=r.new_deadline,
        reason=r.reason,
        submitted_by=r.submitted_by,
        submitted_at=r.submitted_at,
        decision=_decision(r.decision),
    )


@bp.operation(
    "POST",
    "/findings/<code>/reports",
    summary="Submit a rectification report",
    permission=REPORT,
    query=LoopQuery,
    body=ReportCreate,
    files=True,
    response=ReportRead,
    status=201,
    errors=(404, 409, 413, 415, 422),
)
def submit_report(
    code: str, query: LoopQuery, body: ReportCreate, files: list[tuple[str, bytes]]
) -> tuple[ReportRead, dict[str, str]]:
    """A responsible unit reports the finding rectified on `date`, with evidence files.

    Refused (409) when the finding is already rectified or a report of it is waiting; 422
    when `date` is before the finding was found or after today, or a file is not a PDF,
    JPEG, PNG, DOCX or XLSX by its content, or breaks a limit (nothing is stored then). A
    token scoped to units reports only on findings it reads (others are not found)."""
    report = reports.submit_report(
        uow(),
        code,
        year=query.year,
        day=body.date,
        text=body.text,
        files=files,
        limits=services().settings.evidence_limits,
    )
    return report_reads([report])[0], {"Location": f"/api/v1/reports/{report.id}"}


@bp.operation(
    "GET",
    "/findings/<code>/reports",
    summary="A finding's rectification reports",
    permission=READ,
    query=LoopQuery,
    response=ReportList,
    errors=(404, 422),
)
def finding_reports(code: str, query: LoopQuery) -> ReportList:
    """The finding's reports, oldest first, each with its files and decision."""
    _year, found = reports.reports_of_finding(uow(), code, year=query.year)
    return ReportList(items=report_reads(found))


@bp.operation(
    "GET",
    "/years/<int:year>/reports",
    summary="A year's rectification reports",
    permission=READ,
    query=ReportsQuery,
    response=ReportList,
    errors=(404, 422),
)
def year_reports(year: int, query: ReportsQuery) -> ReportList:
    """The year's reports (`state=submitted`: those waiting for a decision), on the findings
    the caller reads."""
    state = ReportState(query.state) if query.state else None
    return ReportList(items=report_reads(reports.reports_of_year(uow(), year, state=state)))


@bp.operation(
    "GET",
    "/reports/<int:report_id>",
    summary="Read a rectification report",
    permission=READ,
    response=ReportRead,
    errors=(404,),
)
def get_report(report_id: int) -> ReportRead:
    """One report with its files and decision."""
    return report_reads([reports.get_report(uow(), report_id)])[0]


@bp.operation(
    "GET",
    "/reports/<int:report_id>/files/<int:position>",
    summary="Download a report's evidence file",
    permission=READ,
    response=None,
    media={OCTET_STREAM: "the file byte for byte, as an attachment"},
    errors=(404,),
)
def report_file(report_id: int, position: int) -> Response:
    """The file as uploaded, byte for byte, as an attachment under its name; with
    `X-Content-Type-Options: nosniff` so a browser never runs it as a page."""
    report, content = reports.evidence_file(uow(), report_id, position)
    found = next(f for f in report.files if f.position == position)
    ascii_name = found.name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response = attachment(content, found.media_type, found.name, ascii_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.operation(
    "POST",
    "/reports/<int:report_id>/decision",
    summary="Accept or return a rectification report",
    permission=INSPECT,
    body=ReportDecisionCreate,
    response=ReportRead,
    errors=(404, 409, 422),
)
def decide_report(report_id: int, body: ReportDecisionCreate) -> ReportRead:
    """Accepting records a `rectified` event dated the report's `date` through the finding's
    state machine, in the same transaction; returning changes nothing scored and keeps the
    reason for the unit. A report is decided once (409 after). A report the finding's
    history no longer allows (a later event) is refused (409) and stays waiting."""
    decided = reports.decide(
        uow(), report_id, decision=ReportState(body.decision), reason=body.reason
    )
    return report_reads([decided])[0]


@bp.operation(
    "POST",
    "/findings/<code>/extension-requests",
    summary="Ask for an extension",
    permission=REPORT,
    query=LoopQuery,
    body=ExtensionRequestCreate,
    response=ExtensionRequestRead,
    status=201,
    errors=(404, 409, 422),
)
def submit_request(
    code: str, query: LoopQuery, body: ExtensionRequestCreate
) -> tuple[ExtensionRequestRead, dict[str, str]]:
    """A responsible unit asks, on `date` (default today) and not after the deadline in force
    then, for a later `new_deadline`, giving its reason."""
    request = extensions.submit_request(
        uow(),
        code,
        year=query.year,
        day=body.date,
        new_deadline=body.new_deadline,
        reason=body.reason,
    )
    return request_read(request), {"Location": f"/api/v1/extension-requests/{request.id}"}


@bp.operation(
    "GET",
    "/findings/<code>/extension-requests",
    summary="A finding's extension requests",
    permission=READ,
    query=LoopQuery,
    response=ExtensionRequestList,
    errors=(404, 422),
)
def finding_requests(code: str, query: LoopQuery) -> ExtensionRequestList:
    """The finding's extension requests, oldest first, each with its decision."""
    _year, found = extensions.requests_of_finding(uow(), code, year=query.year)
    return ExtensionRequestList(items=[request_read(r) for r in found])


@bp.operation(
    "GET",
    "/years/<int:year>/extension-requests",
    summary="A year's extension requests",
    permission=READ,
    query=ExtensionRequestsQuery,
    response=ExtensionRequestList,
    errors=(404, 422),
)
def year_requests(year: int, query: ExtensionRequestsQuery) -> ExtensionRequestList:
    """The year's extension requests (`state=submitted`: those waiting), on the findings
    the caller reads."""
    state = RequestState(query.state) if query.state else None
    found = extensions.requests_of_year(uow(), year, state=state)
    return ExtensionRequestList(items=[request_read(r) for r in found])


@bp.operation(
    "GET",
    "/extension-requests/<int:request_id>",
    summary="Read an extension request",
    permission=READ,
    response=ExtensionRequestRead,
    errors=(404,),
)
def get_request(request_id: int) -> ExtensionRequestRead:
    """One extension request with its decision."""
    return request_read(extensions.get_request(uow(), request_id))


@bp.operation(
    "POST",
    "/extension-requests/<int:request_id>/decision",
    summary="Approve or refuse an extension request",
    permission=INSPECT,
    body=RequestDecisionCreate,
    response=ExtensionRequestRead,
    errors=(404, 409, 422),
)
def decide_request(request_id: int, body: RequestDecisionCreate) -> ExtensionRequestRead:
    """Approving records an `extension` event dated the request's `date` with its
    `new_deadline`, in the same transaction; refusing changes nothing scored and keeps the
    reason. Decided once (409 after)."""
    decided = extensions.decide(
        uow(), request_id, decision=RequestState(body.decision), reason=body.reason
    )
    return request_read(decided)
