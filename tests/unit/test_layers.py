"""The record services and the problem list reach the database only through the
persistence package (``scoring_service/db/``) and the unit of work."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scoring_service"
SERVICES = [
    "records/__init__.py",
    "records/events.py",
    "records/findings.py",
    "records/groups.py",
    "records/inspections.py",
    "records/pairings.py",
    "records/structure.py",
    "records/units.py",
    "records/year.py",
    "reports/exports.py",
]


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", SERVICES)
def test_a_record_service_does_not_import_sqlalchemy(module: str) -> None:
    assert "sqlalchemy" not in imported(PACKAGE / module)
