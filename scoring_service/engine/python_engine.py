"""A rule engine in plain Python: exact conditions, for unit tests and as a cross-check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scoring_service.domain.ruleset import MetricValue, Ruleset
from scoring_service.engine.port import group_inputs, metrics_read


class PythonEngine:
    """Evaluates each rule's parsed condition exactly (Fractions throughout)."""

    def evaluate(
        self, ruleset: Ruleset, values: Sequence[Mapping[str, MetricValue]]
    ) -> list[frozenset[str]]:
        """The ids of the rules that fire for each input, in input order."""
        keys, distinct = group_inputs(values, metrics_read(ruleset))
        fired = {
            key: frozenset(rule.id for rule in ruleset.rules if rule.condition.evaluate(item))
            for key, item in distinct.items()
        }
        return [fired[key] for key in keys]
