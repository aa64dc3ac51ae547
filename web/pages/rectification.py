"""The rectification loop's pages (spec section 10): a unit person's page, with their open
findings in traffic lights, their reports and extension requests; the reviewers' queue
(``/years/{year}/reviews``) where inspectors and the office decide; and a report's evidence
files. The same services as the API and the command line."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Annotated, Literal

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import Field, StringConstraints
from werkzeug.wrappers import Response as BaseResponse

from edge.context import services
from edge.files import attachment
from scoring_service.domain.bounds import REASON_MAX
from scoring_service.domain.errors import Conflict, InvalidRequest
from scoring_service.domain.principals import Permission
from scoring_service.domain.rectification import TEXT_MAX, ReportState, RequestState
from scoring_service.evidence.files import IMAGES
from scoring_service.i18n import _, format_date
from scoring_service.records import extensions, reports
from scoring_service.records.units import unit_names
from web.blueprint import page_blueprint
from web.context import person, uow
from web.desk import desk
from web.forms import Form, FormProblems, Problem, read
from web.pages.home import unread
from web.query import args

bp = page_blueprint("rectification", __name__)

Text = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=REASON_MAX)]
FILES = "files"


class DeskQuery(Form):
    as_of: dt.date | None = None
    within: Annotated[int, Field(ge=0, le=366)] | None = None


class ReportForm(Form):
    date: dt.date
    text: Text


class RequestForm(Form):
    date: dt.date | None = None  # asked on: today unless said
    new_deadline: dt.date
    reason: Reason


class ReportDecisionForm(Form):
    decision: Literal["accepted", "returned"]
    reason: Annotated[str, StringConstraints(max_length=REASON_MAX)] | None = None


class RequestDecisionForm(Form):
    decision: Literal["approved", "refused"]
    reason: Annotated[str, StringConstraints(max_length=REASON_MAX)] | None = None


def _field_of(message: str, fields: tuple[str, ...]) -> str:
    """The form field a service's refusal names first (its messages start with the field's
    name: ``date (2018-08-01) is before...``), else the form's first field."""
    for name in sorted(fields, key=len, reverse=True):
        if message.startswith(name):
            return name
    return fields[0]


def _refusal(exc: InvalidRequest | Conflict, form: str, fields: tuple[str, ...]) -> list[Problem]:
    """A service's refusal as the problem of one field of the form ``form`` (its fields are
    named ``<form>-<field>`` on a page holding several forms)."""
    return [Problem(f"{form}-{_field_of(str(exc), fields)}", str(exc))]


def _prefixed(problems: list[Problem], form: str) -> list[Problem]:
    return [Problem(f"{form}-{p.field}", p.message) for p in problems]


# --- a unit person's page ------------------------------------------------------------------------


def _desk_page(year: int, *, problems: list[Problem], sent: dict[str, str], form: str) -> str:
    query = read(DeskQuery, args())
    found = desk(uow(), year, as_of=query.as_of, within=query.within)
    names = unit_names(uow(), year, {f.view.finding.unit for f in found.findings})
    # A unit person's home is this page: their unread notices are here.
    box, lines = unread()
    return render_template(
        "desk.html",
        unread=box,
        unread_lines=lines,
        year=year,
        desk=found,
        names=names,
        problems=problems,
        sent=sent,
        sent_form=form,
        today=date.today(),
    )


@bp.get("/years/<int:year>/rectification")
def mine(year: int) -> str:
    """The unit person's findings still open, lit red (overdue) or yellow (due soon), each
    with a report form and an extension request form; their reports and requests below."""
    person().require(Permission.REPORT)
    return _desk_page(year, problems=[], sent={}, form="")


def _files() -> list[tuple[str, bytes]]:
    """The uploaded files, each read whole (a browser sends an empty part for none)."""
    return [(f.filename or "", f.read()) for f in request.files.getlist(FILES) if f and f.filename]


@bp.post("/years/<int:year>/findings/<code>/reports")
def submit_report(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """A report with its evidence; refused in words on the unit's page, nothing stored."""
    person().require(Permission.REPORT)
    form = f"report-{code}"
    sent = request.form.to_dict()
    try:
        body = read(ReportForm, sent)
        made = reports.submit_report(
            uow(),
            code,
            year=year,
            day=body.date,
            text=body.text,
            files=_files(),
            limits=services().settings.evidence_limits,
        )
    except FormProblems as exc:
        return _desk_page(year, problems=_prefixed(exc.problems, form), sent=sent, form=form), 422
    except Conflict as exc:
        problems = _refusal(exc, form, ("date", "text", FILES))
        return _desk_page(year, problems=problems, sent=sent, form=form), 409
    except InvalidRequest as exc:
        problems = _refusal(exc, form, ("date", "text", FILES))
        return _desk_page(year, problems=problems, sent=sent, form=form), 422
    flash(_("Report %(id)s on %(code)s is sent for review.", id=made.id, code=code))
    return redirect(url_for("web.rectification.mine", year=year))


@bp.post("/years/<int:year>/findings/<code>/extension-requests")
def submit_request(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """An extension request; refused in words on the unit's page, nothing stored."""
    person().require(Permission.REPORT)
    form = f"extension-{code}"
    sent = request.form.to_dict()
    fields = ("new_deadline", "reason", "date")
    try:
        body = read(RequestForm, sent)
        made = extensions.submit_request(
            uow(),
            code,
            year=year,
            day=body.date,
            new_deadline=body.new_deadline,
            reason=body.reason,
        )
    except FormProblems as exc:
        return _desk_page(year, problems=_prefixed(exc.problems, form), sent=sent, form=form), 422
    except Conflict as exc:
        return _desk_page(year, problems=_refusal(exc, form, fields), sent=sent, form=form), 409
    except InvalidRequest as exc:
        return _desk_page(year, problems=_refusal(exc, form, fields), sent=sent, form=form), 422
    flash(
        _(
            "Extension request %(id)s on %(code)s (to %(day)s) is sent for review.",
            id=made.id,
            code=code,
            day=format_date(made.new_deadline),
        )
    )
    return redirect(url_for("web.rectification.mine", year=year))


# --- the reviewers' queue ------------------------------------------------------------------------


def _queue_page(year: int, *, problems: list[Problem], sent: dict[str, str], form: str) -> str:
    person().require(Permission.INSPECT)
    waiting = reports.reports_of_year(uow(), year, state=ReportState.SUBMITTED)
    asked = extensions.requests_of_year(uow(), year, state=RequestState.SUBMITTED)
    return render_template(
        "reviews.html",
        year=year,
        reports=waiting,
        reused=reports.reused_evidence(uow(), waiting),
        requests=asked,
        images=IMAGES,
        problems=problems,
        sent=sent,
        sent_form=form,
    )


@bp.get("/years/<int:year>/reviews")
def reviews(year: int) -> str:
    """Reports and extension requests waiting for a decision, on findings in reach."""
    return _queue_page(year, problems=[], sent={}, form="")


@bp.post("/years/<int:year>/reviews/reports/<int:report_id>")
def decide_report(year: int, report_id: int) -> BaseResponse | tuple[str, int]:
    """Accept (the finding is rectified on the report's date) or return with a reason."""
    person().require(Permission.INSPECT)
    form = f"report-{report_id}"
    sent = request.form.to_dict()
    try:
        body = read(ReportDecisionForm, sent)
        decided = reports.decide(
            uow(), report_id, decision=ReportState(body.decision), reason=body.reason
        )
    except FormProblems as exc:
        return _queue_page(year, problems=_prefixed(exc.problems, form), sent=sent, form=form), 422
    except Conflict as exc:
        problems = _refusal(exc, form, ("reason", "decision"))
        return _queue_page(year, problems=problems, sent=sent, form=form), 409
    except InvalidRequest as exc:
        problems = _refusal(exc, form, ("reason", "decision"))
        return _queue_page(year, problems=problems, sent=sent, form=form), 422
    if decided.state is ReportState.ACCEPTED:
        flash(
            _("Report %(id)s accepted: %(code)s is rectified.", id=report_id, code=decided.finding)
        )
    else:
        flash(_("Report %(id)s returned to the unit.", id=report_id))
    return redirect(url_for("web.rectification.reviews", year=year))


@bp.post("/years/<int:year>/reviews/extension-requests/<int:request_id>")
def decide_request(year: int, request_id: int) -> BaseResponse | tuple[str, int]:
    """Approve (the finding's deadline moves) or refuse with a reason."""
    person().require(Permission.INSPECT)
    form = f"extension-{request_id}"
    sent = request.form.to_dict()
    try:
        body = read(RequestDecisionForm, sent)
        decided = extensions.decide(
            uow(), request_id, decision=RequestState(body.decision), reason=body.reason
        )
    except FormProblems as exc:
        return _queue_page(year, problems=_prefixed(exc.problems, form), sent=sent, form=form), 422
    except Conflict as exc:
        problems = _refusal(exc, form, ("reason", "decision"))
        return _queue_page(year, problems=problems, sent=sent, form=form), 409
    except InvalidRequest as exc:
        problems = _refusal(exc, form, ("reason", "decision"))
        return _queue_page(year, problems=problems, sent=sent, form=form), 422
    if decided.state is RequestState.APPROVED:
        flash(
            _(
                "Extension request %(id)s approved: %(code)s is due on %(day)s.",
                id=request_id,
                code=decided.finding,
                day=format_date(decided.new_deadline),
            )
        )
    else:
        flash(_("Extension request %(id)s refused.", id=request_id))
    return redirect(url_for("web.rectification.reviews", year=year))


# --- evidence files ------------------------------------------------------------------------------


@bp.get("/reports/<int:report_id>/files/<int:position>")
def evidence(report_id: int, position: int) -> BaseResponse:
    """The file byte for byte, as an attachment, never run by the browser (``nosniff``)."""
    report, content = reports.evidence_file(uow(), report_id, position)
    found = next(f for f in report.files if f.position == position)
    ascii_name = found.name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response = attachment(content, found.media_type, found.name, ascii_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/reports/<int:report_id>/files/<int:position>/image")
def image(report_id: int, position: int) -> BaseResponse:
    """A JPEG or PNG shown in the page (its type read from its bytes when stored); any other
    file is only downloaded. Same scope rule as the download."""
    report, content = reports.evidence_file(uow(), report_id, position)
    found = next(f for f in report.files if f.position == position)
    if found.media_type not in IMAGES:
        abort(404)
    response = BaseResponse(content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
