"""Writers on one SQLite file served in turn, without the busy handler's starvation.

SQLite has one write lock per database, and a connection that finds it taken sleeps in
its busy handler and tries again, each sleep longer than the last (up to 100 ms). A writer
that has waited a while therefore sleeps while newer ones take the lock as it comes free:
with four writers some waited seconds, though each holds the lock for milliseconds.
Writers marked as such (``begin_write``) first take a turn here: a lock of the process
(its waiters blocked, not polling) and then an advisory ``flock`` on a file beside the
database, shared with the server's other processes (polled every millisecond). Only the
turn's holder asks SQLite for the write lock, and gets it at once.

The turn is an optimisation only: correctness rests on SQLite's own lock, which every
writer still takes, and a writer that cannot have its turn in time goes on without it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable

# Each process's lock and open turn file per database file (opened after a fork afresh).
_turns: dict[tuple[int, str], tuple[threading.Lock, int]] = {}
_turns_lock = threading.Lock()
_POLL_SECONDS = 0.001


def _turn(path: str) -> tuple[threading.Lock, int]:
    key = (os.getpid(), path)
    with _turns_lock:
        found = _turns.get(key)
        if found is None:
            # Not the database file itself: closing any descriptor of it would drop the
            # process's POSIX locks SQLite holds on it.
            fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            found = _turns[key] = (threading.Lock(), fd)
        return found


def take_turn(path: str, seconds: float) -> Callable[[], None]:
    """Wait up to ``seconds`` for the turn to write to the SQLite file ``path``; returns
    what gives it back (a no-op when the wait ran out and the writer goes on without)."""
    deadline = time.monotonic() + seconds
    lock, fd = _turn(path)
    if not lock.acquire(timeout=seconds):
        return _nothing
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.release()
                return _nothing
            time.sleep(_POLL_SECONDS)

    def give_back() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            lock.release()

    return give_back


def _nothing() -> None:
    """Nothing to give back."""
