"""Score runs, the scores of a year at a date, a unit's explanation, process alerts, the
year month by month."""

from __future__ import annotations

from typing import Any

from flask import Response

from api.routing import ApiBlueprint
from api.schemas import (
    AlertPage,
    AlertRead,
    AlertsQuery,
    ExplanationQuery,
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
    TrendPage,
    TrendQuery,
    TrendSeriesRead,
)
from edge.context import uow
from edge.files import CSV, XLSX, attachment
from scoring_service.assessment.services import explain_unit, score_year, year_alerts
from scoring_service.assessment.trend import year_trend
from scoring_service.domain.pages import list_page
from scoring_service.domain.principals import Permission
from scoring_service.domain.results import ScoreRun, ScoreRunInfo
from scoring_service.records import score_runs as scores
from scoring_service.reports import exports

bp = ApiBlueprint("scores", __name__, tag="scores")
READ, ASSESS = Permission.READ, Permission.ASSESS
SCORE_MEDIA = {
    CSV: "CSV with Chinese headers: UTF-8 with a byte-order mark, or encoding=gb18030",
    XLSX: "Excel workbook: a summary sheet, then a sheet per unit kind",
}
EXPLANATION_MEDIA = {
    CSV: "CSV with Chinese headers, sections 【指标】, 【规则】 and 【问题】: UTF-8 with a "
    "byte-order mark, or encoding=gb18030",
    XLSX: "Excel workbook: sheets 指标 (metrics), 规则 (rules and the values they read) and "
    "问题 (findings that count, with why)",
}
ALERT_MEDIA = {
    CSV: "CSV with Chinese headers, every alert: UTF-8 with a byte-order mark, or encoding=gb18030",
    XLSX: "Excel workbook, every alert",
}


def csv_attachment(body: bytes, encoding: str, filename: str, ascii_name: str) -> Response:
    """A CSV download whose Content-Type names its character set (UTF-8 or GB18030)."""
    response = attachment(body, CSV, filename, ascii_name)
    response.content_type = f"{CSV}; charset={encoding}"
    return response


def run_read(run: ScoreRun | ScoreRunInfo) -> ScoreRunRead:
    """A stored run's metadata, with its rows counted per kind (``kind_counts``)."""
    return ScoreRunRead.model_validate(run, from_attributes=True)


def _rows(rows: list[dict[str, Any]], kind: Any) -> list[dict[str, Any]]:
    return [r for r in rows if kind is None or r["kind"] == kind.value]


def _export(
    rows: list[dict[str, Any]], query: ScoreRowsQuery, year: int, run: ScoreRun
) -> Response:
    as_of = run.as_of
    name, plain = f"考核评分-{year}-{as_of}", f"scores-{year}-{as_of}"
    if query.format == "csv":
        data = exports.scores_csv(rows, query.encoding)
        return csv_attachment(data, query.encoding, f"{name}.csv", f"{plain}.csv")
    data = exports.scores_xlsx(
        rows, year=year, as_of=as_of, ruleset_hash=run.ruleset_hash, run_id=run.id
    )
    return attachment(data, XLSX, f"{name}.xlsx", f"{plain}.xlsx")


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
    run = score_year(uow(), year, as_of=body.as_of)
    created = ScoreRunCreated.model_validate(run, from_attributes=True)
    return created, {"Location": f"/api/v1/years/{year}/score-runs/{run.id}"}


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
    page = scores.list_runs(uow(), year, as_of=query.as_of, limit=query.limit, cursor=query.cursor)
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
    return run_read(scores.latest_run(uow(), year, as_of=query.as_of))


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
    return run_read(scores.get_run(uow(), year, run_id))


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
        run = scores.get_run(uow(), year, run_id)
        return _export(_rows(run.rows, query.kind), query, year, run)
    _, page = scores.get_run_page(
        uow(),
        year,
        run_id,
        kind=query.kind.value if query.kind else None,
        limit=query.limit,
        cursor=query.cursor,
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
    if query.format != "json":
        whole = scores.current_scores(
            uow(),
            year,
            as_of=query.as_of,
        )
        return _export(_rows(whole.rows, query.kind), query, year, whole)
    # One page: a stored run is read a page at a time (a province has thousands of rows).
    run, page = scores.current_scores_page(
        uow(),
        year,
        as_of=query.as_of,
        kind=query.kind.value if query.kind else None,
        limit=query.limit,
        cursor=query.cursor,
    )
    return ScoresPage(
        items=[ScoreRowRead.model_validate(r) for r in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        as_of=run.as_of,
        run_id=run.id,
        ruleset_hash=run.ruleset_hash,
        data_revision=run.data_revision,
    )


@bp.operation(
    "GET",
    "/years/<int:year>/units/<code>/explanation",
    summary="Explain a unit's score",
    permission=READ,
    query=ExplanationQuery,
    response=ExplanationRead,
    errors=(404, 422),
    media=EXPLANATION_MEDIA,
    cache="revalidate",
)
def explanation(year: int, code: str, query: ExplanationQuery) -> ExplanationRead | Response:
    """Metrics, every rule with the values it read, caps, grade, and every finding that
    counts for the unit with why; or the same as ``format=csv`` or ``xlsx``. A token scoped
    to units explains only the units inside its scope (its units and those under them)."""
    doc = explain_unit(uow(), year, code, as_of=query.as_of)
    if query.format != "json":
        name, plain = f"考核评分说明-{year}-{code}-{doc['as_of']}", f"explanation-{year}-{code}"
        if query.format == "csv":
            data = exports.explanation_csv(doc, query.encoding)
            return csv_attachment(data, query.encoding, f"{name}.csv", f"{plain}.csv")
        data = exports.explanation_xlsx(doc)
        return attachment(data, XLSX, f"{name}.xlsx", f"{plain}.xlsx")
    return ExplanationRead.model_validate(doc)


@bp.operation(
    "GET",
    "/years/<int:year>/alerts",
    summary="Process alerts at a date",
    permission=READ,
    query=AlertsQuery,
    response=AlertPage,
    errors=(404, 422),
    media=ALERT_MEDIA,
    cache="revalidate",
)
def alerts(year: int, query: AlertsQuery) -> AlertPage | Response:
    """Late letters, long inspections, incomplete samples, missed months and unescalated
    major findings as of ``as_of`` (spec section 7), optionally of one type; ``format=csv``
    or ``xlsx`` gives the whole list."""
    day, found = year_alerts(uow(), year, as_of=query.as_of)
    items = [a for a in found if query.type is None or a.type == query.type]
    if query.format != "json":
        rows = [a.to_json() for a in items]
        name, plain = f"过程预警-{year}-{day}", f"alerts-{year}-{day}"
        if query.format == "csv":
            data = exports.alerts_csv(rows, year=year, as_of=day, encoding=query.encoding)
            return csv_attachment(data, query.encoding, f"{name}.csv", f"{plain}.csv")
        data = exports.alerts_xlsx(rows, year=year, as_of=day)
        return attachment(data, XLSX, f"{name}.xlsx", f"{plain}.xlsx")
    page = list_page(items, tag=f"alerts:{year}:{day}", limit=query.limit, cursor=query.cursor)
    return AlertPage(
        items=[AlertRead.model_validate(a.to_json()) for a in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        as_of=day,
    )


@bp.operation(
    "GET",
    "/years/<int:year>/trend",
    summary="The year month by month",
    permission=READ,
    query=TrendQuery,
    response=TrendPage,
    errors=(404, 422),
    cache="revalidate",
)
def trend(year: int, query: TrendQuery) -> TrendPage:
    """Every scored unit's rate, score, grade and rank at each month end of the year, under
    the rule set in force, computed from the data held now; units in score-row order (kind,
    then year-end rank, then code), a page at a time. A token scoped to units gets its
    units only (ranks stay the year's)."""
    found = year_trend(uow(), year, kind=query.kind)
    page = list_page(
        found.series,
        tag=f"trend:{year}:{found.data_revision}:{query.kind}",
        limit=query.limit,
        cursor=query.cursor,
    )
    return TrendPage(
        items=[TrendSeriesRead.model_validate(s, from_attributes=True) for s in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        months=found.months,
        ruleset_hash=found.ruleset_hash,
        data_revision=found.data_revision,
    )
