"""A rule engine in plain Python: exact conditions, for unit tests and as a cross-check."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from scoring_service.domain.ruleset import MetricValue, Ruleset
from scoring_service.engine.port import (
    DEFAULT_TIME_LIMIT,
    Clock,
    Deadline,
    MetricKey,
    group_inputs,
    metrics_read,
)


class PythonEngine:
    """Evaluates each rule's parsed condition exactly (Fractions throughout)."""

    def __init__(
        self, time_limit: float = DEFAULT_TIME_LIMIT, clock: Clock = time.monotonic
    ) -> None:
        self.time_limit = time_limit
        self.clock = clock

    def evaluate(
        self, ruleset: Ruleset, values: Sequence[Mapping[str, MetricValue]]
    ) -> list[frozenset[str]]:
        """The ids of the rules that fire for each input, in input order; stopped
        (``RuleEvaluationStopped``) past the time limit, checked before each unit."""
        deadline = Deadline(ruleset, self.time_limit, self.clock)
        keys, distinct = group_inputs(values, metrics_read(ruleset))
        fired: dict[MetricKey, frozenset[str]] = {}
        for key, item in distinct.items():
            deadline.check()
            fired[key] = frozenset(
                rule.id for rule in ruleset.rules if rule.condition.evaluate(item)
            )
        return [fired[key] for key in keys]
