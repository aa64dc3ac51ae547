"""A rule's condition and the values it read, in the words of the language in force.

The condition language (``conditions.py``) is for rule editors; a clerk reads
``rate >= 0.95 and overdue_major == 0`` as "整改率不低于95%，且没有逾期未整改的重大问题".
Metric names are the catalogue's labels (``i18n.labels.METRICS``), category names the
criteria catalogue's, rates read as percentages and counts compared with 0 or 1 read as
"no ..." or "there are ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring_service.domain.metrics import CATEGORY_PREFIX
from scoring_service.domain.model import Severity
from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import N_, format_percent
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import METRICS, SEVERITIES, label
from scoring_service.rules.conditions import (
    And,
    Arith,
    Boolean,
    Compare,
    CompareOp,
    Metric,
    Negate,
    Not,
    Number,
    Numeric,
    ParsedCondition,
    constant,
    is_category_metric,
)

# A comparison of a quantity with a value, subject first; a rate's "higher" and "lower"
# differ from a count's "more" and "fewer" in Chinese (高于/多于).
_RATE_WORDS: Mapping[CompareOp, str] = {
    ">=": N_("%(metric)s at least %(value)s"),
    ">": N_("%(metric)s above %(value)s"),
    "<=": N_("%(metric)s at most %(value)s"),
    "<": N_("%(metric)s below %(value)s"),
    "==": N_("%(metric)s equal to %(value)s"),
    "!=": N_("%(metric)s other than %(value)s"),
}
_COUNT_WORDS: Mapping[CompareOp, str] = {
    ">=": N_("%(metric)s no fewer than %(value)s"),
    ">": N_("%(metric)s more than %(value)s"),
    "<=": N_("%(metric)s no more than %(value)s"),
    "<": N_("%(metric)s fewer than %(value)s"),
    "==": N_("%(metric)s exactly %(value)s"),
    "!=": N_("%(metric)s not %(value)s"),
}
# ``a < b`` read from the other side: ``0.60 <= rate`` is "rate at least 60%".
_FLIPPED: Mapping[CompareOp, CompareOp] = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "==": "==",
    "!=": "!=",
}


def metric_in_words(name: str, categories: Mapping[str, str] | None = None) -> str:
    """A metric's name as people read it; a category's count names the category."""
    if is_category_metric(name):
        code = name[len(CATEGORY_PREFIX) :]
        title = (categories or {}).get(code)
        category = f"{code}（{title}）" if title else code
        return _("overdue findings of category %(category)s", category=category)
    return label(METRICS, name)


def decimal_in_words(value: Fraction) -> str:
    """An exact number as a decimal when it has one (0.5, 3), else as ``a/b``."""
    if value.denominator == 1:
        return str(value.numerator)
    digits = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(digits) == value:
        return format(digits.normalize(), "f")
    return f"{value.numerator}/{value.denominator}"


def _percent(value: Fraction) -> str:
    return f"{decimal_in_words(value * 100)}%"


def condition_in_words(
    condition: ParsedCondition | Boolean, categories: Mapping[str, str] | None = None
) -> str:
    """The condition as a sentence, e.g. "整改率不低于95%，且没有逾期未整改的重大问题"."""
    root = condition.root if isinstance(condition, ParsedCondition) else condition
    return _Words(categories or {}).boolean(root, top=True)


class _Words:
    def __init__(self, categories: Mapping[str, str]) -> None:
        self.categories = categories

    def boolean(self, node: Boolean, top: bool = False) -> str:
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Not):
            return _("not (%(condition)s)", condition=self.boolean(node.operand))
        joiner = _(", and ") if isinstance(node, And) else _(", or ")
        parts: list[str] = []
        previous: str | None = None
        for item in node.items:
            subject = _subject(item)
            # "整改率不低于60%，且低于80%": a second comparison of the same metric drops it.
            same = subject is not None and subject == previous
            parts.append(self.compare(item, named=not same) if same else self.boolean(item))
            previous = subject
        text = joiner.join(parts)
        return text if top else _("(%(condition)s)", condition=text)

    def compare(self, node: Boolean, named: bool = True) -> str:
        assert isinstance(node, Compare)
        op, left, right = node.op, node.left, node.right
        if constant(left) is not None and constant(right) is None:
            op, left, right = _FLIPPED[op], right, left
        value = constant(right)
        if isinstance(left, Metric) and value is not None:
            metric = metric_in_words(left.name, self.categories) if named else ""
            if left.name == "rate":
                return _(_RATE_WORDS[op], metric=metric, value=_percent(value)).strip()
            # Counts: "== 0" is "no ...", ">= 1" (or "> 0", "!= 0") "there are ...".
            if named and value == 0 and op == "==":
                return _("no %(metric)s", metric=metric)
            some: set[tuple[Fraction, str]] = {(Fraction(1), ">="), (Fraction(0), ">")}
            if named and ((value, op) in some or (value == 0 and op == "!=")):
                return _("there are %(metric)s", metric=metric)
            return _(_COUNT_WORDS[op], metric=metric, value=decimal_in_words(value)).strip()
        return _(_RATE_WORDS[op], metric=self.numeric(left), value=self.numeric(right)).strip()

    def numeric(self, node: Numeric) -> str:
        if isinstance(node, Number):
            return decimal_in_words(node.value)
        if isinstance(node, Metric):
            return metric_in_words(node.name, self.categories)
        if isinstance(node, Negate):
            return f"−{self.numeric(node.operand)}"
        sign = {"+": " + ", "-": " − ", "*": " × ", "/": " ÷ "}[node.op]
        return f"（{self.numeric(node.left)}{sign}{self.numeric(node.right)}）"


def _subject(node: Boolean) -> str | None:
    """The metric a simple comparison of a metric with a number reads, else None."""
    if not isinstance(node, Compare):
        return None
    sides = (node.left, node.right)
    metrics = [s.name for s in sides if isinstance(s, Metric)]
    numbers = [
        s for s in sides if isinstance(s, Number | Negate | Arith) and constant(s) is not None
    ]
    return metrics[0] if len(metrics) == 1 and len(numbers) == 1 else None


def rate_in_words(rate: Fraction | None, credit: Fraction, weight: Fraction) -> str:
    """The rate as the clerk checks it: "55.65% = 68.5 ÷ 124"."""
    if rate is None:
        return _("none (nothing due)")
    return f"{format_percent(rate)} = {decimal_in_words(credit)} ÷ {decimal_in_words(weight)}"


def weighting_in_words(late_credit: Fraction, weights: Mapping[Severity, Fraction]) -> str:
    """How due findings count towards the rate, from the rule set's parameters."""
    severities = "、".join(
        _(
            "%(severity)s × %(weight)s",
            severity=label(SEVERITIES, severity.value),
            weight=decimal_in_words(weight),
        )
        for severity, weight in weights.items()
    )
    return _(
        "The rate counts each due finding by its weight (%(weights)s): rectified on time in "
        "full, rectified late as %(credit)s, overdue as nothing.",
        weights=severities,
        credit=decimal_in_words(late_credit),
    )


def explanation_in_words(doc: dict[str, Any], ruleset: Ruleset) -> dict[str, Any]:
    """A unit's explanation (``domain.explanation``) with each rule's condition and values
    in words beside the condition language, and the rate's weighting from the parameters."""
    conditions = {rule.id: rule.condition for rule in ruleset.rules}
    categories = ruleset.catalogue.categories
    weighting = weighting_in_words(ruleset.late_credit, ruleset.severity_weights)
    for entry in doc["rules"]:
        condition = conditions.get(entry["rule"])
        entry["when_in_words"] = (
            condition_in_words(condition, categories)
            if isinstance(condition, ParsedCondition)
            else entry["when"]
        )
        entry["values_in_words"] = [
            f"{metric_in_words(name, categories)} {_read_in_words(value)}"
            for name, value in entry["values"].items()
        ]
        if isinstance(entry["values"].get("rate"), dict):
            entry["values"]["rate"]["weighting"] = weighting
    return doc


def _read_in_words(value: Any) -> str:
    if isinstance(value, dict):  # the rate: its percentage and how it is counted
        rate = Fraction(value["exact"])
        credit = Fraction(str(value["credit"]))
        weight = Fraction(str(value["weight"]))
        return rate_in_words(rate, credit, weight)
    if value is None:
        return _("none (nothing due)")
    return str(value)
