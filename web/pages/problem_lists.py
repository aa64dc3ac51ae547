"""An inspection's problem list (问题清单): adding a finding through a form, uploading the
whole list filled in the shipped Excel template (all or nothing, every problem by row and
column), the blank template and the list as a workbook."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from edge.context import services
from edge.files import XLSX, attachment
from scoring_service.bundle.schema import FindingIn
from scoring_service.domain.errors import Conflict
from scoring_service.domain.principals import Permission
from scoring_service.i18n import _, ngettext
from scoring_service.records import inspections as service
from scoring_service.records.names import YearNames, units_by_county, year_names
from scoring_service.records.year import InvalidRecord
from scoring_service.reports import exports
from scoring_service.reports.problem_sheet import (
    TEMPLATE,
    CellProblem,
    SheetProblems,
    read_problem_sheet,
    template_xlsx,
)
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Form, Problem, Typed, message_of, resolve, validate_all
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


def finding_in(form: FindingForm, year: int, names: YearNames) -> Typed:
    """The finding the form describes, read as the API reads a body; its units and
    criterion typed by name or code."""
    problems: list[Problem] = []
    flagged: set[str] = set()
    body: dict[str, object] = form.model_dump()
    if form.unit:
        body["unit"] = resolve(names.units, form.unit, "unit", problems, flagged)
    if form.criterion:
        body["criterion"] = resolve(names.criteria, form.criterion, "criterion", problems, flagged)
    body["responsible"] = [
        resolve(names.units, c, "responsible", problems, flagged) for c in codes(form.responsible)
    ]
    fallback = {
        "code": "?",
        "unit": "?",
        "criterion": "?",
        "severity": "general",
        "description": "",
        "deadline": date(year, 12, 31).isoformat(),
    }
    found, errors = validate_all(FindingIn, body, fallback)
    shape = [Problem(str(e["loc"][0]) if e["loc"] else "code", message_of(e)) for e in errors]
    flagged |= {p.field for p in shape}
    return Typed(found, problems + shape, flagged)


@bp.post("/years/<int:year>/inspections/<code>/findings")
def add(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """Add one finding to the inspection's list; every problem, of the form and against
    the year's data, is shown at once and nothing is stored."""
    person().require(Permission.INSPECT)
    typed = request.form.to_dict()
    form = FindingForm.model_validate(typed)
    read = finding_in(form, year, year_names(uow(), year))
    status = 422
    try:
        if read.record is None:
            pass
        elif read.problems:
            service.check_findings(uow(), year, code, [read.record])
        else:
            made = service.add_finding(uow(), year, code, read.record)
            flash(_("Finding %(code)s added to the problem list.", code=made.code))
            return redirect(
                url_for("web.inspections.inspection", year=year, code=code, _anchor="problems")
            )
    except InvalidRecord as exc:
        read.add([Problem(_finding_field(p.pointer), p.message) for p in exc.problems])
    except Conflict as exc:
        read.add([Problem("code", str(exc))])
        status = 422 if read.problems[:-1] else 409
    return inspection_page(year, code, problems=read.problems, failed="finding", form=typed), status


def _finding_field(pointer: str) -> str:
    """The form's field a records problem points at: ``/deadline`` (one finding) or
    ``/findings/0/deadline`` (the list ``check_findings`` checks)."""
    parts = pointer.strip("/").split("/")
    if parts[:1] == ["findings"] and len(parts) > 2:
        parts = parts[2:]
    return parts[0] or "code"


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
        names = year_names(uow(), year)
        sheet = read_problem_sheet(
            sent.read(),
            max_part_bytes=config.max_upload_part_bytes,
            max_unpacked_bytes=config.max_upload_unpacked_bytes,
            names={"units": names.units, "criteria": names.criteria},
            every_problem=True,
            deadline=date(year, 12, 31),
        )
    except SheetProblems as exc:
        return inspection_page(year, code, problems=_shown(exc.problems), failed="upload"), 422
    status = 422
    checked: list[CellProblem] = []
    try:
        if not sheet.findings:
            pass
        elif sheet.problems:
            service.check_findings(uow(), year, code, sheet.findings)
        else:
            added = service.add_findings(uow(), year, code, sheet.findings)
            flash(
                ngettext(
                    "%(num)s finding added from the uploaded list.",
                    "%(num)s findings added from the uploaded list.",
                    len(added),
                )
            )
            return redirect(
                url_for("web.inspections.inspection", year=year, code=code, _anchor="problems")
            )
    except InvalidRecord as exc:
        for p in exc.problems:
            found = sheet.locate(p.pointer)
            checked.append(
                replace(found, message=p.message) if found else CellProblem(0, "", p.message)
            )
    except Conflict as exc:
        checked.append(CellProblem(0, "", str(exc)))
        status = 409
    return inspection_page(
        year, code, problems=_shown(sheet.checked(checked)), failed="upload"
    ), status


@bp.get("/inspections/template.xlsx")
def template() -> Response:
    """The blank problem list to fill in Excel or WPS and upload."""
    return attachment(
        TEMPLATE.read_bytes(), XLSX, "问题清单模板.xlsx", "problem-list-template.xlsx"
    )


@bp.get("/years/<int:year>/inspections/template.xlsx")
def year_template(year: int) -> Response:
    """The template with the year's units (by county) and criteria listed in sheets of
    their own, to find a name or a code without leaving Excel."""
    names = year_names(uow(), year)
    criteria = [(c.code, c.name) for c in names.criteria.choices()]
    raw = template_xlsx(units_by_county(uow(), year), criteria)
    return attachment(raw, XLSX, f"问题清单模板-{year}.xlsx", f"problem-list-template-{year}.xlsx")


@bp.get("/years/<int:year>/inspections/<code>/problems.xlsx")
def workbook(year: int, code: str) -> Response:
    """The problem list as the API gives it, to attach to the rectification letter."""
    doc = exports.problem_list(uow(), year, code)
    return attachment(
        exports.problem_list_xlsx(doc), XLSX, f"问题清单-{code}.xlsx", f"problems-{code}.xlsx"
    )
