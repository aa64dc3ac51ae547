"""Fixtures of the pages' tests: the demo year on SQLite shared by a module's read-only
tests, a fresh site on both backends for tests that write, and the browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scoring_service.db import upgrade
from tests.helpers.web import Site, launch_browser, make_site, serve


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The 2018 demo data on SQLite, for tests that only read (one per module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'scoring.db'}"
    upgrade(url)
    site = make_site(url)
    yield site
    site.services.close()


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    """The 2018 demo data on each backend, for one test that may write."""
    made = make_site(db_url)
    yield made
    made.services.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with launch_browser() as found:
        yield found


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[Site, str]]:
    """A fresh demo site on SQLite served on a free port: the browser tests' own."""
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    made = make_site(url)
    with serve(made.app) as base:
        yield made, base
    made.services.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The workbench is read in Chinese: its tests read the pages and the services they
    # compare them with in Chinese, unless a test chooses another language.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("language") is None:
            item.add_marker(pytest.mark.language("zh"))
