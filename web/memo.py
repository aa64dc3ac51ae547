"""Answers the pages remember between requests, keyed by what decides them.

A key starts with ``data_key``: the year, its data revision (raised by every write to the
year's data), the hash of the rule set in force and the person's scope. A write, an import
or a new rule set changes the key, so nothing stale is ever shown; people who read the
same year between writes share the work. Kept per app (one database), in memory, the
least recently used first out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import Flask, current_app

from scoring_service.rules_in_force import ruleset_of
from scoring_service.services import year_revision
from scoring_service.unit_of_work import UnitOfWork

T = TypeVar("T")
SIZE = 128
EXTENSION = "scoring.web_memo"


class Answers:
    """One app's remembered answers (its threads share them)."""

    def __init__(self) -> None:
        # cachetools' caches are not thread-safe by themselves: the lock guards every use.
        self.lock = threading.Lock()
        self.answers: LRUCache[Hashable, Any] = LRUCache(maxsize=SIZE)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Answers()


def _mine() -> Answers:
    found: Answers = current_app.extensions[EXTENSION]
    return found


def data_key(uow: UnitOfWork, year: int) -> tuple[Hashable, ...]:
    """What every answer about ``year`` for this person depends on."""
    # One indexed read of the year's row: every page request builds this key.
    return (
        year,
        year_revision(uow, year),
        ruleset_of(uow.rules, year).content_hash,
        uow.actor.scope,
    )


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """The answer remembered under ``key``, else ``compute()``'s, then remembered."""
    mine = _mine()
    with mine.lock:
        if key in mine.answers:
            found: T = mine.answers[key]  # a read makes it the most recently used
            return found
    value = compute()  # outside the lock: two requests may compute it at once, both right
    with mine.lock:
        mine.answers[key] = value  # the least recently used goes when full
    return value
