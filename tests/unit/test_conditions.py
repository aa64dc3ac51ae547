"""The condition language: parsing, type checks, errors with columns, exact evaluation."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring_service.domain.ruleset import Condition, MetricValue
from scoring_service.rules.conditions import (
    And,
    Compare,
    ConditionError,
    ParsedCondition,
    parse_condition,
    tokenize,
)

CATEGORIES = ("1", "2", "3", "4", "E", "5", "6", "7")


def parse(text: str) -> ParsedCondition:
    return parse_condition(text, CATEGORIES)


def metrics(**values: MetricValue) -> dict[str, MetricValue]:
    base: dict[str, MetricValue] = {
        "findings": 0,
        "due": 0,
        "on_time": 0,
        "late": 0,
        "overdue": 0,
        "open": 0,
        "overdue_major": 0,
        "fakes": 0,
        "repeats": 0,
        "rate": None,
    }
    base.update(values)
    return base


def test_tokens_carry_columns() -> None:
    tokens = tokenize("rate >= 0.95")
    assert [(t.kind, t.text, t.column) for t in tokens] == [
        ("name", "rate", 1),
        ("op", ">=", 6),
        ("number", "0.95", 9),
        ("end", "", 13),
    ]


def test_numbers_are_exact_fractions() -> None:
    condition = parse("rate >= 0.3")
    assert isinstance(condition.root, Compare)
    assert condition.root.right.value_of({}) == Fraction(3, 10)


def test_parsed_condition_implements_the_domain_protocol() -> None:
    condition: Condition = parse("fakes >= 1")
    assert condition.source == "fakes >= 1"
    assert condition.metrics == frozenset({"fakes"})
    assert condition.evaluate(metrics(fakes=1))


def test_metrics_lists_every_read() -> None:
    condition = parse("rate >= 0.90 and (rate < 0.95 or overdue_major > 0)")
    assert condition.metrics == frozenset({"rate", "overdue_major"})
    assert parse("overdue_by_category.E >= 1").metrics == frozenset({"overdue_by_category.E"})


def test_chain_means_both_comparisons() -> None:
    condition = parse("0.60 <= rate < 0.80")
    assert isinstance(condition.root, And)
    assert [c.op for c in condition.root.items if isinstance(c, Compare)] == ["<=", "<"]
    assert condition.evaluate(metrics(rate=Fraction(3, 5)))
    assert condition.evaluate(metrics(rate=Fraction(79, 100)))
    assert not condition.evaluate(metrics(rate=Fraction(4, 5)))
    assert not condition.evaluate(metrics(rate=Fraction(59, 100)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fakes + repeats >= 3", True),
        ("fakes * 2 - repeats == 1", True),
        ("-fakes < 0", True),
        ("fakes / 2 == 1", True),
        ("(fakes + repeats) * 2 == 10", True),
        ("fakes + repeats * 2 == 8", True),  # precedence
        ("not fakes >= 3", True),
        ("fakes >= 3 or repeats >= 4", False),
        ("not (fakes == 2 and repeats == 3)", False),
        ("fakes == 2 and not repeats != 3", True),
        ("1 < 2", True),
        ("2 < 1", False),
        ("fakes != 2", False),
    ],
)
def test_evaluation(text: str, expected: bool) -> None:
    assert parse(text).evaluate(metrics(fakes=2, repeats=3)) is expected


def test_exact_arithmetic_is_not_float() -> None:
    # 0.1 + 0.2 == 0.3 holds exactly; in floats it does not.
    assert parse("0.1 + 0.2 == 0.3").evaluate(metrics())
    # 19 of 20 meets a 0.95 threshold exactly.
    assert parse("rate >= 0.95").evaluate(metrics(rate=Fraction(19, 20)))
    assert not parse("rate >= 0.95").evaluate(metrics(rate=Fraction(19, 20) - Fraction(1, 10**30)))
    # Sums of late credits: 3 * 0.3 is 0.9 exactly.
    assert parse("rate == 0.9").evaluate(metrics(rate=3 * Fraction(3, 10)))


@pytest.mark.parametrize(
    "text",
    [
        "rate >= 0.95",
        "rate < 0.60",
        "not rate >= 0.95",
        "not (rate < 0.60)",
        "rate >= 0.95 or fakes >= 1",
        "fakes >= 1 or rate >= 0.95",
        "not (rate >= 0.95 and fakes >= 1)",
        "rate != 0.5",
        "rate * 0 == 0",
    ],
)
def test_a_null_rate_makes_the_whole_condition_false(text: str) -> None:
    condition = parse(text)
    assert not condition.evaluate(metrics(rate=None, fakes=5))
    assert not condition.evaluate({k: v for k, v in metrics(fakes=5).items() if k != "rate"})


def test_conditions_without_rate_ignore_a_null_rate() -> None:
    assert parse("fakes >= 1").evaluate(metrics(rate=None, fakes=1))


def test_absent_category_counts_as_zero() -> None:
    condition = parse("overdue_by_category.6 >= 1")
    assert not condition.evaluate(metrics())
    assert parse("overdue_by_category.6 == 0").evaluate(metrics())
    assert condition.evaluate({**metrics(), "overdue_by_category.6": 2})


@pytest.mark.parametrize(
    "text",
    [
        "fakes / repeats >= 1",
        "not (fakes / repeats >= 1)",
        "fakes >= 1 or fakes / (repeats - repeats) > 1",
    ],
)
def test_a_zero_divisor_makes_the_whole_condition_false(text: str) -> None:
    assert not parse(text).evaluate(metrics(fakes=2, repeats=0))


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("overdu >= 1", 1, "unknown metric 'overdu'; did you mean 'overdue'"),
        ("fakes >= 1 and overdue_by_category.9 >= 1", 16, "unknown category '9'"),
        ("fakes = 1", 7, "use '=='"),
        ("fakes >= ", 10, "expected a number, a metric or '('"),
        ("(fakes >= 1", 12, "expected ')'"),
        ("fakes >= 1)", 11, "expected 'and', 'or'"),
        ("fakes + 1", 1, "a condition must compare"),
        ("fakes and repeats >= 1", 7, "'and' needs conditions"),
        ("not fakes", 1, "'not' needs conditions"),
        ("(fakes >= 1) + 2 > 1", 14, "'+' needs numbers"),
        ("(fakes >= 1) < 2", 14, "'<' needs numbers"),
        ("", 1, "empty condition"),
        ("rate >= 95%", 11, "unexpected character '%'"),
        ("rate ≥ 0.95", 6, "use '>='"),
    ],
)
def test_errors_name_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert caught.value.column == column
    assert fragment in caught.value.message
    assert f"column {column}" in str(caught.value)


def test_no_eval_of_python() -> None:
    with pytest.raises(ConditionError):
        parse("__import__('os').system('true') == 0")


@given(
    numerator=st.integers(min_value=0, max_value=10**6),
    denominator=st.integers(min_value=1, max_value=10**6),
    threshold=st.sampled_from(["0.95", "0.90", "0.80", "0.60", "0.98", "0.92", "0.85", "0.70"]),
)
def test_threshold_comparisons_are_exact(numerator: int, denominator: int, threshold: str) -> None:
    rate = Fraction(numerator, denominator)
    values = metrics(rate=rate)
    assert parse(f"rate >= {threshold}").evaluate(values) is (rate >= Fraction(threshold))
    assert parse(f"rate < {threshold}").evaluate(values) is (rate < Fraction(threshold))
    assert parse(f"rate == {threshold}").evaluate(values) is (rate == Fraction(threshold))
