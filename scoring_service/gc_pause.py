"""Pausing Python's cyclic garbage collector around bulk work.

Loading, checking or scoring a province's year creates about a million small objects that
live until the work ends and hold no reference cycles. Each of those allocations counts
towards the collector's thresholds, so it runs its full collection a dozen times per
year, walking every live object each time: a third of a score run's time. Reference
counting still frees everything at once; the collector resumes when the last bulk job of
the process ends (jobs may overlap in a threaded server) and catches up on any cycles then.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_active = 0  # bulk jobs running now
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (nesting and threads allowed)."""
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()


def bulk(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function that does bulk work: it runs with the collector paused."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return run
