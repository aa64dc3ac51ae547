"""What the app factory builds once per app (``bootstrap.Wiring``: settings, database, rule
source, rule engine, evidence files), and the caller and unit of work of a request."""

from __future__ import annotations

from flask import current_app, g

from scoring_service.bootstrap import Wiring
from scoring_service.domain.principals import Principal
from scoring_service.unit_of_work import UnitOfWork

EXTENSION = "scoring"


def services() -> Wiring:
    """The current app's wiring."""
    found: Wiring = current_app.extensions[EXTENSION]
    return found


def current() -> Principal:
    """The caller authorised for this request (``auth.authorize`` sets it)."""
    principal: Principal = g.principal
    return principal


def uow(actor: Principal | None = None) -> UnitOfWork:
    """A unit of work for this request, acting as the authenticated caller (or ``actor``)."""
    return services().unit_of_work(actor or current())
