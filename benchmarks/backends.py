"""The databases the benchmarks run on: a SQLite file per scale, or a PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"


class Backend:
    """A database to benchmark on, emptied before each import."""

    name: str
    url: str

    def reset(self) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, folder: Path, scale: float) -> None:
        self.path = folder / f"bench-{scale:g}.sqlite"
        self.url = f"sqlite:///{self.path}"

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal", "-writer"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def version(self) -> str:
        import sqlite3

        return sqlite3.sqlite_version


class PostgresBackend(Backend):
    """The benchmark's own database (created when missing); its public schema is rebuilt."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._created = False

    def _ensure_database(self) -> None:
        import psycopg
        from psycopg import sql

        if self._created:
            return
        base, _, dbname = self.url.rpartition("/")
        dbname = dbname.split("?")[0]
        if dbname in ("test", "postgres", ""):
            raise SystemExit(f"refusing to benchmark in the {dbname or 'default'} database")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            if found.fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        self._created = True

    def reset(self) -> None:
        import psycopg

        self._ensure_database()
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")

    def version(self) -> str:
        import psycopg

        self._ensure_database()
        with psycopg.connect(self.url) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"
