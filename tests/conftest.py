"""Shared fixtures: empty databases on SQLite and PostgreSQL, migrated or not."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.db import make_engine, make_session_factory, upgrade
from scoring_service.i18n import use_language

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def language(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The language the test reads the service in: English, which most tests were written
    against, unless marked ``@pytest.mark.language("zh")``; ``language(None)`` leaves the
    service's default (Chinese) in force, as a person who sets nothing would see it.
    Commands run in-process, subprocesses (through SCORING_LANGUAGE) and the domain code
    all follow it."""
    marker = request.node.get_closest_marker("language")
    chosen: str | None = marker.args[0] if marker else "en"
    if chosen is None:
        monkeypatch.delenv("SCORING_LANGUAGE", raising=False)
        yield "zh"
        return
    monkeypatch.setenv("SCORING_LANGUAGE", chosen)
    with use_language(chosen):
        yield chosen


@pytest.fixture(scope="session", autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's cache folder, where rule sets loaded once are kept for the next command
    (``rules.loaded``): the run's own, not the person's running it, for the tests and the
    commands they start."""
    folder = tmp_path_factory.mktemp("cache-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


def _postgres_url() -> str:
    """The PostgreSQL server the integration tests use."""
    return os.environ.get("SCORING_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the test server; skips (fails under CI) when it cannot be reached."""
    engine = make_engine(_postgres_url())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any connection failure means the server is unusable
        engine.dispose()
        message = f"PostgreSQL unreachable at {_postgres_url()}: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_schema_url(postgres_admin: Engine) -> Iterator[str]:
    """A URL whose connections work in a fresh schema, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Every connection of this URL resolves unqualified names in the new schema only.
    url = make_url(_postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database with no schema, on each supported backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scoring.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A URL of an empty database migrated to the latest revision."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, disposed after the test."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The application's session factory on the migrated database."""
    return make_session_factory(engine)
