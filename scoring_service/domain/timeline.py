"""A finding's event history: the state machine of spec section 2 and its state at a date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
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
