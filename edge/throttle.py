"""429 for a client address that keeps failing bearer authentication.

After ``auth_failure_limit`` failed attempts within ``auth_failure_window_seconds``, the
address is answered 429 with ``Retry-After`` until its oldest counted failure leaves the
window: guessing tokens becomes slow, and a system sending a revoked token in a loop is
told to stop. Behind a proxy every client shares its address.

The counts are kept by Flask-Limiter's storage with its moving-window strategy: in each
worker's memory by default, or in Redis (``SCORING_RATE_LIMIT_STORAGE=redis://...``) so
that every worker counts together. Its decorators count every request to a route; here only
failures count, and sign-in counts by username too, so the strategy is called directly.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from edge.errors import ApiProblem
from scoring_service.config import Settings
from scoring_service.i18n import gettext as _

EXTENSION = "scoring.auth_failures"
LIMITER = "scoring.limiter"


class FailedAuthentications:
    """Failures per key within a moving window, kept in a ``limits`` storage (thread-safe,
    shared by every worker when the storage is Redis). ``name`` keeps apart the counts of
    different counters in one storage."""

    def __init__(self, storage: Storage, name: str, limit: int, window: int):
        self.name = name
        self.item = RateLimitItemPerSecond(limit, window)
        self.strategy = MovingWindowRateLimiter(storage)

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again; None when it may now."""
        if self.strategy.test(self.item, self.name, key):
            return None
        reset, _remaining = self.strategy.get_window_stats(self.item, self.name, key)
        return max(1, math.ceil(reset - time.time()))

    def failed(self, key: str) -> None:
        """Count a failed attempt for ``key`` (none past the limit: the oldest decides)."""
        self.strategy.hit(self.item, self.name, key)


def limiter(app: Flask, config: Settings) -> Limiter:
    """The app's Flask-Limiter (made once): the storage every counter of the app uses."""
    made: Limiter | None = app.extensions.get(LIMITER)
    if made is None:
        made = Limiter(
            get_remote_address,
            app=app,
            storage_uri=config.rate_limit_storage,
            strategy="moving-window",
            key_prefix="scoring",
        )
        app.extensions[LIMITER] = made
    return made


def register(app: Flask, config: Settings) -> None:
    """One counter per app, made before any request (workers' threads share it)."""
    app.extensions[EXTENSION] = FailedAuthentications(
        limiter(app, config).storage,
        "api-token",
        config.auth_failure_limit,
        config.auth_failure_window_seconds,
    )


def _counter() -> FailedAuthentications:
    found: FailedAuthentications = current_app.extensions[EXTENSION]
    return found


def _address() -> str:
    return request.remote_addr or "unknown"


def refuse_if_blocked() -> None:
    """429 while this client address has failed authentication too often."""
    wait = _counter().retry_after(_address())
    if wait is not None:
        raise ApiProblem(
            429,
            _(
                "too many failed authentications from this address; retry after %(wait)s "
                "seconds with a valid token",
                wait=wait,
            ),
            slug="too-many-failures",
            headers={"Retry-After": str(wait)},
        )


def record_failure() -> None:
    """Count a failed bearer authentication from this client address."""
    _counter().failed(_address())
