"""JSON text as the command line prints it: ``json.dumps(doc, ensure_ascii=False,
indent=1, default=default)`` byte for byte, about four times faster.

The standard library indents in pure Python (its C encoder does not indent), with a
generator per container; a province's score rows took a tenth of a second. ``dumps`` writes
the values the commands print (dicts with text keys, lists and tuples, text, numbers,
booleans, None, and what ``default`` makes of anything else) with the standard library's
own pieces: its C string encoder, ``int.__repr__`` and its float text (NaN and the
infinities spelled as it spells them). Whatever else it meets (a subclass of a built-in
type, a key that is not text, a cycle), it hands the whole value to the standard library,
which then writes or refuses it as it always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from json.encoder import INFINITY
from json.encoder import encode_basestring as _text  # the C encoder's, Chinese as it is
from typing import Any

_int = int.__repr__
_float = float.__repr__

Default = Callable[[Any], Any] | None


class _Unplain(Exception):
    """A value left to the standard library."""


def dumps(doc: Any, default: Default = None) -> str:
    """``json.dumps(doc, ensure_ascii=False, indent=1, default=default)``."""
    return _indented(doc, "\n", default)


def _indented(doc: Any, newline: str, default: Default) -> str:
    """``dumps(doc)`` with each line after the first starting ``newline`` (a line end and
    the spaces of the level ``doc`` stands at)."""
    parts: list[str] = []
    try:
        _value(doc, newline, parts, default)
    except (_Unplain, RecursionError):
        text = json.dumps(doc, ensure_ascii=False, indent=1, default=default)
        # JSON text holds no raw newline: indenting it is putting spaces after each one.
        return text.replace("\n", newline)
    return "".join(parts)


def json_chunks(doc: Any, depth: int = 0, default: Default = None) -> Iterator[str]:
    """``dumps(doc)`` ``depth`` levels down (every line after the first indented by
    ``depth`` more spaces), in pieces: a dict a member at a time, a list an item at a time,
    so that a long list is written as it is formatted, never held whole as one text."""
    kind = type(doc)
    if kind is list or kind is tuple:
        yield from json_items(doc, depth, default)
    elif kind is dict and doc and all(type(key) is str for key in doc):
        inner = "\n" + " " * (depth + 1)
        first = True
        for key, value in doc.items():
            yield ("{" if first else ",") + inner + _text(key) + ": "
            yield from json_chunks(value, depth + 1, default)
            first = False
        yield "\n" + " " * depth + "}"
    else:
        yield _indented(doc, "\n" + " " * depth, default)


def json_items(items: Iterable[Any], depth: int = 0, default: Default = None) -> Iterator[str]:
    """A JSON array of ``items`` as ``json_chunks`` writes it, an item at a time."""
    inner = "\n" + " " * (depth + 1)
    first = True
    for item in items:
        yield ("[" if first else ",") + inner + _indented(item, inner, default)
        first = False
    yield "[]" if first else "\n" + " " * depth + "]"


def _float_text(value: float) -> str:
    """A float as the standard library writes it (``allow_nan``, its default)."""
    if value != value:
        return "NaN"
    if value == INFINITY:
        return "Infinity"
    if value == -INFINITY:
        return "-Infinity"
    return _float(value)


def _value(value: Any, newline: str, parts: list[str], default: Default) -> None:
    """Append ``value``'s text to ``parts``; ``newline`` is its own lines' start."""
    kind = type(value)
    if kind is str:
        parts.append(_text(value))
    elif kind is dict:
        _dict(value, newline, parts, default)
    elif kind is list or kind is tuple:
        _list(value, newline, parts, default)
    elif kind is int:
        parts.append(_int(value))
    elif kind is float:
        parts.append(_float_text(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif default is None or isinstance(value, (str, int, float, list, tuple, dict)):
        raise _Unplain  # a subclass, or an error the standard library words
    else:
        _value(default(value), newline, parts, default)


def _dict(value: dict[Any, Any], newline: str, parts: list[str], default: Default) -> None:
    if not value:
        parts.append("{}")
        return
    inner = newline + " "
    opening = "{" + inner
    for key, item in value.items():
        if type(key) is not str:
            raise _Unplain  # the standard library turns some keys into text, refuses others
        kind = type(item)
        # The common leaves inline: a call per value would cost as much as the rest.
        if kind is str:
            parts.append(opening + _text(key) + ": " + _text(item))
        elif kind is int:
            parts.append(opening + _text(key) + ": " + _int(item))
        elif kind is float:
            parts.append(opening + _text(key) + ": " + _float_text(item))
        elif item is None:
            parts.append(opening + _text(key) + ": null")
        else:
            parts.append(opening + _text(key) + ": ")
            _value(item, inner, parts, default)
        opening = "," + inner
    parts.append(newline + "}")


def _list(
    value: list[Any] | tuple[Any, ...], newline: str, parts: list[str], default: Default
) -> None:
    if not value:
        parts.append("[]")
        return
    inner = newline + " "
    opening = "[" + inner
    for item in value:
        kind = type(item)
        if kind is str:
            parts.append(opening + _text(item))
        elif kind is int:
            parts.append(opening + _int(item))
        else:
            parts.append(opening)
            _value(item, inner, parts, default)
        opening = "," + inner
    parts.append(newline + "]")
