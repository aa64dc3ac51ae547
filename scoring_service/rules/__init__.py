"""Rule files: reading ``rules/<year>/``, checking them, and the condition language."""

from scoring_service.rules.conditions import ConditionError, ParsedCondition, parse_condition
from scoring_service.rules.loader import (
    RULES_DIR_ENV,
    available_years,
    default_rules_dir,
    load_ruleset,
    validate_rules_dir,
)
from scoring_service.rules.problems import RuleFileError, RuleProblem, UnknownRulesetYear

__all__ = [
    "RULES_DIR_ENV",
    "ConditionError",
    "ParsedCondition",
    "RuleFileError",
    "RuleProblem",
    "UnknownRulesetYear",
    "available_years",
    "default_rules_dir",
    "load_ruleset",
    "parse_condition",
    "validate_rules_dir",
]
