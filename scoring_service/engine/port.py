"""What the scoring code needs from a rule engine, and the helpers both engines share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.metrics import CATEGORY_PREFIX
from scoring_service.domain.ruleset import MetricValue, Ruleset

MetricKey = tuple[MetricValue, ...]


# The interface the scoring code asks of an engine (domain.assessment.Evaluator).
RuleEngine = Evaluator


def metrics_read(ruleset: Ruleset) -> tuple[str, ...]:
    """Every metric any rule's condition reads, sorted."""
    return tuple(sorted({name for rule in ruleset.rules for name in rule.condition.metrics}))


def metric_value(values: Mapping[str, MetricValue], name: str) -> MetricValue:
    """A metric's value; an absent ``overdue_by_category.<C>`` is 0 (spec section 5)."""
    value = values.get(name)
    if value is None and name.startswith(CATEGORY_PREFIX):
        return 0
    return value


def group_inputs(
    values: Sequence[Mapping[str, MetricValue]], metrics: Sequence[str]
) -> tuple[list[MetricKey], dict[MetricKey, Mapping[str, MetricValue]]]:
    """Each input's key over ``metrics``, and one input per distinct key.

    Rules are pure functions of the metrics they read, so units whose read metrics are
    equal need evaluating once (3 == Fraction(3) and hash alike, so they group together).
    """
    keys: list[MetricKey] = []
    distinct: dict[MetricKey, Mapping[str, MetricValue]] = {}
    for item in values:
        key = tuple(metric_value(item, name) for name in metrics)
        keys.append(key)
        distinct.setdefault(key, item)
    return keys, distinct
