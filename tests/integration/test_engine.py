"""durable_rules against the exact Python engine, on the shipped years and extra conditions."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring_service.domain.ruleset import MetricValue, Points, Rule, Ruleset
from scoring_service.engine import DurableRulesEngine, PythonEngine, durable_engine
from scoring_service.engine.durable_compile import CompiledRuleset, compile_ruleset
from scoring_service.engine.port import RuleEvaluationStopped
from scoring_service.rules import load_ruleset, parse_condition
from scoring_service.rules.conditions import (
    Arith,
    Boolean,
    Compare,
    Metric,
    Not,
    Number,
    ParsedCondition,
)

THRESHOLDS = ["0.95", "0.90", "0.80", "0.60", "0.98", "0.92", "0.85", "0.70"]
CATEGORIES = ("1", "2", "3", "4", "E", "5", "6", "7")

# Conditions beyond the shipped ones: not/or around rate, integer arithmetic, division.
EXTRA_CONDITIONS = [
    "not (rate >= 0.95)",
    "rate < 0.60 or fakes >= 1",
    "not (rate < 0.60 or fakes >= 1)",
    "not (0.60 <= rate < 0.80) and overdue_major == 0",
    "rate == 0.85 or rate != 0.70 and repeats > 1",
    "fakes + repeats >= 3",
    "fakes * 2 - repeats * 3 != 1",
    "-fakes < -1",
    "overdue / due >= 0.5",
    "not (overdue / due >= 0.5)",
    "fakes / (repeats - 1) > 1",
    "overdue_by_category.E + overdue_by_category.6 >= 2",
    "1 < 2 and fakes >= 1",
    "2 < 1 or repeats == 0",
    "3 * (on_time - late) == findings - open - overdue",
    "rate > 0.00001 and fakes * 0.00001 < 0.00002",  # constants Python writes as 1e-05
    "overdue / (findings - findings) > 1",  # a divisor zero at run time for every unit
    "not (overdue / (due - on_time) < 1)",
    "1 > 2",  # constant false: spun durable_rules for ever
    "fakes >= 1 and 2 < 1",
    "rate > 0.0000001 * 0.0000001",  # a folded constant with an exponent (1e-14)
    "fakes < 999999999999999 * 999999999999999",
]


def _past_the_checks(source: str, root: Boolean) -> ParsedCondition:
    """A condition the checks refuse (a literal zero divisor), as if stored before them."""
    return ParsedCondition(source, root)


ZERO = Number(Fraction(0), 1)
UNCHECKED = [
    _past_the_checks(
        "rate / 0 > 1", Compare(">", Arith("/", Metric("rate", 1), ZERO, 6), Number(1, 10), 9)
    ),
    _past_the_checks(
        "not (fakes / 0 > 1)",
        Not(Compare(">", Arith("/", Metric("fakes", 6), ZERO, 12), Number(1, 18), 16), 1),
    ),
]


def extra_ruleset() -> Ruleset:
    base = load_ruleset(2018)
    rules = tuple(
        Rule(
            id=f"X{index}",
            name=f"额外{index}",
            description="test",
            reference="test",
            condition=parse_condition(text, CATEGORIES),
            bonus=Points(Fraction(1)),
        )
        for index, text in enumerate(EXTRA_CONDITIONS)
    ) + tuple(
        Rule(
            id=f"U{index}",
            name=f"未检查{index}",
            description="test",
            reference="test",
            condition=condition,
            bonus=Points(Fraction(1)),
        )
        for index, condition in enumerate(UNCHECKED)
    )
    return dataclasses.replace(base, rules=rules, content_hash="extra-conditions-for-tests-2")


RULESETS = {
    "2018": lambda: load_ruleset(2018),
    "2019": lambda: load_ruleset(2019),
    "extra": extra_ruleset,
}

rates = st.one_of(
    st.none(),
    st.sampled_from([Fraction(t) for t in THRESHOLDS]),
    st.sampled_from(
        [Fraction(t) + d for t in THRESHOLDS for d in (Fraction(1, 10**6), Fraction(-1, 10**6))]
    ),
    st.builds(Fraction, st.integers(0, 400), st.integers(1, 400)).filter(lambda r: r <= 1),
    st.sampled_from([Fraction(0), Fraction(1), Fraction(19, 20), Fraction(9, 10)]),
)
small = st.integers(min_value=0, max_value=6)


@st.composite
def unit_metrics(draw: st.DrawFn) -> dict[str, MetricValue]:
    on_time, late, overdue, open_ = draw(small), draw(small), draw(small), draw(small)
    values: dict[str, MetricValue] = {
        "findings": on_time + late + overdue + open_,
        "due": on_time + late + overdue,
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "open": open_,
        "overdue_major": draw(st.integers(0, overdue)),
        "fakes": draw(small),
        "repeats": draw(small),
        "rate": draw(rates),
    }
    for code in draw(st.sets(st.sampled_from(CATEGORIES), max_size=3)):
        values[f"overdue_by_category.{code}"] = draw(st.integers(0, 3))
    return values


def _with_r1(ruleset: Ruleset, condition: str) -> Ruleset:
    """``ruleset`` with R1's condition replaced, under the same content hash."""
    return dataclasses.replace(
        ruleset,
        rules=tuple(
            dataclasses.replace(rule, condition=parse_condition(condition, CATEGORIES))
            if rule.id == "R1"
            else rule
            for rule in ruleset.rules
        ),
    )


@pytest.fixture(scope="module")
def durable() -> DurableRulesEngine:
    return DurableRulesEngine()


@pytest.mark.parametrize("which", sorted(RULESETS))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(units=st.lists(unit_metrics(), min_size=1, max_size=40))
def test_durable_rules_agrees_with_the_exact_engine(
    durable: DurableRulesEngine, which: str, units: list[dict[str, MetricValue]]
) -> None:
    ruleset = RULESETS[which]()
    assert durable.evaluate(ruleset, units) == PythonEngine().evaluate(ruleset, units)


@pytest.mark.parametrize("year", [2018, 2019])
def test_every_threshold_and_null_rate(durable: DurableRulesEngine, year: int) -> None:
    ruleset = load_ruleset(year)
    units: list[dict[str, MetricValue]] = []
    for text in [*THRESHOLDS, "0", "1"]:
        exact = Fraction(text)
        for rate in (exact, exact - Fraction(1, 10**9), exact + Fraction(1, 10**9), None):
            for major in (0, 1):
                units.append(_unit(rate=rate, overdue_major=major, overdue=major))
    expected = PythonEngine().evaluate(ruleset, units)
    assert durable.evaluate(ruleset, units) == expected
    at = {
        str(u["rate"]): fired
        for u, fired in zip(units, expected, strict=True)
        if not u["overdue_major"]
    }
    if year == 2018:
        assert at["19/20"] == {"R1"} and at["9/10"] == {"R2"} and at["4/5"] == frozenset()
        assert at["3/5"] == {"R3"} and at[str(Fraction(3, 5) - Fraction(1, 10**9))] == {"R4"}
    else:
        assert at["49/50"] == {"R1"} and at["23/25"] == {"R2"} and at["17/20"] == frozenset()
        assert at["7/10"] == {"R3"} and at[str(Fraction(7, 10) - Fraction(1, 10**9))] == {"R4"}
    assert at["None"] == frozenset()


def _unit(**values: MetricValue) -> dict[str, MetricValue]:
    base: dict[str, MetricValue] = dict.fromkeys(
        (
            "findings",
            "due",
            "on_time",
            "late",
            "overdue",
            "open",
            "overdue_major",
            "fakes",
            "repeats",
        ),
        0,
    )
    base["rate"] = None
    base.update(values)
    return base


def test_null_rate_with_a_fake_fires_only_the_fake_rule(durable: DurableRulesEngine) -> None:
    units = [_unit(rate=None, fakes=1, **{"overdue_by_category.6": 1})]
    assert durable.evaluate(load_ruleset(2019), units) == [frozenset({"R6", "R8"})]


def test_rule_order_does_not_matter(durable: DurableRulesEngine) -> None:
    ruleset = load_ruleset(2019)
    units = [_unit(rate=Fraction(r, 20), fakes=r % 3, overdue_major=r % 2) for r in range(21)]
    expected = durable.evaluate(ruleset, units)
    shuffled = list(ruleset.rules)
    random.Random(7).shuffle(shuffled)
    reordered = dataclasses.replace(ruleset, rules=tuple(reversed(shuffled)))
    assert durable.evaluate(reordered, units) == expected


def test_more_units_than_live_sessions(durable: DurableRulesEngine) -> None:
    ruleset = load_ruleset(2018)
    units = [_unit(rate=Fraction(i, 3000), fakes=i % 4) for i in range(3000)]
    assert durable.evaluate(ruleset, units) == PythonEngine().evaluate(ruleset, units)


def _count_engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[Mapping[str, MetricValue]]:
    """The inputs the engine is given from now on, one per fact asserted."""
    calls: list[Mapping[str, MetricValue]] = []
    original = durable_engine._ScoringHost.fire

    def counting(
        self: durable_engine._ScoringHost,
        compiled: object,
        values: Mapping[str, MetricValue],
        deadline: object,
    ) -> frozenset[str]:
        calls.append(values)
        return original(self, compiled, values, deadline)  # type: ignore[arg-type]

    monkeypatch.setattr(durable_engine._ScoringHost, "fire", counting)
    return calls


def test_identical_units_are_evaluated_once(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_engine_calls(monkeypatch)
    # A content hash of its own: nothing evaluated before in this process is remembered.
    ruleset = dataclasses.replace(load_ruleset(2018), content_hash="identical-units")
    units = [_unit(rate=Fraction(1, 2))] * 5 + [_unit(rate=Fraction(1, 2), open=3)] + [_unit()] * 4
    results = durable.evaluate(ruleset, units)
    assert results == [frozenset({"R4"})] * 6 + [frozenset()] * 4
    assert len(calls) == 2  # "open" is read by no rule, so the first six are one case


def test_metric_values_evaluated_before_do_not_go_to_the_engine_again(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_engine_calls(monkeypatch)
    ruleset = dataclasses.replace(load_ruleset(2018), content_hash="evaluated-before")
    units = [_unit(rate=Fraction(i, 10), fakes=i % 2) for i in range(11)]
    expected = PythonEngine().evaluate(ruleset, units)
    assert durable.evaluate(ruleset, units) == expected
    assert len(calls) == 11
    # Again, by another engine of the process, in another order, with one unit more.
    more = [*reversed(units), _unit(rate=Fraction(1, 3))]
    assert DurableRulesEngine().evaluate(ruleset, more) == PythonEngine().evaluate(ruleset, more)
    assert calls[11:] == [more[-1]]
    # Other rules under another name are evaluated anew.
    stricter = _with_r1(ruleset, "rate >= 0.5")
    fired = durable.evaluate(stricter, units[5:6])
    assert fired == PythonEngine().evaluate(stricter, units[5:6]) and "R1" in fired[0]
    assert len(calls) == 13


def test_the_remembered_evaluations_stay_bounded(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(durable_engine, "_fired", durable_engine._FiredMemo(4))
    calls = _count_engine_calls(monkeypatch)
    ruleset = load_ruleset(2019)
    units = [_unit(rate=Fraction(i, 10), repeats=i % 3) for i in range(10)]
    expected = PythonEngine().evaluate(ruleset, units)
    assert durable.evaluate(ruleset, units) == expected
    assert len(durable_engine._fired) == 4
    # The last four are kept; the least recently used went first.
    assert durable.evaluate(ruleset, units[6:]) == expected[6:]
    assert len(calls) == 10
    assert durable.evaluate(ruleset, units[:1]) == expected[:1]
    assert calls[10:] == [units[0]]
    assert len(durable_engine._fired) == 4


def test_no_input_and_no_rule(durable: DurableRulesEngine) -> None:
    ruleset = load_ruleset(2018)
    assert durable.evaluate(ruleset, []) == []
    empty = dataclasses.replace(ruleset, rules=(), content_hash="no-rules")
    assert durable.evaluate(empty, [_unit()]) == [frozenset()]


def test_a_changed_rule_set_is_registered_under_a_new_name(durable: DurableRulesEngine) -> None:
    ruleset = load_ruleset(2018)
    stricter = _with_r1(ruleset, "rate >= 0.99")
    unit = [_unit(rate=Fraction(19, 20))]
    assert durable.evaluate(ruleset, unit) == [frozenset({"R1"})]
    assert durable.evaluate(stricter, unit) == [frozenset()]  # same hash, different rules


def test_exceptions_inside_actions_are_raised(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = durable_engine._ScoringHost._recorder

    def exploding(self: durable_engine._ScoringHost, rule_id: str) -> Callable[[Any], None]:
        if rule_id != "R6":
            return original(self, rule_id)

        def action(c: Any) -> None:
            raise RuntimeError(f"boom in {rule_id}")

        return action

    monkeypatch.setattr(durable_engine._ScoringHost, "_recorder", exploding)
    # A content hash of its own, so that the actions are resolved now, with the patch.
    ruleset = dataclasses.replace(load_ruleset(2018), content_hash="exploding-actions")
    assert durable.evaluate(ruleset, [_unit()]) == [frozenset()]  # nothing fires, no error
    with pytest.raises(RuntimeError, match="boom in R6"):
        durable.evaluate(ruleset, [_unit(fakes=1)])
    with pytest.raises(RuntimeError, match="boom in R6"):  # a failure is not remembered
        durable.evaluate(ruleset, [_unit(fakes=1)])


def test_one_host_no_threads_and_thread_safe_calls() -> None:
    before = threading.active_count()
    engines = [DurableRulesEngine() for _ in range(3)]
    assert threading.active_count() == before  # no timer threads
    ruleset = load_ruleset(2019)
    units = [_unit(rate=Fraction(i, 200), fakes=i % 3, repeats=i % 2) for i in range(200)]
    expected = PythonEngine().evaluate(ruleset, units)
    results: list[list[frozenset[str]]] = []

    def run(engine: DurableRulesEngine) -> None:
        results.append(engine.evaluate(ruleset, units))

    threads = [threading.Thread(target=run, args=(engines[i % 3],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 6
    assert durable_engine._host is durable_engine._shared_host()


def test_a_division_by_zero_at_run_time_scores_every_unit_alike_on_both_engines(
    durable: DurableRulesEngine,
) -> None:
    """Divisors that are zero for some units, or always (a literal 0 stored before the
    checks), make their comparison false on both engines, and nothing hangs."""
    ruleset = extra_ruleset()
    units = [
        _unit(rate=Fraction(i, 4), due=i % 3, on_time=i % 2, overdue=i, fakes=i % 2)
        for i in range(5)
    ]
    expected = PythonEngine().evaluate(ruleset, units)
    assert durable.evaluate(ruleset, units) == expected
    for fired in expected:
        assert not fired & {"X16", "X18", "X19", "U0"}  # a zero divisor or a false constant
        assert "U1" not in fired  # not (...) around a zero divisor is false as well


def _spinning(compiled: CompiledRuleset) -> CompiledRuleset:
    """The compiled form of ``1 > 2`` before the fix: a bare ``$nex``, which durable_rules
    runs as a negation that holds again after each action."""
    definition = dict(compiled.definition)
    definition["X"] = {"all": [{"m": {"$nex": {"_zero": 1}}}], "run": f"{compiled.name}/X"}
    actions = {**compiled.actions, f"{compiled.name}/X": "X"}
    return dataclasses.replace(compiled, definition=definition, actions=actions)


def test_an_engine_that_keeps_firing_is_stopped_and_serves_the_next_request(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ruleset = dataclasses.replace(load_ruleset(2018), content_hash="a-spinning-rule")
    monkeypatch.setattr(durable_engine, "compile_ruleset", lambda r: _spinning(compile_ruleset(r)))
    with pytest.raises(RuleEvaluationStopped, match="kept firing rule X of 2018"):
        durable.evaluate(ruleset, [_unit(rate=Fraction(1, 2))])
    monkeypatch.undo()
    units = [_unit(rate=Fraction(i, 10)) for i in range(11)]
    assert durable.evaluate(load_ruleset(2018), units) == PythonEngine().evaluate(
        load_ruleset(2018), units
    )


@pytest.mark.parametrize("engine", [DurableRulesEngine, PythonEngine])
def test_an_evaluation_past_its_time_limit_is_stopped_in_words(
    engine: type[DurableRulesEngine] | type[PythonEngine],
) -> None:
    ticks = iter(range(0, 10_000, 7))  # a clock that moves 7 s each time it is read
    slow = engine(time_limit=10, clock=lambda: float(next(ticks)))
    units = [_unit(rate=Fraction(i, 10)) for i in range(5)]
    engine().evaluate(load_ruleset(2018), units)  # remembered evaluations are stopped alike
    with pytest.raises(RuleEvaluationStopped, match="did not finish within 10 seconds"):
        slow.evaluate(load_ruleset(2018), units)
    assert DurableRulesEngine().evaluate(load_ruleset(2018), units) == PythonEngine().evaluate(
        load_ruleset(2018), units
    )


def test_a_rule_set_is_compiled_once_per_process(
    durable: DurableRulesEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []

    def counting(ruleset: Ruleset) -> CompiledRuleset:
        compiled.append(ruleset.content_hash)
        return compile_ruleset(ruleset)

    monkeypatch.setattr(durable_engine, "compile_ruleset", counting)
    ruleset = dataclasses.replace(load_ruleset(2018), content_hash="compiled-once")
    units = [_unit(rate=Fraction(i, 10)) for i in range(11)]
    first = durable.evaluate(ruleset, units)
    # The same rule set again, and loaded anew (as the shipped files are for each command).
    assert durable.evaluate(ruleset, units) == first
    again = dataclasses.replace(load_ruleset(2018), content_hash="compiled-once")
    assert durable.evaluate(again, units) == first
    assert compiled == ["compiled-once"]
    # Other rules under the same hash are other rules: compiled anew, not taken for the first.
    fewer = dataclasses.replace(ruleset, rules=ruleset.rules[1:])
    durable.evaluate(fewer, units)
    assert compiled == ["compiled-once", "compiled-once"]
