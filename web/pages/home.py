"""``/``: the years held, each leading to its pages."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.assessment.services import list_years
from scoring_service.domain.principals import Role
from web.blueprint import page_blueprint
from web.context import person, uow

bp = page_blueprint("home", __name__)


@bp.get("/")
def index() -> BaseResponse | str:
    """The years held; a unit person's home is their latest year's rectification page."""
    years = list_years(uow())
    who = person()
    if years and who.role is Role.UNIT:
        latest = max(y.year for y in years)
        return redirect(url_for("web.rectification.mine", year=latest))
    return render_template("home.html", years=years)
