"""A page of a list the page holds whole (a ranking, what is due): its rows, its number and
how many there are; the downloads hold every row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Shown(Generic[T]):
    rows: Sequence[T]
    page: int  # from 1
    pages: int
    total: int


def shown_page(items: Sequence[T], page: int, per_page: int) -> Shown[T]:
    """The rows of page ``page`` of ``items``. A number past the last page (an old link, a
    list that has since shrunk) shows the last page, not an empty table."""
    pages = max(1, -(-len(items) // per_page))
    page = min(page, pages)
    start = (page - 1) * per_page
    return Shown(items[start : start + per_page], page, pages, len(items))
