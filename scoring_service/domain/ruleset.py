"""A year's rule set as plain values, after its files are read, merged and checked.

Every number the assessment gives to a year lives here, loaded from ``rules/<year>/``;
the code that scores only knows the concepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Protocol

from scoring_service.domain.model import Severity, UnitKind


class Measure(StrEnum):
    """Measures in the order they are reported."""

    COMMENDATION = "commendation"  # 通报表扬
    CRITICISM = "criticism"  # 通报批评
    INTERVIEW = "interview"  # 约谈
    ACCOUNTABILITY = "accountability"  # 问责


MEASURE_ORDER: tuple[Measure, ...] = tuple(Measure)


class Grade(StrEnum):
    """Grades from best to worst."""

    EXCELLENT = "excellent"  # 好
    GOOD = "good"  # 较好
    FAIR = "fair"  # 一般
    POOR = "poor"  # 较差


GRADE_ORDER: tuple[Grade, ...] = tuple(Grade)

MetricValue = int | Fraction | None


class Condition(Protocol):
    """A parsed rule condition over a unit's metrics."""

    source: str

    @property
    def metrics(self) -> frozenset[str]:
        """The metric names the condition reads (``rate``, ``overdue_by_category.6``...)."""

    def evaluate(self, values: Mapping[str, MetricValue]) -> bool:
        """Exact evaluation; False whenever a metric it reads is null."""


@dataclass(frozen=True, slots=True)
class Points:
    """Points a rule gives: ``points`` once, or ``points`` per unit of metric ``per``."""

    points: Fraction
    per: str | None = None

    def total(self, values: Mapping[str, MetricValue]) -> Fraction:
        if self.per is None:
            return self.points
        value = values.get(self.per) or 0
        return self.points * Fraction(value)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    description: str
    reference: str
    condition: Condition
    bonus: Points | None = None
    deduction: Points | None = None
    measures: tuple[Measure, ...] = ()
    grade: Grade | None = None  # a forced grade


@dataclass(frozen=True, slots=True)
class GradeBand:
    grade: Grade
    min: Fraction | None  # None: every score below the bands above


@dataclass(frozen=True, slots=True)
class Attribution:
    territorial: bool
    helping_unit_categories: frozenset[str]


@dataclass(frozen=True, slots=True)
class AlertParams:
    letter_days: int
    max_days: int
    min_towns: int
    min_poor_villages: int
    min_ordinary_villages: int
    min_households: int
    min_pre_exit: int
    min_not_exited: int
    inspections_from: date
    escalation_days: int
    due_within_days: int  # what is due: yellow this many days before the deadline
    report_days: int = 30  # the letter asks for the rectification report this many days on


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The criteria catalogue: category code -> name, item code -> name."""

    categories: Mapping[str, str]
    items: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Ruleset:
    year: int
    content_hash: str  # identifies this exact content; a changed file is a new rule set
    base_score: Fraction
    cutoff: date
    late_credit: Fraction
    severity_weights: Mapping[Severity, Fraction]
    cap_bonus: Fraction | None  # None: no cap
    cap_deduction: Fraction | None
    scored_kinds: tuple[UnitKind, ...]
    attribution: Attribution
    rules: tuple[Rule, ...]
    grades: tuple[GradeBand, ...]  # highest minimum first
    alerts: AlertParams
    catalogue: Catalogue
    extends: int | None = None
    source: Mapping[str, str] = field(default_factory=dict)  # file name -> text, as read


class RuleSource(Protocol):
    """Where a year's rule sets come from (the shipped files, or the versions published)."""

    def current(self, year: int) -> Ruleset | None:
        """The year's rule set in force, or None when the year has none."""

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        """The year's rule set with this content hash (a score run's), or None when unknown."""
