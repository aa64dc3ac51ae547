"""The condition language of rule files: tokenizer, recursive-descent parser, exact evaluation.

A condition reads a unit's metrics and answers yes or no, e.g.
``rate >= 0.95 and overdue_major == 0`` or ``0.60 <= rate < 0.80``. Nothing here
calls ``eval``: the text is tokenized and parsed into a small tree of frozen nodes.

Semantics, fixed here so that every engine agrees:

* numbers are exact: ``0.3`` is ``Fraction(3, 10)``, arithmetic and comparisons are exact;
* a condition that reads a null (or absent) metric is False as a whole, whatever
  ``and``/``or``/``not`` surround the read; only ``rate`` is ever null (nothing due);
  an absent ``overdue_by_category.<C>`` means 0, as the spec allows leaving it out;
* a condition in which any divisor is zero is False as a whole, for the same reason
  (a rule must not fire on a quantity that does not exist).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from scoring_service.domain.metrics import CATEGORY_PREFIX, SCALAR_METRICS
from scoring_service.domain.ruleset import MetricValue
from scoring_service.i18n import gettext as _

# The metrics every unit has (spec section 5); ``overdue_by_category.<C>`` comes on top.
PLAIN_METRICS = SCALAR_METRICS
NULLABLE_METRICS: frozenset[str] = frozenset({"rate"})

CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
ArithOp = Literal["+", "-", "*", "/"]
Kind = Literal["number", "boolean"]


class ConditionError(ValueError):
    """A condition that does not parse or type-check; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(_("%(message)s (column %(column)s)", message=message, column=column))
        self.message = message
        self.column = column


def is_category_metric(name: str) -> bool:
    """True for ``overdue_by_category.<C>`` names."""
    return name.startswith(CATEGORY_PREFIX)


def category_metric(code: str) -> str:
    """The metric name of the overdue count of category ``code``."""
    return CATEGORY_PREFIX + code


def metric_names(categories: Iterable[str]) -> tuple[str, ...]:
    """Every metric name known for a catalogue with these category codes."""
    return PLAIN_METRICS + tuple(category_metric(code) for code in categories)


# --- tokens -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not"})
# Common slips, answered with what to write instead.
_HINTS = {
    "=": "use '==' to compare",
    "≥": "use '>='",
    "≤": "use '<='",
    "≠": "use '!='",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' or '!='",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: Literal["number", "name", "keyword", "op", "end"]
    text: str
    column: int  # 1-based


def tokenize(text: str) -> list[Token]:
    """Split condition text into tokens, ending with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            hint = _HINTS.get(char)
            message = _("unexpected character %(char)r", char=char) + (f": {hint}" if hint else "")
            raise ConditionError(message, pos + 1)
        kind = match.lastgroup
        value = match.group()
        if kind == "name" and value in _KEYWORDS:
            tokens.append(Token("keyword", value, pos + 1))
        elif kind == "number":
            tokens.append(Token("number", value, pos + 1))
        elif kind == "name":
            tokens.append(Token("name", value, pos + 1))
        elif kind == "op":
            tokens.append(Token("op", value, pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# --- tree -------------------------------------------------------------------------------


class _Null(Exception):
    """Raised inside evaluation when a null metric is read or a divisor is zero."""


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction
    column: int
    kind: Kind = "number"

    def value_of(self, values: Mapping[str, MetricValue]) -> Fraction:
        return self.value


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    column: int
    kind: Kind = "number"

    def value_of(self, values: Mapping[str, MetricValue]) -> Fraction:
        value = values.get(self.name)
        if value is None:
            if is_category_metric(self.name):
                return Fraction(0)  # a category with no overdue finding may be left out
            raise _Null(self.name)
        return Fraction(value)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Numeric
    column: int
    kind: Kind = "number"

    def value_of(self, values: Mapping[str, MetricValue]) -> Fraction:
        return -self.operand.value_of(values)


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Numeric
    right: Numeric
    column: int
    kind: Kind = "number"

    def value_of(self, values: Mapping[str, MetricValue]) -> Fraction:
        left = self.left.value_of(values)
        right = self.right.value_of(values)
        if self.op == "+":
            return left + right
        if self.op == "-":
            return left - right
        if self.op == "*":
            return left * right
        if right == 0:
            raise _Null("division by zero")
        return left / right


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Numeric
    right: Numeric
    column: int
    kind: Kind = "boolean"

    def truth(self, values: Mapping[str, MetricValue]) -> bool:
        left = self.left.value_of(values)
        right = self.right.value_of(values)
        return bool(_COMPARE[self.op](left, right))


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Boolean, ...]
    column: int
    kind: Kind = "boolean"

    def truth(self, values: Mapping[str, MetricValue]) -> bool:
        # No short cut: every part is evaluated so that a null read anywhere is seen.
        results = [item.truth(values) for item in self.items]
        return all(results)


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Boolean, ...]
    column: int
    kind: Kind = "boolean"

    def truth(self, values: Mapping[str, MetricValue]) -> bool:
        results = [item.truth(values) for item in self.items]
        return any(results)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Boolean
    column: int
    kind: Kind = "boolean"

    def truth(self, values: Mapping[str, MetricValue]) -> bool:
        return not self.operand.truth(values)


Numeric = Number | Metric | Negate | Arith
Boolean = Compare | And | Or | Not
Node = Numeric | Boolean

_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents first."""
    yield node
    if isinstance(node, Negate | Not):
        yield from walk(node.operand)
    elif isinstance(node, Arith | Compare):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from walk(item)


# Not frozen: the domain's ``Condition`` protocol declares ``source`` a plain attribute.
@dataclass(slots=True, unsafe_hash=True)
class ParsedCondition:
    """A checked boolean condition; implements the domain's ``Condition`` protocol."""

    source: str
    root: Boolean

    @property
    def metrics(self) -> frozenset[str]:
        """The metric names the condition reads."""
        return frozenset(node.name for node in walk(self.root) if isinstance(node, Metric))

    def evaluate(self, values: Mapping[str, MetricValue]) -> bool:
        """Exact evaluation; False when a metric read is null or a divisor is zero."""
        try:
            return self.root.truth(values)
        except _Null:
            return False


# --- parser -----------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, known: frozenset[str], categories: tuple[str, ...]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.known = known
        self.categories = categories

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.current
        return token.kind == kind and (not texts or token.text in texts)

    def fail(self, message: str, token: Token | None = None) -> ConditionError:
        token = token or self.current
        return ConditionError(message, token.column)

    def unexpected(self, expected: str) -> ConditionError:
        token = self.current
        found = _("end of condition") if token.kind == "end" else repr(token.text)
        return self.fail(
            _("expected %(expected)s, found %(found)s", expected=expected, found=found)
        )

    def parse(self) -> Node:
        if self.at("end"):
            raise self.fail(_("empty condition"))
        node = self.or_expr()
        if not self.at("end"):
            raise self.unexpected(_("'and', 'or', an operator or the end"))
        return node

    def or_expr(self) -> Node:
        first = self.current
        items = [self.and_expr()]
        while self.at("keyword", "or"):
            operator = self.advance()
            items.append(self.and_expr())
            _need_boolean(items[-2], operator, "'or'")
            _need_boolean(items[-1], operator, "'or'")
        return items[0] if len(items) == 1 else Or(_booleans(items), first.column)

    def and_expr(self) -> Node:
        first = self.current
        items = [self.not_expr()]
        while self.at("keyword", "and"):
            operator = self.advance()
            items.append(self.not_expr())
            _need_boolean(items[-2], operator, "'and'")
            _need_boolean(items[-1], operator, "'and'")
        return items[0] if len(items) == 1 else And(_booleans(items), first.column)

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            operator = self.advance()
            operand = self.not_expr()
            _need_boolean(operand, operator, "'not'")
            assert not isinstance(operand, Number | Metric | Negate | Arith)
            return Not(operand, operator.column)
        return self.comparison()

    def comparison(self) -> Node:
        first = self.current
        operands = [self.sum()]
        operators: list[Token] = []
        while self.at("op", "<", "<=", ">", ">=", "==", "!="):
            operators.append(self.advance())
            operands.append(self.sum())
        if not operators:
            return operands[0]
        parts: list[Boolean] = []
        for index, operator in enumerate(operators):
            left, right = operands[index], operands[index + 1]
            left_num = _need_number(left, operator, f"'{operator.text}'")
            right_num = _need_number(right, operator, f"'{operator.text}'")
            op: CompareOp = operator.text  # type: ignore[assignment]
            parts.append(Compare(op, left_num, right_num, operator.column))
        # A chain ``a < b < c`` means ``a < b and b < c``.
        return parts[0] if len(parts) == 1 else And(tuple(parts), first.column)

    def sum(self) -> Node:
        return self.arithmetic(self.term, "+", "-")

    def term(self) -> Node:
        return self.arithmetic(self.unary, "*", "/")

    def arithmetic(self, operand: Callable[[], Node], *ops: str) -> Node:
        """Left-associative ``operand (op operand)*`` for one precedence level."""
        node = operand()
        while self.at("op", *ops):
            operator = self.advance()
            right = operand()
            op: ArithOp = operator.text  # type: ignore[assignment]
            node = Arith(
                op,
                _need_number(node, operator, f"'{op}'"),
                _need_number(right, operator, f"'{op}'"),
                operator.column,
            )
        return node

    def unary(self) -> Node:
        if self.at("op", "-", "+"):
            operator = self.advance()
            operand = _need_number(self.unary(), operator, f"unary '{operator.text}'")
            return operand if operator.text == "+" else Negate(operand, operator.column)
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            if len(token.text.split(".")[0].lstrip("0")) > 15:
                raise self.fail(_("number too large (at most 15 digits before the point)"), token)
            return Number(Fraction(token.text), token.column)
        if token.kind == "name":
            self.advance()
            return Metric(self.check_metric(token), token.column)
        if self.at("op", "("):
            self.advance()
            node = self.or_expr()
            if not self.at("op", ")"):
                raise self.unexpected("')'")
            self.advance()
            return node
        raise self.unexpected(_("a number, a metric or '('"))

    def check_metric(self, token: Token) -> str:
        name = token.text
        if name in self.known:
            return name
        if is_category_metric(name):
            code = name[len(CATEGORY_PREFIX) :]
            listed = ", ".join(self.categories)
            raise self.fail(
                _(
                    "unknown category %(code)r in %(name)r (the catalogue has %(listed)s)",
                    code=code,
                    name=name,
                    listed=listed,
                ),
                token,
            )
        close = difflib.get_close_matches(name, sorted(self.known), n=1)
        hint = _("; did you mean %(name)r?", name=close[0]) if close else ""
        raise self.fail(_("unknown metric %(name)r%(hint)s", name=name, hint=hint), token)


def _need_number(node: Node, operator: Token, what: str) -> Numeric:
    if node.kind != "number":
        raise ConditionError(
            _("%(what)s needs numbers on both sides, not a comparison", what=what), operator.column
        )
    assert isinstance(node, Number | Metric | Negate | Arith)
    return node


def _need_boolean(node: Node, operator: Token, what: str) -> None:
    if node.kind != "boolean":
        raise ConditionError(
            _("%(what)s needs conditions (comparisons), not a number", what=what), operator.column
        )


def _booleans(nodes: list[Node]) -> tuple[Boolean, ...]:
    return tuple(node for node in nodes if isinstance(node, Compare | And | Or | Not))


def parse_condition(text: str, categories: Iterable[str]) -> ParsedCondition:
    """Parse and type-check a rule's ``when``: it must be a condition (boolean)."""
    codes = tuple(categories)
    parser = _Parser(text, frozenset(metric_names(codes)), codes)
    node = parser.parse()
    if not isinstance(node, Compare | And | Or | Not):
        raise ConditionError(_("a condition must compare something, e.g. 'fakes >= 1'"), 1)
    return ParsedCondition(text, node)


def divisors(condition: ParsedCondition) -> tuple[Numeric, ...]:
    """The right-hand sides of every division in the condition (zero makes it False)."""
    return tuple(
        node.right for node in walk(condition.root) if isinstance(node, Arith) and node.op == "/"
    )
