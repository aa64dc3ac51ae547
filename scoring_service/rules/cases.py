"""Rule tests as data: YAML cases of one unit's metrics or of a small bundle, and what they give.

Rule editors write them in ``rules/<year>/tests/*.yaml`` (the format is described in the
README's "Rule tests" section and at the top of ``rules/2018/tests/rates.yaml``).
``load_cases`` reads and checks case files, every problem named by file, line and key;
``run_case`` runs one case against a rule set and an evaluator and says in plain words how
the result differs from the expectation; ``run_year`` does both for a year's folder.
Bundle cases go through ``read_bundle`` and ``assess`` exactly as an import and a score
run do, without a database.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
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
    ValidationError,
)

from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.bundle.parse import parse_bundle
from scoring_service.bundle.schema import BUNDLE_FORMAT
from scoring_service.domain.alerts import process_alerts
from scoring_service.domain.assessment import Evaluator, assess
from scoring_service.domain.errors import DomainError
from scoring_service.domain.metrics import SCALAR_METRICS, Metrics, round_rate
from scoring_service.domain.model import Outcome, Severity, UnitKind
from scoring_service.domain.ruleset import Catalogue, Grade, Measure, Ruleset
from scoring_service.domain.scoring import Verdict, fire
from scoring_service.rules.loader import available_years, load_ruleset, schema_messages
from scoring_service.rules.merge import YEAR_DIR
from scoring_service.rules.problems import RuleProblem, unique
from scoring_service.rules.yaml_source import Loc, Path_, key_text, read_yaml

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
        head = f"{count} problem{'s' if count != 1 else ''} in rule case files:"
        super().__init__("\n  ".join([head, *(str(p) for p in self.problems)]))


# --- the shape of a case file -------------------------------------------------------------


def _number(value: Any) -> Fraction:
    # The YAML reader gives ints and Fractions (exact decimal text); never floats.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError("expected a number, e.g. 3 or 0.5")
    return Fraction(value)


_RATE_TEXT = re.compile(r"^\s*(\d+\s*/\s*\d+|\d+(\.\d+)?)\s*$")  # "19/20" or "0.95"


def _rate(value: Any) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, str) and _RATE_TEXT.match(value):
        try:
            rate = Fraction(value.replace(" ", ""))  # exact, from the text
        except ZeroDivisionError:
            raise ValueError("a fraction cannot have 0 below the line") from None
    elif isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError('expected a rate: a decimal like 0.95, a fraction like "19/20", or null')
    else:
        rate = Fraction(value)
    if not 0 <= rate <= 1:
        raise ValueError("a rate lies between 0 and 1")
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
        raise ValueError("null is not allowed here: leave the key out")
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
        path = (*self.base, *_pointer_path(self.value, pointer))
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
        return f"{self.file}:{self.line}"


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
        return f"{self.file}:{self.line}"


Case = MetricsCase | BundleCase


# --- loading ------------------------------------------------------------------------------


def case_files(year_dir_or_file: Path) -> list[Path]:
    """The case files at a path: a file itself, a year folder's ``tests/``, or a folder's."""
    path = Path(year_dir_or_file)
    if path.is_file():
        return [path]
    if (path / "ruleset.yaml").is_file() or (path / TESTS_DIR).is_dir():
        path = path / TESTS_DIR
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in CASE_SUFFIXES)


def load_cases(year_dir_or_file: Path) -> list[Case]:
    """Every case of a year folder (its ``tests/``), of a folder, or of one file.

    Raises ``CaseFileError`` listing every problem of every file read.
    """
    cases: list[Case] = []
    problems: list[RuleProblem] = []
    for path in case_files(Path(year_dir_or_file)):
        found, file_problems = _load_file(path)
        cases += found
        problems += file_problems
    if problems:
        raise CaseFileError(unique(problems))
    return cases


def _display(path: Path) -> str:
    """How problems name a case file: from its rules folder on (``rules/2018/tests/x.yaml``)."""
    parts = path.absolute().parts
    for index in range(len(parts) - 2, 0, -1):
        if YEAR_DIR.match(parts[index]):
            return "/".join(parts[index - 1 :])
    return str(path)


def _folder_year(path: Path) -> int | None:
    for parent in path.absolute().parents:
        if YEAR_DIR.match(parent.name):
            return int(parent.name)
    return None


class _File:
    """One case file being checked: its values, locations and problems."""

    def __init__(self, path: Path, name: str, value: Any, locs: dict[Path_, Loc]) -> None:
        self.path = path
        self.name = name
        self.value = value
        self.locs = locs
        self.problems: list[RuleProblem] = []

    def line(self, path: Path_) -> tuple[int, str]:
        for size in range(len(path), -1, -1):
            loc = self.locs.get(path[:size])
            if loc is not None:
                return loc.line, key_text(path)
        return 1, key_text(path)

    def problem(self, path: Path_, message: str) -> None:
        line, key = self.line(path)
        self.problems.append(RuleProblem(self.name, line, key, message))


def _load_file(path: Path) -> tuple[list[Case], list[RuleProblem]]:
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], [RuleProblem(name, 0, "", f"cannot read: {error}")]
    source, problems = read_yaml(name, text)
    if source is None or problems:
        return [], problems
    f = _File(path, name, source.value, source.locs)
    if not isinstance(f.value, dict):
        f.problem((), "expected a mapping with `cases:` at the top")
        return [], f.problems
    try:
        model = CaseFileIn.model_validate(f.value)
    except ValidationError as error:
        _schema_problems(f, error)
        return [], f.problems
    year = model.year if "year" in model.model_fields_set else _folder_year(path)
    if year is None:
        f.problem((), "the year is unknown: write `year:` (or keep the file in rules/<year>/)")
        return [], f.problems
    cases: list[Case] = []
    for index, case in enumerate(model.cases):
        at: Path_ = ("cases", index)
        line = f.line(at)[0]
        if isinstance(case, MetricsCaseIn):
            built: Case | None = _metrics_case(f, at, case, year, line)
        else:
            built = _bundle_case(f, at, case, year, line)
        if built is not None:
            cases.append(built)
    names = Counter(case.name for case in model.cases)
    for index, case in enumerate(model.cases):
        if names[case.name] > 1:
            f.problem(("cases", index, "name"), f"another case of this file is named {case.name!r}")
    return (cases if not f.problems else []), f.problems


def _schema_problems(f: _File, error: ValidationError) -> None:
    for path, message in schema_messages(f.value, error, show):
        f.problem(path, message)


def _given(model: BaseModel) -> dict[str, Any]:
    """The keys a model was written with, and their values."""
    return {key: getattr(model, key) for key in model.model_fields_set}


def _expectation(
    f: _File, at: Path_, model: OutcomeExpect, extra: Sequence[str] = ()
) -> Expectation:
    given = _given(model)
    metrics = _given(model.metrics) if model.metrics is not None else {}
    for key in METRIC_KEYS:
        if key in given:  # a row's metric written at the top level
            if key in metrics:
                f.problem((*at, key), f"{key} is given twice (here and under metrics)")
            metrics[key] = given[key]
    fired: tuple[FiredExpect, ...] | None = None
    if model.fired is not None:
        items = [
            FiredExpect(item) if isinstance(item, str) else FiredExpect(**_given(item))
            for item in model.fired
        ]
        ids = Counter(item.rule for item in items)
        for j, item in enumerate(items):
            if ids[item.rule] > 1:
                f.problem((*at, "fired", j), f"{item.rule} is listed twice")
        fired = tuple(items)
    values = {
        key: given[key]
        for key in ("bonus", "deduction", "score", "grade", "measures", *extra)
        if key in given
    }
    if not values and not metrics and fired is None and not extra:  # a row checks its unit
        f.problem(at, "nothing to check: write fired, bonus, deduction, score, grade, ...")
    return Expectation(values, metrics, fired)


def _metrics_case(
    f: _File, at: Path_, case: MetricsCaseIn, year: int, line: int
) -> MetricsCase | None:
    before = len(f.problems)
    metrics = case.metrics if case.metrics is not None else MetricValuesIn()
    given = _given(metrics)
    counts: dict[tuple[Outcome, Severity], int] | None = None
    if case.counts is not None:
        counts = {
            (Outcome(outcome), severity): n
            for outcome, by_severity in _given(case.counts).items()
            for severity, n in by_severity.items()
        }
        for key in sorted(set(given) - {"fakes", "repeats", BY_CATEGORY}):
            f.problem((*at, "metrics", key), f"{key} comes from counts: leave it out here")
        overdue = sum(n for (o, _), n in counts.items() if o is Outcome.OVERDUE)
        _check_categories(f, at, metrics, overdue)
    elif case.metrics is None:
        f.problem(at, "a case needs metrics (a unit's metric values), counts or a bundle")
    else:
        _check_metrics(f, (*at, "metrics"), metrics, given)
    expect = _expectation(f, (*at, "expect"), case.expect)
    if len(f.problems) > before:
        return None
    return MetricsCase(case.name, f.name, line, year, metrics, counts, expect)


def _check_metrics(f: _File, at: Path_, m: MetricValuesIn, given: Mapping[str, Any]) -> None:
    """A unit's metrics must hang together: the runner does not guess what was meant."""
    due = m.on_time + m.late + m.overdue
    if "rate" not in given:
        f.problem(at, 'rate is required: a decimal, a fraction like "19/20", or null')
    if m.due is not None and m.due != due:
        f.problem((*at, "due"), f"due is {m.due}, but on_time + late + overdue is {due}")
    if m.findings is not None and m.findings != due + m.open:
        f.problem(
            (*at, "findings"),
            f"findings is {m.findings}, but on_time + late + overdue + open is {due + m.open}",
        )
    if m.overdue_major > m.overdue:
        f.problem((*at, "overdue_major"), f"more than the {m.overdue} overdue findings")
    _check_categories(f, at, m, m.overdue)
    if "rate" in given and (m.rate is None) != (due == 0):
        message = (
            f"{due} findings are due (on_time + late + overdue), so the rate cannot be null"
            if due
            else "nothing is due (on_time + late + overdue is 0), so the rate must be null"
        )
        f.problem((*at, "rate"), message)


def _check_categories(f: _File, at: Path_, m: MetricValuesIn, overdue: int) -> None:
    total = sum(m.overdue_by_category.values())
    if total > overdue:
        f.problem(
            (*at, BY_CATEGORY), f"{total} overdue by category, more than the {overdue} overdue"
        )


def _bundle_case(
    f: _File, at: Path_, case: BundleCaseIn, year: int, line: int
) -> BundleCase | None:
    before = len(f.problems)
    source: BundleSource | None = None
    if (case.bundle is None) == (case.bundle_file is None):
        f.problem(at, "give either bundle (written here) or bundle_file (a path), not both")
    elif case.bundle is not None:
        source = _inline_bundle(f, (*at, "bundle"), case.bundle, year)
    else:
        assert case.bundle_file is not None
        source = _bundle_from_file(f, (*at, "bundle_file"), case.bundle_file, year)
    rows: list[tuple[str, Expectation]] = []
    units: set[str] = set()
    for j, row in enumerate(case.expect.rows):
        where = (*at, "expect", "rows", j)
        if row.unit in units:
            f.problem((*where, "unit"), f"unit {row.unit!r} has two expected rows")
        units.add(row.unit)
        rows.append((row.unit, _expectation(f, where, row, ("rank", "name", "kind"))))
    alerts = None
    if case.expect.alerts is not None:
        alerts = tuple(_subject(_given(a)) for a in case.expect.alerts)
    elif not rows:
        f.problem((*at, "expect"), "nothing to check: write rows (and/or alerts)")
    if len(f.problems) > before or source is None:
        return None
    return BundleCase(case.name, f.name, line, year, source, case.as_of, tuple(rows), alerts)


def _subject(alert: Mapping[str, Any]) -> tuple[str, ...]:
    return (alert["type"], *(f"{k}={alert[k]}" for k in ALERT_SUBJECTS if alert.get(k)))


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return float(value)  # a bundle holds no decimals: its schema names the value
    return value


def _inline_bundle(f: _File, at: Path_, bundle: dict[str, Any], year: int) -> BundleSource | None:
    value = {"format": BUNDLE_FORMAT, "year": year, **bundle}
    source = BundleSource(
        json.dumps(_json_value(value), ensure_ascii=False), f.name, f.locs, at, value
    )
    try:
        parsed = parse_bundle(source.text)
    except InvalidBundle as error:
        for problem in error.problems:
            path = (*at, *_pointer_path(value, problem.pointer))
            message = problem.message
            if message == "must be text" and isinstance(_lookup(f.value, path), int | Fraction):
                message += ": put it in quotes"
            f.problem(path, message)
        return None
    if parsed.year != year:
        f.problem((*at, "year"), f"a bundle of {parsed.year} in a case run against {year}'s rules")
        return None
    return source


def _bundle_from_file(f: _File, at: Path_, name: str, year: int) -> BundleSource | None:
    path = f.path.parent / name
    shown = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        f.problem(at, f"cannot read {shown}: {error.strerror or error}")
        return None
    try:
        parsed = parse_bundle(raw)
    except InvalidBundle as error:
        for problem in error.problems:
            f.problem(at, f"{shown}: {problem.pointer or '/'}: {problem.message}")
        return None
    if parsed.year != year:
        f.problem(at, f"{shown} is a bundle of {parsed.year}, the case runs against {year}")
        return None
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    return BundleSource(text, shown, {}, (), None)


def _pointer_path(value: Any, pointer: str) -> Path_:
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


def _lookup(value: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    differences: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        """One line: where the case is, its name, and what differed."""
        return f"{self.case.where}: {self.case.name}: {'; '.join(self.differences)}"


@dataclass(frozen=True, slots=True)
class YearReport:
    year: int
    results: tuple[CaseResult, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def run_year(year: int, rules_dir: Path, evaluator: Evaluator) -> YearReport:
    """Run every case in ``rules_dir/<year>/tests/``, each against its year's rule set."""
    cases = load_cases(Path(rules_dir) / str(year))
    years = set(available_years(rules_dir))
    missing = [c for c in cases if c.year not in years]
    if missing:
        raise CaseFileError(
            RuleProblem(c.file, c.line, "", f"there is no rule set for {c.year}") for c in missing
        )
    rulesets = {y: load_ruleset(y, rules_dir) for y in sorted({c.year for c in cases})}
    results = tuple(
        CaseResult(case, tuple(run_case(case, rulesets[case.year], evaluator))) for case in cases
    )
    return YearReport(year, results)


def run_case(case: Case, ruleset: Ruleset, evaluator: Evaluator) -> list[str]:
    """How the case's result differs from its expectation, in plain words; empty: it passes."""
    if case.year != ruleset.year:
        return [f"the case is for {case.year}, run with the rule set of {ruleset.year}"]
    if isinstance(case, MetricsCase):
        return _run_metrics(case, ruleset, evaluator)
    return _run_bundle(case, ruleset, evaluator)


def unit_metrics(case: MetricsCase, ruleset: Ruleset) -> Metrics:
    """The unit's metrics: as written, or counted from ``counts`` by the real code."""
    m = case.metrics
    if case.counts is None:
        return Metrics(
            findings=m.on_time + m.late + m.overdue + m.open,
            on_time=m.on_time,
            late=m.late,
            overdue=m.overdue,
            open=m.open,
            overdue_major=m.overdue_major,
            fakes=m.fakes,
            repeats=m.repeats,
            overdue_by_category=dict(m.overdue_by_category),
            rate=m.rate,
        )
    metrics = Metrics()
    for (outcome, severity), count in case.counts.items():
        for _ in range(count):
            metrics.add(outcome, severity, "", 0, False)
    # Counts carry no categories: the ones written replace the placeholder.
    metrics.overdue_by_category = dict(m.overdue_by_category)
    metrics.fakes = m.fakes
    metrics.repeats = m.repeats
    return metrics.close(ruleset)


def _run_metrics(case: MetricsCase, ruleset: Ruleset, evaluator: Evaluator) -> list[str]:
    metrics = unit_metrics(case, ruleset)
    problems = _unknown_categories(metrics, ruleset.catalogue)
    values = metrics.values()
    fired = evaluator.evaluate(ruleset, [values])[0]
    verdict = fire(ruleset, fired, values)
    return problems + differences(case.expect, metrics, verdict, {})


def _unknown_categories(metrics: Metrics, catalogue: Catalogue) -> list[str]:
    unknown = sorted(set(metrics.overdue_by_category) - set(catalogue.categories))
    known = ", ".join(catalogue.categories)
    return [
        f"overdue_by_category: unknown category {c!r} (the catalogue has {known})" for c in unknown
    ]


def _run_bundle(case: BundleCase, ruleset: Ruleset, evaluator: Evaluator) -> list[str]:
    def catalogue_of(year: int) -> Catalogue | None:
        return ruleset.catalogue if year == ruleset.year else None

    try:
        data = read_bundle(case.bundle.text, catalogue_of)
    except InvalidBundle as error:
        return [
            f"the bundle is refused: {case.bundle.where(p.pointer)}: {p.message}"
            for p in error.problems
        ]
    as_of = case.as_of or ruleset.cutoff
    try:
        assessment = assess(data, ruleset, as_of, evaluator)
    except DomainError as error:
        return [str(error)]
    results = {r.unit.code: r for r in assessment.results}
    kinds = {u.code: u.kind for u in data.units}
    out: list[str] = []
    for unit, expect in case.rows:
        result = results.get(unit)
        if result is None:
            kind = kinds.get(unit)
            why = "no such unit" if kind is None else f"a {kind.value} is not a scored kind"
            out.append(f"{unit}: no score row ({why})")
            continue
        facts = {"rank": result.rank, "name": result.unit.name, "kind": result.unit.kind}
        out += [f"{unit}: {d}" for d in differences(expect, result.metrics, result.verdict, facts)]
    if case.alerts is not None:
        got = Counter(_subject(a.to_json()) for a in process_alerts(data, ruleset.alerts, as_of))
        want = Counter(case.alerts)
        for subject in sorted((want - got).elements()):
            out.append(f"alert {' '.join(subject)} expected, not raised")
        for subject in sorted((got - want).elements()):
            out.append(f"alert {' '.join(subject)} raised, not expected")
    return out


def differences(
    expect: Expectation, metrics: Metrics, verdict: Verdict, facts: Mapping[str, Any]
) -> list[str]:
    """What a unit's metrics, verdict and row facts show that the expectation does not."""
    out: list[str] = []
    for name, want in expect.metrics.items():
        got: Any = getattr(metrics, name)
        if name == BY_CATEGORY:
            got = {c: n for c, n in got.items() if n}
            want = {c: n for c, n in want.items() if n}  # a category with none may be left out
        if got != want:
            out.append(f"{name} {show(got)}, expected {show(want)}")
    if expect.fired is not None:
        out += _fired_differences(expect.fired, verdict)
    actual: dict[str, Any] = {
        "bonus": verdict.bonus,
        "deduction": verdict.deduction,
        "score": verdict.score,
        "grade": verdict.grade,
        "measures": list(verdict.measures),
        **facts,
    }
    for key, want in expect.values.items():
        got = actual[key]
        if got == want:
            continue
        text = f"{key} {show(got)}, expected {show(want)}"
        if key == "grade" and verdict.grade != verdict.band_grade:
            text += f" (forced; the score alone gives {verdict.band_grade.value})"
        elif key in ("bonus", "deduction"):
            total = verdict.bonus_total if key == "bonus" else verdict.deduction_total
            if total != got:
                text += f" (capped from {show(total)})"
        out.append(text)
    return out


def _fired_differences(expected: Sequence[FiredExpect], verdict: Verdict) -> list[str]:
    got = {f.rule.id: f for f in verdict.fired}
    want_ids = [e.rule for e in expected]
    if set(got) != set(want_ids):
        order = {rid: i for i, rid in enumerate(got)}
        wanted = sorted(want_ids, key=lambda rid: (order.get(rid, len(order)), rid))
        return [f"fired {show(list(got))}, expected {show(wanted)}"]
    out = []
    for e in expected:
        rule = got[e.rule]
        for key, want in (("bonus", e.bonus), ("deduction", e.deduction)):
            value = rule.bonus if key == "bonus" else rule.deduction
            if want is not None and value != want:
                out.append(f"{e.rule} gave {key} {show(value)}, expected {show(want)}")
    return out


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
        return ", ".join(show(v) for v in value) if value else "nothing"
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
