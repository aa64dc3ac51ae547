"""Who may do what, and the rule editing lifecycle, reach the database only through the
persistence package: no module of ``access/`` or ``rulesets/`` imports SQLAlchemy, and
the scope rule's queries stay importable where services look for them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scoring_service"
MODULES = sorted([*PACKAGE.glob("access/*.py"), *PACKAGE.glob("rulesets/*.py")])


def _imported(path: Path) -> set[str]:
    """Every module the file imports, at any level (TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_sqlalchemy_outside_the_persistence_package(path: Path) -> None:
    sqlalchemy = sorted(m for m in _imported(path) if m.split(".")[0] == "sqlalchemy")
    assert sqlalchemy == [], f"{path.name} imports {sqlalchemy}: its SQL belongs in db/"


def test_the_scope_rule_and_its_queries_are_importable_from_access_scope() -> None:
    from scoring_service.access import scope
    from scoring_service.db import scopes

    assert scope.reach is scopes.reach
    assert scope.visible_findings_condition is scopes.visible_findings_condition
    assert scope.alerts_in_reach is scopes.alerts_in_reach


def test_no_repository_module_is_left_in_rulesets() -> None:
    assert not (PACKAGE / "rulesets" / "repository.py").exists()
