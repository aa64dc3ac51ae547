"""Compiling a rule set's conditions to durable_rules' JSON ruleset form.

Every rule becomes ``{"all": [{"m": <test>}], "run": <action name>}`` with the same
priority, and metrics are asserted as one fact per unit, so every rule whose test holds
fires whatever the rule order.

Numbers. The engine compares IEEE doubles. A rate is posted as ``float(Fraction)`` and a
threshold is compiled from its exact decimal the same way; both are correctly rounded,
and rounding is monotonic, so ``rate >= 0.95`` gives the exact answer unless the rate
and the threshold differ by less than one ulp (about 1e-16) without being equal.
A rate is a ratio of small sums of weights and credits, so that does not happen in
practice; the exact ``PythonEngine`` is the reference. Integer metrics are posted as
doubles too (exact below 2**53): with two integer operands the engine's ``$div`` is C
integer division and a zero divisor kills the process (SIGFPE), so no integer may reach
it. Arithmetic inside a condition (``fakes + repeats >= 2``) is done in doubles: exact
for sums and products of counts, not for rate arithmetic or division.

Nulls and zero divisors make the whole condition False (see ``rules.conditions``): the
test is conjoined with an existence test of each metric read (an absent fact field) and
a non-zero test of each divisor. There is no ``$not`` in the engine's JSON, so ``not``
is pushed down to the comparisons (negation normal form), which is exact once every
operand exists and no divisor is zero.

Constant conditions. ``1 > 2``, or a rule whose divisor guard folds to false, is never
handed to the engine: durable_rules reads a test made of ``$nex`` alone as a negation
(fire while no such fact exists), which holds again after every action it runs, so
the action loop never ends (the hang of a rule ``rate / 0 > 1``). A rule that cannot
fire is left out of the definition, and a false test inside one is written ``$lt`` on
the constant field (0 < 0), which the engine evaluates like any comparison.

Constants. The ruleset JSON may hold no exponent (the engine refuses ``1e-05``); a
constant whose double does not print plainly is built exactly from a 53-bit integer and
powers of two (``_constant_value``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from scoring_service.domain.metrics import CATEGORY_PREFIX
from scoring_service.domain.ruleset import MetricValue, Ruleset
from scoring_service.engine.port import metric_value, metrics_read
from scoring_service.rules.conditions import (
    And,
    Boolean,
    Compare,
    CompareOp,
    Metric,
    Negate,
    Not,
    Number,
    Numeric,
    ParsedCondition,
    constant,
    divisors,
    parse_condition,
    reads_metric,
)

ZERO_FIELD = "_zero"  # a constant 0 in every fact: lets any two expressions be compared
# A rule every fact matches. Deleting the session of a fact that no rule handled crashes
# durable_rules 2.0.28 (free(): invalid pointer / SIGSEGV in delete_state), and not
# deleting it leaks one of the 1,024 sessions; with this rule every fact is handled.
SEEN_RULE = "_seen"
TRUE: dict[str, Any] = {"$ex": {ZERO_FIELD: 1}}
FALSE: dict[str, Any] = {"$lt": {ZERO_FIELD: 0.0}}  # never {"$nex": ...}: see above

_OPERATOR = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NEGATED: dict[CompareOp, CompareOp] = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
}
_FLIPPED: dict[CompareOp, CompareOp] = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "==": "==",
    "!=": "!=",
}
_ARITH = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}


def field_name(metric: str) -> str:
    """The fact field of a metric: ``overdue_by_category.6`` -> ``obc_6``."""
    if metric.startswith(CATEGORY_PREFIX):
        return "obc_" + metric[len(CATEGORY_PREFIX) :]
    return metric


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    """A rule set in the engine's JSON form, named by year, content hash and compiled form."""

    name: str
    definition: dict[str, Any]  # rule id -> rule JSON, "run" holding the action name
    actions: Mapping[str, str]  # action name -> rule id (SEEN_RULE for the sentinel)
    metrics: tuple[str, ...]  # what a fact must carry
    # rule id -> its branches: the engine runs a rule's action once per branch that holds
    # (``a and (b or c)`` fires twice when b and c hold), so at most this often per fact.
    branches: Mapping[str, int]

    def fact_json(self, values: Mapping[str, MetricValue], sid: str) -> str:
        """One unit's metrics as the JSON text of a fact: doubles, null metrics left out."""
        parts = [f'"sid":{json.dumps(sid)}', f'"{ZERO_FIELD}":0.0']
        for metric in self.metrics:
            value = metric_value(values, metric)
            if value is not None:
                # float(int) is exact below 2**53; float(Fraction) divides two ints, which
                # Python rounds correctly.
                parts.append(f'"{field_name(metric)}":{number_text(float(value))}')
        return "{" + ",".join(parts) + "}"


def number_text(value: float) -> str:
    """A double as JSON the engine parses: plain decimal digits, never an exponent.

    Python writes 1e-05 for small doubles and the engine's parser refuses a mantissa
    without a point (error 204); the plain form names the same decimal, so the same double.
    """
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """The year's rules as a durable_rules ruleset definition."""
    categories = tuple(ruleset.catalogue.categories)
    definition: dict[str, Any] = {}
    for rule in ruleset.rules:
        condition = rule.condition
        parsed = (
            condition
            if isinstance(condition, ParsedCondition)
            else parse_condition(condition.source, categories)
        )
        test = compile_condition(parsed)
        if test != FALSE:  # a rule that cannot fire is not the engine's business
            definition[rule.id] = {"all": [{"m": test}]}
    definition[SEEN_RULE] = {"all": [{"m": TRUE}]}
    digest = hashlib.sha256(
        json.dumps(definition, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    name = f"scoring_{ruleset.year}_{ruleset.content_hash[:16]}_{digest[:12]}"
    actions = {}
    for rule_id, rule_json in definition.items():
        action = f"{name}/{rule_id}"
        rule_json["run"] = action
        actions[action] = rule_id
    branches = {
        rule_id: _branches(rule_json["all"][0]["m"]) for rule_id, rule_json in definition.items()
    }
    return CompiledRuleset(name, definition, actions, metrics_read(ruleset), branches)


def _branches(test: dict[str, Any]) -> int:
    """The branches of a compiled test once the engine expands it (disjunctive normal form)."""
    if set(test) == {"$and"}:
        return math.prod(_branches(part) for part in test["$and"])
    if set(test) == {"$or"}:
        return sum(_branches(part) for part in test["$or"])
    return 1


def compile_condition(condition: ParsedCondition) -> dict[str, Any]:
    """One condition as an engine test, with its existence and divisor guards."""
    guards: list[dict[str, Any]] = [
        {"$ex": {field_name(metric): 1}}
        for metric in sorted(condition.metrics)
        if not metric.startswith(CATEGORY_PREFIX)  # always posted (0 when absent)
    ]
    for divisor in divisors(condition):
        guards.append(_compare("!=", divisor, Number(Fraction(0), 0)))
    return _conjoin([*guards, _test(condition.root, negate=False)])


def _test(node: Boolean, *, negate: bool) -> dict[str, Any]:
    if isinstance(node, Not):
        return _test(node.operand, negate=not negate)
    if isinstance(node, Compare):
        return _compare(_NEGATED[node.op] if negate else node.op, node.left, node.right)
    parts = [_test(item, negate=negate) for item in node.items]
    conjunction = isinstance(node, And) != negate  # De Morgan under a negation
    return _conjoin(parts) if conjunction else _disjoin(parts)


def _conjoin(parts: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for part in parts:
        if part == FALSE:
            return FALSE
        if part != TRUE:
            flat.extend(part["$and"] if set(part) == {"$and"} else [part])
    if not flat:
        return TRUE
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _disjoin(parts: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for part in parts:
        if part == TRUE:
            return TRUE
        if part != FALSE:
            flat.extend(part["$or"] if set(part) == {"$or"} else [part])
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else {"$or": flat}


def _compare(op: CompareOp, left: Numeric, right: Numeric) -> dict[str, Any]:
    if not reads_metric(left) and not reads_metric(right):
        a, b = constant(left), constant(right)
        if a is None or b is None:
            return TRUE  # a constant zero divisor: its guard already makes the rule False
        held = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
        return TRUE if held[op] else FALSE
    if isinstance(left, Metric):
        return _field_test(op, field_name(left.name), _value(right))
    if isinstance(right, Metric):
        return _field_test(_FLIPPED[op], field_name(right.name), _value(left))
    # Neither side is a bare metric: ``L op R`` is ``0 op R - L``. For doubles R and L,
    # the rounded R - L has the sign of the exact difference and is 0 only when R == L.
    difference = {"$sub": {"$l": _value(right), "$r": _value(left)}}
    return _field_test(op, ZERO_FIELD, difference)


def _field_test(op: CompareOp, field: str, value: Any) -> dict[str, Any]:
    if op == "==":
        return {field: value}
    return {_OPERATOR[op]: {field: value}}


_POWER_STEP = 50  # 2**50 prints plainly as a double, and dividing by it is exact


def _constant_value(value: Fraction) -> Any:
    """A constant for the ruleset JSON, which durable_rules writes with ``json.dumps``."""
    number = float(value)  # the exact value, correctly rounded once
    if "e" not in repr(number):
        return number
    # json.dumps would write an exponent (1e-05, 1e+30), which the engine refuses. The
    # double is m * 2**k for an integer m below 2**53: m is read as 0 + m off the fact
    # (the engine computes nothing from constants alone), then multiplied or divided by
    # 2**50 at a time; each step is exact, so the result is the same double.
    mantissa, exponent = math.frexp(number)
    node: Any = {"$add": {"$l": {"$m": ZERO_FIELD}, "$r": float(int(mantissa * 2**53))}}
    shift = exponent - 53
    while shift:
        step = max(-_POWER_STEP, min(_POWER_STEP, shift))
        operator = "$mul" if step > 0 else "$div"
        node = {operator: {"$l": node, "$r": float(2 ** abs(step))}}
        shift -= step
    return node


def _value(node: Numeric) -> Any:
    exact = None if reads_metric(node) else constant(node)
    if exact is not None:
        return _constant_value(exact)  # constants are folded exactly
    if isinstance(node, Number):
        return _constant_value(node.value)
    if isinstance(node, Metric):
        return {"$m": field_name(node.name)}
    if isinstance(node, Negate):
        return {"$sub": {"$l": 0.0, "$r": _value(node.operand)}}
    return {_ARITH[node.op]: {"$l": _value(node.left), "$r": _value(node.right)}}
