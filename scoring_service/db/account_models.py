"""Tables of the web pages: people's accounts, and the service's own secrets.

They share the declarative ``Base`` of the year data, so Alembic sees one MetaData.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.models import Base, UTCDateTime

USERNAME = 64
EMAIL = 254  # the longest address SMTP carries (RFC 5321)


class AccountRow(Base):
    """A person who signs in to the web pages: only a memory-hard hash of the password."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(USERNAME), unique=True)
    # werkzeug's "scrypt:N:r:p$salt$hash", or the first "scrypt$N$r$p$salt$hash" until the
    # next sign-in stores it anew (scoring_service/access/passwords.py)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # JSON list of unit codes; NULL: every unit.
    scope: Mapped[str | None] = mapped_column(Text)
    # Raised by every password reset and every disabling: a session signed in under an
    # older value stops working on its next request.
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the person's notices are mailed; NULL: none are.
    email: Mapped[str | None] = mapped_column(String(EMAIL))
    # The notices the home page shows as unread are those after this moment.
    notices_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServiceSecretRow(Base):
    """A secret the service made for itself (the key that signs session cookies), kept
    here so that every worker and every restart uses the same one."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
