"""A unit's metrics over the findings that count for it (spec section 5)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from scoring_service.domain.model import Outcome, Severity
from scoring_service.domain.ruleset import MetricValue, Ruleset

# Metric names a rule condition may read, besides overdue_by_category.<C>.
SCALAR_METRICS: tuple[str, ...] = (
    "findings",
    "due",
    "on_time",
    "late",
    "overdue",
    "open",
    "overdue_major",
    "fakes",
    "repeats",
    "rate",
)
CATEGORY_METRIC = "overdue_by_category"
CATEGORY_PREFIX = CATEGORY_METRIC + "."  # overdue_by_category.6 names one category's count
RATE_SCALE = 10_000  # rates are reported to 4 decimals


@dataclass(slots=True)
class Metrics:
    """Counts of one unit's findings; ``rate`` is exact and None when nothing is due."""

    findings: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    overdue_major: int = 0
    fakes: int = 0
    repeats: int = 0
    overdue_by_category: dict[str, int] = field(default_factory=dict)
    # Due findings by outcome and severity: the rate is computed from these once, in
    # ``close``, so that counting stays integer arithmetic.
    due_counts: dict[tuple[Outcome, Severity], int] = field(default_factory=dict)
    rate: Fraction | None = None

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue

    def add(
        self, outcome: Outcome, severity: Severity, category: str, fakes: int, repeat: bool
    ) -> None:
        """Count one finding."""
        self.findings += 1
        self.fakes += fakes
        self.repeats += repeat
        if outcome is Outcome.OPEN:
            self.open += 1
            return
        key = (outcome, severity)
        self.due_counts[key] = self.due_counts.get(key, 0) + 1
        if outcome is Outcome.ON_TIME:
            self.on_time += 1
        elif outcome is Outcome.LATE:
            self.late += 1
        else:
            self.overdue += 1
            self.overdue_major += severity is Severity.MAJOR
            self.overdue_by_category[category] = self.overdue_by_category.get(category, 0) + 1

    def add_counts(
        self,
        outcome: Outcome,
        severity: Severity,
        category: str,
        count: int,
        fakes: int,
        repeats: int,
    ) -> None:
        """Count ``count`` findings alike in outcome, severity and category at once, with
        their fakes and repeats summed: what ``add`` gives one at a time."""
        self.findings += count
        self.fakes += fakes
        self.repeats += repeats
        if outcome is Outcome.OPEN:
            self.open += count
            return
        key = (outcome, severity)
        self.due_counts[key] = self.due_counts.get(key, 0) + count
        if outcome is Outcome.ON_TIME:
            self.on_time += count
        elif outcome is Outcome.LATE:
            self.late += count
        else:
            self.overdue += count
            if severity is Severity.MAJOR:
                self.overdue_major += count
            self.overdue_by_category[category] = self.overdue_by_category.get(category, 0) + count

    def copy(self) -> Metrics:
        """An independent copy (its dictionaries too), to count changes into."""
        return Metrics(
            self.findings,
            self.on_time,
            self.late,
            self.overdue,
            self.open,
            self.overdue_major,
            self.fakes,
            self.repeats,
            dict(self.overdue_by_category),
            dict(self.due_counts),
            self.rate,
        )

    def add_all(self, other: Metrics) -> None:
        """Count ``other``'s counts too (negative ones take away)."""
        self.findings += other.findings
        self.on_time += other.on_time
        self.late += other.late
        self.overdue += other.overdue
        self.open += other.open
        self.overdue_major += other.overdue_major
        self.fakes += other.fakes
        self.repeats += other.repeats
        for category, n in other.overdue_by_category.items():
            self.overdue_by_category[category] = self.overdue_by_category.get(category, 0) + n
        for key, n in other.due_counts.items():
            self.due_counts[key] = self.due_counts.get(key, 0) + n

    def drop_zeros(self) -> Metrics:
        """Forget the categories and due classes counted down to none (after ``add_counts``
        with negative counts), as if never counted."""
        self.overdue_by_category = {c: n for c, n in self.overdue_by_category.items() if n}
        self.due_counts = {k: n for k, n in self.due_counts.items() if n}
        return self

    def close(self, ruleset: Ruleset, weights: RateWeights | None = None) -> Metrics:
        """Compute the rate: weighted credit over weight of the due findings, exactly.
        ``weights``: the rule set's ``rate_weights``, read once for many units."""
        credit, weight = self.rate_sums(ruleset, weights)
        self.rate = Fraction(credit, weight) if weight else None
        return self

    def rate_sums(self, ruleset: Ruleset, weights: RateWeights | None = None) -> tuple[int, int]:
        """The rate's weighted credit and weight, both scaled by one common denominator
        (which cancels in the rate): integers that add up as the counts do."""
        scaled = rate_weights(ruleset) if weights is None else weights
        credit = weight = 0
        for key, count in self.due_counts.items():
            c, w = scaled[key]
            credit += c * count
            weight += w * count
        return credit, weight

    def rate_parts(self, ruleset: Ruleset) -> tuple[Fraction, Fraction]:
        """The rate's numerator and denominator as a clerk recounts them: the weighted
        credit of the due findings (late ones at the rule set's late credit) and their
        weight, e.g. 68.5 and 124 for a rate of 55.24%."""
        credit_of = {Outcome.ON_TIME: Fraction(1), Outcome.LATE: ruleset.late_credit}
        credit = weight = Fraction(0)
        for (outcome, severity), count in self.due_counts.items():
            w = ruleset.severity_weights[severity] * count
            weight += w
            credit += w * credit_of.get(outcome, Fraction(0))
        return credit, weight

    def values(self) -> dict[str, MetricValue]:
        """Flat metric values as rule conditions read them."""
        flat: dict[str, MetricValue] = {name: getattr(self, name) for name in SCALAR_METRICS}
        for category, count in self.overdue_by_category.items():
            flat[CATEGORY_PREFIX + category] = count
        return flat

    def to_json(self, category_order: list[str] | None = None) -> dict[str, object]:
        """The metrics as spec section 9 prints them."""
        order = category_order or sorted(self.overdue_by_category)
        by_category = {
            c: self.overdue_by_category[c] for c in order if c in self.overdue_by_category
        }
        if len(by_category) < len(self.overdue_by_category):  # categories not in the order
            for c in sorted(set(self.overdue_by_category) - set(by_category)):
                by_category[c] = self.overdue_by_category[c]
        return {
            "findings": self.findings,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "open": self.open,
            "overdue_major": self.overdue_major,
            "overdue_by_category": by_category,
            "fakes": self.fakes,
            "repeats": self.repeats,
            "rate": round_rate(self.rate),
        }


# (credit, weight) of one due finding by outcome and severity, as integers.
RateWeights = Mapping[tuple[Outcome, Severity], tuple[int, int]]


def rate_weights(ruleset: Ruleset) -> RateWeights:
    """The rule set's (credit, weight) of one due finding by outcome and severity, scaled to
    integers. Looking them up hashes the rule set's fractions: a caller closing many units'
    metrics reads them once and hands them to ``Metrics.close``."""
    return _scaled_weights(ruleset.late_credit, tuple(ruleset.severity_weights.items()))


@lru_cache(maxsize=64)
def _scaled_weights(
    late_credit: Fraction, weights: tuple[tuple[Severity, Fraction], ...]
) -> dict[tuple[Outcome, Severity], tuple[int, int]]:
    """(credit, weight) of one due finding by outcome and severity, as integers.

    All are scaled by one common denominator, which cancels in credit / weight; so the
    rate is one exact Fraction per unit instead of Fraction sums per finding kind.
    """
    credit_of = {
        Outcome.ON_TIME: Fraction(1),
        Outcome.LATE: late_credit,
        Outcome.OVERDUE: Fraction(0),
    }
    exact = {
        (outcome, severity): (weight * credit, weight)
        for outcome, credit in credit_of.items()
        for severity, weight in weights
    }
    scale = math.lcm(*(q.denominator for pair in exact.values() for q in pair))
    return {key: (int(c * scale), int(w * scale)) for key, (c, w) in exact.items()}


def round_rate(rate: Fraction | None) -> float | None:
    """Round half up to 4 decimals (0.90625 -> 0.9063), exactly, then to a JSON number."""
    if rate is None:
        return None
    # floor(rate * SCALE + 1/2) in integers (Fraction arithmetic is slow, and every score
    # row and trend point rounds one); int / int is correctly rounded, as float(Fraction) is.
    n, d = rate.numerator, rate.denominator
    return (2 * n * RATE_SCALE + d) // (2 * d) / RATE_SCALE
