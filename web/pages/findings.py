"""``/years/{year}/findings``: the rectification ledger (整改台账), and each finding's page
with its history, where an inspector in scope records an event."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from flask import flash, redirect, render_template, request, url_for
from pydantic import Field, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from edge.bodies import EventCreate
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.domain.model import EventType, Outcome, Severity, UnitKind
from scoring_service.domain.principals import Permission
from scoring_service.domain.timeline import offered_events
from scoring_service.i18n import _, format_date
from scoring_service.records import findings as service
from scoring_service.records.events import EventRefused, NewEvent, append_event
from scoring_service.records.groups import list_groups
from scoring_service.records.units import list_units, unit_names
from web import labels
from web.blueprint import page_blueprint
from web.context import person, uow
from web.desk import loop_by_finding, loop_of_finding
from web.forms import Form, FormProblems, Problem, message_of, read
from web.labels import label
from web.query import args

bp = page_blueprint("findings", __name__)
PAGE = 100


class LedgerQuery(Form):
    county: Annotated[str, Field(max_length=64)] | None = None
    counts_for: Annotated[str, Field(max_length=64)] | None = None
    group: Annotated[str, Field(max_length=64)] | None = None
    category: Annotated[str, Field(max_length=16)] | None = None
    severity: Severity | None = None
    outcome: Outcome | None = None
    overdue: Literal["yes", "no"] | None = None
    due_within: Annotated[int, Field(ge=0, le=3660)] | None = None
    found: Literal["yes"] | None = None  # found by the as-of date: what the figures count
    as_of: date | None = None
    cursor: Annotated[str, Field(max_length=500)] | None = None


def ledger_filter(query: LedgerQuery, day: date) -> service.FindingFilter:
    """The findings the ledger's filters ask for at ``day``: the page's list and its
    export (``web.documents.ledger``) read the same."""
    return service.FindingFilter(
        unit=query.county,
        counts_for=query.counts_for,
        group=query.group,
        category=query.category,
        severity=query.severity,
        outcome=query.outcome,
        overdue=None if query.overdue is None else query.overdue == "yes",
        due_by=None if query.due_within is None else day + timedelta(days=query.due_within),
        found=query.found == "yes",
    )


@bp.get("/years/<int:year>/findings")
def ledger(year: int) -> str:
    """Findings by code with their state at the as-of date, filtered, a page at a time."""
    query = read(LedgerQuery, args())
    ruleset = ruleset_of(uow().rules, year)
    filt = ledger_filter(query, as_of_for(ruleset, year, query.as_of))
    day, page = service.list_findings(
        uow(), year, filt, as_of=query.as_of, limit=PAGE, cursor=query.cursor
    )
    counties = list_units(uow(), year, kind=UnitKind.COUNTY, parent=None, limit=1000, cursor=None)
    groups = list_groups(uow(), year, limit=1000, cursor=None)
    names = unit_names(uow(), year, {v.finding.unit for v in page.items})
    kept = {k: v for k, v in query.model_dump(mode="json").items() if v is not None}
    kept.pop("cursor", None)
    return render_template(
        "ledger.html",
        year=year,
        as_of=day,
        query=query,
        page=page,
        names=names,
        counties=counties.items,
        groups=groups.items,
        categories=ruleset.catalogue.categories,
        kept=kept,
        loop_records=loop_by_finding(uow(), year),
    )


class EventForm(Form):
    """The event form's fields as typed; which are needed depends on the type."""

    type: str = ""
    date: str = ""
    new_deadline: str = ""
    reason: str = ""
    note: str = ""
    to: str = ""


FIELDS_OF: dict[str, tuple[str, ...]] = {
    "extension": ("new_deadline", "reason"),
    "rectified": ("note",),
    "lookback_failed": ("note",),
    "lookback_passed": ("note",),
    "escalated": ("to", "note"),
}


def _event(form: EventForm) -> NewEvent:
    """The event the form describes, checked as the API checks a body (``EventCreate``)."""
    body: dict[str, Any] = {"type": form.type, "date": form.date}
    for name in FIELDS_OF.get(form.type, ()):
        value = getattr(form, name)
        # A failed look-back must say what it found, possibly nothing: its note is kept.
        if value or (form.type == "lookback_failed" and name == "note"):
            body[name] = value
    try:
        # As the API reads a body: JSON, where a date is a string (the model is strict).
        event = EventCreate.model_validate_json(json.dumps(body)).root
    except ValidationError as exc:
        raise FormProblems(
            [
                Problem(str(e["loc"][-1]) if e["loc"] else "type", message_of(e))
                for e in exc.errors()
            ]
        ) from None
    return NewEvent(
        type=EventType(event.type),
        date=event.date,
        new_deadline=getattr(event, "new_deadline", None),
        reason=getattr(event, "reason", None),
        note=getattr(event, "note", None),
        to=getattr(event, "to", None),
    )


def _finding_page(
    year: int, code: str, as_of: date | None, form: EventForm, problems: list[Problem]
) -> str:
    detail = service.get_finding(uow(), code, year=year, as_of=as_of)
    names = unit_names(uow(), year, {detail.finding.unit, *detail.counts_for})
    return render_template(
        "finding.html",
        year=year,
        detail=detail,
        names=names,
        form=form,
        problems=problems,
        event_types=[t.value for t in offered_events(detail.finding, detail.events)],
        may_record=person().can(Permission.INSPECT),
        loop_records=loop_of_finding(uow(), year, code),
    )


class FindingQuery(Form):
    as_of: date | None = None


@bp.get("/years/<int:year>/findings/<code>")
def finding(year: int, code: str) -> str:
    """The finding, its state at the as-of date, who it counts for and its history."""
    query = read(FindingQuery, args())
    return _finding_page(year, code, query.as_of, EventForm(), [])


@bp.post("/years/<int:year>/findings/<code>/events")
def record(year: int, code: str) -> BaseResponse | tuple[str, int]:
    """Record an event; a refusal (the form, the scope or the state machine) is shown on the
    finding's page in words, and nothing is stored."""
    person().require(Permission.INSPECT)
    form = EventForm.model_validate(request.form.to_dict())
    try:
        new = _event(form)
        stored = append_event(uow(), code, new, year=year)[1]
    except FormProblems as exc:
        return _finding_page(year, code, None, form, exc.problems), 422
    except EventRefused as exc:
        problems = [Problem(p.pointer.lstrip("/") or "type", p.message) for p in exc.problems]
        return _finding_page(year, code, None, form, problems), 409
    flash(
        _(
            "Recorded: %(event)s on %(day)s.",
            event=label(labels.EVENTS, stored.type.value),
            day=format_date(stored.date),
        )
    )
    return redirect(url_for("web.findings.finding", year=year, code=code))
