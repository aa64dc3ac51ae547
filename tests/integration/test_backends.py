"""Both backends are part of the suite: without PostgreSQL its tests are skipped on a
developer's machine, but fail under CI, where a skipped backend would pass unseen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/none"  # nothing listens on port 9


def test_an_unreachable_postgres_fails_under_ci_rather_than_being_skipped() -> None:
    env = {**os.environ, "CI": "true", "SCORING_TEST_POSTGRES_URL": NOWHERE}
    test = "tests/integration/test_migrations.py::test_upgrade_is_idempotent[postgresql]"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    summary = done.stdout.strip().splitlines()[-1]
    assert "PostgreSQL unreachable at" in done.stdout
    assert done.returncode == 1 and "1 error" in summary and "skipped" not in summary
