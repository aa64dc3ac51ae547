"""``/years/{year}/alerts``: the process alerts (督查过程预警) as of a date, grouped by type,
each with the inspection group answerable for it."""

from __future__ import annotations

from datetime import date

from flask import render_template

from scoring_service.assessment.services import GroupedAlert, year_alerts_by_group
from scoring_service.records.groups import list_groups
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form, read
from web.labels import ALERTS
from web.query import args

bp = page_blueprint("alerts", __name__)


class AlertsQuery(Form):
    as_of: date | None = None


def by_type(found: list[GroupedAlert]) -> list[tuple[str, list[GroupedAlert]]]:
    """The alerts in sections by type: the known types in the order of ``labels.ALERTS``,
    then any other, each keeping the service's order."""
    sections: dict[str, list[GroupedAlert]] = {}
    for item in found:
        sections.setdefault(item.alert.type, []).append(item)
    order = [t for t in ALERTS if t in sections] + sorted(set(sections) - set(ALERTS))
    return [(t, sections[t]) for t in order]


@bp.get("/years/<int:year>/alerts")
def alerts(year: int) -> str:
    """The alerts the person reads (a scoped person: those of their units)."""
    query = read(AlertsQuery, args())
    day, found = year_alerts_by_group(uow(), year, as_of=query.as_of)
    groups = list_groups(uow(), year, limit=1000, cursor=None).items
    return render_template(
        "alerts.html",
        year=year,
        as_of=day,
        sections=by_type(found),
        total=len(found),
        group_names={g.code: g.name for g in groups},
    )
