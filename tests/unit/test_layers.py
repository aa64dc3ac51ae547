"""The layering: SQLAlchemy lives in the persistence package and the unit of work only, the
core (domain, bundle, rules, engine) imports nothing above it, the API and the pages stand on
one HTTP edge without importing each other, and the house has no circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "scoring_service"
# The top-level packages of the house, from the bottom up.
HOUSE = ("scoring_service", "edge", "api", "web", "server")
MODULES = sorted(path for top in HOUSE for path in (ROOT / top).rglob("*.py"))
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
        if m.split(".")[0] in HOUSE[1:]
        or (m.startswith("scoring_service.") and m.split(".")[1] not in CORE + LEAVES)
    )
    assert above == [], f"{name(path)} imports {above}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "i18n").rglob("*.py")), ids=name)
def test_the_message_catalogue_is_a_leaf(path: Path) -> None:
    used = sorted(m for m in imported(path) if m.split(".")[0] in HOUSE)
    assert used == [], f"{name(path)} imports {used}"


# What db/ may import besides itself: the core, the message catalogue (and SQLAlchemy).
BELOW_DB = (*CORE, *LEAVES)


def test_db_imports_only_the_core() -> None:
    found = {
        (name(path), m)
        for path in sorted((PACKAGE / "db").rglob("*.py"))
        for m in imported(path)
        if m.split(".")[0] in HOUSE[1:]
        or (m.startswith("scoring_service.") and m.split(".")[1] not in ("db", *BELOW_DB))
    }
    assert found == set(), "db/ imports above it: move what it reads below db/"


def package_of(module: str) -> str | None:
    """The scoring_service package (or top-level module) a module belongs to."""
    parts = module.split(".")
    return parts[1] if parts[0] == "scoring_service" and len(parts) > 1 else None


def package_imports() -> dict[str, dict[str, set[str]]]:
    """package -> package it imports -> the files whose imports make that arrow (imports
    inside functions and TYPE_CHECKING blocks count: a lazy import hides a circle, it does
    not remove it)."""
    arrows: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        here = package_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
        if here is None:
            continue
        for module in imported(path):
            there = package_of(module)
            if there is not None and there != here:
                arrows.setdefault(here, {}).setdefault(there, set()).add(name(path))
    return arrows


def circles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(arrows.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(arrows):
        if node not in index:
            visit(node)
    return found


def test_circles_finds_a_lazy_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


# Known arrows that close a circle: each file's imports of the package. A fixed one must
# leave this list (the test fails on an entry that no longer holds).
CIRCLE_ALLOWED = {
    # services -> rulesets (lazy: recording a version, a run's diff) closes services ->
    # rulesets -> reports -> records -> services; the assessment package's part to cut
    ("scoring_service/assessment/services.py", "rulesets"),
}


def test_no_circle_among_the_packages() -> None:
    arrows_found = package_imports()
    allowed = CIRCLE_ALLOWED
    held = {
        (f, there) for theirs in arrows_found.values() for there, fs in theirs.items() for f in fs
    }
    assert CIRCLE_ALLOWED - held == set(), "fixed: take these off CIRCLE_ALLOWED"
    arrows = {
        here: {
            there
            for there, files in theirs.items()
            if not all((f, there) in allowed for f in files)
        }
        for here, theirs in arrows_found.items()
    }
    assert circles(arrows) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "access").rglob("*.py")), ids=name)
def test_access_reaches_the_database_only_through_the_unit_of_work(path: Path) -> None:
    # Its repositories' typed results (TokenInfo, AccountInfo, AuditEntry, Page) and their
    # refusals are the only names it takes from db/.
    used = sorted(
        m
        for m in imported(path)
        if m.split(".")[0] == "sqlalchemy"
        or (m.startswith("scoring_service.db") and m not in DB_RESULTS)
    )
    assert used == [], f"{name(path)} imports {used}"
    calls = [
        node.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in ("session", "sessions")
    ]
    assert calls == [], f"{name(path)} uses uow.session"


DB_RESULTS = {
    "scoring_service.db.accounts",
    "scoring_service.db.principals",
    "scoring_service.db.queries",
}


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
    used = sorted(names_from(path, "scoring_service.assessment.services") - {"compute"})
    assert used == [], f"{name(path)} imports {used} from scoring_service.assessment.services"


# Services and entrances that go through the unit of work's repositories only. To be
# widened to every package outside db/ (services.py waits for the rule sets' repository).
THROUGH_THE_DOOR = sorted(
    [
        *(PACKAGE / "records").glob("*.py"),
        *(PACKAGE / "documents").glob("*.py"),
        *(PACKAGE / "assessment").glob("*.py"),
        *(PACKAGE / "access").glob("*.py"),
        *(PACKAGE / "notices").glob("*.py"),
        *(PACKAGE / "rulesets").glob("*.py"),
        *(PACKAGE / "reports").glob("*.py"),
        ROOT / "api" / "scores.py",
    ]
)


@pytest.mark.parametrize("path", THROUGH_THE_DOOR, ids=name)
def test_services_reach_the_database_only_through_the_unit_of_work(
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8")
    used = sorted(m for m in imported(path) if m.split(".")[:2] == ["scoring_service", "db"])
    assert used == [], f"{name(path)} imports {used}: call a repository of the unit of work"
    assert "uow.session" not in text, f"{name(path)} uses uow.session: call a repository"


# The entrances reach the database through the unit of work and ``bootstrap`` (the
# composition root), never through ``db``. Not yet: the pages.
ENTRANCES = [
    *(ROOT / "edge").glob("*.py"),
    *(ROOT / "api").glob("*.py"),
    ROOT / "web" / "errors.py",
    *(ROOT / "server").glob("*.py"),
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


def top_level_imports() -> dict[str, set[str]]:
    """top-level package -> the top-level packages of the house it imports (lazy imports
    count)."""
    arrows: dict[str, set[str]] = {}
    for path in MODULES:
        here = path.relative_to(ROOT).parts[0]
        for module in imported(path):
            there = module.split(".")[0]
            if there in HOUSE and there != here:
                arrows.setdefault(here, set()).add(there)
    return arrows


@pytest.mark.parametrize(
    ("entrance", "other"), [("api", "web"), ("web", "api")], ids=["api", "web"]
)
def test_the_api_and_the_pages_do_not_import_each_other(entrance: str, other: str) -> None:
    # What both need is the HTTP edge's (edge/); server/ is the one place that joins them.
    used = sorted(
        f"{name(path)}: {m}"
        for path in sorted((ROOT / entrance).rglob("*.py"))
        for m in imported(path)
        if m.split(".")[0] == other
    )
    assert used == [], f"{entrance}/ imports {other}/: move what both need into edge/"


def test_the_edge_imports_neither_entrance() -> None:
    assert top_level_imports().get("edge", set()) <= {"scoring_service"}


def test_no_circle_among_the_top_level_packages() -> None:
    assert circles(top_level_imports()) == []
