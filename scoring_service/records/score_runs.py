"""Score runs for the HTTP API: stored runs, and the current scores of a year at a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import scope
from scoring_service.access.roles import Principal
from scoring_service.db import repository as repo
from scoring_service.db.models import ScoreRunRow
from scoring_service.db.queries import Page, keyset_page, list_page, position_page
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.errors import NotFound
from scoring_service.domain.ruleset import Ruleset
from scoring_service.records.year import require_year
from scoring_service.services import RuleSource, as_of_for, compute, ruleset_of


def get_run(
    year: int, run_id: int, *, db: sessionmaker[Session], actor: Principal
) -> dict[str, Any]:
    """A stored run of the year with its rows (those of the caller's units when scoped)."""
    with db() as session:
        run = repo.get_score_run(session, run_id) if 0 < run_id < 2**31 else None
        if run is None or run["year"] != year:
            raise NotFound(f"the year {year} has no score run {run_id}")
        return {**run, "rows": in_reach(session, year, actor, run["rows"])}


def in_reach(
    session: Session, year: int, actor: Principal, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The score rows of units inside the caller's scope, in order; ranks stay the year's."""
    if actor.scope is None:
        return rows
    where = scope.reach(session, year, actor)
    return [r for r in rows if where.has(r["unit"])]


def get_run_page(
    year: int,
    run_id: int,
    *,
    kind: str | None,
    limit: int,
    cursor: str | None,
    db: sessionmaker[Session],
    actor: Principal,
) -> tuple[dict[str, Any], Page[dict[str, Any]]]:
    """A stored run of the year without its rows, and one page of them (of one ``kind``)."""
    tag = f"run:{run_id}"
    if actor.scope is not None:
        whole = get_run(year, run_id, db=db, actor=actor)
        rows = [r for r in whole.pop("rows") if kind is None or r["kind"] == kind]
        return whole, list_page(rows, tag=tag, limit=limit, cursor=cursor)
    with db() as session:
        run = repo.get_score_run_info(session, run_id) if 0 < run_id < 2**31 else None
    if run is None or run["year"] != year:
        raise NotFound(f"the year {year} has no score run {run_id}")

    def fetch(start: int, count: int) -> tuple[list[dict[str, Any]], int]:
        with db() as session:
            return repo.score_run_rows(session, run_id, kind=kind, start=start, count=count)

    return run, position_page(fetch, tag=tag, limit=limit, cursor=cursor)


def latest_run(year: int, *, as_of: date | None, db: sessionmaker[Session]) -> dict[str, Any]:
    """The year's most recent run (at ``as_of`` when given)."""
    with db() as session:
        run = repo.latest_score_run(session, year, as_of)
    if run is None:
        at = f" as of {as_of}" if as_of else ""
        raise NotFound(f"the year {year} has no score run{at}")
    return run


def list_runs(
    year: int, *, as_of: date | None, db: sessionmaker[Session], limit: int, cursor: str | None
) -> Page[Any]:
    """The year's runs, newest first: each run's metadata and its rows per kind."""
    statement = select(ScoreRunRow).where(ScoreRunRow.year == year)
    if as_of is not None:
        statement = statement.where(ScoreRunRow.as_of == as_of)
    with db() as session:
        page = keyset_page(
            session,
            statement,
            keys=[ScoreRunRow.id],
            descending=True,
            limit=limit,
            cursor=cursor,
            scalars=True,
        )
        counts = repo.score_run_kind_counts(session, [run.id for run in page.items])
    columns = [column.key for column in ScoreRunRow.__table__.columns]
    return page.map(
        lambda run: {**{c: getattr(run, c) for c in columns}, "kind_counts": counts[run.id]}
    )


def current_scores(
    year: int,
    *,
    as_of: date | None,
    db: sessionmaker[Session],
    rules: RuleSource,
    evaluator: Evaluator,
    actor: Principal,
) -> dict[str, Any]:
    """The year's scores at a date: the latest run at that date while it is current, else
    computed now (not stored); a scoped caller gets its units' rows only.

    A run is current when it was computed from the data revision held now and the rule
    set in force now; an older one would show scores the data no longer gives.
    """
    ruleset = ruleset_of(rules, year)
    day = as_of_for(ruleset, year, as_of)
    with db() as session:
        run = _current_run(session, year, day, ruleset)
        if run is None:
            run = _computed(year, day, db=db, rules=rules, evaluator=evaluator)
        else:
            run = {**run, "rows": repo.score_run_rows(session, run["id"])[0]}
        return {**run, "rows": in_reach(session, year, actor, run["rows"])}


def current_scores_page(
    year: int,
    *,
    as_of: date | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
    db: sessionmaker[Session],
    rules: RuleSource,
    evaluator: Evaluator,
    actor: Principal,
) -> tuple[dict[str, Any], Page[dict[str, Any]]]:
    """``current_scores`` without its rows, and one page of them (of one ``kind`` when given).

    A current stored run is read one page at a time: a province's run has thousands of rows.
    """
    ruleset = ruleset_of(rules, year)
    day = as_of_for(ruleset, year, as_of)
    tag = f"scores:{year}:{day}"
    if actor.scope is not None:
        whole = current_scores(
            year, as_of=day, db=db, rules=rules, evaluator=evaluator, actor=actor
        )
        rows = [r for r in whole.pop("rows") if kind is None or r["kind"] == kind]
        return whole, list_page(rows, tag=tag, limit=limit, cursor=cursor)
    with db() as session:
        run = _current_run(session, year, day, ruleset)
        if run is not None:
            run_id = run["id"]

            def fetch(start: int, count: int) -> tuple[list[dict[str, Any]], int]:
                return repo.score_run_rows(session, run_id, kind=kind, start=start, count=count)

            return run, position_page(fetch, tag=tag, limit=limit, cursor=cursor)
    computed = _computed(year, day, db=db, rules=rules, evaluator=evaluator)
    rows = [r for r in computed.pop("rows") if kind is None or r["kind"] == kind]
    return computed, list_page(rows, tag=tag, limit=limit, cursor=cursor)


def _current_run(session: Session, year: int, day: date, ruleset: Ruleset) -> dict[str, Any] | None:
    """The latest stored run at ``day`` (without rows) if it is current, else None."""
    require_year(session, year)
    run = repo.latest_score_run_info(session, year, day)
    revision = repo.get_revision(session, year)
    if (
        run is not None
        and run["data_revision"] == revision
        and run["ruleset_hash"] == ruleset.content_hash
    ):
        return run
    return None


def _computed(
    year: int,
    day: date,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    evaluator: Evaluator,
) -> dict[str, Any]:
    """The scores at ``day`` computed now, in the shape of a run that was not stored."""
    assessment, revision = compute(year, as_of=day, db=db, rules=rules, evaluator=evaluator)
    return {
        "id": None,
        "year": year,
        "as_of": day,
        "ruleset_hash": assessment.ruleset.content_hash,
        "data_revision": revision,
        "engine": type(evaluator).__name__,
        "created_at": None,
        "rows": assessment.rows(),
    }
