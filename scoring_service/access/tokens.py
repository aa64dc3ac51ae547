"""Bearer tokens: created once and shown once, stored only as a sha256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from scoring_service.access.roles import Forbidden, Principal, Role
from scoring_service.db import Sessions, principals, scopes
from scoring_service.db.principals import TokenInfo
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

__all__ = ["TokenInfo", "authenticate", "create_token", "list_tokens", "revoke_token"]

PREFIX = "sst_"  # recognisable in logs and secret scanners
NAME_MAX = 100


def hash_token(token: str) -> str:
    """The stored form of a token: sha256 of its text (the secret has 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    uow: UnitOfWork,
    name: str,
    role: Role | str,
    scope: list[str] | tuple[str, ...] | None = None,
) -> tuple[str, TokenInfo]:
    """A new token, made by ``uow.actor``: its secret (shown this once, never stored) and
    its record.

    ``scope`` None means every unit; a scope names at least one unit held in some year.
    A scoped actor creates only tokens scoped inside its own scope."""
    actor = uow.actor
    name = name.strip()
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise InvalidRequest(_("a token name is 1 to %(most)s characters", most=NAME_MAX))
    try:
        role = Role(role)
    except ValueError:
        raise InvalidRequest(
            _(
                "unknown role %(role)r; choose from %(roles)s",
                role=role,
                roles=", ".join(r.value for r in Role),
            )
        ) from None
    units = None
    if scope is not None:
        units = sorted(dict.fromkeys(scope))
        if not units:
            # An empty scope must never read as "no limit": refuse it instead of widening it.
            raise InvalidRequest(
                _("a scope names at least one unit code; leave the scope out for every unit")
            )
        bad = [u for u in units if not u or len(u) > 64 or any(c.isspace() for c in u)]
        if bad or any("\x00" in u for u in units):
            raise InvalidRequest(
                _("scope units must be unit codes (1-64 characters): %(bad)s", bad=bad)
            )
    secret = PREFIX + secrets.token_urlsafe(32)
    with uow:
        _require_within(uow, units, "create")
        if units is not None:
            unknown = scopes.unknown_units(uow.session, units)
            if unknown:
                raise InvalidRequest(
                    _(
                        "no year holds the units %(units)s; a scope names units held (import "
                        "the year first)",
                        units=", ".join(unknown),
                    )
                )
        try:
            info = principals.add_token(
                uow.session,
                name=name,
                role=role,
                scope=units,
                token_hash=hash_token(secret),
                created_by=actor.name,
            )
        except principals.NameTaken:
            raise Conflict(
                _(
                    "a live token is already named %(name)r; revoke it or pick another name",
                    name=name,
                )
            ) from None
        uow.audit(
            "token.create",
            "token",
            name,
            detail={"id": info.id, "role": role.value, "scope": units},
        )
        uow.commit()
    return secret, info


def revoke_token(uow: UnitOfWork, ref: str | int) -> TokenInfo:
    """Revoke a live token given by id or name; later requests with it get 401."""
    with uow:
        session = uow.session
        # An id is ASCII digits ("¹" is a digit int() cannot read) that fit the id column.
        if isinstance(ref, int) or (ref.isascii() and ref.isdigit() and len(ref) < 10):
            found = principals.live_token(session, token_id=int(ref))
            if found is None and isinstance(ref, str):
                found = principals.live_token(session, name=ref)
        else:
            found = principals.live_token(session, name=ref)
        if found is None:
            raise NotFound(_("no live token %(ref)r", ref=ref))
        _require_within(uow, found.scope, "revoke")
        info = principals.revoke_token(session, found.id)
        uow.audit("token.revoke", "token", info.name, detail={"id": info.id})
        uow.commit()
        return info


def list_tokens(uow: UnitOfWork, *, include_revoked: bool = False) -> list[TokenInfo]:
    """Tokens by id (a scoped actor's: those scoped inside its scope); revoked ones only
    when asked."""
    with uow:
        found = principals.list_tokens(uow.session, include_revoked=include_revoked)
        if uow.actor.scope is not None:
            covered = scopes.reach_in_any_year(uow.session, uow.actor)
            found = [t for t in found if not outside_of(covered, t.scope)]
        return found


def outside_of(covered: frozenset[str] | None, scope: Sequence[str] | None) -> list[str]:
    """The units of a token's ``scope`` outside the units an actor ``covered`` (None: every
    unit). An unscoped token is never inside a scoped actor (reported as ``*``)."""
    if covered is None:
        return []
    if scope is None:
        return ["* (every unit)"]
    return [u for u in sorted(set(scope)) if u not in covered]


def _require_within(uow: UnitOfWork, scope: Sequence[str] | None, verb: str) -> None:
    """Forbidden unless the token's scope lies inside the actor's: no one makes or ends a
    principal wider than itself."""
    actor = uow.actor
    outside = outside_of(scopes.reach_in_any_year(uow.session, actor), scope)
    if outside:
        raise Forbidden(
            _(
                "%(name)r may %(verb)s only tokens scoped inside its own scope (%(scope)s); "
                "outside it: %(outside)s",
                name=actor.name,
                verb=verb,
                scope=", ".join(sorted(actor.scope or ())),
                outside=", ".join(outside),
            )
        )


def authenticate(secret: str, *, db: Sessions) -> Principal | None:
    """The caller a live token stands for, or None. It reads in a session of its own: no
    one is known to act for yet, so there is no unit of work."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with db() as session:
        info = principals.live_token_by_hash(session, hash_token(secret))
    if info is None:
        return None
    return Principal(
        info.id, info.name, info.role, None if info.scope is None else frozenset(info.scope)
    )
