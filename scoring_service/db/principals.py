"""What principals did: the audit log and idempotency keys (their bearer tokens: ``tokens``).

Each table's rows are read and written only here; callers own the transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Delete, Update, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring_service.db.api_models import AuditRow, IdempotencyRow
from scoring_service.db.queries import Page, keyset_page
from scoring_service.domain.principals import AuditEntry, Principal

_Statement = TypeVar("_Statement", Update, Delete)

# --- the audit log ---------------------------------------------------------------------------


def record_audit(
    session: Session,
    actor: Principal,
    action: str,
    record_type: str,
    record_key: str,
    *,
    year: int | None = None,
    detail: Any = None,
) -> None:
    """Add an entry in the caller's transaction, so it commits or rolls back with the write."""
    session.execute(
        insert(AuditRow).values(
            at=datetime.now(UTC),
            token_name=actor.name,
            action=action,
            record_type=record_type,
            record_key=record_key[:300],
            year=year,
            detail=None
            if detail is None
            else json.dumps(detail, ensure_ascii=False, default=str, separators=(",", ":")),
        )
    )


def audit_page(
    session: Session,
    *,
    token: str | None = None,
    action: str | None = None,
    record_type: str | None = None,
    record_key: str | None = None,
    year: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    """Audit entries, newest first, filtered."""
    conditions = []
    if token is not None:
        conditions.append(AuditRow.token_name == token)
    if action is not None:
        conditions.append(AuditRow.action == action)
    if record_type is not None:
        conditions.append(AuditRow.record_type == record_type)
    if record_key is not None:
        conditions.append(AuditRow.record_key == record_key)
    if year is not None:
        conditions.append(AuditRow.year == year)
    if since is not None:
        conditions.append(AuditRow.at >= since)
    if until is not None:
        conditions.append(AuditRow.at < until)
    page = keyset_page(
        session,
        select(AuditRow).where(*conditions),
        keys=[AuditRow.id],
        descending=True,
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    return page.map(
        lambda row: AuditEntry(
            id=row.id,
            at=row.at,
            token=row.token_name,
            action=row.action,
            record_type=row.record_type,
            record=row.record_key,
            year=row.year,
            detail=None if row.detail is None else json.loads(row.detail),
        )
    )


# --- idempotency keys ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An idempotency key as stored: its request, its claim and, once answered, the answer."""

    request_hash: str
    created_at: datetime
    claim: str | None
    status: int | None
    content_type: str | None
    location: str | None
    body: bytes | None


def idempotency_key(session: Session, token_id: int, key: str) -> KeyRecord | None:
    row = session.scalars(
        select(IdempotencyRow).where(IdempotencyRow.token_id == token_id, IdempotencyRow.key == key)
    ).first()
    if row is None:
        return None
    return KeyRecord(
        request_hash=row.request_hash,
        created_at=row.created_at,
        claim=row.claim,
        status=row.status,
        content_type=row.content_type,
        location=row.location,
        body=row.body,
    )


def delete_key(session: Session, token_id: int, key: str) -> None:
    session.execute(_match(delete(IdempotencyRow), token_id, key))


def add_claim(
    session: Session, token_id: int, key: str, request_hash: str, claim: str, at: datetime
) -> bool:
    """Store a new claim on the key; False when another request stored one first."""
    try:
        with session.begin_nested():
            session.execute(
                insert(IdempotencyRow).values(
                    token_id=token_id,
                    key=key,
                    request_hash=request_hash,
                    created_at=at,
                    claim=claim,
                )
            )
    except IntegrityError:
        return False
    return True


def take_over_claim(
    session: Session, token_id: int, key: str, old: str | None, new: str, at: datetime
) -> bool:
    """Replace the unanswered claim ``old`` by ``new``; False when another retry did first."""
    taken = session.execute(
        _match(update(IdempotencyRow), token_id, key)
        .where(_is_claim(old), IdempotencyRow.status.is_(None))
        .values(claim=new, created_at=at)
    )
    return _count(taken) == 1


def store_answer(
    session: Session,
    token_id: int,
    key: str,
    claim: str,
    *,
    status: int,
    content_type: str,
    location: str | None,
    body: bytes,
) -> bool:
    """Store the answer of the request holding ``claim``; False when it no longer holds it."""
    stored = session.execute(
        _match(update(IdempotencyRow), token_id, key)
        .where(IdempotencyRow.claim == claim, IdempotencyRow.status.is_(None))
        .values(status=status, content_type=content_type, location=location, body=body)
    )
    return _count(stored) == 1


def release_claim(session: Session, token_id: int, key: str, claim: str) -> None:
    """Delete the key while ``claim`` holds it unanswered (a later claim stays)."""
    session.execute(
        _match(delete(IdempotencyRow), token_id, key).where(
            IdempotencyRow.claim == claim, IdempotencyRow.status.is_(None)
        )
    )


def _is_claim(claim_id: str | None) -> ColumnElement[bool]:
    # Keys claimed before claims had an identity have none.
    column = IdempotencyRow.claim
    return column.is_(None) if claim_id is None else column == claim_id


def _count(result: Any) -> int:
    count: int = result.rowcount
    return count


def _match(statement: _Statement, token_id: int, key: str) -> _Statement:
    return statement.where(IdempotencyRow.token_id == token_id, IdempotencyRow.key == key)


# --- the repositories on the unit of work ----------------------------------------------------


class AuditLog:
    """The audit log (``uow.audit_log``): entries added in the caller's transaction, pages
    of them read."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        actor: Principal,
        action: str,
        record_type: str,
        record_key: str,
        *,
        year: int | None = None,
        detail: Any = None,
    ) -> None:
        record_audit(self.session, actor, action, record_type, record_key, year=year, detail=detail)

    def page(
        self,
        *,
        token: str | None = None,
        action: str | None = None,
        record_type: str | None = None,
        record_key: str | None = None,
        year: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[AuditEntry]:
        return audit_page(
            self.session,
            token=token,
            action=action,
            record_type=record_type,
            record_key=record_key,
            year=year,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )


class IdempotencyKeys:
    """Idempotency keys and their claims (``uow.idempotency``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, token_id: int, key: str) -> KeyRecord | None:
        return idempotency_key(self.session, token_id, key)

    def delete(self, token_id: int, key: str) -> None:
        delete_key(self.session, token_id, key)

    def add_claim(
        self, token_id: int, key: str, request_hash: str, claim: str, at: datetime
    ) -> bool:
        """Store a new claim on the key; False when another request stored one first."""
        return add_claim(self.session, token_id, key, request_hash, claim, at)

    def take_over(self, token_id: int, key: str, old: str | None, new: str, at: datetime) -> bool:
        """Replace the unanswered claim ``old`` by ``new``; False when another retry did."""
        return take_over_claim(self.session, token_id, key, old, new, at)

    def answer(
        self,
        token_id: int,
        key: str,
        claim: str,
        *,
        status: int,
        content_type: str,
        location: str | None,
        body: bytes,
    ) -> bool:
        """Store the answer of the request holding ``claim``; False when it no longer does."""
        return store_answer(
            self.session,
            token_id,
            key,
            claim,
            status=status,
            content_type=content_type,
            location=location,
            body=body,
        )

    def release(self, token_id: int, key: str, claim: str) -> None:
        release_claim(self.session, token_id, key, claim)
