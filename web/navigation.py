"""The pages of a year listed in the header, in order. A new page of a year adds its
endpoint here; the header shows the pages whose blueprints are registered, and of the
loop's pages only those the signed-in person works on."""

from __future__ import annotations

from babel.support import LazyProxy
from flask import current_app, g

from scoring_service.domain.principals import Permission, Principal
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
    ("web.rectification.mine", lazy_gettext("Our rectification")),
    ("web.rectification.reviews", lazy_gettext("Reviews")),
)


def _shown(endpoint: str, who: Principal | None) -> bool:
    """The unit's page for people reporting for their own units (unscoped, it would hold
    the whole year); the queue for those who decide."""
    if endpoint == "web.rectification.mine":
        return who is not None and who.can(Permission.REPORT) and who.scope is not None
    if endpoint == "web.rectification.reviews":
        return who is not None and who.can(Permission.INSPECT)
    return True


def year_pages() -> list[tuple[str, LazyProxy]]:
    """The year's pages this app serves, for the signed-in person."""
    who = g.get("person")
    return [
        (e, title) for e, title in YEAR_PAGES if e in current_app.view_functions and _shown(e, who)
    ]
