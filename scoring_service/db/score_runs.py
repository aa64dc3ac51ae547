"""Score runs: storing a run with its rows, reading runs and pages of their rows.

Like every repository, nothing here commits; the caller's unit of work owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, func, insert, select
from sqlalchemy.orm import Session

from scoring_service.db.models import ScoreRowRow, ScoreRunRow
from scoring_service.db.queries import Page, keyset_page
from scoring_service.db.rows import bulk_insert_tuples, now
from scoring_service.domain.results import ScoreRun, ScoreRunInfo

# A row as stored: compact JSON, Chinese as it is. One encoder for every row of a run
# (json.dumps with options builds one per call).
_row_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ROW_COLUMNS = ("run_id", "position", "unit", "kind", "rank", "row")


def store_score_run(
    session: Session,
    *,
    year: int,
    as_of: date,
    ruleset_hash: str,
    data_revision: int,
    engine: str,
    rows: list[dict[str, Any]],
) -> int:
    """Store a score run and its rows (spec section 9) in the given order; returns its id."""
    run_id = session.execute(
        insert(ScoreRunRow)
        .values(
            year=year,
            as_of=as_of,
            ruleset_hash=ruleset_hash,
            data_revision=data_revision,
            engine=engine,
            created_at=now(),
        )
        .returning(ScoreRunRow.id)
    ).scalar_one()
    bulk_insert_tuples(
        session,
        ScoreRowRow,
        _ROW_COLUMNS,
        (
            (run_id, position, row["unit"], row["kind"], row.get("rank"), _row_text(row))
            for position, row in enumerate(rows)
        ),
    )
    return run_id


_RUN_COLUMNS = (
    ScoreRunRow.id,
    ScoreRunRow.year,
    ScoreRunRow.as_of,
    ScoreRunRow.ruleset_hash,
    ScoreRunRow.data_revision,
    ScoreRunRow.engine,
    ScoreRunRow.created_at,
)


def get_score_run(session: Session, run_id: int) -> ScoreRun | None:
    """A score run's metadata and its rows in stored order, or None."""
    info = get_score_run_info(session, run_id)
    return None if info is None else _with_rows(session, info)


def latest_score_run(session: Session, year: int, as_of: date | None = None) -> ScoreRun | None:
    """The year's most recent score run (for ``as_of`` when given), with its rows, or None."""
    info = latest_score_run_info(session, year, as_of)
    return None if info is None else _with_rows(session, info)


def latest_score_run_info(
    session: Session, year: int, as_of: date | None = None
) -> ScoreRunInfo | None:
    """``latest_score_run`` without the rows (read them a page at a time: score_run_rows)."""
    run = _latest_run_row(session, year, as_of)
    return None if run is None else ScoreRunInfo(**run._asdict())


def get_score_run_info(session: Session, run_id: int) -> ScoreRunInfo | None:
    """``get_score_run`` without the rows."""
    run = session.execute(select(*_RUN_COLUMNS).where(ScoreRunRow.id == run_id)).first()
    return None if run is None else ScoreRunInfo(**run._asdict())


def _latest_run_row(
    session: Session, year: int, as_of: date | None
) -> Row[*tuple[Any, ...]] | None:
    statement = select(*_RUN_COLUMNS).where(ScoreRunRow.year == year)
    if as_of is not None:
        statement = statement.where(ScoreRunRow.as_of == as_of)
    return session.execute(statement.order_by(ScoreRunRow.id.desc()).limit(1)).first()


def _with_rows(session: Session, info: ScoreRunInfo) -> ScoreRun:
    """A run's metadata plus its parsed rows."""
    rows = session.scalars(
        select(ScoreRowRow.row).where(ScoreRowRow.run_id == info.id).order_by(ScoreRowRow.position)
    )
    return ScoreRun.of(info, [json.loads(text) for text in rows])


def score_run_kind_counts(session: Session, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """How many rows of each kind the given runs hold, kinds in their rows' order."""
    first = func.min(ScoreRowRow.position)
    counts: dict[int, dict[str, int]] = {run_id: {} for run_id in run_ids}
    statement = (
        select(ScoreRowRow.run_id, ScoreRowRow.kind, func.count())
        .where(ScoreRowRow.run_id.in_(run_ids))
        .group_by(ScoreRowRow.run_id, ScoreRowRow.kind)
        .order_by(ScoreRowRow.run_id, first)
    )
    for run_id, kind, count in session.execute(statement):
        counts[run_id][kind] = count
    return counts


def score_run_rows(
    session: Session,
    run_id: int,
    *,
    kind: str | None = None,
    start: int = 0,
    count: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A run's rows in stored order (of one kind when given) from ``start``, at most
    ``count`` (all when None), and how many there are in all: a page of a run without
    parsing its other rows."""
    where = [ScoreRowRow.run_id == run_id]
    if kind is not None:
        where.append(ScoreRowRow.kind == kind)
    # The count rides along with the rows, so a page costs one round trip; only a page past
    # the end needs it on its own. A subquery counted once: a window over the selection
    # would hold every row's JSON to count them, twice the time of the page.
    counted = select(func.count()).select_from(ScoreRowRow).where(*where)
    statement = (
        select(ScoreRowRow.row, counted.scalar_subquery())
        .where(*where)
        .order_by(ScoreRowRow.position)
    )
    if start:
        statement = statement.offset(start)
    if count is not None:
        statement = statement.limit(count)
    found = session.execute(statement).all()
    if found:
        return [json.loads(text) for text, _ in found], int(found[0][1])
    return [], int(session.execute(counted).scalar() or 0)


def unit_rank(session: Session, run_id: int, unit: str) -> int | None:
    """The rank a run gave one unit; None when the run has no row for it."""
    return session.execute(
        select(ScoreRowRow.rank).where(ScoreRowRow.run_id == run_id, ScoreRowRow.unit == unit)
    ).scalar_one_or_none()


def runs_page(
    session: Session, year: int, *, as_of: date | None, limit: int, cursor: str | None
) -> Page[ScoreRunInfo]:
    """A page of the year's runs, newest first: each run's metadata and rows per kind."""
    statement = select(ScoreRunRow).where(ScoreRunRow.year == year)
    if as_of is not None:
        statement = statement.where(ScoreRunRow.as_of == as_of)
    page = keyset_page(
        session,
        statement,
        keys=[ScoreRunRow.id],
        descending=True,
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    counts = score_run_kind_counts(session, [run.id for run in page.items])
    columns = [column.key for column in _RUN_COLUMNS]
    return page.map(
        lambda run: ScoreRunInfo(
            **{c: getattr(run, c) for c in columns}, kind_counts=counts[run.id]
        )
    )
