"""Findings: filtered lists, one finding with its whole history, and appending events."""

from __future__ import annotations

from typing import Any

from api.routing import ApiBlueprint
from api.schemas import (
    CountsFor,
    EventPage,
    EventPostQuery,
    EventRead,
    EventsQuery,
    FindingDetailRead,
    FindingOneQuery,
    FindingPage,
    FindingQuery,
    FindingRead,
    FindingStateRead,
)
from edge.bodies import EventCreate
from edge.context import uow
from scoring_service.domain.assessment import FindingFacts
from scoring_service.domain.model import Event, EventType, Finding
from scoring_service.domain.principals import Permission
from scoring_service.records import findings as service
from scoring_service.records.events import NewEvent, append_event

bp = ApiBlueprint("findings", __name__, tag="findings")
READ, INSPECT = Permission.READ, Permission.INSPECT


def state_read(facts: FindingFacts | None, as_of: Any) -> FindingStateRead | None:
    if facts is None:
        return None
    s = facts.state
    return FindingStateRead(
        as_of=as_of,
        outcome=facts.outcome,
        effective_deadline=s.effective_deadline,
        rectified=s.rectified,
        completed_on=s.completed_on,
        fakes=s.fakes,
        repeat=facts.repeat,
        repeat_of=facts.repeat_of,
        escalated_on=s.escalated_on,
    )


def finding_fields(year: int, f: Finding) -> dict[str, Any]:
    """A finding's fields as every finding model of the API has them."""
    return {
        "year": year,
        "code": f.code,
        "inspection": f.inspection,
        "unit": f.unit,
        "criterion": f.criterion,
        "category": f.category,
        "severity": f.severity,
        "description": f.description,
        "deadline": f.deadline,
        "found_on": f.found_on,
        "responsible": list(f.responsible),
    }


def event_read(year: int, e: Event) -> EventRead:
    return EventRead(
        year=year,
        finding=e.finding,
        seq=e.seq,
        type=e.type,
        date=e.date,
        new_deadline=e.new_deadline,
        reason=e.reason,
        note=e.note,
        to=e.to,
    )


@bp.operation(
    "GET",
    "/findings",
    summary="List findings",
    permission=READ,
    query=FindingQuery,
    response=FindingPage,
    errors=(404,),
)
def list_findings(query: FindingQuery) -> FindingPage:
    """Findings of a year by code, each with its state at ``as_of`` (default: the rule set's
    cutoff). Filters: ``unit`` (found there or under it), ``counts_for`` (spec section 4),
    inspection, category, criterion, severity, and at ``as_of``: outcome, overdue, repeat.
    A token scoped to units sees only the findings that count for them."""
    filt = service.FindingFilter(
        unit=query.unit,
        counts_for=query.counts_for,
        inspection=query.inspection,
        category=query.category,
        criterion=query.criterion,
        severity=query.severity,
        outcome=query.outcome,
        overdue=query.overdue,
        repeat=query.repeat,
    )
    day, page = service.list_findings(
        uow(),
        query.year,
        filt,
        as_of=query.as_of,
        limit=query.limit,
        cursor=query.cursor,
    )
    return FindingPage.of(
        page,
        lambda v: FindingRead(
            **finding_fields(query.year, v.finding), state=state_read(v.facts, day)
        ),
        limit=query.limit,
        as_of=day,
    )


@bp.operation(
    "GET",
    "/findings/<code>",
    summary="Read a finding with its history",
    permission=READ,
    query=FindingOneQuery,
    response=FindingDetailRead,
    errors=(404, 422),
)
def get_finding(code: str, query: FindingOneQuery) -> FindingDetailRead:
    """A finding, its events in the order they apply, its state at ``as_of`` and the units it
    counts for with why. ``year`` is needed only when the code is held in two years."""
    detail = service.get_finding(uow(), code, year=query.year, as_of=query.as_of)
    return FindingDetailRead(
        **finding_fields(detail.year, detail.finding),
        state=state_read(detail.facts, detail.as_of),
        events=[event_read(detail.year, e) for e in detail.events],
        counts_for=[
            CountsFor(unit=unit, reasons=[r.value for r in reasons])
            for unit, reasons in detail.counts_for.items()
        ],
    )


@bp.operation(
    "GET",
    "/findings/<code>/events",
    summary="A finding's events",
    permission=READ,
    query=EventsQuery,
    response=EventPage,
    errors=(404, 422),
)
def list_events(code: str, query: EventsQuery) -> EventPage:
    """The finding's events in the order they apply: by date, same-date ones as submitted."""
    year, page = service.finding_events(
        uow(),
        code,
        year=query.year,
        limit=query.limit,
        cursor=query.cursor,
    )
    return EventPage.of(page, lambda e: event_read(year, e), limit=query.limit)


@bp.operation(
    "POST",
    "/findings/<code>/events",
    summary="Append an event to a finding",
    permission=INSPECT,
    query=EventPostQuery,
    body=EventCreate,
    response=EventRead,
    status=201,
    errors=(404, 409, 422),
)
def post_event(
    code: str, query: EventPostQuery, body: EventCreate
) -> tuple[EventRead, dict[str, str]]:
    """Append one event (extension, rectified, lookback_failed, lookback_passed, escalated).

    The state machine of spec section 2 decides on the finding's whole history with the new
    event after the events held: a refused event is 409 with the reason, and nothing is
    stored. Concurrent posts on one finding are serialised by a lock on the finding."""
    e = body.root
    new = NewEvent(
        type=EventType(e.type),
        date=e.date,
        new_deadline=getattr(e, "new_deadline", None),
        reason=getattr(e, "reason", None),
        note=getattr(e, "note", None),
        to=getattr(e, "to", None),
    )
    year, stored = append_event(uow(), code, new, year=query.year)
    where = f"/api/v1/findings/{code}/events?year={year}"
    return event_read(year, stored), {"Location": where}
