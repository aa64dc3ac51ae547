"""Finding states, outcomes, ranks and rounding: the parts of the spec the examples touch least."""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring_service.domain.metrics import round_rate
from scoring_service.domain.model import Event, EventType, Finding, Outcome, Severity
from scoring_service.domain.scoring import ranks
from scoring_service.domain.timeline import check_history, outcome, state_at

D = date.fromisoformat
FINDING = Finding(
    code="F",
    inspection="I",
    unit="T",
    criterion="2.1",
    severity=Severity.GENERAL,
    description="x",
    deadline=D("2018-08-10"),
    found_on=D("2018-07-11"),
)


def ev(kind: str, day: str, seq: int, **fields: object) -> Event:
    return Event(finding="F", type=EventType(kind), date=D(day), seq=seq, **fields)  # type: ignore[arg-type]


def test_lookback_failure_after_the_deadline_leaves_it_overdue_with_a_fake() -> None:
    events = [ev("rectified", "2018-08-01", 0), ev("lookback_failed", "2018-09-01", 1, note="n")]
    state = state_at(FINDING, events, D("2018-12-31"))
    assert (outcome(state, D("2018-12-31")), state.fakes) == (Outcome.OVERDUE, 1)


def test_a_fake_rectified_again_in_time_is_on_time_and_still_a_fake() -> None:
    events = [
        ev("rectified", "2018-07-20", 0),
        ev("lookback_failed", "2018-07-25", 1, note="n"),
        ev("rectified", "2018-08-05", 2),
    ]
    state = state_at(FINDING, events, D("2018-12-31"))
    assert (outcome(state, D("2018-12-31")), state.fakes, state.completed_on) == (
        Outcome.ON_TIME,
        1,
        D("2018-08-05"),
    )


def test_events_after_as_of_are_ignored_and_open_means_within_time() -> None:
    events = [ev("rectified", "2018-08-20", 0)]
    assert outcome(state_at(FINDING, events, D("2018-08-10")), D("2018-08-10")) is Outcome.OPEN
    assert outcome(state_at(FINDING, events, D("2018-08-11")), D("2018-08-11")) is Outcome.OVERDUE
    assert outcome(state_at(FINDING, events, D("2018-08-20")), D("2018-08-20")) is Outcome.LATE


def test_extension_on_the_deadline_day_is_allowed_but_not_the_day_after() -> None:
    on_day = ev("extension", "2018-08-10", 0, new_deadline=D("2018-09-10"), reason="r")
    late = ev("extension", "2018-08-11", 0, new_deadline=D("2018-09-10"), reason="r")
    assert check_history(FINDING, [on_day]) == []
    assert [r.field for r in check_history(FINDING, [late])] == ["date"]


def test_same_day_events_keep_their_submitted_order() -> None:
    ext = ev("extension", "2018-08-01", 0, new_deadline=D("2018-08-20"), reason="r")
    done = ev("rectified", "2018-08-01", 1)
    assert check_history(FINDING, [done, ext]) == []
    swapped = [
        ev("rectified", "2018-08-01", 0),
        ev("extension", "2018-08-01", 1, new_deadline=D("2018-08-20"), reason="r"),
    ]
    assert [r.event.type for r in check_history(FINDING, swapped)] == [EventType.EXTENSION]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([100, 98, 98, 95], [1, 2, 2, 4]), ([90, 100, 90], [2, 1, 2]), ([], []), ([7], [1])],
)
def test_ranks_share_places_and_skip(scores: list[int], expected: list[int]) -> None:
    assert ranks([Fraction(s) for s in scores]) == expected


@given(st.lists(st.fractions(min_value=-20, max_value=120, max_denominator=40)))
def test_a_rank_is_one_more_than_the_scores_above_it(scores: list[Fraction]) -> None:
    assert ranks(scores) == [1 + sum(other > s for other in scores) for s in scores]


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (Fraction(29, 32), 0.9063),  # 0.90625 rounds half up
        (Fraction(19, 20), 0.95),
        (Fraction(2, 3), 0.6667),
        (Fraction(1, 80000), 0.0),
        (Fraction(1, 20000), 0.0001),  # 0.00005 rounds up
        (Fraction(1), 1.0),
        (None, None),
    ],
)
def test_rates_round_half_up_to_four_decimals(rate: Fraction | None, shown: float | None) -> None:
    assert round_rate(rate) == shown


@given(st.fractions(min_value=-2, max_value=2, max_denominator=10**7))
def test_a_rate_rounds_as_its_exact_value_does(rate: Fraction) -> None:
    """Half up at the fourth decimal of the exact value, then the nearest float."""
    exact = Fraction(math.floor(rate * 10_000 + Fraction(1, 2)), 10_000)
    assert round_rate(rate) == float(exact)
