"""What every part of the benchmarks shares: the year, where the project is, how to run it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2018
MIB = 1024 * 1024


def child_env() -> dict[str, str]:
    """The environment of the processes the benchmarks start: the project importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("SCORING_DATABASE_URL", None)
    return env


def say(message: str) -> None:
    """Progress, on standard error so that standard output holds only the table."""
    print(message, file=sys.stderr, flush=True)


def cli(url: str, *args: str) -> str:
    """Run ``python -m scoring_service --db URL ARGS``; return its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "scoring_service", "--db", url, *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scoring_service {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


def plain_connection(url: str) -> Any:
    """A plain DB-API connection (sqlite3 or psycopg) to ``url``."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def peak_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
