"""The HTTP API's bearer tokens' table.

Apart from the audit log's (``api_models``): its partial index names both databases'
options, and declaring it loads PostgreSQL's dialect. Only what reads or writes tokens
imports it (``db.tokens``), so a command on SQLite does without that dialect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.api_models import NAME
from scoring_service.db.models import Base, UTCDateTime


class ApiTokenRow(Base):
    """A bearer token: only the sha256 of its secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        # A name identifies one live token (revoked ones keep theirs for the audit log).
        Index(
            "uq_api_tokens_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(16))
    # JSON list of unit codes; NULL: every unit.
    scope: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(NAME))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
