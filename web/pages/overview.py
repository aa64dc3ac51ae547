"""``/years/{year}``: the year at a glance, as of a date (default: the cutoff).

Every figure comes from a service: inspections (``records.inspections``), findings with
their state (``records.findings``), the score rows (``records.score_runs``, through
``web.trend``, which charts their month), the process alerts (``services.year_alerts``) and
the monthly rows (``web.trend``); this page only counts and lays them out. A scoped person
sees their units' share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import render_template
from markupsafe import Markup

from edge import memo
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.assessment.services import year_alerts
from scoring_service.records import findings as finding_records
from scoring_service.records.groups import list_groups
from scoring_service.records.inspections import InspectionSummary, list_inspections
from web import trend
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form, read
from web.query import args

bp = page_blueprint("overview", __name__)
MEASURES = ("commendation", "criticism", "interview", "accountability")
NAMED = 30  # units named under each measure; the rest are a link to the ranking


class OverviewQuery(Form):
    as_of: date | None = None


def _every(fetch: Any) -> Iterator[Any]:
    """Every item of a paged service list, a thousand at a time."""
    cursor = None
    while True:
        page = fetch(cursor)
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


def _cadence(
    inspections: list[InspectionSummary],
    groups: list[Any],
    alerts: list[Any],
    year: int,
    first: date,
    as_of: date,
) -> dict[str, Any]:
    """Inspections started per group and month, from the first month the plan asks for,
    and the months the process alerts call missed."""
    last = 12 if as_of.year > year else as_of.month
    months = list(range(first.month if first.year == year else 1, last + 1))
    held = Counter((i.group, i.start_date.month) for i in inspections if i.start_date <= as_of)
    missed = {(a.group, a.month) for a in alerts if a.type == "missed_month"}
    rows = [
        {
            "group": g,
            "cells": [
                {
                    "month": m,
                    "count": held[(g.code, m)],
                    "missed": (g.code, f"{year}-{m:02d}") in missed,
                }
                for m in months
            ],
        }
        for g in groups
    ]
    return {"months": months, "rows": rows}


def _measured(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each measure's units: how many, the first ``NAMED`` rows, and how many of each kind."""
    found = {}
    for m in MEASURES:
        taking = [r for r in rows if m in r["measures"]]
        kinds = Counter(r["kind"] for r in taking)
        found[m] = {"total": len(taking), "named": taking[:NAMED], "kinds": list(kinds.items())}
    return found


def _figures(year: int, query: OverviewQuery) -> str:
    """The page below the site's frame, rendered from the services' answers."""
    ruleset = ruleset_of(uow().rules, year)
    # The score rows are the month rows' of the as-of date too: one computation for both.
    scores = trend.scores_at(uow, year, as_of_for(ruleset, year, query.as_of))
    as_of = scores.as_of
    inspections = list(_every(lambda c: list_inspections(uow(), year, limit=1000, cursor=c)))
    groups = list(_every(lambda c: list_groups(uow(), year, limit=1000, cursor=c)))
    _, alerts = year_alerts(uow(), year, as_of=as_of)
    _, tally = finding_records.tally_findings(uow(), year, as_of=as_of)
    by_category: Counter[tuple[str, str]] = Counter()
    outcomes: Counter[str] = Counter()
    for (category, severity, outcome), count in tally.items():
        by_category[(category, severity)] += count
        outcomes[outcome] += count
    counties = [r for r in scores.rows if r["kind"] == "county"]
    months = trend.monthly(uow, year, as_of, "county", {r["unit"]: r for r in counties})
    rate_chart, score_chart = trend.month_charts(months, [(c["unit"], c["name"]) for c in counties])
    return render_template(
        "overview_figures.html",
        year=year,
        as_of=as_of,
        query=query,
        cadence=_cadence(inspections, groups, alerts, year, ruleset.alerts.inspections_from, as_of),
        inspections=inspections,
        categories=ruleset.catalogue.categories,
        by_category=by_category,
        outcomes=outcomes,
        total=sum(tally.values()),
        counties=counties,
        measured=_measured(scores.rows),
        alert_counts=Counter(a.type for a in alerts),
        rate_chart=rate_chart,
        score_chart=score_chart,
    )


@bp.get("/years/<int:year>")
def year(year: int) -> str:
    query = read(OverviewQuery, args())
    # Rendered once per data revision, rule set, scope, language and date: a province's
    # page is thousands of links, and everyone reading between writes shares it.
    figures = memo.remember(
        ("overview", *memo.view_key(uow(), year), query.as_of),
        lambda: _figures(year, query),
    )
    return render_template("overview.html", year=year, main=Markup(figures))
