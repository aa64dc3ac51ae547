"""Bearer tokens as ``access.tokens`` keeps them: only the sha256 of a secret is stored.

Apart from the audit log and idempotency keys (``principals``), with their table
(``token_models``): what does not read tokens does without them. Callers own the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring_service.db.token_models import ApiTokenRow
from scoring_service.domain.principals import NameTaken, Role, TokenInfo


def _token(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        scope=None if row.scope is None else tuple(json.loads(row.scope)),
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
    )


def add_token(
    session: Session,
    *,
    name: str,
    role: Role,
    scope: Collection[str] | None,
    token_hash: str,
    created_by: str,
) -> TokenInfo:
    """Store a token (its hash only); ``NameTaken`` when a live token has the name."""
    try:
        # A savepoint, so a clash leaves the caller's transaction usable (PostgreSQL
        # aborts a whole transaction on an error otherwise).
        with session.begin_nested():
            token_id = session.execute(
                insert(ApiTokenRow)
                .values(
                    name=name,
                    role=role.value,
                    scope=None if scope is None else json.dumps(list(scope)),
                    token_hash=token_hash,
                    created_at=datetime.now(UTC),
                    created_by=created_by,
                )
                .returning(ApiTokenRow.id)
            ).scalar_one()
    except IntegrityError:
        raise NameTaken(name) from None
    return _token(session.get_one(ApiTokenRow, token_id))


def live_token(
    session: Session, *, token_id: int | None = None, name: str | None = None
) -> TokenInfo | None:
    """The live token with this id or (else) this name, or None."""
    statement = select(ApiTokenRow).where(ApiTokenRow.revoked_at.is_(None))
    if token_id is not None:
        statement = statement.where(ApiTokenRow.id == token_id)
    if name is not None:
        statement = statement.where(ApiTokenRow.name == name)
    row = session.scalars(statement).first()
    return None if row is None else _token(row)


def revoke_token(session: Session, token_id: int) -> TokenInfo:
    """Mark the token revoked now; its record as it is after."""
    session.execute(
        update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(revoked_at=datetime.now(UTC))
    )
    row = session.get_one(ApiTokenRow, token_id)
    session.refresh(row)
    return _token(row)


def list_tokens(session: Session, *, include_revoked: bool) -> list[TokenInfo]:
    """Tokens by id; revoked ones only when asked."""
    statement = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if not include_revoked:
        statement = statement.where(ApiTokenRow.revoked_at.is_(None))
    return [_token(row) for row in session.scalars(statement)]


def live_token_by_hash(session: Session, token_hash: str) -> TokenInfo | None:
    """The live token whose secret has this hash, or None."""
    row = session.scalars(
        select(ApiTokenRow).where(
            ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked_at.is_(None)
        )
    ).first()
    return None if row is None else _token(row)


class TokenRepository:
    """Bearer tokens as ``access.tokens`` keeps them (``uow.tokens``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        name: str,
        role: Role,
        scope: Collection[str] | None,
        token_hash: str,
        created_by: str,
    ) -> TokenInfo:
        """Store a token (its hash only); ``NameTaken`` when a live token has the name."""
        return add_token(
            self.session,
            name=name,
            role=role,
            scope=scope,
            token_hash=token_hash,
            created_by=created_by,
        )

    def live(self, *, token_id: int | None = None, name: str | None = None) -> TokenInfo | None:
        """The live token with this id or (else) this name, or None."""
        return live_token(self.session, token_id=token_id, name=name)

    def live_by_hash(self, token_hash: str) -> TokenInfo | None:
        return live_token_by_hash(self.session, token_hash)

    def revoke(self, token_id: int) -> TokenInfo:
        return revoke_token(self.session, token_id)

    def listed(self, *, include_revoked: bool) -> list[TokenInfo]:
        return list_tokens(self.session, include_revoked=include_revoked)
