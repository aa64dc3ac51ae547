"""Bearer tokens: created once and shown once, stored only as a sha256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from scoring_service.access import grants
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import NameTaken, Principal, Role, TokenInfo
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
    role, units = grants.role_and_scope(role, scope)
    secret = PREFIX + secrets.token_urlsafe(32)
    with uow:
        grants.require_grantable(uow, units)
        try:
            info = uow.tokens.add(
                name=name,
                role=role,
                scope=units,
                token_hash=hash_token(secret),
                created_by=actor.name,
            )
        except NameTaken:
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
        # An id is ASCII digits ("¹" is a digit int() cannot read) that fit the id column.
        if isinstance(ref, int) or (ref.isascii() and ref.isdigit() and len(ref) < 10):
            found = uow.tokens.live(token_id=int(ref))
            if found is None and isinstance(ref, str):
                found = uow.tokens.live(name=ref)
        else:
            found = uow.tokens.live(name=ref)
        if found is None:
            raise NotFound(_("no live token %(ref)r", ref=ref))
        grants.require_within(uow, found.scope)
        info = uow.tokens.revoke(found.id)
        uow.audit("token.revoke", "token", info.name, detail={"id": info.id})
        uow.commit()
        return info


def list_tokens(uow: UnitOfWork, *, include_revoked: bool = False) -> list[TokenInfo]:
    """Tokens by id (a scoped actor's: those scoped inside its scope); revoked ones only
    when asked."""
    with uow:
        found = uow.tokens.listed(include_revoked=include_revoked)
        if uow.actor.scope is not None:
            covered = grants.covered_by_actor(uow)
            found = [t for t in found if not grants.outside_of(covered, t.scope)]
        return found


def authenticate(uow: UnitOfWork, secret: str) -> Principal | None:
    """The caller a live token stands for, or None. Give a unit of work acting as nobody
    (no one is known to act for yet) and not in use: it reads in a transaction of its own."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with uow:
        info = uow.tokens.live_by_hash(hash_token(secret))
    if info is None:
        return None
    return Principal(
        info.id, info.name, info.role, None if info.scope is None else frozenset(info.scope)
    )
