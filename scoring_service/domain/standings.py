"""Each scored unit's standing between the days its counts change: what the rules give it
(findings, overdue, the reported rate, score and grade) from one change to the next.

A unit's metrics, and so its score, are a function of its counts alone (spec section 5),
and its counts change only on the days of its kept deltas. So a unit's standing at any
date is the one computed at its last change on or before that date, and a rank at any
date needs only its kind's standings then (spec section 6: ranks are within a kind).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import groupby
from typing import NamedTuple

from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.metrics import Metrics, rate_weights, round_rate
from scoring_service.domain.model import Outcome, Severity
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.scoring import shared_verdicts

# A unit's first standing holds from the first date on, its last up to the last date.
BEGINNING = date.min
END = date.max
# How many of a unit's change days are scored in one call of the engine: the metric
# values of a whole province's year are more than are worth holding at once.
BATCH = 20_000


class DayChange(NamedTuple):
    """How a unit's counts of one outcome, severity and category change on one day (the
    kept day rows of every way it counts, summed)."""

    unit: str
    kind: str
    day: date
    outcome: Outcome
    severity: Severity
    category: str
    n: int
    fakes: int
    repeats: int


class Standing(NamedTuple):
    """A unit's standing from ``since`` up to ``until`` (exclusive)."""

    unit: str
    since: date
    until: date
    kind: str
    findings: int
    overdue: int
    rate: float | None
    score: float
    grade: str


def standings(
    changes: Iterable[DayChange],
    ruleset: Ruleset,
    evaluator: Evaluator,
    starts: Mapping[str, date] | None = None,
) -> Iterator[Standing]:
    """Each unit's standings from its changes (given by unit, then day): one from the
    first date up to its first change, then one from each change on, consecutive equal
    ones merged. With ``starts``, a unit's standings from its start on only (the first one
    from the start itself): a write that changed its counts from a day scores again only
    the days after (its earlier changes are still read, for the counts then)."""
    pending: list[tuple[str, str, date, date, Metrics]] = []
    for unit, by_unit in groupby(changes, key=lambda c: c.unit):
        first = starts.get(unit, BEGINNING) if starts is not None else BEGINNING
        running = Metrics()
        kind = ""
        points: list[tuple[date, Metrics]] = []
        for day, on_day in groupby(by_unit, key=lambda c: c.day):
            if day > first and not points:
                points.append((first, running.copy().drop_zeros()))
            for c in on_day:
                kind = c.kind
                running.add_counts(c.outcome, c.severity, c.category, c.n, c.fakes, c.repeats)
            if day >= first:
                points.append((day, running.copy().drop_zeros()))
        if not points:
            points.append((first, running.copy().drop_zeros()))
        ends = [day for day, _ in points[1:]] + [END]
        pending.extend(
            (unit, kind, since, until, metrics)
            for (since, metrics), until in zip(points, ends, strict=True)
        )
        if len(pending) >= BATCH:
            yield from _scored(pending, ruleset, evaluator)
            pending = []
    yield from _scored(pending, ruleset, evaluator)


def empty_standing(ruleset: Ruleset, evaluator: Evaluator, kind: str) -> Standing:
    """The standing of a unit of ``kind`` with no findings (a unit with no kept counts)."""
    return next(_scored([("", kind, BEGINNING, END, Metrics())], ruleset, evaluator))


def _scored(
    pending: Sequence[tuple[str, str, date, date, Metrics]],
    ruleset: Ruleset,
    evaluator: Evaluator,
) -> Iterator[Standing]:
    """The standings of ``pending`` (unit, kind, since, until, metrics), the rules of all
    evaluated in one call; a unit's consecutive equal standings merged."""
    weights = rate_weights(ruleset)
    values = [m.close(ruleset, weights).values() for *_, m in pending]
    verdict = shared_verdicts(ruleset)
    held: Standing | None = None
    for (unit, kind, since, until, m), ids, vals in zip(
        pending, evaluator.evaluate(ruleset, values), values, strict=True
    ):
        v = verdict(ids, vals)
        now = Standing(
            unit,
            since,
            until,
            kind,
            m.findings,
            m.overdue,
            round_rate(m.rate),
            float(v.score),
            v.grade.value,
        )
        if held is not None and held.unit == unit and held[3:] == now[3:]:
            held = held._replace(until=until)
            continue
        if held is not None:
            yield held
        held = now
    if held is not None:
        yield held
