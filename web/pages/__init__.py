"""Every blueprint of pages, nested in one blueprint ``web`` (endpoints ``web.scores.ranking``)
so that their names cannot clash with the API's; registered by ``web.init_app``."""

from __future__ import annotations

from flask import Blueprint

from web.pages.admin import bp as admin
from web.pages.alerts import bp as alerts
from web.pages.assets import bp as assets
from web.pages.auth import bp as auth
from web.pages.documents import bp as documents
from web.pages.due import bp as due
from web.pages.findings import bp as findings
from web.pages.home import bp as home
from web.pages.imports import bp as imports
from web.pages.inspections import bp as inspections
from web.pages.overview import bp as overview
from web.pages.problem_lists import bp as problem_lists
from web.pages.rectification import bp as rectification
from web.pages.rules import bp as rules
from web.pages.scores import bp as scores
from web.pages.units import bp as units

PAGES: tuple[Blueprint, ...] = (
    assets,
    auth,
    home,
    overview,
    scores,
    units,
    findings,
    inspections,
    problem_lists,
    alerts,
    due,
    rectification,
    documents,
    imports,
    rules,
    admin,
)


def blueprint() -> Blueprint:
    """The ``web`` blueprint holding every page's."""
    web = Blueprint("web", __name__)
    for page in PAGES:
        web.register_blueprint(page)
    return web
