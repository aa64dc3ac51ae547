"""Pages of a list in a stable order, with opaque cursors: what every list service returns.

Pure Python, so that services, entrances and the persistence package share one ``Page``
(the keyset queries that fill one from SQL stay in ``db.queries``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from scoring_service.domain.errors import InvalidRequest

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list in a stable order: its items, the total, the cursor of the next."""

    items: list[T]
    total: int
    next_cursor: str | None

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page([fn(item) for item in self.items], self.total, self.next_cursor)


class BadCursor(InvalidRequest):
    """A cursor this service did not give, or gave for another list."""

    def __init__(self) -> None:
        super().__init__("the cursor is not valid for this list; start again without one")


def encode_cursor(tag: str, values: Sequence[Any]) -> str:
    """An opaque cursor: the list's tag and the sort key of the last item given."""
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    text = json.dumps([tag, plain], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(tag: str, cursor: str, types: Sequence[type]) -> list[Any]:
    """The sort key a cursor holds, each value checked against ``types``; BadCursor if not."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_tag, values = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadCursor() from None
    if got_tag != tag or not isinstance(values, list) or len(values) != len(types):
        raise BadCursor()
    out: list[Any] = []
    for value, kind in zip(values, types, strict=True):
        if kind is date:
            try:
                out.append(date.fromisoformat(value))
            except (TypeError, ValueError):
                raise BadCursor() from None
        elif kind is int:
            if type(value) is not int or abs(value) >= 2**31:  # the columns are 32-bit
                raise BadCursor()
            out.append(value)
        elif kind is str:
            if not isinstance(value, str) or "\x00" in value or not _encodable(value):
                raise BadCursor()
            out.append(value)
        else:  # pragma: no cover - keys are ints, strings or dates
            raise TypeError(kind)
    return out


def _encodable(text: str) -> bool:
    """Whether the text is valid Unicode (JSON escapes can make lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def list_page(items: Sequence[T], *, tag: str, limit: int, cursor: str | None) -> Page[T]:
    """A page of a list computed in full (alerts, score rows): the cursor is a position."""
    return position_page(
        lambda start, count: (list(items[start : start + count]), len(items)),
        tag=tag,
        limit=limit,
        cursor=cursor,
    )


def position_page(
    fetch: Callable[[int, int], tuple[list[T], int]], *, tag: str, limit: int, cursor: str | None
) -> Page[T]:
    """A page of a list in a fixed order whose cursor is a position, as ``list_page``.

    ``fetch(start, count)`` gives the list's items from ``start`` (at most ``count``) and
    its length, so a stored list (a score run's rows) is read one page at a time.
    """
    start = decode_cursor(tag, cursor, [int])[0] if cursor is not None else 0
    if start < 0:
        raise BadCursor()
    chunk, total = fetch(start, limit)
    more = start + limit < total
    return Page(chunk, total, encode_cursor(tag, [start + limit]) if more else None)
