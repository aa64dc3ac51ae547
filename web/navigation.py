"""The pages of a year listed in the header, in order. A new page of a year adds its
endpoint here; the header shows the pages whose blueprints are registered."""

from __future__ import annotations

from babel.support import LazyProxy
from flask import current_app

from scoring_service.i18n import lazy_gettext

YEAR_PAGES: tuple[tuple[str, LazyProxy], ...] = (
    ("web.overview.year", lazy_gettext("At a glance")),
    ("web.scores.ranking", lazy_gettext("Ranking")),
    ("web.findings.ledger", lazy_gettext("Rectification ledger")),
    ("web.inspections.index", lazy_gettext("Inspection records")),
    ("web.alerts.alerts", lazy_gettext("Alerts")),
    ("web.due.due_list", lazy_gettext("Due reminders")),
    ("web.documents.index", lazy_gettext("Documents")),
    ("web.rules.ruleset", lazy_gettext("Rules")),
)


def year_pages() -> list[tuple[str, LazyProxy]]:
    """The year's pages this app serves."""
    return [(e, title) for e, title in YEAR_PAGES if e in current_app.view_functions]
