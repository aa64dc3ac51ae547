"""The command line's JSON writer prints what ``json.dumps(doc, ensure_ascii=False,
indent=1, default=...)`` prints, byte for byte, whatever the values: awkward text and
numbers, nesting, values for ``default``, and what it leaves to the standard library."""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring_service.cli.context import print_json
from scoring_service.cli.json_text import dumps, json_chunks, json_items

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def reference(doc: Any, default: Any = None) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, default=default)


def chunked(doc: Any, depth: int = 0, default: Any = None) -> str:
    return "".join(json_chunks(doc, depth, default))


class Grade(StrEnum):
    GOOD = "good"


class Rank(IntEnum):
    FIRST = 1


@dataclass
class Point:
    as_of: date
    rate: float | None


AWKWARD_ROW: dict[str, Any] = {
    "unit": "441621",
    "name": '紫金县 "东" 片\\区\n\t\x00\x1f\x7f\u2028\u2029 é 😀',
    "kind": "county",
    "metrics": {
        "findings": 0,
        "rate": 1e-05,
        "tiny": [2.5e-05, 5e-324, 1e-4, 0.0001234, -0.0, 0.0, 1e-9, 3.92070698621194e-09],
        "large": [1e16, 1e22, 123456789012345678.0, 1.7976931348623157e308, 9999999999999998.0],
        "plain": [0.1, 1 / 3, 0.9792, 1.0, -1.5, 12345.678],
        "not_finite": [math.nan, math.inf, -math.inf],
        "ints": [0, -1, 2**63, -(2**63) - 1, 2**64, 10**30],
        "overdue_by_category": {"2": 4, "6": 2},
        "empty": {},
    },
    "fired": [{"rule": "R1", "bonus": 3, "deduction": 0.5}, [], [[]], [{}], ()],
    "flags": [True, False, None],
    "tuple": (1, "二", (3.5, None)),
    "rank": None,
    "": "an empty key",
}


def test_awkward_rows_are_written_as_the_standard_library_writes_them() -> None:
    rows = [AWKWARD_ROW, {}, [], "text", 0, 1.5, None, True, {"nested": [AWKWARD_ROW]}]
    for doc in [AWKWARD_ROW, rows, *rows]:
        assert dumps(doc) == reference(doc)
        assert chunked(doc) == reference(doc)
    out = io.StringIO()
    print_json(rows, out)
    assert out.getvalue() == reference(rows) + "\n"


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_an_array_an_item_at_a_time_is_the_array_written_deeper(depth: int) -> None:
    """``json_items`` at a depth is the array as it stands that deep in a document."""
    items = [AWKWARD_ROW, {"a": [1, {"b": []}]}, [], 2.5e-05]
    pad = " " * depth
    expected = reference(items).replace("\n", "\n" + pad)
    assert "".join(json_items(items, depth)) == expected
    assert "".join(json_items(iter(items), depth)) == expected  # a generator, read once
    assert "".join(json_items([], depth)) == "[]"
    assert chunked({"x": items}, depth) == reference({"x": items}).replace("\n", "\n" + pad)


def test_values_for_default_are_written_as_default_makes_them() -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, Point):
            return {"as_of": value.as_of, "rate": value.rate}
        return date.isoformat(value)

    doc = {"months": [date(2018, 1, 31)], "points": [Point(date(2018, 2, 28), 1e-05)]}
    assert dumps(doc, plain) == reference(doc, plain)
    assert chunked(doc, 1, plain) == reference(doc, plain).replace("\n", "\n ")
    assert "".join(json_items(doc["points"], 1, plain)) == (
        reference(doc["points"], plain).replace("\n", "\n ")
    )


def test_what_it_leaves_to_the_standard_library_is_written_or_refused_as_before() -> None:
    """Subclasses of the built-in types and keys that are not text are the standard
    library's to write; what it refuses is refused with its own error."""
    for doc in [
        {"grade": Grade.GOOD, "rank": Rank.FIRST, "ranks": [Rank.FIRST]},
        {1: "one", 2.5: "two and a half", False: "no", None: "nothing"},
        [{"inner": {3: [Grade.GOOD]}}],
    ]:
        assert dumps(doc) == reference(doc)
        assert chunked(doc) == reference(doc)
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"when": date(2018, 1, 1)})
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps({"cycle": cycle})
    # A lone surrogate is text Python holds but UTF-8 cannot: written as it was, for
    # the output stream to refuse as before.
    assert dumps(["\ud800"]) == reference(["\ud800"])


def test_the_demo_fixtures_are_written_as_the_standard_library_writes_them() -> None:
    for name in ("demo-2018.bundle.json", "demo-2019.bundle.json"):
        doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        assert chunked(doc) == reference(doc)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=3))
def test_any_json_value_is_written_as_the_standard_library_writes_it(doc: Any, depth: int) -> None:
    expected = reference(doc)
    assert dumps(doc) == expected
    assert chunked(doc, depth) == expected.replace("\n", "\n" + " " * depth)
