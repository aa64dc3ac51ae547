"""What a principal may be given: a role, and a unit scope that names units some year holds
and lies inside the giver's own reach. Tokens and people's accounts are both principals:
they are given, listed and taken back under these same checks."""

from __future__ import annotations

from collections.abc import Sequence

from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.principals import SCOPED_ROLES, Forbidden, Role
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import ROLES, label
from scoring_service.unit_of_work import UnitOfWork


def role_named(role: Role | str) -> Role:
    """The role of that name; InvalidRequest with the choices otherwise."""
    try:
        return Role(role)
    except ValueError:
        raise InvalidRequest(
            _(
                "unknown role %(role)r; choose from %(roles)s",
                role=role,
                roles=", ".join(r.value for r in Role),
            )
        ) from None


def scope_units(scope: Sequence[str] | None) -> list[str] | None:
    """A scope's unit codes, sorted and without repeats (None: every unit). An empty scope
    is refused rather than read as "no limit"."""
    if scope is None:
        return None
    units = sorted(dict.fromkeys(scope))
    if not units:
        raise InvalidRequest(
            _("a scope names at least one unit code; leave the scope out for every unit")
        )
    bad = [u for u in units if not u or len(u) > 64 or any(c.isspace() or c == "\x00" for c in u)]
    if bad:
        raise InvalidRequest(
            _("scope units must be unit codes (1-64 characters): %(bad)s", bad=bad)
        )
    return units


def role_and_scope(role: Role | str, scope: Sequence[str] | None) -> tuple[Role, list[str] | None]:
    """The role and scope units a token or account is given; a role that speaks for its own
    units (``unit``) is refused without a scope, in words."""
    named = role_named(role)
    units = scope_units(scope)
    if named in SCOPED_ROLES and units is None:
        raise InvalidRequest(
            _(
                "the role %(role)s speaks for its own units: give it a scope (the unit codes "
                "it reports for)",
                role=label(ROLES, named.value),
            )
        )
    return named, units


def outside_of(covered: frozenset[str] | None, scope: Sequence[str] | None) -> list[str]:
    """The units of a principal's ``scope`` outside the units an actor ``covered`` (None:
    every unit). An unscoped principal is never inside a scoped actor (reported as ``*``)."""
    if covered is None:
        return []
    if scope is None:
        return ["* (every unit)"]
    return [u for u in sorted(set(scope)) if u not in covered]


def covered_by_actor(uow: UnitOfWork) -> frozenset[str] | None:
    """The units the acting principal reaches in any year (None: every unit)."""
    return uow.scopes.reach_in_any_year(uow.actor)


def require_within(uow: UnitOfWork, scope: Sequence[str] | None) -> None:
    """Forbidden unless ``scope`` lies inside the actor's reach: no one gives, changes or
    takes back a principal wider than itself."""
    outside = outside_of(covered_by_actor(uow), scope)
    if outside:
        raise Forbidden(
            _(
                "%(name)r may manage only tokens and accounts scoped inside its own scope "
                "(%(scope)s); outside it: %(outside)s",
                name=uow.actor.name,
                scope=", ".join(sorted(uow.actor.scope or ())),
                outside=", ".join(outside),
            )
        )


def require_grantable(uow: UnitOfWork, units: list[str] | None) -> None:
    """A scope may be given by the actor: inside its reach, and every unit held in some
    year (so a typing mistake does not make a principal that reads nothing)."""
    require_within(uow, units)
    if units is not None:
        unknown = uow.scopes.unknown_units(units)
        if unknown:
            raise InvalidRequest(
                _(
                    "no year holds the units %(units)s; a scope names units held (import "
                    "the year first)",
                    units=", ".join(unknown),
                )
            )
