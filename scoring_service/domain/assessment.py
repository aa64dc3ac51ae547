"""The year's assessment as of a date: finding states, attribution, metrics, rules, rows.

Everything here is pure: the rule engine comes in as an ``Evaluator``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Protocol

from scoring_service.domain.attribution import Attributor, Reason
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.metrics import Metrics, rate_weights
from scoring_service.domain.model import Event, Finding, Outcome, Severity, Unit, UnitKind, YearData
from scoring_service.domain.ruleset import Attribution, MetricValue, Ruleset
from scoring_service.domain.scoring import Verdict, json_number, ranks, shared_verdicts
from scoring_service.domain.timeline import APPLY_ORDER, FindingState, outcome, repeats, state_after
from scoring_service.i18n import gettext as _


class Evaluator(Protocol):
    """Decides which rules fire for each unit's metric values."""

    def evaluate(
        self, ruleset: Ruleset, values: Sequence[Mapping[str, MetricValue]]
    ) -> list[frozenset[str]]: ...


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """A finding as it stands at the as-of date."""

    finding: Finding
    state: FindingState
    outcome: Outcome
    repeat_of: str | None  # the earlier finding it repeats, when it is a repeat

    @property
    def repeat(self) -> bool:
        return self.repeat_of is not None


@dataclass(slots=True)
class UnitResult:
    """One scored unit's row, with what an explanation needs."""

    unit: Unit
    metrics: Metrics
    verdict: Verdict
    rank: int = 0
    counted: list[tuple[FindingFacts, tuple[Reason, ...]]] = field(default_factory=list)

    def to_row(self, category_order: list[str] | None = None) -> dict[str, object]:
        """The row as spec section 9 prints it."""
        v = self.verdict
        return {
            "unit": self.unit.code,
            "name": self.unit.name,
            "kind": self.unit.kind.value,
            "metrics": self.metrics.to_json(category_order),
            "fired": [
                {
                    "rule": f.rule.id,
                    "name": f.rule.name,
                    "bonus": json_number(f.bonus),
                    "deduction": json_number(f.deduction),
                }
                for f in v.fired
            ],
            "bonus": json_number(v.bonus),
            "deduction": json_number(v.deduction),
            "score": json_number(v.score),
            "grade": v.grade.value,
            "measures": [m.value for m in v.measures],
            "rank": self.rank,
        }


@dataclass(slots=True)
class Assessment:
    year: int
    as_of: date
    ruleset: Ruleset
    results: list[UnitResult]  # in the spec's row order
    facts: dict[str, FindingFacts]

    def rows(self) -> list[dict[str, object]]:
        order = list(self.ruleset.catalogue.categories)
        return [r.to_row(order) for r in self.results]


def check_as_of(year: int, as_of: date) -> None:
    """An as-of date must be on or after the year's first day (spec section 7)."""
    if as_of < date(year, 1, 1):
        raise InvalidRequest(
            _("as-of date %(as_of)s is before the year %(year)s began", as_of=as_of, year=year)
        )


def finding_facts(data: YearData, as_of: date) -> dict[str, FindingFacts]:
    """Each finding found by ``as_of``, with its state, outcome and repeat (spec section 3)."""
    # One stable sort of the year's events puts each finding's events in the order they
    # apply, as ``timeline.ordered`` would one finding at a time (ties keep their order).
    events_of: dict[str, list[Event]] = defaultdict(list)
    for event in sorted((e for e in data.events if e.date <= as_of), key=APPLY_ORDER):
        events_of[event.finding].append(event)
    found = [f for f in data.findings if f.found_on <= as_of]
    states = {f.code: state_after(f, events_of.get(f.code, ())) for f in found}
    repeat_of = repeats(found, {code: s.first_rectified_on for code, s in states.items()})
    return {
        f.code: FindingFacts(f, states[f.code], outcome(states[f.code], as_of), repeat_of[f.code])
        for f in found
    }


def assess(
    data: YearData,
    ruleset: Ruleset,
    as_of: date,
    evaluator: Evaluator,
    *,
    keep_findings: bool = False,
) -> Assessment:
    """Score every unit of a scored kind as of ``as_of``."""
    check_as_of(data.year, as_of)
    facts = finding_facts(data, as_of)
    scored = [u for u in data.units if u.kind in ruleset.scored_kinds]
    metrics: dict[str, Metrics] = {u.code: Metrics() for u in scored}
    counted: dict[str, list[tuple[FindingFacts, tuple[Reason, ...]]]] = defaultdict(list)
    attribute = Attributor(data.units, data.pairings, ruleset.attribution).attribute
    for fact in facts.values():
        f = fact.finding
        # What the finding adds is the same for every unit it counts for: read it once.
        counts = (fact.outcome, f.severity, f.category, fact.state.fakes, fact.repeat)
        for code, reasons in attribute(f).items():
            unit_metrics = metrics.get(code)
            if unit_metrics is None:
                continue  # not a scored kind
            unit_metrics.add(*counts)
            if keep_findings:
                counted[code].append((fact, reasons))
    results = score_units(scored, metrics, ruleset, evaluator)
    for result in results:
        result.counted = counted.get(result.unit.code, [])
    return Assessment(data.year, as_of, ruleset, results, facts)


class Counts(NamedTuple):
    """How many findings of one outcome, severity and category count for a unit, with
    their fakes and repeats summed: one row of the kept timelines' aggregate. A named
    tuple: the trend makes a hundred thousand of them, and a frozen dataclass is several
    times slower to build."""

    unit: str
    outcome: Outcome
    severity: Severity
    category: str
    findings: int
    fakes: int
    repeats: int


def metrics_from_counts(scored: Sequence[Unit], counts: Iterable[Counts]) -> dict[str, Metrics]:
    """Each scored unit's metrics (rate not yet closed) from aggregated counts."""
    metrics: dict[str, Metrics] = {u.code: Metrics() for u in scored}
    # Unpacked rather than read by name: a province has some 40,000 rows of counts.
    for unit, result, severity, category, n, fakes, repeated in counts:
        unit_metrics = metrics.get(unit)
        if unit_metrics is not None:
            unit_metrics.add_counts(result, severity, category, n, fakes, repeated)
    return metrics


def replayed_counts(
    data: YearData, attribution: Attribution, kinds: Collection[UnitKind], as_of: date
) -> list[Counts]:
    """The counts ``unit_counts`` aggregates from the kept timelines, from a fresh replay of
    the whole year instead: the reference the aggregate is checked against."""
    totals: dict[tuple[str, Outcome, Severity, str], list[int]] = {}
    wanted = {u.code for u in data.units if u.kind in kinds}
    attribute = Attributor(data.units, data.pairings, attribution).attribute
    for fact in finding_facts(data, as_of).values():
        f = fact.finding
        for code in attribute(f):
            if code in wanted:
                entry = totals.setdefault((code, fact.outcome, f.severity, f.category), [0, 0, 0])
                entry[0] += 1
                entry[1] += fact.state.fakes
                entry[2] += fact.repeat
    return [Counts(*key, *values) for key, values in totals.items()]


def assess_counts(
    year: int,
    scored: Sequence[Unit],
    counts: Iterable[Counts],
    ruleset: Ruleset,
    as_of: date,
    evaluator: Evaluator,
) -> Assessment:
    """Score the units of a scored kind from their findings' counts, as ``assess`` does
    from the findings themselves (the same metrics, rules, caps, grades and ranks)."""
    check_as_of(year, as_of)
    kinds = set(ruleset.scored_kinds)
    units = [u for u in scored if u.kind in kinds]
    results = score_units(units, metrics_from_counts(units, counts), ruleset, evaluator)
    return Assessment(year, as_of, ruleset, results, {})


def rescore(
    previous: Assessment, changed: Collection[str], counts: Iterable[Counts], evaluator: Evaluator
) -> Assessment:
    """``previous`` with the units of ``changed`` scored again from ``counts`` (their counts
    at its date), then every unit ranked again: the assessment ``assess_counts`` gives
    when the other units' counts are as they were."""
    units = [r.unit for r in previous.results if r.unit.code in changed]
    fresh = {
        r.unit.code: r
        for r in score_units(units, metrics_from_counts(units, counts), previous.ruleset, evaluator)
    }
    # New results throughout: ranking sets them, and ``previous`` may be shared.
    results = [
        fresh.get(r.unit.code) or UnitResult(r.unit, r.metrics, r.verdict) for r in previous.results
    ]
    return Assessment(
        previous.year, previous.as_of, previous.ruleset, _ranked(results, previous.ruleset), {}
    )


def assess_unit(
    year: int,
    unit: Unit,
    counted: Sequence[tuple[FindingFacts, tuple[Reason, ...]]],
    ruleset: Ruleset,
    as_of: date,
    evaluator: Evaluator,
    rank: int,
) -> Assessment:
    """One scored unit's row from the findings that count for it, ranked ``rank`` (the rank
    needs every unit's score: the caller has it); an assessment of that unit alone."""
    check_as_of(year, as_of)
    metrics = Metrics()
    for fact, _reasons in counted:
        f = fact.finding
        metrics.add(fact.outcome, f.severity, f.category, fact.state.fakes, fact.repeat)
    result = score_units([unit], {unit.code: metrics}, ruleset, evaluator)[0]
    result.rank = rank
    result.counted = list(counted)
    return Assessment(year, as_of, ruleset, [result], {})


def score_units(
    scored: Sequence[Unit],
    metrics: Mapping[str, Metrics],
    ruleset: Ruleset,
    evaluator: Evaluator,
) -> list[UnitResult]:
    """Close the rates, evaluate the rules, apply caps and grades, rank; in row order."""
    weights = rate_weights(ruleset)
    values = [metrics[u.code].close(ruleset, weights).values() for u in scored]
    fired = evaluator.evaluate(ruleset, values)
    return _results(scored, metrics, values, fired, ruleset)


def assess_days(
    year: int,
    scored: Sequence[Unit],
    changes_by_day: Sequence[Mapping[str, Iterable[Counts]]],
    days: Sequence[date],
    ruleset: Ruleset,
    evaluator: Evaluator,
) -> list[Assessment]:
    """``assess_counts`` at each of ``days``, from the counts of the units that changed
    since the day before (a unit left out keeps its counts; none before the first day).

    A unit's metrics and the rules that fire for it are computed again only on the days its
    counts change, and the rules of every day are evaluated in one call (the engine
    evaluates each distinct metric set once); caps, grades and ranks are each day's.
    """
    kinds = set(ruleset.scored_kinds)
    units = [u for u in scored if u.kind in kinds]
    for day in days:
        check_as_of(year, day)
    weights = rate_weights(ruleset)
    empty = Metrics().close(ruleset, weights)
    # Which unit's metrics are new on which day, and their values, for one evaluation.
    fresh: list[list[tuple[str, Metrics]]] = []
    for changes in changes_by_day:
        day_fresh = []
        for unit in units:
            counts = changes.get(unit.code)
            if counts is not None:
                metrics = metrics_from_counts([unit], counts)[unit.code].close(ruleset, weights)
                day_fresh.append((unit.code, metrics))
        fresh.append(day_fresh)
    values = [metrics.values() for day_fresh in fresh for _, metrics in day_fresh]
    empty_values = empty.values()
    fired = evaluator.evaluate(ruleset, [empty_values, *values])
    current: dict[str, tuple[Metrics, Mapping[str, MetricValue], frozenset[str]]] = {
        u.code: (empty, empty_values, fired[0]) for u in units
    }
    position = 1
    out: list[Assessment] = []
    for day, day_fresh in zip(days, fresh, strict=True):
        for code, metrics in day_fresh:
            current[code] = (metrics, values[position - 1], fired[position])
            position += 1
        now = [current[u.code] for u in units]
        results = _results(
            units,
            {u.code: m for u, (m, _, _) in zip(units, now, strict=True)},
            [v for _, v, _ in now],
            [f for _, _, f in now],
            ruleset,
        )
        out.append(Assessment(year, day, ruleset, results, {}))
    return out


def _results(
    scored: Sequence[Unit],
    metrics: Mapping[str, Metrics],
    values: Sequence[Mapping[str, MetricValue]],
    fired: Sequence[frozenset[str]],
    ruleset: Ruleset,
) -> list[UnitResult]:
    """Verdicts and ranks from the rules that fired for each unit; in row order."""
    verdict = shared_verdicts(ruleset)
    results = [
        UnitResult(unit, metrics[unit.code], verdict(ids, vals))
        for unit, ids, vals in zip(scored, fired, values, strict=True)
    ]
    return _ranked(results, ruleset)


def _ranked(results: list[UnitResult], ruleset: Ruleset) -> list[UnitResult]:
    """``results`` ranked within their kind, in row order."""
    _rank(results)
    kind_order = {kind: i for i, kind in enumerate(ruleset.scored_kinds)}
    results.sort(key=lambda r: (kind_order[r.unit.kind], r.rank, r.unit.code))
    return results


def _rank(results: list[UnitResult]) -> None:
    by_kind: dict[str, list[UnitResult]] = defaultdict(list)
    for result in results:
        by_kind[result.unit.kind].append(result)
    for group in by_kind.values():
        for result, rank in zip(group, ranks([r.verdict.score for r in group]), strict=True):
            result.rank = rank
