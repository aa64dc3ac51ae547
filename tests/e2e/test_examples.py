"""The spec's worked examples, through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from scoring_service.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"
NAMES = sorted(p.name.removesuffix(".bundle.json") for p in EXAMPLES.glob("*.bundle.json"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def subject(alert: dict[str, Any]) -> tuple[str, ...]:
    return tuple(f"{k}={alert[k]}" for k in sorted(alert) if k != "detail")


@pytest.mark.parametrize("name", NAMES)
def test_worked_example(name: str, db_url: str) -> None:
    bundle = EXAMPLES / f"{name}.bundle.json"
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    year = json.loads(bundle.read_text(encoding="utf-8"))["year"]
    code, _, err = run("--db", db_url, "import", str(bundle))
    assert code == 0, err
    for case in expected:
        as_of = case["as_of"]
        code, out, err = run(
            "--db", db_url, "score", "--year", str(year), "--as-of", as_of, "--format", "json"
        )
        assert code == 0, err
        assert json.loads(out) == case["rows"], f"{name} as of {as_of}"
        code, out, err = run(
            "--db", db_url, "alerts", "--year", str(year), "--as-of", as_of, "--format", "json"
        )
        assert code == 0, err
        alerts = json.loads(out)
        assert all(a["detail"] for a in alerts)
        assert sorted(map(subject, alerts)) == sorted(map(subject, case["alerts"])), as_of
