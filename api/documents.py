"""The documents of the work plan as downloads: rectification letters, circulars, monthly
reports (Word, or PDF where LibreOffice is installed), the ledger (XLSX) and the quarterly
archive (zip). Each is built by ``scoring_service.documents`` with the caller's unit of work,
so the scope rule applies as to every read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from flask import Response
from pydantic import Field

from api.routing import ApiBlueprint
from api.schemas import QueryModel
from edge.context import services, uow
from edge.errors import ApiProblem
from edge.files import XLSX, attachment
from scoring_service import documents
from scoring_service.documents.files import DOCX, PDF, ZIP, Document
from scoring_service.domain.principals import Permission

bp = ApiBlueprint("documents", __name__, tag="documents")
READ = Permission.READ
WORD_MEDIA = {
    DOCX: "Word document (format=docx, the default)",
    PDF: "PDF made by LibreOffice (format=pdf); 503 where LibreOffice is not installed",
}
WordFormat = Annotated[
    Literal["docx", "pdf"],
    Field(description="`docx` (default, to edit in Word or WPS) or `pdf` (to print)"),
]
Number = Annotated[
    str | None,
    Field(
        description="the document number to print (`市督查〔2018〕N号`); default: blank, "
        "for the office to fill in (a letter: its inspection's place in the year)",
        max_length=20,
    ),
]
AsOf = Annotated[
    dt.date | None, Field(description="the data as of (default: the rule set's cutoff)")
]


class LetterQuery(QueryModel):
    format: WordFormat = "docx"
    date: Annotated[
        dt.date | None,
        Field(
            description="the letter's date (default: the inspection's letter date, else the "
            "last day the 3-day rule allows)"
        ),
    ] = None
    number: Number = None


class CircularQuery(QueryModel):
    format: WordFormat = "docx"
    as_of: AsOf = None
    date: Annotated[dt.date | None, Field(description="the circular's date (default: as_of)")] = (
        None
    )
    number: Number = None


class MonthlyQuery(QueryModel):
    month: Annotated[int, Field(ge=1, le=12, description="the month reported on, 1 to 12")]
    format: WordFormat = "docx"
    date: Annotated[
        dt.date | None, Field(description="the report's date (default: the month's last day)")
    ] = None
    number: Annotated[
        str | None, Field(description="the report's issue number (第N期)", max_length=20)
    ] = None


class LedgerQuery(QueryModel):
    as_of: AsOf = None


class ArchiveQuery(QueryModel):
    quarter: Annotated[int, Field(ge=1, le=4, description="the quarter archived, 1 to 4")]


def _download(doc: Document, fmt: str = "docx") -> Response:
    """The document as a file download, as PDF when asked (503 without LibreOffice)."""
    if fmt == "pdf":
        try:
            doc = doc.as_pdf()
        except documents.PdfUnavailable as exc:
            raise ApiProblem(503, str(exc), slug="pdf-unavailable") from None
    return attachment(doc.content, doc.media, doc.name, doc.ascii_name)


def _templates() -> Path | None:
    """The configured folder of Word templates (None: the shipped ones)."""
    return services().settings.templates_dir


def _word(build: Callable[[], Document]) -> Document:
    """Build a document from a template; a template the office broke is answered 500."""
    try:
        return build()
    except documents.TemplateProblem as exc:
        raise ApiProblem(500, str(exc), slug="template-broken") from None


@bp.operation(
    "GET",
    "/years/<int:year>/inspections/<code>/letter",
    summary="The rectification letter (整改函)",
    permission=READ,
    query=LetterQuery,
    response=None,
    errors=(404, 422),
    media=WORD_MEDIA,
)
def letter(year: int, code: str, query: LetterQuery) -> Response:
    """The inspection's rectification letter to its county, copied to the county's party
    committee and government, with the problem list attached; numbered by the inspection's
    place in the year unless `number` is given. A token scoped to units gets the letters
    of its counties' inspections (others are not found)."""
    doc = _word(
        lambda: documents.rectification_letter(
            uow(),
            year,
            code,
            on=query.date,
            number=query.number,
            templates=_templates(),
        )
    )
    return _download(doc, query.format)


@bp.operation(
    "GET",
    "/years/<int:year>/documents/circular",
    summary="The circular (通报)",
    permission=READ,
    query=CircularQuery,
    response=None,
    errors=(404, 422),
    media=WORD_MEDIA,
)
def circular(year: int, query: CircularQuery) -> Response:
    """The year's circular as of `as_of`: the totals, then the units commended, criticised,
    interviewed and held accountable, each with its rate, score, grade and the rules that
    put it there. It speaks of every unit: a token scoped to units gets 403."""
    doc = _word(
        lambda: documents.circular(
            uow(),
            year,
            as_of=query.as_of,
            on=query.date,
            number=query.number or "",
            templates=_templates(),
        )
    )
    return _download(doc, query.format)


@bp.operation(
    "GET",
    "/years/<int:year>/documents/monthly",
    summary="The monthly report (督查工作月报)",
    permission=READ,
    query=MonthlyQuery,
    response=None,
    errors=(404, 422),
    media=WORD_MEDIA,
)
def monthly(year: int, query: MonthlyQuery) -> Response:
    """The report of a month to the leading group, as of the month's last day: inspections
    per group against the monthly cadence, findings by category and severity, each
    county's rectification progress with a chart of the rates, major findings overdue or
    not escalated, the month's process alerts. A token scoped to units gets 403."""
    doc = _word(
        lambda: documents.monthly_report(
            uow(),
            year,
            query.month,
            on=query.date,
            number=query.number or "",
            templates=_templates(),
        )
    )
    return _download(doc, query.format)


@bp.operation(
    "GET",
    "/years/<int:year>/documents/ledger",
    summary="The rectification ledger (整改台账)",
    permission=READ,
    query=LedgerQuery,
    response=None,
    errors=(404, 422),
    media={XLSX: "Excel workbook: a summary sheet, then a sheet per county"},
)
def ledger(year: int, query: LedgerQuery) -> Response:
    """Every finding found by `as_of` with its unit, inspection, criterion, severity,
    deadline and extended deadline, outcome, dates of rectification, look-back and
    escalation, and the units it counts for. A token scoped to units gets the findings it
    reads."""
    return _download(documents.rectification_ledger(uow(), year, as_of=query.as_of))


@bp.operation(
    "GET",
    "/years/<int:year>/documents/archive",
    summary="The quarterly archive",
    permission=READ,
    query=ArchiveQuery,
    response=None,
    errors=(404, 422),
    media={ZIP: "zip: letters, problem lists, ledger, the year's bundle, manifest"},
)
def archive(year: int, query: ArchiveQuery) -> Response:
    """The quarter's records as handed over on its last working day: the letter and problem
    list of each inspection that ended in it, the ledger as of its last day, the year's
    bundle as held, and `manifest.json` and `SHA256SUMS` with each file's SHA-256. A token
    scoped to units gets 403."""
    doc = _word(
        lambda: documents.quarterly_archive(uow(), year, query.quarter, templates=_templates())
    )
    return _download(doc)
