"""``/years/{year}/documents``: the office's paperwork (the monthly report, the circular,
the ledger, the quarterly archive), and the downloads of every document for the signed-in
person, the rectification letter of an inspection included.

The files are the API's (``api/documents.py``): the same services of
``scoring_service.documents`` with a unit of work acting as the person, so the same scope
rule. A scoped person is offered only what those services give them; the documents about
every unit answer 403 at their address. Generating a document writes nothing.

Measured (README, Documents): a PDF or a document takes seconds, answered in its request;
a quarter's archive at province scale takes minutes, near gunicorn's timeout, so it is
made in the background (``web.background``) and offered when ready.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from flask import Response, render_template
from pydantic import Field

from edge import memo
from edge.context import services
from edge.files import attachment
from scoring_service import documents
from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.documents.pdf import available as pdf_available
from scoring_service.domain.model import FindingFilter, UnitKind
from scoring_service.i18n import _
from scoring_service.records.groups import list_groups
from scoring_service.records.units import list_units
from web import background
from web.blueprint import page_blueprint
from web.context import person, uow
from web.errors import page
from web.forms import Form, read
from web.pages.findings import LedgerQuery, ledger_filter
from web.query import args

bp = page_blueprint("documents", __name__)
WordFormat = Literal["docx", "pdf"]
Number = Annotated[str, Field(max_length=20)]
REFRESH_SECONDS = 3


class LetterQuery(Form):
    number: Number | None = None
    date: dt.date | None = None


class MonthlyQuery(Form):
    month: Annotated[int, Field(ge=1, le=12)]
    format: WordFormat = "docx"
    number: Number | None = None


class CircularQuery(Form):
    as_of: dt.date | None = None
    format: WordFormat = "docx"
    number: Number | None = None


class ArchiveQuery(Form):
    quarter: Annotated[int, Field(ge=1, le=4)]


def _file(build: Callable[[], documents.Document], fmt: str = "docx") -> Response | tuple[str, int]:
    """The document as a download, as PDF when asked; a broken template or a missing
    LibreOffice is said in words on a page."""
    try:
        doc = build()
        if fmt == "pdf":
            doc = doc.as_pdf()
    except documents.TemplateProblem as exc:
        return page(500, _("The template cannot be filled"), str(exc))
    except documents.PdfUnavailable as exc:
        return page(503, _("No PDF here"), str(exc))
    return attachment(doc.content, doc.media, doc.name, doc.ascii_name)


def _templates() -> Path | None:
    """The office's folder of Word templates (None: the shipped ones)."""
    return services().settings.templates_dir


@bp.get("/years/<int:year>/inspections/<code>/letter.<any(docx, pdf):fmt>")
def letter(year: int, code: str, fmt: str) -> Response | tuple[str, int]:
    """The inspection's rectification letter; its number, when not asked, the one set on
    the inspection, else its place in the year; its date the inspection's letter date."""
    query = read(LetterQuery, args())
    return _file(
        lambda: documents.rectification_letter(
            uow(), year, code, on=query.date, number=query.number or None, templates=_templates()
        ),
        fmt,
    )


@bp.get("/years/<int:year>/documents")
def index(year: int) -> str:
    """What the person may download, each with its small form."""
    ruleset = ruleset_of(uow().rules, year)
    counties = list_units(uow(), year, kind=UnitKind.COUNTY, parent=None, limit=1000, cursor=None)
    groups = list_groups(uow(), year, limit=1000, cursor=None)
    return render_template(
        "documents.html",
        year=year,
        cutoff=as_of_for(ruleset, year, None),
        whole_city=person().scope is None,
        pdf=pdf_available(),
        counties=counties.items,
        groups=groups.items,
        categories=ruleset.catalogue.categories,
        query=LedgerQuery(),
    )


@bp.get("/years/<int:year>/documents/monthly")
def monthly(year: int) -> Response | tuple[str, int]:
    query = read(MonthlyQuery, args())
    return _file(
        lambda: documents.monthly_report(
            uow(),
            year,
            query.month,
            number=query.number or "",
            templates=_templates(),
        ),
        query.format,
    )


@bp.get("/years/<int:year>/documents/circular")
def circular(year: int) -> Response | tuple[str, int]:
    query = read(CircularQuery, args())
    return _file(
        lambda: documents.circular(
            uow(),
            year,
            as_of=query.as_of,
            number=query.number or "",
            templates=_templates(),
        ),
        query.format,
    )


@bp.get("/years/<int:year>/documents/ledger")
def ledger(year: int) -> Response | tuple[str, int]:
    """The ledger as a workbook, holding what the ledger page lists under the same filters."""
    query = read(LedgerQuery, args())
    day = as_of_for(ruleset_of(uow().rules, year), year, query.as_of)
    filt = ledger_filter(query, day)
    return _file(
        lambda: documents.rectification_ledger(
            uow(), year, as_of=query.as_of, filt=None if filt == FindingFilter() else filt
        )
    )


@bp.get("/years/<int:year>/documents/archive")
def archive(year: int) -> Response | tuple[str, int, dict[str, str]] | tuple[str, int]:
    """The quarter's archive, made in the background (``web.background``): this address
    answers that it is being made, and asks the browser to look again, until it answers
    the file."""
    query = read(ArchiveQuery, args())
    # Refused before any work starts, by the rule the service applies again.
    scope.require_unscoped(person(), "a quarterly archive")
    mine = uow()
    templates = _templates()
    key = background.key_of(("archive", query.quarter, *memo.data_key(mine, year)))
    found = background.made(
        key, lambda: documents.quarterly_archive(mine, year, query.quarter, templates=templates)
    )
    if found.document is not None:
        doc = found.document
        return attachment(doc.content, doc.media, doc.name, doc.ascii_name)
    if found.state == "refused":
        return page(422, _("The archive could not be made"), found.reason)
    if found.state == "failed":
        return page(500, _("The archive could not be made"), found.reason)
    # The Refresh header, not a script or an inline tag: the pages' CSP allows neither.
    html = render_template("making.html", year=year, quarter=query.quarter)
    return html, 202, {"Refresh": str(REFRESH_SECONDS)}
