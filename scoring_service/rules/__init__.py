"""Rule files: reading ``rules/<year>/``, checking them, and the condition language.

Importing the package leaves the checking of files (``loader``: the schema's and YAML's
libraries) to what needs it: a rule set kept from an earlier load (``loaded``) does
without them.
"""

from __future__ import annotations

from pathlib import Path

from scoring_service.rules.conditions import ConditionError, ParsedCondition, parse_condition
from scoring_service.rules.loaded import (
    RULES_DIR_ENV,
    available_years,
    default_rules_dir,
    load_ruleset,
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


def validate_rules_dir(rules_dir: Path | None = None) -> list[RuleProblem]:
    """Every problem of every year in the directory (an empty list: all years load)."""
    from scoring_service.rules.loader import validate_rules_dir as problems_of

    return problems_of(rules_dir)
