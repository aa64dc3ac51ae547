"""Idempotency keys: a retried POST gets the first answer, and nothing is stored twice.

A key belongs to one token. The first request claims the key (a row with no answer
yet) in a transaction of its own, so a concurrent retry sees the claim and is told
to wait; the answer is stored once given. A key's answer is kept ``ttl`` long.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.db.api_models import IdempotencyRow
from scoring_service.domain.errors import Conflict, DomainError


class KeyReused(DomainError):
    """The key was used before for another request (another body, method or path)."""


class InProgress(Conflict):
    """The first request with this key is still being served."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    location: str | None
    body: bytes


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path with query, and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(
    token_id: int, key: str, fingerprint: str, *, db: sessionmaker[Session], ttl: timedelta
) -> Answer | None:
    """Claim the key for a first request (None), or the stored answer of the first one.

    Raises KeyReused when the key came with another request, InProgress when the
    first request has not been answered yet.
    """
    now = datetime.now(UTC)
    for _ in range(2):  # a second pass after clearing an expired key
        with db.begin() as session:
            row = _row(session, token_id, key)
            if row is not None and row.created_at < now - ttl:
                session.execute(_match(delete(IdempotencyRow), token_id, key))
                row = None
            if row is not None:
                if row.request_hash != fingerprint:
                    raise KeyReused(
                        "this Idempotency-Key was used for another request; "
                        "use a new key for a new request"
                    )
                if row.status is None:
                    raise InProgress(
                        "a request with this Idempotency-Key is still being served; retry later"
                    )
                return Answer(row.status, row.content_type or "", row.location, row.body or b"")
        try:
            with db.begin() as session:
                session.execute(
                    insert(IdempotencyRow).values(
                        token_id=token_id, key=key, request_hash=fingerprint, created_at=now
                    )
                )
            return None
        except IntegrityError:
            continue  # another request claimed it meanwhile: read its claim
    raise InProgress("a request with this Idempotency-Key is still being served; retry later")


def complete(token_id: int, key: str, answer: Answer, *, db: sessionmaker[Session]) -> None:
    """Store the answer of the request that claimed the key."""
    with db.begin() as session:
        session.execute(
            _match(update(IdempotencyRow), token_id, key).values(
                status=answer.status,
                content_type=answer.content_type,
                location=answer.location,
                body=answer.body,
            )
        )


def release(token_id: int, key: str, *, db: sessionmaker[Session]) -> None:
    """Forget a claim whose request failed on the server's side, so a retry runs again."""
    with db.begin() as session:
        session.execute(_match(delete(IdempotencyRow), token_id, key))


def _row(session: Session, token_id: int, key: str) -> IdempotencyRow | None:
    return session.scalars(
        select(IdempotencyRow).where(IdempotencyRow.token_id == token_id, IdempotencyRow.key == key)
    ).first()


def _match(statement, token_id: int, key: str):  # type: ignore[no-untyped-def]
    return statement.where(IdempotencyRow.token_id == token_id, IdempotencyRow.key == key)
