"""Persistence: engines, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

# Alembic is imported when the schema has to change, not by every command that checks it
# (importing it costs a command more than its whole check; see ``up_to_date``).
if TYPE_CHECKING:
    from alembic.config import Config

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
    "up_to_date",
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


# A migration file's own revision and the one it follows, as Alembic's template writes them.
_REVISION = re.compile(r"^revision(?:: [^=]+)? = ['\"](\w+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = (?:None|['\"](\w+)['\"])", re.M)


def migrations_head() -> str | None:
    """The latest migration of this code, read from the migration files' own lines; None
    when they cannot be read so simply (a branch, a merge, an unusual file): then only
    Alembic can tell."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.findall(source)
        down = _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        followed.add(down[0])  # "" for the first migration's None
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def stored_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in the database (None before the first migration, or
    when it recorded several), read without Alembic."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def up_to_date(engine: Engine) -> bool:
    """Whether the schema is at this code's latest migration, by one query and the migration
    files' own lines; False when in doubt (``upgrade`` then asks Alembic)."""
    head = migrations_head()
    if head is None:
        return False
    with engine.connect() as connection:
        return stored_revision(connection) == head


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may hold %-escaped passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the latest)."""
    from alembic import command

    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``base`` empties it)."""
    from alembic import command

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
