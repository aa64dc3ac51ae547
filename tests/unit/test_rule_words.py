"""A rule's condition, the values it read and a rule test's failure in the clerk's words."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from scoring_service.domain.model import Severity
from scoring_service.rules.conditions import ConditionError, parse_condition
from scoring_service.rules.problems import RuleProblem
from scoring_service.rules.words import condition_in_words, rate_in_words, weighting_in_words

pytestmark = pytest.mark.language("zh")

CATEGORIES = {"3": "贫困识别退出情况", "6": "资金使用率情况"}


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("rate >= 0.95 and overdue_major == 0", "整改率不低于95%，且没有逾期未整改的重大问题"),
        (
            "rate >= 0.90 and (rate < 0.95 or overdue_major > 0)",
            "整改率不低于90%，且（整改率低于95%，或有逾期未整改的重大问题）",
        ),
        ("0.60 <= rate < 0.80", "整改率不低于60%，且低于80%"),
        ("rate < 0.6", "整改率低于60%"),
        ("overdue_major >= 1", "有逾期未整改的重大问题"),
        ("fakes >= 3", "虚假整改不少于3个"),
        ("repeats == 0", "没有问题反弹"),
        ("overdue_by_category.6 > 2", "类别 6（资金使用率情况） 逾期未整改的问题多于2个"),
        ("not rate > 0.955", "并非（整改率高于95.5%）"),
    ],
)
def test_a_condition_reads_as_a_sentence(condition: str, words: str) -> None:
    assert condition_in_words(parse_condition(condition, ["3", "6"]), CATEGORIES) == words


def test_the_shipped_rules_read_without_the_condition_language() -> None:
    from scoring_service.rules.loaded import load_ruleset

    ruleset = load_ruleset(2018, Path("rules"))
    for rule in ruleset.rules:
        words = condition_in_words(rule.condition)  # type: ignore[arg-type]
        for machine in (">=", "<=", "==", "rate", "overdue_major", "fakes", " and ", " or "):
            assert machine not in words, (rule.id, words)


def test_the_rate_reads_as_the_clerk_recounts_it() -> None:
    assert rate_in_words(Fraction(137, 248), Fraction(137, 2), Fraction(124)) == (
        "55.24% = 68.5 ÷ 124"
    )
    note = weighting_in_words(Fraction(1, 2), {Severity.GENERAL: 1, Severity.MAJOR: 2})  # type: ignore[dict-item]
    assert "一般问题×1" in note or "一般×1" in note
    assert "逾期整改的计 0.5" in note


def test_a_slip_in_a_condition_is_answered_in_chinese() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition("overdue_major = 0", [])
    assert "比较是否相等请写 '=='" in str(caught.value)
    assert "use" not in str(caught.value)


def test_a_rule_file_problem_names_file_line_and_key_in_words() -> None:
    problem = RuleProblem("rules/2018/rules.yaml", 12, "rules[0].when", "条件为空")
    assert str(problem) == "rules/2018/rules.yaml 第 12 行，键 rules[0].when：条件为空"
