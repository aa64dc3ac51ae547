"""Extension requests (spec section 10): a unit asks, before its deadline passes, for a later
one; an inspector approves (an ``extension`` event, in the same transaction) or refuses
it with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year, ruleset_of
from scoring_service.domain.bounds import REASON_MAX
from scoring_service.domain.errors import NotFound
from scoring_service.domain.notices import EventType
from scoring_service.domain.principals import Permission
from scoring_service.domain.rectification import (
    ExtensionRequest,
    RequestState,
    check_request,
    check_text,
    decide_request,
)
from scoring_service.records.events import NewEvent, record_event, require_finding_inside
from scoring_service.records.findings import resolve_year
from scoring_service.records.outbox import notify_finding
from scoring_service.records.reports import locked_finding
from scoring_service.unit_of_work import UnitOfWork


def submit_request(
    uow: UnitOfWork,
    code: str,
    *,
    year: int | None = None,
    day: date | None = None,
    new_deadline: date,
    reason: str,
    today: date | None = None,
) -> ExtensionRequest:
    """A new extension request on a finding the caller reads, asked on ``day`` (default
    today); refused in words when asked after the deadline in force or for no later one."""
    uow.actor.require(Permission.REPORT)
    reason = check_text(reason, "reason", REASON_MAX)
    today = today or date.today()
    day = day or today
    with uow:
        year = resolve_year(uow, code, year)
        finding = locked_finding(uow, year, code)
        history = uow.findings.events(year, code)
        check_request(finding, history, day=day, new_deadline=new_deadline, today=today)
        request = uow.extension_requests.add(
            ExtensionRequest(
                id=0,
                year=year,
                finding=code,
                state=RequestState.SUBMITTED,
                date=day,
                new_deadline=new_deadline,
                reason=reason,
                submitted_by=uow.actor.name,
                submitted_at=datetime.now(UTC),
            )
        )
        uow.audit(
            "extension_request.create",
            "extension_request",
            str(request.id),
            year=year,
            detail={"finding": code, "date": day, "new_deadline": new_deadline},
        )
        notify_finding(
            uow,
            EventType.EXTENSION_REQUESTED,
            year,
            code,
            subject=str(request.id),
            data={
                "request": request.id,
                "date": day.isoformat(),
                "new_deadline": new_deadline.isoformat(),
                "submitted_by": uow.actor.name,
            },
        )
        uow.commit()
    return request


def _readable(
    uow: UnitOfWork, request: ExtensionRequest | None, request_id: int
) -> ExtensionRequest:
    if request is None:
        raise scope.hidden("extension request", str(request_id))
    try:
        resolve_year(uow, request.finding, request.year)
    except NotFound:
        raise scope.hidden("extension request", str(request_id)) from None
    return request


def get_request(uow: UnitOfWork, request_id: int) -> ExtensionRequest:
    with uow:
        return _readable(uow, uow.extension_requests.get(request_id), request_id)


def requests_of_finding(
    uow: UnitOfWork, code: str, *, year: int | None = None
) -> tuple[int, list[ExtensionRequest]]:
    """A finding's extension requests, oldest first."""
    with uow:
        year = resolve_year(uow, code, year)
        return year, uow.extension_requests.of_finding(year, code)


def requests_of_year(
    uow: UnitOfWork, year: int, *, state: RequestState | None = None
) -> list[ExtensionRequest]:
    """The year's extension requests (those in ``state``), on findings the caller reads."""
    ruleset = ruleset_of(uow.rules, year)
    with uow:
        held_year(uow, year)
        return uow.extension_requests.of_year(
            year, state=state, actor=uow.actor, attribution=ruleset.attribution
        )


def decide(
    uow: UnitOfWork, request_id: int, *, decision: RequestState, reason: str | None = None
) -> ExtensionRequest:
    """Approve a request (its ``extension`` event is recorded in this transaction) or refuse
    it with a reason; a request is decided once."""
    uow.actor.require(Permission.INSPECT)
    with uow.writing():
        seen = _readable(uow, uow.extension_requests.get(request_id), request_id)
        finding = locked_finding(uow, seen.year, seen.finding)
        require_finding_inside(uow, seen.year, finding)
        request = _readable(uow, uow.extension_requests.get(request_id, lock=True), request_id)
        history = uow.findings.events(request.year, request.finding)
        decided, event = decide_request(
            request,
            finding,
            history,
            decision=decision,
            reason=reason,
            by=uow.actor.name,
            at=datetime.now(UTC),
        )
        if event is not None:
            record_event(
                uow,
                request.year,
                request.finding,
                NewEvent(
                    type=event.type,
                    date=event.date,
                    new_deadline=event.new_deadline,
                    reason=event.reason,
                ),
            )
        uow.extension_requests.decide(decided)
        uow.audit(
            "extension_request.decide",
            "extension_request",
            str(request.id),
            year=request.year,
            detail={"finding": request.finding, "decision": decision.value, "reason": reason},
        )
        notify_finding(
            uow,
            EventType.EXTENSION_DECIDED,
            request.year,
            request.finding,
            subject=str(request.id),
            data={
                "request": request.id,
                "decision": decision.value,
                "reason": reason,
                "new_deadline": request.new_deadline.isoformat(),
                "decided_by": uow.actor.name,
            },
        )
        uow.commit()
    return decided
