"""Rule engines: the durable_rules adapter and a pure-Python engine with the same interface."""

from scoring_service.engine.durable_engine import DurableRulesEngine
from scoring_service.engine.port import RuleEngine
from scoring_service.engine.python_engine import PythonEngine

__all__ = ["DurableRulesEngine", "PythonEngine", "RuleEngine"]
