"""Persistence: engines, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# What services that need transactions of their own are given (authentication, idempotency
# claims, the rule source): they import this name, not SQLAlchemy.
Sessions: TypeAlias = sessionmaker[Session]

# The database's failures as the entrances report them, without importing SQLAlchemy:
# the database cannot be reached or used (503), a write clashed with another (409).
DatabaseUnavailable = OperationalError
WriteClash = IntegrityError

__all__ = [
    "DatabaseUnavailable",
    "Engine",
    "Sessions",
    "WriteClash",
    "alembic_config",
    "downgrade",
    "make_engine",
    "make_session_factory",
    "ping",
    "schema_revision",
    "upgrade",
]


def ping(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def schema_revision(engine: Engine) -> str | None:
    """The migration the database's schema is at (None before the first); raises
    DatabaseUnavailable when it cannot be reached."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, foreign keys are switched on for every connection."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite leaves foreign keys off unless each connection asks for them."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after the service layer commits."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code, so migrations run from any installed copy."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may hold %-escaped passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the latest)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``base`` empties it)."""
    _run(url, lambda config: command.downgrade(config, revision))


def _run(url: str, action: Any) -> None:
    """Run an Alembic command on one connection of a short-lived engine."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(make_url(url).render_as_string(hide_password=False))
            config.attributes["connection"] = connection
            action(config)
    finally:
        engine.dispose()
