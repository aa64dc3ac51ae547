"""Rule tests as data: YAML cases of one unit's metrics or of a small bundle, and what they give.

Rule editors write them in ``rules/<year>/tests/*.yaml`` (the format is described in the
README's "Rule tests" section and at the top of ``rules/2018/tests/rates.yaml``).
``schema`` is what a case file may say, ``load`` reads and checks case files (every problem
named by file, line and key), ``run`` runs cases against a rule set and an evaluator and says
in plain words how a result differs from its expectation.
"""

from scoring_service.rules.cases.load import case_files, load_cases
from scoring_service.rules.cases.run import (
    CaseResult,
    YearReport,
    differences,
    run_case,
    run_year,
    unit_metrics,
)
from scoring_service.rules.cases.schema import (
    BundleCase,
    Case,
    CaseFileError,
    Expectation,
    MetricsCase,
    show,
)

__all__ = [
    "BundleCase",
    "Case",
    "CaseFileError",
    "CaseResult",
    "Expectation",
    "MetricsCase",
    "YearReport",
    "case_files",
    "differences",
    "load_cases",
    "run_case",
    "run_year",
    "show",
    "unit_metrics",
]
