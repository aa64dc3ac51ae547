"""Tables of the HTTP API: the audit log and idempotency keys (bearer tokens: ``token_models``).

They share the declarative ``Base`` of the year data, so Alembic sees one MetaData.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.models import Base, UTCDateTime

NAME = 100


class AuditRow(Base):
    """One write: who (token name), when, what action, on which record."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "token_name", "id"),
        Index(None, "action", "id"),
        Index(None, "year", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    token_name: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_key: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    # JSON: what was written (the request's summary), for reading back.
    detail: Mapped[str | None] = mapped_column(Text)


class IdempotencyRow(Base):
    """A POST's Idempotency-Key and, once answered, the answer to replay."""

    __tablename__ = "idempotency_keys"

    token_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # When the request now holding the key claimed it: its lease runs from here.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The identity of that claim (NULL for keys claimed before migration 0004).
    claim: Mapped[str | None] = mapped_column(String(32))
    # NULL while the first request is still being served.
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
