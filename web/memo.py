"""Answers the pages remember between requests, keyed by what decides them.

A key starts with ``data_key``: the year, its data revision (raised by every write to the
year's data), the hash of the rule set in force and the person's scope. A write, an import
or a new rule set changes the key, so nothing stale is ever shown; people who read the
same year between writes share the work. Kept per process, the least recently used first
out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from scoring_service.rules_in_force import ruleset_of
from scoring_service.services import list_years
from scoring_service.unit_of_work import UnitOfWork

T = TypeVar("T")
SIZE = 128

_lock = threading.Lock()
_answers: OrderedDict[Hashable, Any] = OrderedDict()


def data_key(uow: UnitOfWork, year: int) -> tuple[Hashable, ...]:
    """What every answer about ``year`` for this person depends on."""
    revision = next((y.revision for y in list_years(uow) if y.year == year), None)
    return (year, revision, ruleset_of(uow.rules, year).content_hash, uow.actor.scope)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """The answer remembered under ``key``, else ``compute()``'s, then remembered."""
    with _lock:
        if key in _answers:
            _answers.move_to_end(key)
            found: T = _answers[key]
            return found
    value = compute()  # outside the lock: two requests may compute it at once, both right
    with _lock:
        _answers[key] = value
        while len(_answers) > SIZE:
            _answers.popitem(last=False)
    return value


def forget() -> None:
    """Drop every answer (tests that change the clock or the rules in place)."""
    with _lock:
        _answers.clear()
