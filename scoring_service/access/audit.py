"""The audit log: every write records the token's name, the time, the action and the record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import Principal
from scoring_service.db.api_models import AuditRow
from scoring_service.db.queries import Page, keyset_page


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    token: str
    action: str
    record_type: str
    record: str
    year: int | None
    detail: Any


def record(
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


def record_now(
    db: sessionmaker[Session], actor: Principal, action: str, *args: Any, **kw: Any
) -> None:
    """Add an entry in a transaction of its own (after a service that commits by itself)."""
    with db.begin() as session:
        record(session, actor, action, *args, **kw)


REFUSED = "security.refused"


def refused(db: sessionmaker[Session], actor: Principal, request: str, reason: str) -> None:
    """Log a refused attempt (403) as a security event, in a transaction of its own: the
    refused write itself rolled back."""
    record_now(db, actor, REFUSED, "request", request, detail={"reason": reason})


def entries(
    *,
    db: sessionmaker[Session],
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
    statement = select(AuditRow)
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
    with db() as session:
        page = keyset_page(
            session,
            statement.where(*conditions),
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
