"""Running rule test cases, and saying in plain words how a result differs from a case.

``run_case`` runs one case against a rule set and an evaluator; ``run_year`` loads and runs
a year's folder. Bundle cases go through ``read_bundle`` and ``assess`` exactly as an import
and a score run do, without a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.domain.alerts import process_alerts
from scoring_service.domain.assessment import Evaluator, assess
from scoring_service.domain.errors import DomainError
from scoring_service.domain.metrics import Metrics
from scoring_service.domain.model import UnitKind
from scoring_service.domain.ruleset import Catalogue, Grade, Measure, Ruleset
from scoring_service.domain.scoring import Verdict, fire
from scoring_service.i18n import N_, gettext
from scoring_service.i18n.labels import GRADES, KINDS, MEASURES, label
from scoring_service.rules.cases.load import load_cases
from scoring_service.rules.cases.schema import (
    BY_CATEGORY,
    BundleCase,
    Case,
    CaseFileError,
    Expectation,
    FiredExpect,
    MetricsCase,
    alert_subject,
    show,
)
from scoring_service.rules.loaded import available_years, load_ruleset
from scoring_service.rules.problems import RuleProblem

# What a case expects, named as the case file writes it in English and in the catalogue's
# words in Chinese ("等次为 较好，应为 好").
_CASE_NAMES: Mapping[str, str] = {
    "bonus": N_("bonus"),
    "deduction": N_("deduction"),
    "score": N_("score"),
    "grade": N_("grade"),
    "measures": N_("measures"),
    "rank": N_("rank"),
    "name": N_("name"),
    "kind": N_("kind"),
    "findings": N_("findings"),
    "due": N_("due"),
    "on_time": N_("on_time"),
    "late": N_("late"),
    "overdue": N_("overdue"),
    "open": N_("open"),
    "overdue_major": N_("overdue_major"),
    "fakes": N_("fakes"),
    "repeats": N_("repeats"),
    "rate": N_("rate"),
    "overdue_by_category": N_("overdue_by_category"),
}


def _name(key: str) -> str:
    """A metric or a verdict's part as people read it: 等次, 整改率, 加分."""
    return label(_CASE_NAMES, key)


def _said(value: Any) -> str:
    """A value as people read it: grades, measures and kinds in words, numbers exactly."""
    if isinstance(value, Grade):
        return label(GRADES, value.value)
    if isinstance(value, Measure):
        return label(MEASURES, value.value)
    if isinstance(value, UnitKind):
        return label(KINDS, value.value)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Measure) for v in value):
        return "、".join(_said(v) for v in value)
    return show(value)


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    differences: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        """One line: where the case is, its name, and what differed."""
        return gettext(
            "%(where)s: %(name)s: %(differences)s",
            where=self.case.where,
            name=self.case.name,
            differences=gettext("; ").join(self.differences),
        )


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
            RuleProblem(
                c.file, c.line, "", gettext("there is no rule set for %(year)s", year=c.year)
            )
            for c in missing
        )
    rulesets = {y: load_ruleset(y, rules_dir) for y in sorted({c.year for c in cases})}
    results = tuple(
        CaseResult(case, tuple(run_case(case, rulesets[case.year], evaluator))) for case in cases
    )
    return YearReport(year, results)


def run_case(case: Case, ruleset: Ruleset, evaluator: Evaluator) -> list[str]:
    """How the case's result differs from its expectation, in plain words; empty: it passes."""
    if case.year != ruleset.year:
        return [
            gettext(
                "the case is for %(year)s, run with the rule set of %(ruleset)s",
                year=case.year,
                ruleset=ruleset.year,
            )
        ]
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
        gettext(
            "%(metric)s: unknown category %(code)s (the catalogue has %(known)s)",
            metric=_name("overdue_by_category"),
            code=c,
            known=known,
        )
        for c in unknown
    ]


def _run_bundle(case: BundleCase, ruleset: Ruleset, evaluator: Evaluator) -> list[str]:
    def catalogue_of(year: int) -> Catalogue | None:
        return ruleset.catalogue if year == ruleset.year else None

    try:
        data = read_bundle(case.bundle.text, catalogue_of)
    except InvalidBundle as error:
        return [
            gettext(
                "the bundle is refused: %(where)s: %(problem)s",
                where=case.bundle.where(p.pointer),
                problem=p.message,
            )
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
            why = (
                gettext("no such unit")
                if kind is None
                else gettext("a %(kind)s is not scored", kind=label(KINDS, kind.value))
            )
            out.append(gettext("%(unit)s: no score row (%(why)s)", unit=unit, why=why))
            continue
        facts = {"rank": result.rank, "name": result.unit.name, "kind": result.unit.kind}
        out += [f"{unit}: {d}" for d in differences(expect, result.metrics, result.verdict, facts)]
    if case.alerts is not None:
        raised = process_alerts(data, ruleset.alerts, as_of)
        got = Counter(alert_subject(a.to_json()) for a in raised)
        want = Counter(case.alerts)
        for subject in sorted((want - got).elements()):
            out.append(gettext("alert %(subject)s expected, not raised", subject=" ".join(subject)))
        for subject in sorted((got - want).elements()):
            out.append(gettext("alert %(subject)s raised, not expected", subject=" ".join(subject)))
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
            out.append(
                gettext(
                    "%(name)s %(got)s, expected %(expected)s",
                    name=_name(name),
                    got=show(got),
                    expected=show(want),
                )
            )
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
        text = gettext(
            "%(name)s %(got)s, expected %(expected)s",
            name=_name(key),
            got=_said(got),
            expected=_said(want),
        )
        if key == "grade" and verdict.grade != verdict.band_grade:
            text += gettext(
                " (forced; the score alone gives %(grade)s)",
                grade=label(GRADES, verdict.band_grade.value),
            )
        elif key in ("bonus", "deduction"):
            total = verdict.bonus_total if key == "bonus" else verdict.deduction_total
            if total != got:
                text += gettext(" (capped from %(total)s)", total=show(total))
        out.append(text)
    return out


def _fired_differences(expected: Sequence[FiredExpect], verdict: Verdict) -> list[str]:
    got = {f.rule.id: f for f in verdict.fired}
    want_ids = [e.rule for e in expected]
    if set(got) != set(want_ids):
        order = {rid: i for i, rid in enumerate(got)}
        wanted = sorted(want_ids, key=lambda rid: (order.get(rid, len(order)), rid))
        return [
            gettext("fired %(got)s, expected %(wanted)s", got=show(list(got)), wanted=show(wanted))
        ]
    out = []
    for e in expected:
        rule = got[e.rule]
        for key, want in (("bonus", e.bonus), ("deduction", e.deduction)):
            value = rule.bonus if key == "bonus" else rule.deduction
            if want is not None and value != want:
                out.append(
                    gettext(
                        "%(rule)s gave %(key)s %(got)s, expected %(expected)s",
                        rule=e.rule,
                        key=_name(key),
                        got=show(value),
                        expected=show(want),
                    )
                )
    return out
