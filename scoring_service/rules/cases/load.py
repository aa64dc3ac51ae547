"""Reading rule case files: every problem named by file, line and key.

``load_cases`` reads the case files of a year folder (its ``tests/``), of a folder or one
file, checks them against the schema and against themselves (metrics that hang together,
bundles that import), and returns the cases, or raises ``CaseFileError`` with every problem
of every file read.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scoring_service.bundle import InvalidBundle
from scoring_service.bundle.parse import parse_bundle
from scoring_service.bundle.schema import BUNDLE_FORMAT
from scoring_service.domain.model import Outcome, Severity
from scoring_service.i18n import gettext as _
from scoring_service.rules.cases.schema import (
    BY_CATEGORY,
    CASE_SUFFIXES,
    METRIC_KEYS,
    TESTS_DIR,
    BundleCase,
    BundleCaseIn,
    BundleSource,
    Case,
    CaseFileError,
    CaseFileIn,
    Expectation,
    FiredExpect,
    MetricsCase,
    MetricsCaseIn,
    MetricValuesIn,
    OutcomeExpect,
    alert_subject,
    pointer_path,
    show,
)
from scoring_service.rules.loaded import YEAR_DIR
from scoring_service.rules.loader import schema_messages
from scoring_service.rules.problems import RuleProblem, unique
from scoring_service.rules.yaml_source import Loc, Path_, key_text, read_yaml


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
        return [], [RuleProblem(name, 0, "", _("cannot read: %(error)s", error=error))]
    source, problems = read_yaml(name, text)
    if source is None or problems:
        return [], problems
    f = _File(path, name, source.value, source.locs)
    if not isinstance(f.value, dict):
        f.problem((), _("expected a mapping with `cases:` at the top"))
        return [], f.problems
    try:
        model = CaseFileIn.model_validate(f.value)
    except ValidationError as error:
        _schema_problems(f, error)
        return [], f.problems
    year = model.year if "year" in model.model_fields_set else _folder_year(path)
    if year is None:
        f.problem((), _("the year is unknown: write `year:` (or keep the file in rules/<year>/)"))
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
            f.problem(
                ("cases", index, "name"),
                _("another case of this file is named %(name)r", name=case.name),
            )
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
                f.problem((*at, key), _("%(key)s is given twice (here and under metrics)", key=key))
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
                f.problem((*at, "fired", j), _("%(rule)s is listed twice", rule=item.rule))
        fired = tuple(items)
    values = {
        key: given[key]
        for key in ("bonus", "deduction", "score", "grade", "measures", *extra)
        if key in given
    }
    if not values and not metrics and fired is None and not extra:  # a row checks its unit
        f.problem(at, _("nothing to check: write fired, bonus, deduction, score, grade, ..."))
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
            f.problem(
                (*at, "metrics", key), _("%(key)s comes from counts: leave it out here", key=key)
            )
        overdue = sum(n for (o, _), n in counts.items() if o is Outcome.OVERDUE)
        _check_categories(f, at, metrics, overdue)
    elif case.metrics is None:
        f.problem(at, _("a case needs metrics (a unit's metric values), counts or a bundle"))
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
        f.problem(at, _('rate is required: a decimal, a fraction like "19/20", or null'))
    if m.due is not None and m.due != due:
        f.problem(
            (*at, "due"),
            _("due is %(due)s, but on_time + late + overdue is %(sum)s", due=m.due, sum=due),
        )
    if m.findings is not None and m.findings != due + m.open:
        f.problem(
            (*at, "findings"),
            _(
                "findings is %(findings)s, but on_time + late + overdue + open is %(sum)s",
                findings=m.findings,
                sum=due + m.open,
            ),
        )
    if m.overdue_major > m.overdue:
        f.problem(
            (*at, "overdue_major"),
            _("more than the %(overdue)s overdue findings", overdue=m.overdue),
        )
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
            (*at, BY_CATEGORY),
            _(
                "%(total)s overdue by category, more than the %(overdue)s overdue",
                total=total,
                overdue=overdue,
            ),
        )


def _bundle_case(
    f: _File, at: Path_, case: BundleCaseIn, year: int, line: int
) -> BundleCase | None:
    before = len(f.problems)
    source: BundleSource | None = None
    if (case.bundle is None) == (case.bundle_file is None):
        f.problem(at, _("give either bundle (written here) or bundle_file (a path), not both"))
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
            f.problem((*where, "unit"), _("unit %(unit)r has two expected rows", unit=row.unit))
        units.add(row.unit)
        rows.append((row.unit, _expectation(f, where, row, ("rank", "name", "kind"))))
    alerts = None
    if case.expect.alerts is not None:
        alerts = tuple(alert_subject(_given(a)) for a in case.expect.alerts)
    elif not rows:
        f.problem((*at, "expect"), _("nothing to check: write rows (and/or alerts)"))
    if len(f.problems) > before or source is None:
        return None
    return BundleCase(case.name, f.name, line, year, source, case.as_of, tuple(rows), alerts)


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
            path = (*at, *pointer_path(value, problem.pointer))
            message = problem.message
            if message == "must be text" and isinstance(_lookup(f.value, path), int | Fraction):
                message += ": put it in quotes"
            f.problem(path, message)
        return None
    if parsed.year != year:
        f.problem(
            (*at, "year"),
            _(
                "a bundle of %(year)s in a case run against %(rules_year)s's rules",
                year=parsed.year,
                rules_year=year,
            ),
        )
        return None
    return source


def _bundle_from_file(f: _File, at: Path_, name: str, year: int) -> BundleSource | None:
    path = f.path.parent / name
    shown = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        f.problem(
            at, _("cannot read %(shown)s: %(reason)s", shown=shown, reason=error.strerror or error)
        )
        return None
    try:
        parsed = parse_bundle(raw)
    except InvalidBundle as error:
        for problem in error.problems:
            f.problem(
                at,
                _(
                    "%(shown)s: %(pointer)s: %(message)s",
                    shown=shown,
                    pointer=problem.pointer or "/",
                    message=problem.message,
                ),
            )
        return None
    if parsed.year != year:
        f.problem(
            at,
            _(
                "%(shown)s is a bundle of %(year)s, the case runs against %(rules_year)s",
                shown=shown,
                year=parsed.year,
                rules_year=year,
            ),
        )
        return None
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    return BundleSource(text, shown, {}, (), None)


def _lookup(value: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value
