"""The signed-in person of a page request, and the unit of work acting as them."""

from __future__ import annotations

from flask import g

from edge.context import services
from scoring_service.access.accounts import AccountInfo
from scoring_service.domain.principals import NOBODY, Principal
from scoring_service.unit_of_work import UnitOfWork


def person() -> Principal:
    """The signed-in person of this request (the anonymous nobody on public pages)."""
    found: Principal = g.get("person", NOBODY)
    return found


def account() -> AccountInfo | None:
    """The signed-in person's account, None on public pages before sign-in."""
    found: AccountInfo | None = g.get("account")
    return found


def uow(actor: Principal | None = None) -> UnitOfWork:
    """A unit of work for this request, acting as the signed-in person."""
    return services().unit_of_work(actor or person())
