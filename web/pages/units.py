"""``/years/{year}/units/{code}``: why a unit scored what it did, its way up (提升路径) and
its month-by-month trend."""

from __future__ import annotations

from datetime import date

from flask import render_template
from markupsafe import Markup

from edge import memo
from scoring_service.assessment.rules_in_force import version_label
from scoring_service.assessment.services import explain_unit
from scoring_service.assessment.way_up import WayUp, find_way_up, read_way_up
from scoring_service.records.units import unit_names
from web import trend
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form, read
from web.query import args

bp = page_blueprint("units", __name__)


class UnitQuery(Form):
    as_of: date | None = None


def _way_up(year: int, code: str, as_of: date) -> WayUp:
    """The unit's way up, remembered by everything it is computed from (its fingerprint:
    the rule set, the dates, the unit's counted findings and their spans) and the engine:
    a write to another unit's findings leaves them alike, and it is not computed again."""
    inputs = read_way_up(uow(), year, code, as_of=as_of)  # checks the person's scope first
    evaluator = uow().evaluator
    return memo.remember(
        ("way_up_of", type(evaluator).__name__, inputs.fingerprint()),
        lambda: find_way_up(inputs, evaluator),
    )


def _page(year: int, code: str, query: UnitQuery) -> tuple[str, str]:
    """The unit's name and its page below the site's frame, rendered from the services'
    answers; explain_unit checks the person's scope before anything else."""
    doc = explain_unit(uow(), year, code, as_of=query.as_of)
    as_of = date.fromisoformat(doc["as_of"])
    row = doc["row"]
    months = trend.monthly(uow, year, as_of, doc["unit"]["kind"], {code: row})
    rows = [m.rows.get(code) for m in months]
    rate_chart, score_chart = trend.month_charts(months, [(code, doc["unit"]["name"])])
    names = unit_names(uow(), year, {f["found_at"] for f in doc["findings"]})
    main = render_template(
        "unit_explanation.html",
        year=year,
        doc=doc,
        names=names,
        row=row,
        months=list(zip(months, rows, strict=True)),
        rate_chart=rate_chart,
        score_chart=score_chart,
        query=query,
        # The way up scores sets of findings with the engine (seconds for a province's
        # county with most findings): remembered by its inputs too (above).
        path=_way_up(year, code, as_of),
        version=version_label(uow(), year, doc["ruleset"]),
    )
    return doc["unit"]["name"], main


@bp.get("/years/<int:year>/units/<code>")
def unit(year: int, code: str) -> str:
    """Metrics, every rule with the values it read, caps, grade, the findings that count
    and why; a unit outside the person's scope is not found, as in the API."""
    query = read(UnitQuery, args())
    # Rendered once per data revision, rule set, scope, language and date: the county with
    # most findings lists hundreds of them. The key holds the person's scope.
    name, main = memo.remember(
        ("unit_page", *memo.view_key(uow(), year), code, query.as_of),
        lambda: _page(year, code, query),
    )
    return render_template("unit.html", year=year, name=name, main=Markup(main))
