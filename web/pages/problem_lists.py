"""An inspection's problem list (问题清单): adding a finding through a form, uploading the
whole list filled in the shipped Excel template (all or nothing, every problem by row and
column), the blank template and the list as a workbook."""

from __future__ import annotations

import json
from dataclasses import replace

from flask import Response, flash, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from edge.context import services
from edge.files import XLSX, attachment
from scoring_service.bundle.schema import FindingIn
from scoring_service.domain.errors import Conflict
from scoring_service.domain.principals import Permission
from scoring_service.i18n import _, ngettext
from scoring_service.records import inspections as service
from scoring_service.records.year import InvalidRecord
from scoring_service.reports import exports
from scoring_service.reports.problem_sheet import (
    TEMPLATE,
    CellProblem,
    SheetProblems,
    read_problem_sheet,
)
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Form, FormProblems, Problem, message_of
from web.pages.inspections import codes, inspection_page

bp = page_blueprint("problem_lists", __name__)
UPLOAD = "problem_list"  # the file field's name


class FindingForm(Form):
    code: str = ""
    unit: str = ""
    criterion: str = ""
    severity: str = ""
    description: str = ""
    deadline: str = ""
    responsible: str = ""


def finding_in(form: FindingForm) -> FindingIn:
    """The finding the form describes, read as the API reads a body."""
    body = form.model_dump()
    body["responsible"] = codes(form.responsible)
    try:
        return FindingIn.model_validate_json(json.dumps(body))
    except ValidationError as exc:
        raise FormProblems(
            [Problem(str(e["loc"][0]) if e["loc"] else "code", message_of(e)) for e in exc.errors()]
        ) from None


@bp.post("/years/<int:year>/inspections/<code>/findings")
def add(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """Add one finding to the inspection's list."""
    person().require(Permission.INSPECT)
    typed = request.form.to_dict()
    form = FindingForm.model_validate(typed)
    try:
        made = service.add_finding(uow(), year, code, finding_in(form))
    except FormProblems as exc:
        return inspection_page(year, code, problems=exc.problems, failed="finding", form=typed), 422
    except InvalidRecord as exc:
        problems = [
            Problem(p.pointer.strip("/").split("/")[0] or "code", p.message) for p in exc.problems
        ]
        return inspection_page(year, code, problems=problems, failed="finding", form=typed), 422
    except Conflict as exc:
        problems = [Problem("code", str(exc))]
        return inspection_page(year, code, problems=problems, failed="finding", form=typed), 409
    flash(_("Finding %(code)s added to the problem list.", code=made.code))
    return redirect(url_for("web.inspections.inspection", year=year, code=code, _anchor="problems"))


def _shown(problems: list[CellProblem]) -> list[Problem]:
    """Sheet problems as the page lists them: where in the sheet, then what."""
    return [Problem(UPLOAD, f"{p.where}: {p.message}") for p in problems]


@bp.post("/years/<int:year>/inspections/<code>/problem-list")
def upload(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """Add every finding of a filled template at once; nothing is stored unless every row
    is right, in the sheet and against the year's data."""
    person().require(Permission.INSPECT)
    sent = request.files.get(UPLOAD)
    if sent is None or not sent.filename:
        problems = [Problem(UPLOAD, _("choose the filled template (.xlsx) to upload"))]
        return inspection_page(year, code, problems=problems, failed="upload"), 422
    try:
        config = services().settings
        sheet = read_problem_sheet(
            sent.read(),
            max_part_bytes=config.max_upload_part_bytes,
            max_unpacked_bytes=config.max_upload_unpacked_bytes,
        )
        added = service.add_findings(uow(), year, code, sheet.findings)
    except SheetProblems as exc:
        return inspection_page(year, code, problems=_shown(exc.problems), failed="upload"), 422
    except InvalidRecord as exc:
        cells = []
        for p in exc.problems:
            found = sheet.locate(p.pointer)
            cells.append(
                replace(found, message=p.message) if found else CellProblem(0, "", p.message)
            )
        return inspection_page(year, code, problems=_shown(cells), failed="upload"), 422
    except Conflict as exc:
        problems = [Problem(UPLOAD, str(exc))]
        return inspection_page(year, code, problems=problems, failed="upload"), 409
    flash(
        ngettext(
            "%(num)s finding added from the uploaded list.",
            "%(num)s findings added from the uploaded list.",
            len(added),
        )
    )
    return redirect(url_for("web.inspections.inspection", year=year, code=code, _anchor="problems"))


@bp.get("/inspections/template.xlsx")
def template() -> Response:
    """The blank problem list to fill in Excel or WPS and upload."""
    return attachment(
        TEMPLATE.read_bytes(), XLSX, "问题清单模板.xlsx", "problem-list-template.xlsx"
    )


@bp.get("/years/<int:year>/inspections/<code>/problems.xlsx")
def workbook(year: int, code: str) -> Response:
    """The problem list as the API gives it, to attach to the rectification letter."""
    doc = exports.problem_list(uow(), year, code)
    return attachment(
        exports.problem_list_xlsx(doc), XLSX, f"问题清单-{code}.xlsx", f"problems-{code}.xlsx"
    )
