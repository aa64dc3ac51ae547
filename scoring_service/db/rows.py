"""Row helpers shared by the repository modules: bulk inserts, column reads as the driver's
tuples, and the current time. Nothing here commits; callers own the transaction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import Date, Select, Table
from sqlalchemy.orm import Session

from scoring_service.db.models import Base


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def bulk_insert(session: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    """Insert dict rows (keyed by column name, same keys in each) as fast as the database allows."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    tuples = (tuple(row.values()) for row in chain([first], iterator))
    bulk_insert_tuples(session, model, list(first), tuples)


def bulk_insert_tuples(
    session: Session, model: type[Base], names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows given as tuples of the columns ``names``, as fast as the database allows.

    The values go to the driver as they are: bulk tables hold only strings, integers
    and dates, which need no SQLAlchemy type processing. PostgreSQL gets COPY (about
    twice as fast as executemany here); SQLite gets executemany, which reads the rows
    as they are made (no list of them is built).
    """
    table = cast(Table, model.__table__)
    connection = session.connection()
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
        return
    statement = (
        f"INSERT INTO {preparer.format_table(table)} ({columns}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


# sqlite3's own date adapter is deprecated (Python 3.12). This one writes the same ISO
# text, which SQLAlchemy's SQLite Date type reads back (dates are the only non-native
# values bulk rows hold); as the driver applies it, rows need no conversion in Python.
sqlite3.register_adapter(date, date.isoformat)


def select_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> Sequence[Sequence[Any]]:
    """All rows of a column SELECT as the driver's tuples, dates as ``date`` values.

    The loads select only strings, integers and dates. Taking the driver's tuples at once
    skips SQLAlchemy's per-row processing (a third of a large load); the one conversion
    left is SQLite's, which stores dates as ISO text.
    """
    connection = session.connection()
    result = connection.execute(statement)
    try:
        fetched = result.cursor.fetchall()
    finally:
        result.close()
    if connection.dialect.name == "sqlite":
        columns = statement.selected_columns
        dates = [i for i, column in enumerate(columns) if isinstance(column.type, Date)]
        if dates and fetched:
            return _with_dates(fetched, dates)
    return fetched


def iter_rows(
    session: Session, statement: Select[*tuple[Any, ...]], batch: int = 20_000
) -> Iterator[Sequence[Any]]:
    """The rows of a column SELECT as ``select_rows`` gives them, fetched ``batch`` at a
    time: for a pass over more rows than are worth holding at once."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        # A server-side cursor: the driver holds one batch, not the whole result.
        result = connection.execute(statement.execution_options(yield_per=batch))
        for rows in result.partitions():
            yield from rows
        return
    # SQLite's cursor steps through the result as it is fetched; the driver's tuples, as
    # select_rows takes them, skip SQLAlchemy's per-row processing.
    columns = statement.selected_columns
    dates = [i for i, column in enumerate(columns) if isinstance(column.type, Date)]
    parsed: dict[str, date] = {}
    result = connection.execute(statement)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield from _with_dates(rows, dates, parsed) if dates else rows
    finally:
        result.close()


def _with_dates(
    rows: Sequence[Sequence[Any]], indexes: list[int], parsed: dict[str, date] | None = None
) -> list[tuple[Any, ...]]:
    """The rows with ISO text at ``indexes`` read as dates (a year has a few hundred dates),
    one ``date`` per text (``parsed``: those read already)."""
    parsed = {} if parsed is None else parsed

    def day(text: str | None) -> date | None:
        if text is None:
            return None
        value = parsed.get(text)
        if value is None:
            value = parsed[text] = date.fromisoformat(text)
        return value

    converted = []
    for row in rows:
        values = list(row)
        for i in indexes:
            values[i] = day(values[i])
        converted.append(tuple(values))
    return converted


def grouped(rows: Iterable[Sequence[Any]]) -> dict[str, list[Any]]:
    """Map the first column to the list of the second, keeping row order."""
    by_key: dict[str, list[Any]] = defaultdict(list)
    for key, value in rows:
        by_key[key].append(value)
    return by_key


def code_is(column: Any, code: str | None) -> list[Any]:
    """The condition that ``column`` is ``code``, or none when ``code`` is None."""
    return [] if code is None else [column == code]


def rows_by_key(rows: Iterable[Sequence[Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows grouped by their first value, each without it, in the order given."""
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(tuple(row[1:]))
    return out
