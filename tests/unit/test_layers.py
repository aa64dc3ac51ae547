"""The layering: SQLAlchemy lives in the persistence package and the unit of work only, and
the core (domain, bundle, rules, engine) imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "scoring_service"
MODULES = sorted(
    [*PACKAGE.rglob("*.py"), *(ROOT / "api").rglob("*.py"), *(ROOT / "web").rglob("*.py")]
)
PERSISTENCE = (PACKAGE / "db", PACKAGE / "unit_of_work.py")
CORE = ("domain", "bundle", "rules", "engine")
# Leaves every layer may use: the message catalogue imports nothing of the service.
LEAVES = ("i18n",)


def imported(path: Path) -> set[str]:
    """Every module the file imports, at any level (TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_sqlalchemy_only_in_the_persistence_package(path: Path) -> None:
    if any(path == p or p in path.parents for p in PERSISTENCE):
        return
    used = sorted(m for m in imported(path) if m.split(".")[0] == "sqlalchemy")
    assert used == [], f"{name(path)} imports {used}: its SQL belongs in scoring_service/db/"


@pytest.mark.parametrize(
    "path", [p for p in MODULES if p.parent.name in CORE or p.parent.parent.name in CORE], ids=name
)
def test_the_core_imports_nothing_above_it(path: Path) -> None:
    above = sorted(
        m
        for m in imported(path)
        if m.split(".")[0] == "api"
        or (m.startswith("scoring_service.") and m.split(".")[1] not in CORE + LEAVES)
    )
    assert above == [], f"{name(path)} imports {above}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "i18n").rglob("*.py")), ids=name)
def test_the_message_catalogue_is_a_leaf(path: Path) -> None:
    used = sorted(m for m in imported(path) if m.split(".")[0] in ("scoring_service", "api"))
    assert used == [], f"{name(path)} imports {used}"


def test_the_scope_rule_and_its_queries_are_importable_from_access_scope() -> None:
    from scoring_service.access import scope
    from scoring_service.db import scopes

    assert scope.reach is scopes.reach
    assert scope.visible_findings_condition is scopes.visible_findings_condition


def names_from(path: Path, module: str) -> set[str]:
    """The names the file imports from ``module``."""
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


@pytest.mark.parametrize("path", sorted((PACKAGE / "records").glob("*.py")), ids=name)
def test_records_take_the_rules_in_force_not_the_assessment_services(path: Path) -> None:
    # A score run's record reuses the scoring computation itself; nothing else of the
    # assessment services belongs in the records of a year.
    used = sorted(names_from(path, "scoring_service.services") - {"compute"})
    assert used == [], f"{name(path)} imports {used} from scoring_service.services"


# Services and entrances that go through the unit of work's repositories only. To be
# widened to every package outside db/ (services.py waits for the rule sets' repository).
THROUGH_THE_DOOR = sorted(
    [
        *(PACKAGE / "records").glob("*.py"),
        *(PACKAGE / "documents").glob("*.py"),
        PACKAGE / "trend.py",
        PACKAGE / "rules_in_force.py",
        ROOT / "api" / "scores.py",
    ]
)


@pytest.mark.parametrize("path", THROUGH_THE_DOOR, ids=name)
def test_records_and_documents_reach_the_database_only_through_the_unit_of_work(
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8")
    used = sorted(m for m in imported(path) if m.split(".")[:2] == ["scoring_service", "db"])
    assert used == [], f"{name(path)} imports {used}: call a repository of the unit of work"
    assert "uow.session" not in text, f"{name(path)} uses uow.session: call a repository"


# The entrances reach the database through the unit of work and ``bootstrap`` (the
# composition root), never through ``db``. Not yet: the pages.
ENTRANCES = [
    *(ROOT / "api").glob("*.py"),
    ROOT / "web" / "errors.py",
    ROOT / "web" / "screenshots.py",
    *(PACKAGE / "cli").glob("*.py"),
    PACKAGE / "config.py",
    *(PACKAGE / "rulesets").glob("*.py"),
]


def _database(module: str) -> bool:
    return module == "scoring_service.db" or module.startswith("scoring_service.db.")


@pytest.mark.parametrize("path", sorted(ENTRANCES), ids=name)
def test_entrances_and_rule_editing_do_not_import_the_persistence_package(path: Path) -> None:
    used = sorted(m for m in imported(path) if _database(m))
    used += sorted(
        f"scoring_service.{alias}" for alias in names_from(path, "scoring_service") if alias == "db"
    )
    assert used == [], f"{name(path)} imports {used}: ask the unit of work or bootstrap"


@pytest.mark.parametrize(
    "path", [PACKAGE / "db" / "rule_source.py", PACKAGE / "db" / "rulesets.py"], ids=name
)
def test_the_rule_source_and_versions_import_only_the_core(path: Path) -> None:
    above = sorted(
        m
        for m in imported(path)
        if m.startswith("scoring_service.")
        and not _database(m)
        and m.split(".")[1] not in CORE + LEAVES
    )
    assert above == [], f"{name(path)} imports {above}"


def test_rule_files_load_from_rules_and_the_leftover_re_export_is_gone() -> None:
    assert not (PACKAGE / "rulesets" / "source.py").exists()
    assert not (PACKAGE / "rulesets" / "files.py").exists()
    from scoring_service.rules.files import load_files

    assert load_files.__module__ == "scoring_service.rules.files"
