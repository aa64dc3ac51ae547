"""429 for a client address that keeps failing bearer authentication.

After ``auth_failure_limit`` failed attempts within ``auth_failure_window_seconds``, the
address is answered 429 with ``Retry-After`` until its oldest counted failure leaves the
window: guessing tokens becomes slow, and a system sending a revoked token in a loop is
told to stop. The counts live in each worker's memory, so with several workers an address
may make that many attempts per worker; behind a proxy every client shares its address.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from flask import Flask, current_app, request

from api.errors import ApiProblem
from scoring_service.config import Settings
from scoring_service.i18n import gettext as _

EXTENSION = "scoring.auth_failures"
MAX_ADDRESSES = 10_000  # addresses remembered at once; the least recently failing go first


class FailedAuthentications:
    """Failure times per client address within a sliding window (thread-safe)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again; None when it may now."""
        with self._lock:
            now = self.clock()
            times = self._recent(address, now)
            if times is None or len(times) < self.limit:
                return None
            return max(1, math.ceil(times[-self.limit] + self.window - now))

    def failed(self, address: str) -> None:
        """Count a failed attempt from ``address``."""
        with self._lock:
            now = self.clock()
            times = self._recent(address, now) or deque()
            times.append(now)
            while len(times) > self.limit:
                times.popleft()  # only the last ``limit`` failures decide
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)


def register(app: Flask, config: Settings) -> None:
    """One counter per app, made before any request (workers' threads share it)."""
    app.extensions[EXTENSION] = FailedAuthentications(
        config.auth_failure_limit, config.auth_failure_window_seconds
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
