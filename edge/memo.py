"""Answers the pages and the API remember between requests, keyed by what decides them.

A key starts with ``data_key``: the year, its data revision (raised by every write to the
year's data), the hash of the rule set in force and the caller's scope (a person's or a
token's). A write, an import or a new rule set changes the key, so nothing stale is ever
shown; people who read the same year between writes share the work. Kept per app (one
database) in the cache ``SCORING_CACHE_URL`` names: this process's memory by default,
Redis to share the answers between workers and machines.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar, cast

from flask import Flask, current_app

from scoring_service.assessment.due import DueList, due_lights, with_waiting
from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.assessment.services import year_revision
from scoring_service.cache import Cache, missing, open_cache
from scoring_service.i18n import current_language
from scoring_service.unit_of_work import UnitOfWork

T = TypeVar("T")
EXTENSION = "scoring.memo"


def init_app(app: Flask, cache_url: str = "", database_url: str = "") -> None:
    """Keep the app's answers where ``cache_url`` says (``scoring_service.cache``)."""
    app.extensions[EXTENSION] = open_cache(cache_url, database_url)


def _mine() -> Cache:
    found: Cache = current_app.extensions[EXTENSION]
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


def view_key(uow: UnitOfWork, year: int) -> tuple[Hashable, ...]:
    """``data_key`` and the language of the request: for answers holding words, such as a
    page's rendered HTML."""
    return (*data_key(uow, year), current_language())


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """The answer remembered under ``key``, else ``compute()``'s, then remembered."""
    cache = _mine()
    found = cache.get(key)
    if not missing(found):
        return cast(T, found)
    value = compute()  # two requests may compute it at once, both right
    cache.put(key, value)
    return value


def due(
    uow: Callable[[], UnitOfWork], year: int, as_of: date | None, within: int | None
) -> DueList:
    """What is due (``assessment.due``) as the API and the pages give it: the list
    remembered until the year's data or rules change, so that paging it reads nothing
    again but what waits for a decision, which changes without them and is read each
    time."""
    lights = remember(
        ("due", *data_key(uow(), year), as_of, within),
        lambda: due_lights(uow(), year, as_of=as_of, within=within),
    )
    return with_waiting(uow(), lights)
