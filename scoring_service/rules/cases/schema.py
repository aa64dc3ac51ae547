"""The shape of rule test cases: what a case file may say, and the cases as they are run.

The pydantic models (``...In``, ``...Expect``) check a case file as written, forbidding
unknown keys; the dataclasses hold a checked case for the runner. ``show`` writes a value
back as a rule editor writes it, for problems and differences alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictInt,
    StrictStr,
    Tag,
)

from scoring_service.domain.metrics import SCALAR_METRICS, round_rate
from scoring_service.domain.model import Outcome, Severity, UnitKind
from scoring_service.domain.ruleset import Grade, Measure
from scoring_service.i18n import gettext as _
from scoring_service.i18n import ngettext
from scoring_service.rules.problems import RuleProblem
from scoring_service.rules.yaml_source import Loc, Path_, key_text

TESTS_DIR = "tests"
CASE_SUFFIXES = (".yaml", ".yml")
BY_CATEGORY = "overdue_by_category"
METRIC_KEYS: tuple[str, ...] = (*SCALAR_METRICS, BY_CATEGORY)
ALERT_SUBJECTS = ("inspection", "group", "month", "finding")


class CaseFileError(Exception):
    """Case files that cannot be read; ``problems`` names each one's file, line and key."""

    def __init__(self, problems: Iterable[RuleProblem]) -> None:
        self.problems: tuple[RuleProblem, ...] = tuple(problems)
        count = len(self.problems)
        head = ngettext(
            "%(num)s problem in rule case files:", "%(num)s problems in rule case files:", count
        )
        super().__init__("\n  ".join([head, *(str(p) for p in self.problems)]))


# --- the shape of a case file -------------------------------------------------------------


def _number(value: Any) -> Fraction:
    # The YAML reader gives ints and Fractions (exact decimal text); never floats.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError(_("expected a number, e.g. 3 or 0.5"))
    return Fraction(value)


_RATE_TEXT = re.compile(r"^\s*(\d+\s*/\s*\d+|\d+(\.\d+)?)\s*$")  # "19/20" or "0.95"


def _rate(value: Any) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, str) and _RATE_TEXT.match(value):
        try:
            rate = Fraction(value.replace(" ", ""))  # exact, from the text
        except ZeroDivisionError:
            raise ValueError(_("a fraction cannot have 0 below the line")) from None
    elif isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError(
            _('expected a rate: a decimal like 0.95, a fraction like "19/20", or null')
        )
    else:
        rate = Fraction(value)
    if not 0 <= rate <= 1:
        raise ValueError(_("a rate lies between 0 and 1"))
    return rate


T = TypeVar("T")
Number = Annotated[Fraction, PlainValidator(_number)]
Rate = Annotated[Fraction | None, PlainValidator(_rate)]
Count = Annotated[StrictInt, Field(ge=0)]
# Counts are counted one finding at a time by the real code: keep them within reason.
CountOf = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Text = Annotated[StrictStr, Field(min_length=1)]
RuleId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]


def _not_null(value: T) -> T:
    if value is None:
        raise ValueError(_("null is not allowed here: leave the key out"))
    return value


# A key that may be left out (``model_fields_set`` tells which were written); a written
# ``null`` is an error where null means nothing.
Given = Annotated[T | None, AfterValidator(_not_null)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class MetricValuesIn(_Strict):
    """A unit's metric values, the input of a metrics case."""

    findings: Given[Count] = None
    due: Given[Count] = None
    on_time: Count = 0
    late: Count = 0
    overdue: Count = 0
    open: Count = 0
    overdue_major: Count = 0
    overdue_by_category: dict[StrictStr, Count] = {}
    fakes: Count = 0
    repeats: Count = 0
    rate: Rate = None


class CountsIn(_Strict):
    """Findings by outcome and severity; the real code counts them and computes the rate."""

    on_time: dict[Severity, CountOf] = {}
    late: dict[Severity, CountOf] = {}
    overdue: dict[Severity, CountOf] = {}
    open: dict[Severity, CountOf] = {}


class MetricsExpect(_Strict):
    findings: Given[Count] = None
    due: Given[Count] = None
    on_time: Given[Count] = None
    late: Given[Count] = None
    overdue: Given[Count] = None
    open: Given[Count] = None
    overdue_major: Given[Count] = None
    overdue_by_category: Given[dict[StrictStr, Count]] = None
    fakes: Given[Count] = None
    repeats: Given[Count] = None
    rate: Rate = None  # null: the rate is expected to be null


class FiredIn(_Strict):
    """A rule expected to fire, with the points it gives before the caps."""

    rule: RuleId
    bonus: Given[Number] = None
    deduction: Given[Number] = None


def _fired_form(value: Any) -> str:
    return "rule with points" if isinstance(value, dict | FiredIn) else "rule id"


FiredItem = Annotated[
    Annotated[RuleId, Tag("rule id")] | Annotated[FiredIn, Tag("rule with points")],
    Discriminator(_fired_form),
]


class OutcomeExpect(_Strict):
    """What a unit's result must show; only the keys written are checked."""

    fired: Given[list[FiredItem]] = None
    bonus: Given[Number] = None
    deduction: Given[Number] = None
    score: Given[Number] = None
    grade: Given[Grade] = None
    measures: Given[list[Measure]] = None
    metrics: Given[MetricsExpect] = None


class RowExpect(OutcomeExpect, MetricsExpect):
    """A partial score row: the unit, and any of its metrics (here or under ``metrics``)."""

    unit: Text
    name: Given[Text] = None
    kind: Given[UnitKind] = None
    rank: Given[Annotated[StrictInt, Field(ge=1)]] = None


class AlertExpect(_Strict):
    type: Literal[
        "late_letter", "long_inspection", "incomplete_sample", "missed_month", "unescalated_major"
    ]
    inspection: Given[Text] = None
    group: Given[Text] = None
    month: Given[Text] = None
    finding: Given[Text] = None


class BundleExpect(_Strict):
    rows: list[RowExpect] = []
    alerts: Given[list[AlertExpect]] = None


class MetricsCaseIn(_Strict):
    name: Text
    metrics: Given[MetricValuesIn] = None
    counts: Given[CountsIn] = None
    expect: OutcomeExpect


class BundleCaseIn(_Strict):
    name: Text
    bundle: Given[dict[StrictStr, Any]] = None
    bundle_file: Given[Text] = None
    as_of: Given[date] = None
    expect: BundleExpect


def _case_form(value: Any) -> str:
    if isinstance(value, BundleCaseIn) or (
        isinstance(value, dict) and ("bundle" in value or "bundle_file" in value)
    ):
        return "bundle case"
    return "metrics case"


CaseIn = Annotated[
    Annotated[MetricsCaseIn, Tag("metrics case")] | Annotated[BundleCaseIn, Tag("bundle case")],
    Discriminator(_case_form),
]


class CaseFileIn(_Strict):
    year: Given[StrictInt] = None
    cases: list[CaseIn]


# --- cases as the runner holds them -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FiredExpect:
    rule: str
    bonus: Fraction | None = None
    deduction: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Expectation:
    """The checks on one unit's result: ``values`` by key, ``metrics`` by metric name."""

    values: Mapping[str, Any]  # bonus, deduction, score, grade, measures, rank, name, kind
    metrics: Mapping[str, Any]
    fired: tuple[FiredExpect, ...] | None = None


@dataclass(frozen=True, slots=True)
class BundleSource:
    """A case's bundle as JSON text, and where its parts were written (for problems)."""

    text: str
    file: str  # the case file, or the bundle file
    locs: Mapping[Path_, Loc]  # empty for a bundle file: problems name a JSON pointer there
    base: Path_
    value: Any

    def where(self, pointer: str) -> str:
        """``file:line: key`` of a JSON pointer into the bundle."""
        if not self.locs:
            return f"{self.file}: {pointer or '/'}"
        path = (*self.base, *pointer_path(self.value, pointer))
        for size in range(len(path), 0, -1):
            loc = self.locs.get(path[:size])
            if loc is not None:
                return f"{loc.file}:{loc.line}: {key_text(path)}"
        return f"{self.file}: {key_text(path)}"


@dataclass(frozen=True, slots=True)
class MetricsCase:
    """One unit's metrics (or counts) and the result they must give."""

    name: str
    file: str
    line: int
    year: int
    metrics: MetricValuesIn
    counts: Mapping[tuple[Outcome, Severity], int] | None
    expect: Expectation

    @property
    def where(self) -> str:
        return _("%(file)s:%(line)s", file=self.file, line=self.line)


@dataclass(frozen=True, slots=True)
class BundleCase:
    """A small bundle, an as-of date and the rows (and alerts) it must give."""

    name: str
    file: str
    line: int
    year: int
    bundle: BundleSource
    as_of: date | None  # None: the rule set's cutoff
    rows: tuple[tuple[str, Expectation], ...]
    alerts: tuple[tuple[str, ...], ...] | None  # subjects; None: alerts not checked

    @property
    def where(self) -> str:
        return _("%(file)s:%(line)s", file=self.file, line=self.line)


Case = MetricsCase | BundleCase


# --- values as a case file writes them ----------------------------------------------------


def alert_subject(alert: Mapping[str, Any]) -> tuple[str, ...]:
    """An alert as a case names it: its type and the subjects it has (``group=G1``, ...)."""
    return (alert["type"], *(f"{k}={alert[k]}" for k in ALERT_SUBJECTS if alert.get(k)))


def pointer_path(value: Any, pointer: str) -> Path_:
    """A JSON pointer as a path into ``value`` (list indices as ints)."""
    path: list[str | int] = []
    current = value
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, list) and part.isdigit():
            index = int(part)
            current = current[index] if index < len(current) else None
            path.append(index)
        else:
            current = current.get(part) if isinstance(current, dict) else None
            path.append(part)
    return tuple(path)


def show(value: Any) -> str:
    """A value as a rule editor writes it: exact decimals, ``a/b`` when not a decimal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Fraction):
        return _exact_text(Fraction(value))
    if isinstance(value, Grade | Measure | UnitKind):
        return value.value
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value) if value else _("nothing")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _exact_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    rest = value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest == 1:  # a finite decimal: write every digit
        with localcontext() as context:
            context.prec = 60
            return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return f"{value.numerator}/{value.denominator} (≈{round_rate(value)})"
