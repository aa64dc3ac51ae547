"""The kept timeline of a finding (``timeline.replay``) against a replay at each date."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring_service.domain.model import Event, EventType, Finding, Outcome, Severity
from scoring_service.domain.timeline import check_history, outcome, span_at, spans, state_at
from tests.helpers.histories import FIRST_DAY, LAST_DAY, history

FOUND = date(2018, 7, 11)


def finding(deadline: date, major: bool) -> Finding:
    severity = Severity.MAJOR if major else Severity.GENERAL
    return Finding("F", "I", "T", "2.1", severity, "x", deadline, FOUND)


def events_of(raw: list[dict[str, Any]]) -> list[Event]:
    out = []
    for seq, e in enumerate(raw, start=1):
        fields = {k: v for k, v in e.items() if k not in ("type", "date")}
        if "new_deadline" in fields:
            fields["new_deadline"] = date.fromisoformat(fields["new_deadline"])
        out.append(Event("F", EventType(e["type"]), date.fromisoformat(e["date"]), seq, **fields))
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[Finding, list[Event], list[date]]:
    deadline = FOUND + timedelta(days=draw(st.integers(0, 90)))
    major = draw(st.booleans())
    events = events_of(draw(history(FOUND, deadline, major)))
    days = draw(st.lists(st.dates(FIRST_DAY, LAST_DAY), min_size=1, max_size=8))
    # The days where spans begin and end are where an off-by-one would show.
    return finding(deadline, major), events, days


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_span_at_any_date_is_the_replayed_state_then(
    case: tuple[Finding, list[Event], list[date]],
) -> None:
    found, events, days = case
    assert check_history(found, events) == []
    timeline = spans(found, events)
    edges = [s.valid_from for s in timeline] + [s.valid_until for s in timeline if s.valid_until]
    for day in [*days, *edges, *(d - timedelta(days=1) for d in edges)]:
        span = span_at(timeline, day)
        if day < found.found_on:
            assert span is None
            continue
        state = state_at(found, events, day)
        assert span is not None
        assert span.outcome is outcome(state, day)
        assert span.effective_deadline == state.effective_deadline
        assert span.completed_on == state.completed_on
        assert span.fakes == state.fakes


@settings(max_examples=200, deadline=None)
@given(cases())
def test_spans_follow_each_other_without_gaps_and_adjacent_ones_differ(
    case: tuple[Finding, list[Event], list[date]],
) -> None:
    found, events, _ = case
    timeline = spans(found, events)
    assert timeline[0].valid_from == found.found_on
    assert timeline[-1].valid_until is None
    for before, after in pairwise(timeline):
        assert before.valid_until == after.valid_from
        assert (before.outcome, before.effective_deadline, before.completed_on, before.fakes) != (
            after.outcome,
            after.effective_deadline,
            after.completed_on,
            after.fakes,
        )


def test_an_unrectified_finding_turns_overdue_the_day_after_its_deadline() -> None:
    found = finding(date(2018, 8, 10), major=False)
    timeline = spans(found, [])
    assert [(s.valid_from, s.valid_until, s.outcome) for s in timeline] == [
        (FOUND, date(2018, 8, 11), Outcome.OPEN),
        (date(2018, 8, 11), None, Outcome.OVERDUE),
    ]
