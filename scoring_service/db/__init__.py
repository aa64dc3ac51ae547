"""Persistence: engines, sessions and schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.db.writer_turns import take_turn

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
    "begin_write",
    "checkpoint",
    "downgrade",
    "holds_write_lock",
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


# How long a SQLite connection waits for another's write lock before it fails with
# "database is locked" (pysqlite's ``timeout``, SQLite's busy timeout). Writes hold the lock
# for milliseconds; a wait this long means something is stuck.
SQLITE_BUSY_SECONDS = 30.0

# The execution option that makes a SQLite transaction take the write lock at its start.
_WRITE_LOCK = "scoring_write_lock"
# Where the begin event leaves what gives the writer's turn back, for begin_write.
_GIVE_BACK = "scoring_give_back_turn"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine. On SQLite: foreign keys on for every connection; a file database
    in WAL mode (readers never wait for the writer, nor it for them) with
    ``synchronous=NORMAL`` and a busy timeout of SQLITE_BUSY_SECONDS (``connect_args``'
    ``timeout`` overrides it); and a transaction ``begin_write`` marks starts with
    ``BEGIN IMMEDIATE``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        on_connect = _sqlite_on_connect if _in_memory(parsed) else _sqlite_file_on_connect
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _in_memory(url: URL) -> bool:
    """Whether a SQLite URL names an in-memory database rather than a file."""
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite leaves foreign keys off unless each connection asks for them."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_file_on_connect(dbapi_connection: Any, record: Any) -> None:
    """A file database: foreign keys, and WAL. With a rollback journal a reader blocks the
    writer's commit and a committing writer blocks every reader; in WAL mode readers read
    the last commit while one writer appends. ``synchronous=NORMAL`` syncs at checkpoints
    instead of each commit: a power cut may lose the last commits, never consistency."""
    _sqlite_on_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    try:
        # Persistent in the file: a no-op once the file is in WAL mode.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    """A transaction marked by ``begin_write`` takes the write lock at once, a file
    database's writers in turn (``writer_turns``, waiting no longer than the connection's
    busy timeout).

    pysqlite otherwise runs reads outside any transaction and opens one (deferred) at the
    first write, which is safe but leaves the reads a write checks unprotected. A deferred
    transaction that has read and then writes must upgrade its lock, and SQLite refuses
    that upgrade at once (SQLITE_BUSY, no busy wait) when another writer committed since:
    ``BEGIN IMMEDIATE`` waits its turn (the busy timeout) before reading anything."""
    if not connection.get_execution_options().get(_WRITE_LOCK):
        return
    url = connection.engine.url
    give_back = _nothing
    if not _in_memory(url):
        busy_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0
        give_back = take_turn(str(url.database), busy_ms / 1000)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        give_back()
        raise
    connection.info[_GIVE_BACK] = give_back


def begin_write(session: Session) -> Callable[[], None]:
    """Begin the session's transaction as a write: on SQLite it holds the database's write
    lock from its first statement, so what it reads cannot change before it writes (a
    reader's transaction is never marked: it is not blocked). Call before anything is read
    in the transaction, and call what it returns once the session is closed: it gives the
    writer's turn back. A no-op on PostgreSQL, whose row locks (``FOR UPDATE``) serve."""
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction():
        return _nothing
    connection = session.connection(execution_options={_WRITE_LOCK: True})
    give_back: Callable[[], None] = connection.info.pop(_GIVE_BACK, _nothing)
    return give_back


def checkpoint(session: Session) -> None:
    """On SQLite, after a bulk write has committed: copy the write-ahead log into the
    database file and empty it. An import leaves hundreds of MB in the log, which SQLite's
    own checkpoints (passive, at commits) leave in place while anyone reads; every read
    then looks its pages up in the log: the first views after an import took three times
    as long. A no-op on PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _nothing() -> None:
    """Nothing to give back."""


def holds_write_lock(session: Session) -> bool:
    """Whether the session's transaction began with ``begin_write`` on SQLite."""
    return bool(session.connection().get_execution_options().get(_WRITE_LOCK))


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
