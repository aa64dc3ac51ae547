"""``/``: the years held, each leading to its pages."""

from __future__ import annotations

from flask import render_template

from scoring_service.services import list_years
from web.blueprint import page_blueprint
from web.context import uow

bp = page_blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    return render_template("home.html", years=list_years(uow()))
