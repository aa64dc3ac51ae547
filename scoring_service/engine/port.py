"""What the scoring code needs from a rule engine, and the helpers both engines share."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.metrics import CATEGORY_PREFIX
from scoring_service.domain.ruleset import MetricValue, Ruleset
from scoring_service.i18n import gettext as _

MetricKey = tuple[MetricValue, ...]


# The interface the scoring code asks of an engine (domain.assessment.Evaluator).
RuleEngine = Evaluator

# Seconds one evaluation of a rule set may take (SCORING_RULE_TIME_LIMIT). A province of
# 20,000 units takes 1-2 s in durable_rules; the limit is for inputs that would not end.
DEFAULT_TIME_LIMIT = 30.0
Clock = Callable[[], float]


class RuleEvaluationStopped(InvalidRequest):
    """A rule set whose evaluation was stopped: past the time limit, or an engine that
    kept firing a rule; nothing was stored, and the engine serves the next request."""


class Deadline:
    """The end of one evaluation's time, checked between units and between actions."""

    def __init__(self, ruleset: Ruleset, seconds: float, clock: Clock = time.monotonic) -> None:
        self.ruleset = ruleset
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def expired(self) -> RuleEvaluationStopped:
        seconds = f"{self.seconds:g}"
        return RuleEvaluationStopped(
            _(
                "evaluating the rules of %(year)s (rules %(rules)s) did not finish within "
                "%(seconds)s seconds and was stopped; nothing was stored. Retry later; if it "
                "happens again, the rule set's conditions need checking (a dry run shows it)",
                year=self.ruleset.year,
                rules=self.ruleset.content_hash[:12],
                seconds=seconds,
            )
        )

    def check(self) -> None:
        if self.clock() > self.end:
            raise self.expired()

    def remaining(self) -> float:
        return max(0.0, self.end - self.clock())


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
