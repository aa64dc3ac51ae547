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

Limits. A condition is text from a rule editor, parsed by recursion and evaluated by a
rule engine written in C, so its size is bounded before anything else reads it: at most
``MAX_CHARACTERS`` characters, ``MAX_TERMS`` numbers and metrics, ``MAX_DEPTH`` levels of
parentheses, ``not`` and signs, and ``MAX_DIGITS`` digits in a number. A divisor that is
always zero (``rate / 0``, ``x / (1 - 1)``) is refused: the rule could never fire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from scoring_service.domain.metrics import CATEGORY_PREFIX, SCALAR_METRICS
from scoring_service.domain.ruleset import MetricValue
from scoring_service.i18n import N_
from scoring_service.i18n import gettext as _

# The metrics every unit has (spec section 5); ``overdue_by_category.<C>`` comes on top.
PLAIN_METRICS = SCALAR_METRICS
NULLABLE_METRICS: frozenset[str] = frozenset({"rate"})

CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
ArithOp = Literal["+", "-", "*", "/"]
Kind = Literal["number", "boolean"]

# Generous for real rule files (the shipped ones stay under 80 characters, 6 terms, depth 2),
# far below what would exhaust Python's recursion or the engine's limits.
MAX_CHARACTERS = 2000
MAX_TERMS = 200
MAX_DEPTH = 32
MAX_DIGITS = 15


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
    "=": N_("use '==' to compare"),
    "≥": N_("use '>='"),
    "≤": N_("use '<='"),
    "≠": N_("use '!='"),
    "&": N_("use 'and'"),
    "|": N_("use 'or'"),
    "!": N_("use 'not' or '!='"),
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
            message = _("unexpected character %(char)r", char=char)
            if hint:
                message = _("%(message)s: %(hint)s", message=message, hint=_(hint))
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
        self.depth = 0
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

    def nested(self, token: Token) -> None:
        """One level deeper (a parenthesis, a ``not``, a sign); refused past ``MAX_DEPTH``."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(
                _("the condition nests deeper than %(most)s levels", most=MAX_DEPTH), token
            )

    def parse(self) -> Node:
        if self.at("end"):
            raise self.fail(_("empty condition"))
        terms = [t for t in self.tokens if t.kind in ("number", "name")]
        if len(terms) > MAX_TERMS:
            raise self.fail(
                _("the condition has more than %(most)s numbers and metrics", most=MAX_TERMS),
                terms[MAX_TERMS],
            )
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
            self.nested(operator)
            operand = self.not_expr()
            self.depth -= 1
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
            self.nested(operator)
            operand = _need_number(self.unary(), operator, f"unary '{operator.text}'")
            self.depth -= 1
            return operand if operator.text == "+" else Negate(operand, operator.column)
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            whole, _point, fraction = token.text.partition(".")
            if len(whole.lstrip("0") + fraction) > MAX_DIGITS:
                raise self.fail(_("a number has at most %(most)s digits", most=MAX_DIGITS), token)
            return Number(Fraction(token.text), token.column)
        if token.kind == "name":
            self.advance()
            return Metric(self.check_metric(token), token.column)
        if self.at("op", "("):
            self.nested(self.advance())
            node = self.or_expr()
            if not self.at("op", ")"):
                raise self.unexpected("')'")
            self.advance()
            self.depth -= 1
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
        import difflib  # for a misspelt metric only: loading sound rules does without it

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
    if len(text) > MAX_CHARACTERS:
        # Before tokenizing: nothing reads more of an over-long text than its length.
        raise ConditionError(
            _("the condition is longer than %(most)s characters", most=MAX_CHARACTERS),
            MAX_CHARACTERS + 1,
        )
    codes = tuple(categories)
    parser = _Parser(text, frozenset(metric_names(codes)), codes)
    node = parser.parse()
    if not isinstance(node, Compare | And | Or | Not):
        raise ConditionError(_("a condition must compare something, e.g. 'fakes >= 1'"), 1)
    for division in walk(node):
        if isinstance(division, Arith) and division.op == "/" and constant(division.right) == 0:
            raise ConditionError(
                _("division by zero: the divisor is always 0, so the rule could never fire"),
                division.column,
            )
    return ParsedCondition(text, node)


def reads_metric(node: Numeric) -> bool:
    """Whether an expression reads a metric (else it is a constant)."""
    return any(isinstance(part, Metric) for part in walk(node))


def constant(node: Numeric) -> Fraction | None:
    """The exact value of a metric-free expression; None if it reads a metric or divides by 0."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Metric):
        return None
    if isinstance(node, Negate):
        inner = constant(node.operand)
        return None if inner is None else -inner
    left, right = constant(node.left), constant(node.right)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return left / right if right else None


def branches(condition: ParsedCondition) -> int:
    """How many branches the condition becomes in the rule engine, which expands every
    condition into a disjunction of conjunctions (``a and (b or c)`` is two); ``not`` is
    pushed down to the comparisons first, as the engine's compiler does."""

    def count(node: Boolean, negate: bool) -> int:
        if isinstance(node, Not):
            return count(node.operand, not negate)
        if isinstance(node, Compare):
            return 1
        parts = [count(item, negate) for item in node.items]
        if isinstance(node, And) != negate:  # a conjunction: every choice of its parts
            product = 1
            for part in parts:
                product *= part
            return product
        return sum(parts)

    return count(condition.root, False)


def divisors(condition: ParsedCondition) -> tuple[Numeric, ...]:
    """The right-hand sides of every division in the condition (zero makes it False)."""
    return tuple(
        node.right for node in walk(condition.root) if isinstance(node, Arith) and node.op == "/"
    )
