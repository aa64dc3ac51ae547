"""The rectification loop's records (spec section 10): a report (submitted → accepted |
returned) and an extension request (submitted → approved | refused).

Pure functions that refuse a wrong step in words before anything is written. A positive
decision builds one event of spec section 2, which the finding's state machine
(``timeline.check_history``) then judges against the history as it stands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from scoring_service.domain.bounds import REASON_MAX, REPORT_MAX
from scoring_service.domain.errors import Conflict, InvalidRequest
from scoring_service.domain.model import Event, EventType, Finding
from scoring_service.domain.timeline import check_history, ordered, state_after, state_at
from scoring_service.i18n import gettext as _

TEXT_MAX = REPORT_MAX  # a report's text (domain/bounds.py)


class ReportState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class RequestState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One file of a report: its name as uploaded, and its content's address and type."""

    position: int
    name: str
    sha256: str
    size: int
    media_type: str
    phash: str | None = None  # an image's perceptual hash (hex), else None


@dataclass(frozen=True, slots=True)
class FileUse:
    """A stored file as one report used it: which report, of which finding."""

    report: int
    year: int
    finding: str
    sha256: str
    phash: str | None


@dataclass(frozen=True, slots=True)
class Reuse:
    """A report's file that equals (the same bytes) or nearly equals (an image ``distance``
    bits of pHash apart) one submitted for another finding, possibly of another year."""

    file: str  # the SHA-256 of this report's file
    year: int
    finding: str
    report: int
    distance: int
    other_file: str  # the SHA-256 of the file submitted there

    @property
    def same_bytes(self) -> bool:
        return self.file == self.other_file


@dataclass(frozen=True, slots=True)
class Decision:
    """Who decided a record, when, and why (the reason is required when negative)."""

    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class Report:
    """A rectification report (整改情况报告): the unit says the finding was rectified on
    ``date`` and shows its evidence."""

    id: int
    year: int
    finding: str
    state: ReportState
    date: dt.date
    text: str
    submitted_by: str
    submitted_at: datetime
    files: tuple[EvidenceFile, ...] = ()
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """An extension request (延期申请), asked on ``date`` for ``new_deadline``."""

    id: int
    year: int
    finding: str
    state: RequestState
    date: dt.date
    new_deadline: dt.date
    reason: str
    submitted_by: str
    submitted_at: datetime
    decision: Decision | None = None


def check_text(value: str, field: str, most: int = TEXT_MAX) -> str:
    """A report's text (or a reason, at most ``REASON_MAX``): stripped, 1 to ``most``
    characters."""
    text = value.strip()
    if not text or len(text) > most:
        raise InvalidRequest(
            _("%(field)s must be 1 to %(most)s characters", field=field, most=most)
        )
    return text


def _not_rectified(finding: Finding, history: Sequence[Event]) -> None:
    if state_after(finding, ordered(history)).rectified:
        raise Conflict(_("finding %(code)r is already rectified", code=finding.code))


def _within(finding: Finding, day: dt.date, today: dt.date, field: str) -> None:
    if day < finding.found_on:
        raise InvalidRequest(
            _(
                "%(field)s (%(day)s) is before the finding was found (%(found)s)",
                field=field,
                day=day,
                found=finding.found_on,
            )
        )
    if day > today:
        raise InvalidRequest(
            _("%(field)s (%(day)s) is after today (%(today)s)", field=field, day=day, today=today)
        )


def check_report(
    finding: Finding,
    history: Sequence[Event],
    *,
    waiting: bool,
    day: dt.date,
    today: dt.date,
) -> None:
    """Whether a report dated ``day`` may be submitted (spec section 10): the finding is not
    rectified, no report of it waits, and ``found_on <= day <= today``."""
    _within(finding, day, today, "date")
    _not_rectified(finding, history)
    if waiting:
        raise Conflict(
            _(
                "finding %(code)r already has a report waiting for a decision; wait for it "
                "before submitting another",
                code=finding.code,
            )
        )


def check_request(
    finding: Finding,
    history: Sequence[Event],
    *,
    day: dt.date,
    new_deadline: dt.date,
    today: dt.date,
) -> None:
    """Whether an extension request asked on ``day`` may be submitted (spec section 10):
    not rectified, ``found_on <= day <= effective deadline`` at ``day`` (and not after
    today), ``new_deadline`` later than that deadline."""
    _within(finding, day, today, "date")
    _not_rectified(finding, history)
    deadline = state_at(finding, history, day).effective_deadline
    if day > deadline:
        raise InvalidRequest(
            _(
                "date (%(day)s) is after the deadline in force then (%(deadline)s): an "
                "extension is asked for before the deadline passes",
                day=day,
                deadline=deadline,
            )
        )
    if new_deadline <= deadline:
        raise InvalidRequest(
            _(
                "new_deadline (%(new)s) must be later than the deadline in force (%(deadline)s)",
                new=new_deadline,
                deadline=deadline,
            )
        )


def _decided_once(kind: str, record_id: int, decision: Decision | None, state: str) -> None:
    if decision is not None:
        raise Conflict(
            _(
                "%(kind)s %(id)s was already decided (%(state)s); a decision is made once",
                kind=kind,
                id=record_id,
                state=state,
            )
        )


def _reason(negative: bool, reason: str | None, word: str) -> str | None:
    if reason is None or not reason.strip():
        if negative:
            raise InvalidRequest(_("reason is required when the decision is %(word)s", word=word))
        return None
    return check_text(reason, "reason", REASON_MAX)


def _admitted(finding: Finding, history: Sequence[Event], candidate: Event) -> None:
    """Conflict in words unless the history with ``candidate`` passes the state machine."""
    for refusal in check_history(finding, [*history, candidate]):
        if refusal.event is candidate:
            detail = refusal.message
        else:
            detail = _(
                "it would make the %(event)s event of %(date)s invalid: %(message)s",
                event=refusal.event.type.value,
                date=refusal.event.date,
                message=refusal.message,
            )
        raise Conflict(
            _(
                "the finding's history no longer allows this (%(detail)s); the record stays "
                "waiting",
                detail=detail,
            )
        )


def _next_seq(history: Sequence[Event]) -> int:
    return max((e.seq for e in history), default=0) + 1


def decide_report(
    report: Report,
    finding: Finding,
    history: Sequence[Event],
    *,
    decision: ReportState,
    reason: str | None,
    by: str,
    at: datetime,
) -> tuple[Report, Event | None]:
    """The report decided, and the ``rectified`` event accepting it records (None when
    returned). Refused in words when decided already, a return has no reason, or the
    history as it stands no longer allows the event."""
    _decided_once(_("report"), report.id, report.decision, report.state.value)
    if decision is ReportState.SUBMITTED:
        raise InvalidRequest(_("decision must be accepted or returned"))
    returned = decision is ReportState.RETURNED
    why = _reason(returned, reason, "returned")
    event = None
    if not returned:
        event = Event(
            finding=report.finding,
            type=EventType.RECTIFIED,
            date=report.date,
            seq=_next_seq(history),
            note=_("rectification report %(id)s accepted", id=report.id),
        )
        _admitted(finding, history, event)
    return replace(report, state=decision, decision=Decision(by, at, why)), event


def decide_request(
    request: ExtensionRequest,
    finding: Finding,
    history: Sequence[Event],
    *,
    decision: RequestState,
    reason: str | None,
    by: str,
    at: datetime,
) -> tuple[ExtensionRequest, Event | None]:
    """The request decided, and the ``extension`` event approving it records (None when
    refused); refused in words as ``decide_report``."""
    _decided_once(_("extension request"), request.id, request.decision, request.state.value)
    if decision is RequestState.SUBMITTED:
        raise InvalidRequest(_("decision must be approved or refused"))
    refused = decision is RequestState.REFUSED
    why = _reason(refused, reason, "refused")
    event = None
    if not refused:
        event = Event(
            finding=request.finding,
            type=EventType.EXTENSION,
            date=request.date,
            seq=_next_seq(history),
            new_deadline=request.new_deadline,
            reason=request.reason,
        )
        _admitted(finding, history, event)
    return replace(request, state=decision, decision=Decision(by, at, why)), event
