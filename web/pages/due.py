"""``/years/{year}/due``: what is due at a date (整改到期提醒), each finding with its light
(red 已逾期, yellow 临近到期), the units it counts for and what of it waits for a decision,
a page of rows at a time; as XLSX or CSV too (every row), the command line's and the API's
file."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import Response, render_template
from pydantic import Field

from edge import memo
from edge.files import CSV, XLSX, attachment
from scoring_service.assessment.due import MAX_WITHIN
from scoring_service.reports import exports
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form, read
from web.paging import shown_page
from web.query import args

bp = page_blueprint("due", __name__)
# Rows on one page: a province has thousands due at the year's end; the downloads hold all.
PER_PAGE = 100


class DueQuery(Form):
    as_of: date | None = None
    within: Annotated[int | None, Field(ge=0, le=MAX_WITHIN)] = None
    format: Literal["html", "csv", "xlsx"] = "html"
    page: Annotated[int, Field(ge=1)] = 1


@bp.get("/years/<int:year>/due")
def due_list(year: int) -> Response | str:
    """The findings overdue (red) or due within the days asked (yellow) at the as-of date;
    a scoped person sees those of their reach (the service's scope rule)."""
    query = read(DueQuery, args())
    found = memo.due(uow, year, query.as_of, query.within)
    name, plain = f"整改到期提醒-{year}-{found.as_of}", f"due-{year}-{found.as_of}"
    if query.format == "csv":
        response = attachment(exports.due_csv(found), CSV, f"{name}.csv", f"{plain}.csv")
        response.content_type = f"{CSV}; charset=utf-8"
        return response
    if query.format == "xlsx":
        return attachment(exports.due_xlsx(found), XLSX, f"{name}.xlsx", f"{plain}.xlsx")
    shown = shown_page(found.items, query.page, PER_PAGE)
    return render_template("due.html", year=year, found=found, query=query, shown=shown)
