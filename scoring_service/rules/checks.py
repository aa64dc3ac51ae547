"""Checks on a merged year that a schema cannot express: conditions, orderings, references.

They read the raw merged document defensively (a value of the wrong type is skipped:
the schema reports it), so that every problem is found in one pass.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from scoring_service.domain.ruleset import GRADE_ORDER
from scoring_service.i18n import gettext as _
from scoring_service.rules.conditions import (
    PLAIN_METRICS,
    ConditionError,
    ParsedCondition,
    branches,
    category_metric,
    parse_condition,
)
from scoring_service.rules.merge import YearDoc
from scoring_service.rules.problems import RuleProblem

# durable_rules expands each condition into branches (``a and (b or c)`` is two) and
# stops working past a few hundred of them in one rule set: about 512 hang in its C core,
# where no time limit reaches, and 65,536 fail. The shipped years use about 10.
MAX_RULES = 200
MAX_BRANCHES = 256


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        return None
    return Fraction(value)


def category_codes(doc: YearDoc) -> list[str]:
    """The category codes of the year's catalogue (those written as text)."""
    catalogue = doc.value.get("catalogue")
    categories = catalogue.get("categories") if isinstance(catalogue, dict) else None
    if not isinstance(categories, list):
        return []
    return [c["code"] for c in categories if isinstance(c, dict) and isinstance(c.get("code"), str)]


def check_year(
    doc: YearDoc, folder_year: int
) -> tuple[list[RuleProblem], dict[int, ParsedCondition]]:
    """Every semantic problem of a merged year, and the conditions that parsed (by rule index)."""
    problems: list[RuleProblem] = []
    year = doc.value.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and year != folder_year:
        problems.append(
            doc.problem(
                ("year",),
                _(
                    "year %(year)s in the folder of %(folder_year)s",
                    year=year,
                    folder_year=folder_year,
                ),
            )
        )
    codes = category_codes(doc)
    problems += _check_catalogue(doc)
    problems += _check_parameters(doc, folder_year, codes)
    rule_problems, conditions = _check_rules(doc, codes)
    return problems + rule_problems, conditions


def _check_catalogue(doc: YearDoc) -> list[RuleProblem]:
    catalogue = doc.value.get("catalogue")
    categories = catalogue.get("categories") if isinstance(catalogue, dict) else None
    if not isinstance(categories, list):
        return []
    problems = []
    seen_categories: set[str] = set()
    seen_items: set[str] = set()
    for i, category in enumerate(categories):
        if not isinstance(category, dict):
            continue
        code = category.get("code")
        if isinstance(code, str):
            if code in seen_categories:
                problems.append(
                    doc.problem(
                        ("catalogue", "categories", i, "code"),
                        _("duplicate category %(code)r", code=code),
                    )
                )
            seen_categories.add(code)
        items = category.get("items")
        if not isinstance(items, list):
            continue
        for j, item in enumerate(items):
            item_code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(item_code, str):
                continue
            path = ("catalogue", "categories", i, "items", j, "code")
            if item_code in seen_items:
                problems.append(
                    doc.problem(path, _("duplicate item %(item_code)r", item_code=item_code))
                )
            seen_items.add(item_code)
            if isinstance(code, str) and item_code.split(".", 1)[0] != code:
                problems.append(
                    doc.problem(
                        path,
                        _(
                            "item %(item_code)r is not in category %(code)r",
                            item_code=item_code,
                            code=code,
                        ),
                    )
                )
    return problems


def _check_parameters(doc: YearDoc, year: int, codes: list[str]) -> list[RuleProblem]:
    params = doc.value.get("parameters")
    if not isinstance(params, dict):
        return []
    problems = []
    p = ("parameters",)
    weights = params.get("severity_weights")
    if isinstance(weights, dict):
        for severity, weight in weights.items():
            number = _number(weight)
            if number is not None and number <= 0:
                problems.append(
                    doc.problem(
                        (*p, "severity_weights", severity), _("a severity weight must be positive")
                    )
                )
        missing = {"general", "major"} - set(weights)
        if missing:
            problems.append(
                doc.problem(
                    (*p, "severity_weights"),
                    _("missing weights for %(severities)s", severities=", ".join(sorted(missing))),
                )
            )
    credit = _number(params.get("late_credit"))
    if credit is not None and not 0 <= credit <= 1:
        problems.append(doc.problem((*p, "late_credit"), _("late_credit must be between 0 and 1")))
    caps = params.get("caps")
    if isinstance(caps, dict):
        for key in ("bonus", "deduction"):
            cap = _number(caps.get(key))
            if cap is not None and cap < 0:
                problems.append(
                    doc.problem(
                        (*p, "caps", key), _("a cap cannot be negative (null means no cap)")
                    )
                )
    kinds = params.get("scored_kinds")
    if isinstance(kinds, list):
        if not kinds:
            problems.append(
                doc.problem((*p, "scored_kinds"), _("at least one kind must be scored"))
            )
        for i, kind in enumerate(kinds):
            if kind in kinds[:i]:
                problems.append(
                    doc.problem((*p, "scored_kinds", i), _("%(kind)r listed twice", kind=kind))
                )
    attribution = params.get("attribution")
    helping = attribution.get("helping_unit_categories") if isinstance(attribution, dict) else None
    if isinstance(helping, list) and codes:
        for i, code in enumerate(helping):
            if isinstance(code, str) and code not in codes:
                problems.append(
                    doc.problem(
                        (*p, "attribution", "helping_unit_categories", i),
                        _(
                            "unknown category %(code)r (the catalogue has %(codes)s)",
                            code=code,
                            codes=", ".join(codes),
                        ),
                    )
                )
    problems += _check_grades(doc, params.get("grades"))
    cutoff = params.get("cutoff")
    if isinstance(cutoff, date) and cutoff < date(year, 1, 1):
        problems.append(
            doc.problem(
                (*p, "cutoff"),
                _("cutoff %(cutoff)s is before the year %(year)s", cutoff=cutoff, year=year),
            )
        )
    alerts = params.get("alerts")
    start = alerts.get("inspections_from") if isinstance(alerts, dict) else None
    if isinstance(start, date) and start.year != year:
        problems.append(
            doc.problem(
                (*p, "alerts", "inspections_from"),
                _("%(start)s is not in %(year)s", start=start, year=year),
            )
        )
    return problems


def _check_grades(doc: YearDoc, bands: Any) -> list[RuleProblem]:
    if not isinstance(bands, list) or not all(isinstance(b, dict) for b in bands):
        return []
    path = ("parameters", "grades")
    if not bands:
        return [doc.problem(path, _("at least one grade band is needed"))]
    problems = []
    grades = [b.get("grade") for b in bands]
    ranks = [GRADE_ORDER.index(g) for g in grades if g in GRADE_ORDER]
    if len(set(ranks)) != len(ranks):
        problems.append(doc.problem(path, _("a grade appears in two bands")))
    elif ranks != sorted(ranks):
        problems.append(doc.problem(path, _("bands must go from the best grade to the worst")))
    previous: Fraction | None = None
    for i, band in enumerate(bands):
        minimum = band.get("min")
        last = i == len(bands) - 1
        if minimum is None:
            if not last:
                problems.append(doc.problem((*path, i), _("only the last band may have no min")))
            continue
        if last:
            problems.append(
                doc.problem(
                    (*path, i), _("the last band must have no min: it takes every score below")
                )
            )
        number = _number(minimum)
        if number is None:
            continue
        if previous is not None and number >= previous:
            problems.append(
                doc.problem(
                    (*path, i, "min"),
                    _(
                        "min %(number)s is not below the band above (%(previous)s)",
                        number=number,
                        previous=previous,
                    ),
                )
            )
        previous = number
    return problems


def _check_rules(
    doc: YearDoc, codes: list[str]
) -> tuple[list[RuleProblem], dict[int, ParsedCondition]]:
    rules = doc.value.get("rules")
    if not isinstance(rules, list):
        return [], {}
    per_metrics = [m for m in PLAIN_METRICS if m != "rate"] + [category_metric(c) for c in codes]
    problems = []
    if len(rules) > MAX_RULES:
        problems.append(
            doc.problem(("rules",), _("a year has at most %(most)s rules", most=MAX_RULES))
        )
    conditions: dict[int, ParsedCondition] = {}
    total = 0
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        when = rule.get("when")
        if isinstance(when, str) and when.strip():
            try:
                conditions[i] = parse_condition(when, codes)
            except ConditionError as error:
                problems.append(doc.problem(("rules", i, "when"), str(error)))
            else:
                count = branches(conditions[i])
                total += count
                if count > MAX_BRANCHES:
                    problems.append(
                        doc.problem(
                            ("rules", i, "when"),
                            _(
                                "the condition has %(count)s branches once its 'or's are "
                                "spread out; at most %(most)s",
                                count=count,
                                most=MAX_BRANCHES,
                            ),
                        )
                    )
                    total -= count  # named here; the year's total counts the others
        for effect in ("bonus", "deduction"):
            points = rule.get(effect)
            number = _number(points.get("points") if isinstance(points, dict) else points)
            if number is not None and number < 0:
                problems.append(
                    doc.problem(
                        ("rules", i, effect),
                        _("%(effect)s points cannot be negative", effect=effect),
                    )
                )
            per = points.get("per") if isinstance(points, dict) else None
            if isinstance(per, str) and per not in per_metrics:
                problems.append(
                    doc.problem(
                        ("rules", i, effect, "per"),
                        _(
                            "unknown metric %(per)r to count by (one of %(metrics)s)",
                            per=per,
                            metrics=", ".join(per_metrics),
                        ),
                    )
                )
        if not any(rule.get(key) for key in ("bonus", "deduction", "measures", "grade")):
            problems.append(
                doc.problem(
                    ("rules", i), _("the rule has no effect (bonus, deduction, measures or grade)")
                )
            )
    if total > MAX_BRANCHES:
        problems.append(
            doc.problem(
                ("rules",),
                _(
                    "the year's conditions have %(count)s branches together once their 'or's "
                    "are spread out; at most %(most)s",
                    count=total,
                    most=MAX_BRANCHES,
                ),
            )
        )
    return problems, conditions
