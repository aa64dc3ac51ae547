"""The audit log: every write records the token's name, the time, the action and the record.

A service records its write with ``uow.audit``, in the write's transaction.
"""

from __future__ import annotations

from datetime import datetime

from scoring_service.domain.pages import Page
from scoring_service.domain.principals import AuditEntry
from scoring_service.unit_of_work import UnitOfWork

__all__ = ["REFUSED", "AuditEntry", "entries", "refused"]

REFUSED = "security.refused"


def refused(uow: UnitOfWork, request: str, reason: str) -> None:
    """Log a refused attempt (403) by ``uow.actor`` as a security event. Give a unit of
    work not in use: the entry commits in a transaction of its own, as the refused write
    itself rolled back."""
    with uow:
        uow.audit(REFUSED, "request", request, detail={"reason": reason})
        uow.commit()


def entries(
    uow: UnitOfWork,
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
    with uow:
        return uow.audit_log.page(
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
