"""The way up of a unit (spec section 10): which of its open or overdue findings, rectified
by when, would give it a better grade at the cutoff or lift a criticism or an interview.

The answer is computed, never estimated: each candidate set is scored with the rule set in
force by the unit of work's rule engine, from the unit's findings at the cutoff as they
would stand with one ``rectified`` event added per chosen finding.

**The date.** Each step's ``rectify_by`` is the as-of date. A later date is never better
for the finding itself: rectified on or before its effective deadline it is ``on_time``,
after it ``late``, and lateness only lowers its credit (spec section 5). Nothing else a
rule reads depends on the date, except that a rectification dated before another finding
of the same unit and criterion was found makes that one a repeat (spec section 3); that
happens only when findings were found after the as-of date, and it is counted as it would
be (the set is then scored with those repeats).

**The search.** Findings with the same effect on the metrics are interchangeable: the same
severity, outcome at the cutoff, outcome once rectified (on time or late), and category
when a rule reads that category's count. So the sets are counts per class, tried in
increasing size (the smallest set first); among sets of one size the one of greatest
severity weight wins (major findings first where they weigh more), then the classes'
order. A finding whose rectification would make another a repeat is a class of its own.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.attribution import Reason
from scoring_service.domain.errors import NotFound
from scoring_service.domain.metrics import CATEGORY_METRIC, CATEGORY_PREFIX, Metrics
from scoring_service.domain.model import Finding, Outcome
from scoring_service.domain.ruleset import GRADE_ORDER, Grade, Measure, MetricValue, Ruleset
from scoring_service.domain.scoring import Verdict, json_number, shared_verdicts
from scoring_service.domain.timeline import Span
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

# The measures whose removal is a way up, as a better grade is (spec section 10).
LIFTED = (Measure.CRITICISM, Measure.INTERVIEW)
# How many candidate sets are scored at most: a unit's open findings fall into a few
# classes, so the search is far smaller; past it the answer says it is not complete.
MAX_SETS = 200_000


@dataclass(frozen=True, slots=True)
class Standing:
    grade: Grade
    score: Fraction
    measures: tuple[Measure, ...]

    def to_json(self) -> dict[str, Any]:
        return {"grade": self.grade.value, "score": json_number(self.score)}


@dataclass(frozen=True, slots=True)
class Step:
    """Rectify ``finding`` on or before ``rectify_by``."""

    finding: str
    rectify_by: date
    description: str
    severity: str
    outcome: Outcome  # at the as-of date: open or overdue

    def to_json(self) -> dict[str, Any]:
        return {"finding": self.finding, "rectify_by": self.rectify_by.isoformat()}


@dataclass(frozen=True, slots=True)
class WayUp:
    year: int
    unit: str
    as_of: date
    cutoff: date
    start: Standing  # the unit at the cutoff if nothing changes
    to: Standing | None
    steps: list[Step] = field(default_factory=list)
    complete: bool = True  # False: the search stopped at MAX_SETS without finding one

    @property
    def lifted(self) -> tuple[Measure, ...]:
        """The criticism or interview the steps lift (none without a way up)."""
        if self.to is None:
            return ()
        return tuple(m for m in LIFTED if m in self.start.measures and m not in self.to.measures)

    @property
    def better_grade(self) -> bool:
        """Whether the steps give a better grade (else they lift a measure only)."""
        return self.to is not None and self.to.grade != self.start.grade

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "unit": self.unit,
            "as_of": self.as_of.isoformat(),
            "cutoff": self.cutoff.isoformat(),
            "from": self.start.to_json(),
            "to": self.to.to_json() if self.to is not None else None,
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class _Held:
    """A finding counting for the unit at the cutoff, as the metrics read it."""

    finding: Finding
    outcome: Outcome
    fakes: int
    repeat: bool


@dataclass(slots=True)
class _Class:
    key: tuple[Any, ...]
    weight: Fraction
    members: list[tuple[Finding, Span]]


def is_better(start: Standing, end: Standing) -> bool:
    """A better grade, or a criticism or interview no longer given (spec section 10)."""
    if GRADE_ORDER.index(end.grade) < GRADE_ORDER.index(start.grade):
        return True
    return any(m in start.measures and m not in end.measures for m in LIFTED)


def _categories_read(ruleset: Ruleset) -> frozenset[str] | None:
    """The categories whose overdue count a rule reads (None: every category)."""
    read: set[str] = set()
    for rule in ruleset.rules:
        names = set(rule.condition.metrics)
        names |= {p.per for p in (rule.bonus, rule.deduction) if p and p.per}
        for name in names:
            if name == CATEGORY_METRIC:
                return None
            if name.startswith(CATEGORY_PREFIX):
                read.add(name[len(CATEGORY_PREFIX) :])
    return frozenset(read)


# One of the unit's counted findings as the index gives it: the finding, its span at the
# date read, the finding it repeats (if any), why it counts for the unit.
Counted = tuple[Finding, Span, str | None, tuple[Reason, ...]]


@dataclass(frozen=True, slots=True)
class WayUpInputs:
    """What a unit's way up is computed from (``read_way_up``): ``find_way_up`` reads
    nothing else, so equal inputs give equal answers."""

    year: int
    unit: str
    ruleset: Ruleset
    day: date  # the as-of date
    at_end: list[Counted]  # the unit's counted findings at the cutoff
    now: list[Counted]  # at the day (none after the cutoff)
    last: list[Counted]  # at the end of time: each finding's last state (when ``now``)

    def fingerprint(self) -> str:
        """A digest of every input, the rule set by its content hash (its rules, weights,
        cutoff and attribution): equal fingerprints, equal way ups. Every field of the
        findings and spans is in it, not only those the search reads today."""
        whole = (self.year, self.unit, self.ruleset.content_hash, self.day, self.ruleset.cutoff)
        text = repr((whole, self.at_end, self.now, self.last))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def way_up(uow: UnitOfWork, year: int, code: str, *, as_of: date | None = None) -> WayUp:
    """The smallest set of the unit's open or overdue findings at ``as_of`` (default: the
    cutoff) that, each rectified on ``as_of``, gives it a better grade at the cutoff or
    removes criticism or interview from its measures; ``to`` None when no set does. A unit
    outside the caller's scope is not found."""
    return find_way_up(read_way_up(uow, year, code, as_of=as_of), uow.evaluator)


def read_way_up(uow: UnitOfWork, year: int, code: str, *, as_of: date | None = None) -> WayUpInputs:
    """What ``way_up`` computes from, read after its checks (the caller's scope first)."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    cutoff = ruleset.cutoff
    with uow:
        if not uow.reach(year).has(code):
            raise scope.hidden("unit", code, year)
        if not uow.years.exists(year):
            raise NotFound(
                _("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        held = uow.index.unit(year, code)
        if held is None or held.kind not in ruleset.scored_kinds:
            kinds = ", ".join(k.value for k in ruleset.scored_kinds)
            raise NotFound(
                _(
                    "unit %(unit)r is not a scored unit of %(year)s (scored kinds: %(kinds)s)",
                    unit=code,
                    year=year,
                    kinds=kinds,
                )
            )
        at_end = uow.index.counted(year, code, cutoff, ruleset.attribution)
        if day == cutoff:
            now = at_end  # the same read
        else:
            now = uow.index.counted(year, code, day, ruleset.attribution) if day < cutoff else []
        # Each finding's last state: a rectification added on the day must not overtake a
        # later event (after the cutoff too: the history would refuse it).
        last = uow.index.counted(year, code, date.max, ruleset.attribution) if now else []
    return WayUpInputs(year, code, ruleset, day, at_end, now, last)


def find_way_up(inputs: WayUpInputs, evaluator: Evaluator) -> WayUp:
    """The way up ``inputs`` give, each candidate set scored by ``evaluator``."""
    year, code, ruleset, day = inputs.year, inputs.unit, inputs.ruleset, inputs.day
    cutoff = ruleset.cutoff
    base = [
        _Held(f, span.outcome, span.fakes, repeat_of is not None)
        for f, span, repeat_of, _ in inputs.at_end
    ]
    ends = {f.code: span for f, span, _, _ in inputs.at_end}
    finals = {f.code: span for f, span, _, _ in inputs.last}
    candidates = [
        (f, span)
        for f, span, _, _ in inputs.now
        if span.outcome in (Outcome.OPEN, Outcome.OVERDUE) and _untouched(span, finals.get(f.code))
    ]
    search = _Search(ruleset, evaluator, base, day)
    start = search.standing()
    classes = _classes(candidates, base, ends, ruleset, day)
    found = search.first(classes, start)
    if found is None:
        return WayUp(year, code, day, cutoff, start, None, [], search.complete)
    end, chosen = found
    steps = [
        Step(f.code, day, f.description, f.severity.value, span.outcome)
        for f, span in sorted(chosen, key=lambda c: c[0].code)
    ]
    return WayUp(year, code, day, cutoff, start, end, steps)


def _untouched(now: Span, last: Span | None) -> bool:
    """Whether a ``rectified`` event can be added at the as-of date with nothing else
    changed: the finding's last state is still unrectified under the same deadline, so no
    later extension, rectification or look-back would be overtaken by it."""
    return (
        last is not None
        and last.completed_on is None
        and last.effective_deadline == now.effective_deadline
        # a rectification then a failed look-back after the day: the fakes tell
        and last.fakes == now.fakes
    )


def _rectified(span: Span, day: date) -> Outcome:
    """The outcome of a finding rectified on ``day`` (spec section 3)."""
    return Outcome.ON_TIME if day <= span.effective_deadline else Outcome.LATE


def _repeats_made(base: Sequence[_Held], day: date) -> dict[tuple[str, str], frozenset[str]]:
    """By found unit and criterion, the unit's findings that a rectification of a finding
    of theirs on ``day`` makes repeats: found after ``day``, not already repeats."""
    made: dict[tuple[str, str], set[str]] = {}
    for h in base:
        if not h.repeat and h.finding.found_on > day:
            made.setdefault((h.finding.unit, h.finding.criterion), set()).add(h.finding.code)
    return {key: frozenset(codes) for key, codes in made.items()}


def _new_repeats(finding: Finding, made: dict[tuple[str, str], frozenset[str]]) -> frozenset[str]:
    """The findings a rectification of ``finding`` makes repeats (``_repeats_made``)."""
    return made.get((finding.unit, finding.criterion), frozenset())


def _classes(
    candidates: Sequence[tuple[Finding, Span]],
    base: Sequence[_Held],
    ends: dict[str, Span],
    ruleset: Ruleset,
    day: date,
) -> list[_Class]:
    """The candidates grouped by their effect on the metrics (see the module's docstring),
    heaviest first, each class's members by code."""
    read = _categories_read(ruleset)
    made = _repeats_made(base, day)
    by_key: dict[tuple[Any, ...], _Class] = {}
    for finding, span in sorted(candidates, key=lambda c: c[0].code):
        category = finding.category if read is None or finding.category in read else ""
        repeats = _new_repeats(finding, made)
        key = (
            finding.severity.value,
            category,
            ends[finding.code].outcome.value,
            _rectified(span, day).value,
            finding.code if repeats else "",
        )
        weight = ruleset.severity_weights[finding.severity]
        by_key.setdefault(key, _Class(key, weight, [])).members.append((finding, span))
    return sorted(by_key.values(), key=lambda c: (-c.weight, c.key))


class _Tally:
    """A unit's metrics as integers that add up: the counts, the overdue count of each
    category in ``categories``, and the rate's scaled credit and weight
    (``Metrics.rate_sums``). A set's metrics are the unit's plus its classes' prefixes, so
    tens of thousands of sets are sums of a few tuples, each turned into metric values once."""

    def __init__(self, ruleset: Ruleset, categories: Sequence[str]) -> None:
        self.ruleset = ruleset
        self.categories = tuple(categories)
        self._known = frozenset(categories)

    def of(self, m: Metrics) -> tuple[int, ...]:
        """``m`` as a tuple; its categories must be among ``categories``."""
        assert m.overdue_by_category.keys() <= self._known  # else a count would be lost
        credit, weight = m.rate_sums(self.ruleset)
        by_category = tuple(m.overdue_by_category.get(c, 0) for c in self.categories)
        counts = (m.findings, m.on_time, m.late, m.overdue, m.open, m.overdue_major, m.fakes)
        return (*counts, m.repeats, *by_category, credit, weight)

    def values(self, tally: Sequence[int]) -> dict[str, MetricValue]:
        """``Metrics.values()`` of the metrics ``tally`` counts (a category counted down to
        none is left out, as ``Metrics.drop_zeros`` leaves it)."""
        findings, on_time, late, overdue, open_, overdue_major, fakes, repeats = tally[:8]
        credit, weight = tally[-2], tally[-1]
        values: dict[str, MetricValue] = {
            "findings": findings,
            "due": on_time + late + overdue,
            "on_time": on_time,
            "late": late,
            "overdue": overdue,
            "open": open_,
            "overdue_major": overdue_major,
            "fakes": fakes,
            "repeats": repeats,
            "rate": Fraction(credit, weight) if weight else None,
        }
        for category, count in zip(self.categories, tally[8:-2], strict=True):
            if count:
                values[CATEGORY_PREFIX + category] = count
        return values


_REPEATS = 7  # where ``_Tally.of`` puts the repeats


class _Search:
    """Scores candidate sets with the rule engine, a size at a time."""

    def __init__(self, ruleset: Ruleset, evaluator: Evaluator, base: Sequence[_Held], day: date):
        self.ruleset = ruleset
        self.evaluator = evaluator
        self.held = {h.finding.code: h for h in base}
        self.made = _repeats_made(base, day)
        self.day = day
        self.complete = True
        self.verdict = shared_verdicts(ruleset)
        # The unit's metrics with nothing rectified (see ``values``); a change only ever
        # counts findings of the unit, so their categories are all a tally needs.
        self.tally = _Tally(ruleset, sorted({h.finding.category for h in base}))
        start = Metrics()
        for h in base:
            start.add(h.outcome, h.finding.severity, h.finding.category, h.fakes, h.repeat)
        self.start = self.tally.of(start)

    def _prefixes(self, c: _Class) -> list[tuple[tuple[int, ...], frozenset[str]]]:
        """For each n, how rectifying the class's first n members changes the metrics at
        the cutoff (as a tally), and which findings it makes repeats."""
        change, made = Metrics(), frozenset[str]()
        out = [(self.tally.of(change), made)]
        for finding, span in c.members:
            held = self.held.get(finding.code)
            if held is not None:  # else it counts at the day but no longer at the cutoff
                f = held.finding
                made |= _new_repeats(f, self.made)
                repeat = int(held.repeat)
                change.add_counts(held.outcome, f.severity, f.category, -1, -held.fakes, -repeat)
                rectified = _rectified(span, self.day)
                change.add_counts(rectified, f.severity, f.category, 1, held.fakes, repeat)
            out.append((self.tally.of(change), made))
        return out

    def values(
        self, changes: Sequence[tuple[tuple[int, ...], frozenset[str]]]
    ) -> dict[str, MetricValue]:
        """The unit's metric values at the cutoff with ``changes`` made: a set's metrics
        are the unit's changed by its classes' prefixes only (a county has hundreds of
        findings and tens of thousands of sets)."""
        tally = [sum(col) for col in zip(self.start, *(c for c, _ in changes), strict=True)]
        made = frozenset[str]().union(*(repeats for _, repeats in changes))
        tally[_REPEATS] += len(made)  # none of them was a repeat
        return self.tally.values(tally)

    def verdicts(self, values: Sequence[dict[str, MetricValue]]) -> list[Verdict]:
        """Each set's metric values scored: the rules that fire decided by the engine in
        one call; sets alike in what a verdict reads share it (``shared_verdicts``)."""
        fired = self.evaluator.evaluate(self.ruleset, values)
        return [self.verdict(ids, v) for ids, v in zip(fired, values, strict=True)]

    def standing(self) -> Standing:
        """The unit at the cutoff with nothing rectified."""
        v = self.verdicts([self.values([])])[0]
        return Standing(v.grade, v.score, v.measures)

    def first(
        self, classes: Sequence[_Class], start: Standing
    ) -> tuple[Standing, list[tuple[Finding, Span]]] | None:
        """The first set, by size then preference, that is a way up from ``start``."""
        total = sum(len(c.members) for c in classes)
        prefixes = [self._prefixes(c) for c in classes]
        # The classes' weights as integers in the same proportions: a set's weight is
        # summed tens of thousands of times, and the order (a stable sort) is the same.
        scale = math.lcm(*(c.weight.denominator for c in classes))
        weights = [c.weight.numerator * (scale // c.weight.denominator) for c in classes]
        tried = 0
        for size in range(1, total + 1):
            sizes = [len(c.members) for c in classes]
            tried += _count(sizes, size)
            if tried > MAX_SETS:
                self.complete = False
                return None
            vectors = sorted(
                _vectors(sizes, size), key=lambda v: -sum(map(operator.mul, v, weights))
            )
            values = [
                self.values([p[n] for p, n in zip(prefixes, v, strict=True) if n]) for v in vectors
            ]
            for vector, v in zip(vectors, self.verdicts(values), strict=True):
                end = Standing(v.grade, v.score, v.measures)
                if is_better(start, end):
                    return end, _chosen(classes, vector)
        return None


def _chosen(classes: Sequence[_Class], vector: Sequence[int]) -> list[tuple[Finding, Span]]:
    return [m for c, n in zip(classes, vector, strict=True) for m in c.members[:n]]


def _count(sizes: Sequence[int], total: int) -> int:
    """How many vectors ``_vectors`` gives, counted without listing them."""
    ways = [1] + [0] * total
    for size in sizes:
        ways = [sum(ways[t - n] for n in range(min(size, t) + 1)) for t in range(total + 1)]
    return ways[total]


def _vectors(sizes: Sequence[int], total: int) -> Iterator[tuple[int, ...]]:
    """Every choice of how many of each class, at most its size, adding up to ``total``,
    earlier classes taking more first."""
    if not sizes:
        if total == 0:
            yield ()
        return
    rest = sum(sizes[1:])
    for n in range(min(sizes[0], total), max(0, total - rest) - 1, -1):
        for tail in _vectors(sizes[1:], total - n):
            yield (n, *tail)


__all__ = [
    "Standing",
    "Step",
    "WayUp",
    "WayUpInputs",
    "find_way_up",
    "is_better",
    "read_way_up",
    "way_up",
]
