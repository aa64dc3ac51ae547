"""A finding's event history: the state machine of spec section 2 and its state at a date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

from scoring_service.domain.model import Event, EventType, Finding, Outcome, Severity
from scoring_service.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class Refusal:
    """An event the finding's state does not allow, with the reason in plain words."""

    event: Event
    field: str  # the event's field at fault
    message: str


@dataclass(slots=True)
class FindingState:
    """A finding's state after the events up to some date (built up event by event)."""

    effective_deadline: date
    rectified: bool
    completed_on: date | None
    fakes: int
    first_rectified_on: date | None  # the earliest `rectified` event, for repeats
    escalated_on: date | None  # the earliest `escalated` event


# The order events apply in: by date, same-date events as submitted.
APPLY_ORDER = attrgetter("date", "seq")


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events in the order they apply: by date, same-date events as submitted."""
    return sorted(events, key=APPLY_ORDER)


def _refusal(finding: Finding, state: FindingState, event: Event) -> tuple[str, str] | None:
    """The field at fault and why ``event`` cannot apply in ``state``; None when it can."""
    if event.date < finding.found_on:
        return "date", _("it is dated before the finding was found (%(day)s)", day=finding.found_on)
    kind = event.type
    if kind is EventType.EXTENSION:
        if state.rectified:
            return "type", _("an extension cannot be given to a finding already rectified")
        if event.date > state.effective_deadline:
            return "date", _(
                "an extension must be asked for on or before the deadline (%(deadline)s)",
                deadline=state.effective_deadline,
            )
        if event.new_deadline is None or event.new_deadline <= state.effective_deadline:
            return "new_deadline", _(
                "the new deadline (%(new)s) must be later than the current deadline (%(deadline)s)",
                new=event.new_deadline,
                deadline=state.effective_deadline,
            )
        if not (event.reason or "").strip():
            return "reason", _("an extension needs a reason")
    elif kind is EventType.RECTIFIED:
        if state.rectified:
            return "type", _("the finding is already rectified")
    elif kind in (EventType.LOOKBACK_FAILED, EventType.LOOKBACK_PASSED):
        if not state.rectified:
            return "type", _("a look-back applies only to a rectified finding")
    elif kind is EventType.ESCALATED and finding.severity is not Severity.MAJOR:
        return "type", _("only a major finding can be escalated")
    return None


def offered_events(finding: Finding, events: Iterable[Event]) -> list[EventType]:
    """The event types the state machine allows next on the finding, whatever their date
    and fields: what a page offers (上报 only for a major finding, a look-back only once
    rectified), so a person is not offered an action and then refused it."""
    state = state_after(finding, events)
    offered = []
    for kind in EventType:
        if kind is EventType.EXTENSION and state.rectified:
            continue
        if kind is EventType.RECTIFIED and state.rectified:
            continue
        if kind in (EventType.LOOKBACK_FAILED, EventType.LOOKBACK_PASSED) and not state.rectified:
            continue
        if kind is EventType.ESCALATED and finding.severity is not Severity.MAJOR:
            continue
        offered.append(kind)
    return offered


def _apply(state: FindingState, event: Event) -> None:
    """Change ``state`` by one allowed event."""
    kind = event.type
    if kind is EventType.EXTENSION:
        assert event.new_deadline is not None
        state.effective_deadline = event.new_deadline
    elif kind is EventType.RECTIFIED:
        state.rectified = True
        state.completed_on = event.date
        if state.first_rectified_on is None:
            state.first_rectified_on = event.date
    elif kind is EventType.LOOKBACK_FAILED:
        state.rectified = False
        state.completed_on = None
        state.fakes += 1
    elif kind is EventType.ESCALATED and state.escalated_on is None:
        state.escalated_on = event.date


def initial_state(finding: Finding) -> FindingState:
    """The state of a finding with no events."""
    return FindingState(
        effective_deadline=finding.deadline,
        rectified=False,
        completed_on=None,
        fakes=0,
        first_rectified_on=None,
        escalated_on=None,
    )


def check_history(finding: Finding, events: Sequence[Event]) -> list[Refusal]:
    """Every event of the history that its state does not allow, applying the rest in order."""
    state = initial_state(finding)
    refusals: list[Refusal] = []
    for event in ordered(events):
        refused = _refusal(finding, state, event)
        if refused is not None:
            refusals.append(Refusal(event, *refused))
            continue
        _apply(state, event)
    return refusals


def state_after(finding: Finding, events: Iterable[Event]) -> FindingState:
    """The state after ``events``, given in the order they apply (history assumed valid)."""
    state = initial_state(finding)
    for event in events:
        _apply(state, event)
    return state


def state_at(finding: Finding, events: Iterable[Event], as_of: date) -> FindingState:
    """The state after the events dated on or before ``as_of`` (history assumed valid)."""
    return state_after(finding, (e for e in ordered(events) if e.date <= as_of))


def outcome(state: FindingState, as_of: date) -> Outcome:
    """on_time, late, overdue or open (spec section 3)."""
    if state.rectified:
        assert state.completed_on is not None
        return Outcome.ON_TIME if state.completed_on <= state.effective_deadline else Outcome.LATE
    return Outcome.OVERDUE if state.effective_deadline < as_of else Outcome.OPEN


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of as-of dates over which a finding's state and outcome stay the same.

    ``valid_until`` is exclusive (None: from ``valid_from`` on); a finding has no span
    before it was found. The fields are what the metrics and an explanation read.
    """

    valid_from: date
    valid_until: date | None
    outcome: Outcome
    effective_deadline: date
    completed_on: date | None
    fakes: int


def spans(finding: Finding, events: Iterable[Event]) -> list[Span]:
    """The finding's outcome as a step function of the as-of date, from ``found_on`` on."""
    return replay(finding, events)[0]


def replay(finding: Finding, events: Iterable[Event]) -> tuple[list[Span], FindingState]:
    """The finding's spans, and its state after every event (history assumed valid).

    The state changes only on event dates; an unrectified finding also turns from open to
    overdue the day after its effective deadline. So the spans start at ``found_on``, at
    each later event date and at those days; adjacent spans that read the same are merged.
    Events are applied by the same ``_apply`` as ``state_at``, in the same order.
    """
    by_date: dict[date, list[Event]] = {}
    for event in ordered(events):
        by_date.setdefault(event.date, []).append(event)
    state = initial_state(finding)
    # Events dated on found_on (none may be earlier) are in force from the first day.
    starts = sorted({finding.found_on, *(d for d in by_date if d > finding.found_on)})
    for day in sorted(d for d in by_date if d <= finding.found_on):
        for event in by_date[day]:
            _apply(state, event)
    out: list[Span] = []
    for i, start in enumerate(starts):
        if i > 0:
            for event in by_date[start]:
                _apply(state, event)
        end = starts[i + 1] if i + 1 < len(starts) else None
        pieces = [start]
        # A deadline on the calendar's last day (9999-12-31, a valid bundle date) is never
        # passed: no turn to overdue, and no day after it to compute.
        if not state.rectified and state.effective_deadline < date.max:
            # outcome() says overdue once the as-of date is past the effective deadline.
            turn = state.effective_deadline + timedelta(days=1)
            if start < turn and (end is None or turn < end):
                pieces.append(turn)
        for j, piece in enumerate(pieces):
            _extend(out, piece, pieces[j + 1] if j + 1 < len(pieces) else end, state)
    return out, state


def _extend(out: list[Span], start: date, until: date | None, state: FindingState) -> None:
    """Add the span [start, until) in ``state``, merged into the last when it reads the same."""
    span = Span(
        start,
        until,
        outcome(state, start),
        state.effective_deadline,
        state.completed_on,
        state.fakes,
    )
    if out:
        last = out[-1]
        if (last.outcome, last.effective_deadline, last.completed_on, last.fakes) == (
            span.outcome,
            span.effective_deadline,
            span.completed_on,
            span.fakes,
        ):
            out[-1] = Span(last.valid_from, until, *_fields(last))
            return
    out.append(span)


def _fields(span: Span) -> tuple[Outcome, date, date | None, int]:
    return span.outcome, span.effective_deadline, span.completed_on, span.fakes


def state_of(span: Span) -> FindingState:
    """The state a span records, for what reads a state (an explanation, the metrics).

    A span keeps what the metrics and explanations read; the dates of the first
    rectification and escalation are not among them and are None here.
    """
    return FindingState(
        effective_deadline=span.effective_deadline,
        rectified=span.outcome in (Outcome.ON_TIME, Outcome.LATE),
        completed_on=span.completed_on,
        fakes=span.fakes,
        first_rectified_on=None,
        escalated_on=None,
    )


def span_at(timeline: Sequence[Span], as_of: date) -> Span | None:
    """The span in force at ``as_of``; None before the finding was found."""
    for span in timeline:
        if span.valid_from <= as_of and (span.valid_until is None or as_of < span.valid_until):
            return span
    return None


def repeats(
    findings: Iterable[Finding], first_rectified_on: Mapping[str, date | None]
) -> dict[str, str | None]:
    """For each finding, the earlier finding it repeats, or None (spec section 3).

    A repeat: an earlier finding of the same unit and criterion was rectified strictly
    before this one was found (even if a look-back reopened it). The earliest first
    rectification is the one named (ties by code). Only findings found by a date and
    events dated by it decide repeats at that date; as every such rectification is dated
    before the finding was found, the answer is the same at every date it is found by.
    """
    listed = list(findings)
    earliest: dict[tuple[str, str], tuple[date, str]] = {}
    for finding in listed:
        first = first_rectified_on.get(finding.code)
        if first is None:
            continue
        key = (finding.unit, finding.criterion)
        if key not in earliest or (first, finding.code) < earliest[key]:
            earliest[key] = (first, finding.code)
    out: dict[str, str | None] = {}
    for finding in listed:
        prior = earliest.get((finding.unit, finding.criterion))
        out[finding.code] = prior[1] if prior is not None and prior[0] < finding.found_on else None
    return out
