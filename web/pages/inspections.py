"""``/years/{year}/inspections``: the year's inspections and the form entering a new one;
``/years/{year}/inspections/{code}``: its sample, its problem list and its letter's date
against the work plan's days (the rule set's ``alerts.letter_days``), where an inspector
in scope sets the letter's date. Adding findings: ``problem_lists``."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from flask import flash, redirect, render_template, request, url_for
from pydantic import Field
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.bundle.schema import InspectionIn
from scoring_service.documents.letter import letter_number
from scoring_service.documents.pdf import available as pdf_available
from scoring_service.domain.bounds import LETTER_NUMBER_MAX
from scoring_service.domain.errors import Conflict
from scoring_service.domain.letters import check_letter
from scoring_service.domain.model import UnitKind
from scoring_service.domain.names import Choice, Names, Unresolved
from scoring_service.domain.principals import Permission
from scoring_service.i18n import _, format_date
from scoring_service.records import inspections as service
from scoring_service.records.groups import list_groups
from scoring_service.records.names import YearNames, year_names
from scoring_service.records.units import list_units, unit_names
from scoring_service.records.year import InvalidRecord
from scoring_service.reports.exports import problem_list
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Form, FormProblems, Problem, Typed, message_of, read, resolve, validate_all
from web.query import args

bp = page_blueprint("inspections", __name__)
PAGE = 100
OFFERED = 5000  # units suggested as one types, at most
CODES = re.compile(r"[\s,，、;；]+")
# What a household line's status may say: the machine value or the word people use.
STATUSES = {
    "pre_exit": "pre_exit",
    "not_exited": "not_exited",
    "拟退出": "pre_exit",
    "未退出": "not_exited",
}
SAMPLE_FIELDS = ("towns", "villages", "households")


class ListQuery(Form):
    group: Annotated[str, Field(max_length=64)] | None = None
    county: Annotated[str, Field(max_length=64)] | None = None
    cursor: Annotated[str, Field(max_length=500)] | None = None


class InspectionForm(Form):
    """The new inspection's fields as typed; the sample's codes separated by spaces or
    commas, one household a line: its code, village and status."""

    code: str = ""
    group: str = ""
    county: str = ""
    start_date: str = ""
    end_date: str = ""
    letter_date: str = ""
    towns: str = ""
    villages: str = ""
    households: str = ""


def codes(text: str) -> list[str]:
    return [c for c in CODES.split(text) if c]


def _households(
    text: str, names: Names, flagged: set[str]
) -> tuple[list[dict[str, str]], list[Problem]]:
    found, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = codes(line)
        if not parts:
            continue
        status = STATUSES.get(parts[-1]) if len(parts) == 3 else None
        if status is None:
            problems.append(
                Problem(
                    "households",
                    _(
                        "line %(line)s: write a household's code, its village (name or "
                        "code) and 拟退出 or 未退出",
                        line=number,
                    ),
                )
            )
            continue
        try:
            village = names.resolve(parts[1])
        except Unresolved as exc:
            problems.append(
                Problem("households", _("line %(line)s: %(problem)s", line=number, problem=exc))
            )
            flagged.add("households")
            continue
        found.append({"code": parts[0], "village": village, "status": status})
    return found, problems


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """The form field a problem of the inspection (pydantic's ``loc`` or a pointer's
    parts) is about."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "sample":
        return parts[1] if len(parts) > 1 and parts[1] in SAMPLE_FIELDS else "towns"
    return parts[0] if parts and parts[0] in InspectionForm.model_fields else "code"


def _fallback(form: InspectionForm, year: int) -> dict[str, Any]:
    """What stands in for a field at fault while the others are checked: a date that
    makes no problem of its own with the other date."""

    def day(text: str, default: date) -> str:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return default.isoformat()

    return {
        "code": "?",
        "group": "?",
        "county": "?",
        "start_date": day(form.end_date, date(year, 1, 1)),
        "end_date": day(form.start_date, date(year, 12, 31)),
        "letter_date": None,
    }


def inspection_in(form: InspectionForm, year: int, names: YearNames) -> Typed:
    """The inspection the form describes, read as the API reads a body; the units, group
    and villages typed by name or code."""
    problems: list[Problem] = []
    flagged: set[str] = set()
    households, problems = _households(form.households, names.units, flagged)
    sample = {
        field: [resolve(names.units, c, field, problems, flagged) for c in codes(text)]
        for field, text in (("towns", form.towns), ("villages", form.villages))
    }
    body = {
        "code": form.code,
        "group": resolve(names.groups, form.group, "group", problems, flagged)
        if form.group
        else "",
        "county": resolve(names.units, form.county, "county", problems, flagged)
        if form.county
        else "",
        "start_date": form.start_date,
        "end_date": form.end_date,
        "letter_date": form.letter_date or None,
        "sample": {**sample, "households": households},
    }
    found, errors = validate_all(InspectionIn, body, _fallback(form, year))
    shape = [Problem(_field_of(e["loc"]), message_of(e)) for e in errors]
    flagged |= {p.field for p in shape}
    return Typed(found, problems + shape, flagged)


def record_problems(exc: InvalidRecord) -> list[Problem]:
    """The records service's problems (pointers into the record) beside their fields."""
    return [Problem(_field_of(p.pointer.strip("/").split("/")), p.message) for p in exc.problems]


def _index(year: int, query: ListQuery, form: InspectionForm, problems: list[Problem]) -> str:
    page = service.list_inspections(
        uow(), year, group=query.group, county=query.county, limit=PAGE, cursor=query.cursor
    )
    counties = list_units(uow(), year, kind=UnitKind.COUNTY, parent=None, limit=1000, cursor=None)
    groups = list_groups(uow(), year, limit=1000, cursor=None).items
    kept = {k: v for k, v in query.model_dump().items() if v is not None and k != "cursor"}
    return render_template(
        "inspections.html",
        year=year,
        page=page,
        query=query,
        kept=kept,
        counties=counties.items,
        county_names={u.code: u.name for u in counties.items},
        groups=groups,
        group_names={g.code: g.name for g in groups},
        form=form,
        problems=problems,
        may_enter=person().can(Permission.INSPECT),
        unit_choices=offered(year_names(uow(), year).units)
        if person().can(Permission.INSPECT)
        else [],
    )


def offered(names: Names) -> list[Choice]:
    """A field's suggestions; none past ``OFFERED`` records (a province's villages would
    weigh megabytes), the field still taking any name or code."""
    return names.choices() if len(names.names) <= OFFERED else []


@bp.get("/years/<int:year>/inspections")
def index(year: int) -> str:
    """The year's inspections by code (a scoped person's: those of their counties)."""
    return _index(year, read(ListQuery, args()), InspectionForm(), [])


@bp.post("/years/<int:year>/inspections")
def create(year: int) -> BaseResponse | tuple[str, int]:
    """Enter an inspection with its sample; its findings are added on its page. Every
    problem, of the form and against the year's data, is shown at once beside its field,
    and nothing is stored."""
    person().require(Permission.INSPECT)
    form = InspectionForm.model_validate(request.form.to_dict())
    typed = inspection_in(form, year, year_names(uow(), year))
    status = 422
    try:
        if typed.record is None:
            pass
        elif typed.problems:
            service.check_inspection(uow(), year, typed.record)
        else:
            made, _findings = service.create_inspection(uow(), year, typed.record)
            flash(_("Inspection %(code)s entered; add its problem list below.", code=made.code))
            return redirect(url_for("web.inspections.inspection", year=year, code=made.code))
    except InvalidRecord as exc:
        typed.add(record_problems(exc))
    except Conflict as exc:
        typed.add([Problem("code", str(exc))])
        status = 422 if typed.problems[:-1] else 409
    return _index(year, ListQuery(), form, typed.problems), status


class InspectionQuery(Form):
    as_of: date | None = None


def inspection_page(
    year: int,
    code: str,
    *,
    problems: list[Problem] | None = None,
    failed: str = "",
    form: dict[str, str] | None = None,
    as_of: date | None = None,
) -> str:
    """The inspection's page; ``problems`` are shown at the form ``failed`` (``letter``,
    ``finding`` or ``upload``) with what was typed in it (``form``)."""
    inspection, _findings = service.get_inspection(uow(), year, code)
    doc = problem_list(uow(), year, code)
    ruleset = ruleset_of(uow().rules, year)
    day = as_of_for(ruleset, year, as_of)
    sample = inspection.sample
    names = unit_names(uow(), year, {*sample.towns, *sample.villages})
    may_enter = person().can(Permission.INSPECT)
    names_ = year_names(uow(), year)
    return render_template(
        "inspection.html",
        year=year,
        inspection=inspection,
        doc=doc,
        as_of=day,
        letter=check_letter(
            inspection.end_date, inspection.letter_date, ruleset.alerts.letter_days, day
        ),
        names=names,
        problems=problems or [],
        failed=failed,
        form=form or {},
        may_enter=may_enter,
        unit_choices=offered(names_.units) if may_enter else [],
        criterion_choices=names_.criteria.choices() if may_enter else [],
        pdf=pdf_available(),
        place=letter_number(uow(), year, code),
    )


@bp.get("/years/<int:year>/inspections/<code>")
def inspection(year: int, code: str) -> str:
    """An inspection outside the person's scope is not found, as in the API."""
    query = read(InspectionQuery, args())
    return inspection_page(year, code, as_of=query.as_of)


class LetterForm(Form):
    """The letter's date and number as typed; blank clears either (not issued; the letter's
    place in the year)."""

    letter_date: date | None = None
    number: Annotated[int, Field(ge=1, le=LETTER_NUMBER_MAX)] | None = None


def letter_problems(exc: InvalidRecord) -> list[Problem]:
    """The service's problems of the letter beside the form's fields (its number's field is
    ``number``)."""
    return [
        Problem("number", p.message) if p.pointer == "/letter_number" else q
        for p, q in zip(exc.problems, record_problems(exc), strict=True)
    ]


@bp.post("/years/<int:year>/inspections/<code>/letter")
def letter(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """Set the day the rectification letter went out (blank: not issued yet) and its number,
    kept with the inspection for every clerk and the archive (blank: its place in the year)."""
    person().require(Permission.INSPECT)
    typed = request.form.to_dict()
    try:
        form = read(LetterForm, typed)
        updated = service.update_inspection(
            uow(), year, code, {"letter_date": form.letter_date, "letter_number": form.number}
        )
    except FormProblems as exc:
        return inspection_page(year, code, problems=exc.problems, failed="letter", form=typed), 422
    except InvalidRecord as exc:
        return inspection_page(
            year, code, problems=letter_problems(exc), failed="letter", form=typed
        ), 422
    if updated.letter_date is None:
        flash(_("The letter's date is cleared: no letter issued yet."))
    else:
        flash(
            _(
                "The letter went out on %(day)s; download it below.",
                day=format_date(updated.letter_date),
            )
        )
    return redirect(url_for("web.inspections.inspection", year=year, code=code))
