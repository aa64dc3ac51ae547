"""What is due at a date (red overdue, yellow due soon) and a unit's way up (spec section
10): read-only answers of ``scoring_service.assessment.due`` and
``scoring_service.assessment.way_up``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import Response
from pydantic import ConfigDict, Field

from api.routing import ApiBlueprint
from api.schemas import AsOfQuery, CsvEncodingParam, ExportFormat, Page, PageQuery, ReadModel
from api.scores import csv_attachment
from edge import memo
from edge.context import uow
from edge.files import CSV, XLSX, attachment
from scoring_service.assessment.due import MAX_WITHIN
from scoring_service.assessment.way_up import way_up
from scoring_service.domain.pages import list_page
from scoring_service.domain.principals import Permission
from scoring_service.reports import exports

bp = ApiBlueprint("due", __name__, tag="scores")
READ = Permission.READ
DUE_MEDIA = {
    CSV: "CSV with Chinese headers, every finding due (the light in words, the waiting "
    "report's and request's ids last): UTF-8 with a byte-order mark, or encoding=gb18030",
    XLSX: "Excel workbook, one sheet 到期提醒 with the same columns",
}


class DueQuery(PageQuery):
    as_of: Annotated[date | None, Field(description="default: the rule set's cutoff")] = None
    within: Annotated[
        int | None,
        Field(
            ge=0,
            le=MAX_WITHIN,
            description="yellow: a deadline at most so many days after as_of (default: the "
            "rule set's alerts.due_within_days)",
        ),
    ] = None
    format: Annotated[
        ExportFormat, Field(description="csv and xlsx hold the whole list (no paging)")
    ] = "json"
    encoding: CsvEncodingParam = "utf-8"


class CountedUnitRead(ReadModel):
    code: str
    name: str
    kind: str


class DueRead(ReadModel):
    finding: str
    description: str
    unit: Annotated[str, Field(description="where the finding was found")]
    unit_name: str
    severity: Literal["general", "major"]
    deadline: Annotated[date, Field(description="the effective deadline at as_of")]
    days_left: Annotated[
        int, Field(description="days from as_of to the deadline; negative: overdue")
    ]
    light: Annotated[
        Literal["red", "yellow"], Field(description="red: overdue; yellow: due within N days")
    ]
    counts_for: list[CountedUnitRead]
    waiting_report: Annotated[
        int | None,
        Field(
            description="the id of the finding's rectification report waiting for a decision "
            "(`GET /reports/{id}`); null: none waits"
        ),
    ]
    waiting_request: Annotated[
        int | None,
        Field(
            description="the id of the finding's extension request waiting for a decision "
            "(`GET /extension-requests/{id}`); null: none waits"
        ),
    ]


class DuePage(Page[DueRead]):
    year: int
    as_of: date
    within: int


class StandingRead(ReadModel):
    grade: Literal["excellent", "good", "fair", "poor"]
    score: int | float


class StepRead(ReadModel):
    finding: str
    rectify_by: date


class WayUpRead(ReadModel):
    # "from" is a Python keyword: the field is from_, read and written as "from".
    model_config = ConfigDict(frozen=True, serialize_by_alias=True)

    year: int
    unit: str
    as_of: date
    cutoff: date
    from_: Annotated[StandingRead, Field(alias="from", description="the unit at the cutoff as is")]
    to: Annotated[
        StandingRead | None,
        Field(description="the unit at the cutoff with every step taken; null: no way up"),
    ]
    steps: list[StepRead]


@bp.operation(
    "GET",
    "/years/<int:year>/due",
    summary="What is due at a date",
    permission=READ,
    query=DueQuery,
    response=DuePage,
    errors=(404, 422),
    media=DUE_MEDIA,
    cache="revalidate",
)
def due_list(year: int, query: DueQuery) -> DuePage | Response:
    """The findings found by ``as_of`` and not rectified then whose effective deadline is
    before it (``red``, overdue) or at most ``within`` days after it (``yellow``), red
    first, then by deadline; each with the units it counts for and the ids of any report
    or extension request of it waiting for a decision. ``format=csv|xlsx`` gives the whole
    list as the command line's ``due --format csv|xlsx`` writes it. A token scoped to
    units gets the findings it reads."""
    found = memo.due(uow, year, query.as_of, query.within)
    if query.format != "json":
        name, plain = f"整改到期提醒-{year}-{found.as_of}", f"due-{year}-{found.as_of}"
        if query.format == "csv":
            data = exports.due_csv(found, query.encoding)
            return csv_attachment(data, query.encoding, f"{name}.csv", f"{plain}.csv")
        return attachment(exports.due_xlsx(found), XLSX, f"{name}.xlsx", f"{plain}.xlsx")
    page = list_page(
        found.items,
        tag=f"due:{year}:{found.as_of}:{found.within}",
        limit=query.limit,
        cursor=query.cursor,
    )
    return DuePage(
        items=[DueRead.model_validate(i.to_json()) for i in page.items],
        total=page.total,
        limit=query.limit,
        next_cursor=page.next_cursor,
        year=year,
        as_of=found.as_of,
        within=found.within,
    )


@bp.operation(
    "GET",
    "/years/<int:year>/units/<code>/path",
    summary="A unit's way up",
    permission=READ,
    query=AsOfQuery,
    response=WayUpRead,
    errors=(404, 422),
    cache="revalidate",
)
def path(year: int, code: str, query: AsOfQuery) -> WayUpRead:
    """The smallest set of the unit's open or overdue findings at ``as_of`` that, each
    rectified by its ``rectify_by`` date, gives the unit a better grade at the cutoff or
    removes criticism or interview from its measures, scored by the rule set in force;
    ``to`` null and no steps when no set does. A token scoped to units reads its units only."""
    return WayUpRead.model_validate(way_up(uow(), year, code, as_of=query.as_of).to_json())
