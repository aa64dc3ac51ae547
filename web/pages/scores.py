"""``/years/{year}/scores``: the ranking of one kind of unit, sortable, as XLSX or CSV too."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, get_args

from flask import Response, render_template
from pydantic import Field

from edge import memo
from edge.files import CSV, XLSX, attachment
from scoring_service.domain.results import ScoreRunInfo
from scoring_service.records.score_runs import current_scores, current_scores_page
from scoring_service.reports import exports
from scoring_service.reports.text import MEASURE_NAMES
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form, read
from web.paging import shown_page
from web.query import args

bp = page_blueprint("scores", __name__)
# Rows on one page: a province has thousands of towns; the downloads hold every row.
PER_PAGE = 200

Sort = Literal["rank", "unit", "rate", "bonus", "deduction", "score"]
Measure = Literal["commendation", "criticism", "interview", "accountability"]


class ScoresQuery(Form):
    kind: Literal["county", "town", "helping_unit"] = "county"
    as_of: date | None = None
    # The units a measure falls on (the year at a glance links each measure's list here).
    measure: Measure | None = None
    sort: Sort = "rank"
    order: Literal["asc", "desc"] = "asc"
    format: Literal["html", "csv", "xlsx"] = "html"
    page: Annotated[int, Field(ge=1)] = 1


def _key(sort: Sort) -> Any:
    """How rows sort by a column; units without a rate come last either way."""
    if sort == "unit":
        return lambda row: (0, row["unit"])
    if sort == "rate":
        return lambda row: (row["metrics"]["rate"] is None, row["metrics"]["rate"] or 0)
    return lambda row: (row[sort] is None, row[sort] or 0)


def ordered(rows: list[dict[str, Any]], sort: Sort, order: str) -> list[dict[str, Any]]:
    """The rows in the order asked for (the service gives them by rank)."""
    if sort == "rank" and order == "asc":
        return rows
    return sorted(rows, key=_key(sort), reverse=order == "desc")


# More rows than any year holds of one kind: the page is the whole list, in one call (each
# call scores the year again when no current run is stored).
EVERY_ROW = 1_000_000


def _rows_of_kind(year: int, query: ScoresQuery) -> tuple[ScoreRunInfo, list[dict[str, Any]]]:
    """The kind's rows alone, read from a stored run by position when one is current."""
    run, page = current_scores_page(
        uow(), year, as_of=query.as_of, kind=query.kind, limit=EVERY_ROW, cursor=None
    )
    return run, page.items


@bp.get("/years/<int:year>/scores")
def ranking(year: int) -> Response | str:
    """The scores at the as-of date (default: the cutoff), the current stored run's or
    computed now; a scoped person sees their units' rows only, with the year's ranks."""
    query = read(ScoresQuery, args())
    if query.format == "html":
        # The kind's rows, remembered until the year's data or rules change: paging and
        # sorting a province's thousands of towns then reads nothing again.
        run, rows = memo.remember(
            ("ranking", *memo.data_key(uow(), year), query.as_of, query.kind),
            lambda: _rows_of_kind(year, query),
        )
    else:
        whole = current_scores(uow(), year, as_of=query.as_of)
        run, rows = whole.info, [r for r in whole.rows if r["kind"] == query.kind]
    if query.measure is not None:
        rows = [r for r in rows if query.measure in r["measures"]]
    # The file says which units it holds: the kind, and the measure when filtered to one.
    measure = f"-{MEASURE_NAMES[query.measure]}" if query.measure else ""
    name = f"考核评分-{year}-{query.kind}{measure}-{run.as_of}"
    plain = f"scores-{year}-{query.kind}{'-' + query.measure if query.measure else ''}-{run.as_of}"
    if query.format == "csv":
        response = attachment(exports.scores_csv(rows), CSV, f"{name}.csv", f"{plain}.csv")
        response.content_type = f"{CSV}; charset=utf-8"
        return response
    if query.format == "xlsx":
        body = exports.scores_xlsx(
            rows, year=year, as_of=run.as_of, ruleset_hash=run.ruleset_hash, run_id=run.id
        )
        return attachment(body, XLSX, f"{name}.xlsx", f"{plain}.xlsx")
    return render_template(
        "scores.html",
        year=year,
        run=run,
        query=query,
        shown=shown_page(ordered(rows, query.sort, query.order), query.page, PER_PAGE),
        kinds=("county", "town", "helping_unit"),
        measures=get_args(Measure),
    )
