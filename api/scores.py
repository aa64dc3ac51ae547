"""Score runs, the scores of a year at a date, a unit's explanation, process alerts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Response

from api.auth import current
from api.context import services
from api.routing import CSV, XLSX, ApiBlueprint, attachment
from api.schemas import (
    AlertPage,
    AlertRead,
    AlertsQuery,
    AsOfQuery,
    ExplanationRead,
    LatestRunQuery,
    ScoreRowPage,
    ScoreRowRead,
    ScoreRowsQuery,
    ScoreRunCreate,
    ScoreRunCreated,
    ScoreRunPage,
    ScoreRunRead,
    ScoreRunsQuery,
    ScoresPage,
    ScoresQuery,
)
from scoring_service.access.roles import Permission
from scoring_service.db.queries import list_page
from scoring_service.records import score_runs as scores
from scoring_service.reports import exports
from scoring_service.services import explain_unit, score_year, year_alerts

bp = ApiBlueprint("scores", __name__, tag="scores")
READ, ASSESS = Permission.READ, Permission.ASSESS
SCORE_MEDIA = {CSV: "CSV with Chinese headers (UTF-8, byte-order mark)", XLSX: "Excel workbook"}


def run_read(run: dict[str, Any]) -> ScoreRunRead:
    """A run's metadata: a stored run's dict, with its rows or (listed) its ``kind_counts``."""
    counts = run.get("kind_counts") or Counter(r["kind"] for r in run.get("rows", ()))
    return ScoreRunRead(
        id=run["id"],
        year=run["year"],
        as_of=run["as_of"],
        ruleset_hash=run["ruleset_hash"],
        data_revision=run["data_revision"],
        engine=run["engine"],
        created_at=run["created_at"],
        rows=dict(counts),
    )


def _rows(rows: list[dict[str, Any]], kind: Any) -> list[dict[str, Any]]:
    return [r for r in rows if kind is None or r["kind"] == kind.value]


def _export(rows: list[dict[str, Any]], fmt: str, year: int, as_of: Any) -> Response:
    name, plain = f"考核评分-{year}-{as_of}", f"scores-{year}-{as_of}"
    if fmt == "csv":
        return attachment(exports.scores_csv(rows), CSV, f"{name}.csv", f"{plain}.csv")
    title = f"{year}年度督查整改考核评分（截至{as_of}）"
    return attachment(exports.scores_xlsx(rows, title), XLSX, f"{name}.xlsx", f"{plain}.xlsx")


@bp.operation(
    "POST",
    "/years/<int:year>/score-runs",
    summary="Compute and store a score run",
    permission=ASSESS,
    body=ScoreRunCreate,
    response=ScoreRunCreated,
    status=201,
    errors=(404, 422),
)
def create_run(year: int, body: ScoreRunCreate) -> tuple[ScoreRunCreated, dict[str, str]]:
    """Score the year as of ``as_of`` (default: the rule set's cutoff) and store the run; the
    rows are those ``python -m scoring_service score`` prints (spec section 9)."""
    s = services()
    run = score_year(
        year, as_of=body.as_of, db=s.db, rules=s.rules, evaluator=s.evaluator, actor=current()
    )
    created = ScoreRunCreated(
        **run_read(run).model_dump(),
        scores=[ScoreRowRead.model_validate(r) for r in run["rows"]],
    )
    return created, {"Location": f"/api/v1/years/{year}/score-runs/{run['id']}"}


@bp.operation(
    "GET",
    "/years/<int:year>/score-runs",
    summary="List score runs",
    permission=READ,
    query=ScoreRunsQuery,
    response=ScoreRunPage,
    cache="revalidate",
)
def list_runs(year: int, query: ScoreRunsQuery) -> ScoreRunPage:
    """The year's stored runs, newest first."""
    page = scores.list_runs(
        year, as_of=query.as_of, db=services().db, limit=query.limit, cursor=query.cursor
    )
    return ScoreRunPage(
        items=[run_read(r) for r in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
    )


@bp.operation(
    "GET",
    "/years/<int:year>/score-runs/latest",
    summary="The latest score run",
    permission=READ,
    query=LatestRunQuery,
    response=ScoreRunRead,
    errors=(404,),
    cache="revalidate",
)
def latest_run(year: int, query: LatestRunQuery) -> ScoreRunRead:
    """The most recent run of the year (as of ``as_of`` when given)."""
    return run_read(scores.latest_run(year, as_of=query.as_of, db=services().db))


@bp.operation(
    "GET",
    "/years/<int:year>/score-runs/<int:run_id>",
    summary="Read a score run",
    permission=READ,
    response=ScoreRunRead,
    errors=(404,),
    cache="immutable",
)
def get_run(year: int, run_id: int) -> ScoreRunRead:
    """A stored run: when, from which data revision and rule set, rows per kind."""
    return run_read(scores.get_run(year, run_id, db=services().db, actor=current()))


@bp.operation(
    "GET",
    "/years/<int:year>/score-runs/<int:run_id>/rows",
    summary="A score run's rows",
    permission=READ,
    query=ScoreRowsQuery,
    response=ScoreRowPage,
    errors=(404,),
    media=SCORE_MEDIA,
    cache="immutable",
)
def run_rows(year: int, run_id: int, query: ScoreRowsQuery) -> ScoreRowPage | Response:
    """The run's rows (spec section 9) in their order, optionally of one kind; or the whole
    list as ``format=csv`` or ``xlsx``."""
    if query.format != "json":
        run = scores.get_run(year, run_id, db=services().db, actor=current())
        return _export(_rows(run["rows"], query.kind), query.format, year, run["as_of"])
    _, page = scores.get_run_page(
        year,
        run_id,
        kind=query.kind.value if query.kind else None,
        limit=query.limit,
        cursor=query.cursor,
        db=services().db,
        actor=current(),
    )
    return ScoreRowPage(
        items=[ScoreRowRead.model_validate(r) for r in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        run_id=run_id,
    )


@bp.operation(
    "GET",
    "/years/<int:year>/scores",
    summary="The scores of a year at a date",
    permission=READ,
    query=ScoresQuery,
    response=ScoresPage,
    errors=(404, 422),
    media=SCORE_MEDIA,
    cache="revalidate",
)
def year_scores(year: int, query: ScoresQuery) -> ScoresPage | Response:
    """Rows as spec section 9, from the latest run at ``as_of`` (default: the cutoff) while it
    is current (same data revision and rule set), else computed now and not stored
    (``run_id`` null). ``kind`` keeps one kind; ``format=csv|xlsx`` gives the whole list."""
    s = services()
    if query.format != "json":
        run = scores.current_scores(
            year,
            as_of=query.as_of,
            db=s.db,
            rules=s.rules,
            evaluator=s.evaluator,
            actor=current(),
        )
        return _export(_rows(run["rows"], query.kind), query.format, year, run["as_of"])
    # One page: a stored run is read a page at a time (a province has thousands of rows).
    run, page = scores.current_scores_page(
        year,
        as_of=query.as_of,
        kind=query.kind.value if query.kind else None,
        limit=query.limit,
        cursor=query.cursor,
        db=s.db,
        rules=s.rules,
        evaluator=s.evaluator,
        actor=current(),
    )
    return ScoresPage(
        items=[ScoreRowRead.model_validate(r) for r in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        as_of=run["as_of"],
        run_id=run["id"],
        ruleset_hash=run["ruleset_hash"],
        data_revision=run["data_revision"],
    )


@bp.operation(
    "GET",
    "/years/<int:year>/units/<code>/explanation",
    summary="Explain a unit's score",
    permission=READ,
    query=AsOfQuery,
    response=ExplanationRead,
    errors=(404, 422),
    cache="revalidate",
)
def explanation(year: int, code: str, query: AsOfQuery) -> ExplanationRead:
    """Metrics, every rule with the values it read, caps, grade, and every finding that
    counts for the unit with why. A token scoped to units explains only the units inside
    its scope (its units and those under them)."""
    s = services()
    doc = explain_unit(
        year,
        code,
        as_of=query.as_of,
        db=s.db,
        rules=s.rules,
        evaluator=s.evaluator,
        actor=current(),
    )
    return ExplanationRead.model_validate(doc)


@bp.operation(
    "GET",
    "/years/<int:year>/alerts",
    summary="Process alerts at a date",
    permission=READ,
    query=AlertsQuery,
    response=AlertPage,
    errors=(404, 422),
    cache="revalidate",
)
def alerts(year: int, query: AlertsQuery) -> AlertPage:
    """Late letters, long inspections, incomplete samples, missed months and unescalated
    major findings as of ``as_of`` (spec section 7), optionally of one type."""
    s = services()
    day, found = year_alerts(year, as_of=query.as_of, db=s.db, rules=s.rules, actor=current())
    items = [a for a in found if query.type is None or a.type == query.type]
    page = list_page(items, tag=f"alerts:{year}:{day}", limit=query.limit, cursor=query.cursor)
    return AlertPage(
        items=[AlertRead.model_validate(a.to_json()) for a in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        as_of=day,
    )
