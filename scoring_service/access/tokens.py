"""Bearer tokens: created once and shown once, stored only as a sha256 hash, revocable."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import audit
from scoring_service.access import scope as unit_scope
from scoring_service.access.roles import Forbidden, Principal, Role
from scoring_service.db.api_models import ApiTokenRow
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound

PREFIX = "sst_"  # recognisable in logs and secret scanners
NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known of a token besides its secret."""

    id: int
    name: str
    role: Role
    scope: tuple[str, ...] | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    """The stored form of a token: sha256 of its text (the secret has 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        scope=None if row.scope is None else tuple(json.loads(row.scope)),
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
    )


def create_token(
    name: str,
    role: Role | str,
    scope: list[str] | tuple[str, ...] | None = None,
    *,
    db: sessionmaker[Session],
    actor: Principal,
) -> tuple[str, TokenInfo]:
    """A new token: its secret (shown this once, never stored) and its record.

    ``scope`` None means every unit; a scope names at least one unit held in some year.
    A scoped actor creates only tokens scoped inside its own scope."""
    name = name.strip()
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise InvalidRequest(f"a token name is 1 to {NAME_MAX} characters")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidRequest(
            f"unknown role {role!r}; choose from {', '.join(r.value for r in Role)}"
        ) from None
    units = None
    if scope is not None:
        units = sorted(dict.fromkeys(scope))
        if not units:
            # An empty scope must never read as "no limit": refuse it instead of widening it.
            raise InvalidRequest(
                "a scope names at least one unit code; leave the scope out for every unit"
            )
        bad = [u for u in units if not u or len(u) > 64 or any(c.isspace() for c in u)]
        if bad or any("\x00" in u for u in units):
            raise InvalidRequest(f"scope units must be unit codes (1-64 characters): {bad}")
    secret = PREFIX + secrets.token_urlsafe(32)
    try:
        with db.begin() as session:
            _require_within(session, actor, units, "create")
            if units is not None:
                unknown = unit_scope.unknown_units(session, units)
                if unknown:
                    raise InvalidRequest(
                        f"no year holds the units {', '.join(unknown)}; a scope names units "
                        "held (import the year first)"
                    )
            token_id = session.execute(
                insert(ApiTokenRow)
                .values(
                    name=name,
                    role=role.value,
                    scope=None if units is None else json.dumps(units),
                    token_hash=hash_token(secret),
                    created_at=datetime.now(UTC),
                    created_by=actor.name,
                )
                .returning(ApiTokenRow.id)
            ).scalar_one()
            audit.record(
                session,
                actor,
                "token.create",
                "token",
                name,
                detail={"id": token_id, "role": role.value, "scope": units},
            )
            row = session.get_one(ApiTokenRow, token_id)
            info = _info(row)
    except IntegrityError:
        raise Conflict(
            f"a live token is already named {name!r}; revoke it or pick another name"
        ) from None
    return secret, info


def revoke_token(ref: str | int, *, db: sessionmaker[Session], actor: Principal) -> TokenInfo:
    """Revoke a live token given by id or name; later requests with it get 401."""
    with db.begin() as session:
        statement = select(ApiTokenRow).where(ApiTokenRow.revoked_at.is_(None))
        # An id is ASCII digits ("¹" is a digit int() cannot read) that fit the id column.
        if isinstance(ref, int) or (
            isinstance(ref, str) and ref.isascii() and ref.isdigit() and len(ref) < 10
        ):
            row = session.scalars(statement.where(ApiTokenRow.id == int(ref))).first()
            if row is None and isinstance(ref, str):
                row = session.scalars(statement.where(ApiTokenRow.name == ref)).first()
        else:
            row = session.scalars(statement.where(ApiTokenRow.name == ref)).first()
        if row is None:
            raise NotFound(f"no live token {ref!r}")
        _require_within(session, actor, _info(row).scope, "revoke")
        session.execute(
            update(ApiTokenRow).where(ApiTokenRow.id == row.id).values(revoked_at=datetime.now(UTC))
        )
        audit.record(session, actor, "token.revoke", "token", row.name, detail={"id": row.id})
        session.refresh(row)
        return _info(row)


def list_tokens(
    *, db: sessionmaker[Session], actor: Principal, include_revoked: bool = False
) -> list[TokenInfo]:
    """Tokens by id (a scoped actor's: those scoped inside its scope); revoked ones only
    when asked."""
    statement = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if not include_revoked:
        statement = statement.where(ApiTokenRow.revoked_at.is_(None))
    with db() as session:
        found = [_info(row) for row in session.scalars(statement)]
        if actor.scope is not None:
            found = [t for t in found if not unit_scope.scope_within(session, actor, t.scope)]
        return found


def _require_within(
    session: Session, actor: Principal, scope: Sequence[str] | None, verb: str
) -> None:
    """Forbidden unless the token's scope lies inside the actor's: no one makes or ends a
    principal wider than itself."""
    outside = unit_scope.scope_within(session, actor, scope)
    if outside:
        raise Forbidden(
            f"{actor.name!r} may {verb} only tokens scoped inside its own scope "
            f"({', '.join(sorted(actor.scope or ()))}); outside it: {', '.join(outside)}"
        )


def authenticate(secret: str, *, db: sessionmaker[Session]) -> Principal | None:
    """The caller a live token stands for, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with db() as session:
        row = session.scalars(
            select(ApiTokenRow).where(
                ApiTokenRow.token_hash == hash_token(secret), ApiTokenRow.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        info = _info(row)
    return Principal(
        info.id, info.name, info.role, None if info.scope is None else frozenset(info.scope)
    )
