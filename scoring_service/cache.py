"""Where remembered answers are kept: in this process (the default) or in Redis, so that
every worker and machine serves an answer the first one computed.

Answers are keyed by what decides them (a year's data revision, the rule set's hash, the
person's scope...); a write changes the key, so a kept answer is never stale and nothing is
ever invalidated by hand. Two calls, ``get`` and ``put``; ``open_cache`` picks the kind from
``SCORING_CACHE_URL`` (empty: in process; ``redis://host:port/db``: Redis).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Hashable
from typing import Any, Protocol, cast

from cachetools import LRUCache

# Answers kept in one process, the least recently used first out.
SIZE = 128
# Redis forgets an answer unread this long (a key nobody asks for again, after a write).
REDIS_SECONDS = 24 * 3600
_MISSING = object()


class Cache(Protocol):
    def get(self, key: Hashable) -> Any:
        """The answer kept under ``key``, or ``MISSING``."""

    def put(self, key: Hashable, value: Any) -> None: ...


class InProcess:
    """One process's answers (its threads share them)."""

    def __init__(self, size: int = SIZE) -> None:
        # cachetools' caches are not thread-safe by themselves: the lock guards every use.
        self.lock = threading.Lock()
        self.answers: LRUCache[Hashable, Any] = LRUCache(maxsize=size)

    def get(self, key: Hashable) -> Any:
        with self.lock:
            # A read makes it the most recently used; the least recently used goes when full.
            return self.answers.get(key, _MISSING)

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            self.answers[key] = value


def _stable(key: Any) -> str:
    """``key`` as text that every process spells alike (set order and string hashes vary
    between processes, so sets are sorted)."""
    if isinstance(key, tuple | list):
        return "(" + ",".join(_stable(k) for k in key) + ")"
    if isinstance(key, frozenset | set):
        return "{" + ",".join(sorted(_stable(k) for k in key)) + "}"
    return repr(key)


class RedisCache:
    """Answers kept in Redis, shared by every worker and machine using the same server.
    The values are pickled: the server is the service's own, not a client's."""

    def __init__(self, url: str, prefix: str = "scoring:answer:") -> None:
        import redis  # only a service configured for Redis needs it

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def _name(self, key: Hashable) -> str:
        return self.prefix + hashlib.sha256(_stable(key).encode()).hexdigest()

    def get(self, key: Hashable) -> Any:
        raw = cast(bytes | None, self.client.get(self._name(key)))
        return _MISSING if raw is None else pickle.loads(raw)

    def put(self, key: Hashable, value: Any) -> None:
        self.client.set(self._name(key), pickle.dumps(value), ex=REDIS_SECONDS)


def missing(value: Any) -> bool:
    """Whether ``get`` found nothing."""
    return value is _MISSING


def open_cache(url: str, database_url: str = "") -> Cache:
    """The cache ``url`` names: empty for this process's own, ``redis://...`` for Redis.
    Answers about one database are kept apart from another's on the same server (their
    years and revisions may coincide)."""
    if not url:
        return InProcess()
    if url.startswith(("redis://", "rediss://", "unix://")):
        database = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        return RedisCache(url, prefix=f"scoring:answer:{database}:")
    raise ValueError(f"SCORING_CACHE_URL: {url!r} is neither empty nor a redis:// address")
