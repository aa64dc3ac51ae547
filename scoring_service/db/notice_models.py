"""Tables of notices: the outbox (``notices``), the webhooks systems registered, each
notice's deliveries to its targets, and what the reminders already named.

A notice row is written in the transaction of the change it tells of; a delivery row is
made when the deliverer fans the notice out, and is the one place its progress is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.models import Base, UTCDateTime

NAME = 100  # a principal's name, as in the audit log
URL = 2000


class NoticeRow(Base):
    """A notice in the outbox; ``routed_at`` is set once its deliveries are made."""

    __tablename__ = "notices"
    __table_args__ = (Index(None, "routed_at"), Index(None, "year", "type"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, the CloudEvent id
    type: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    year: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    # JSON list of the unit codes the notice is about (the scope rule's key); [] year-wide.
    units: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)  # JSON object
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookRow(Base):
    """A system's webhook: where to post, which event types, the signing secret, a scope."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(URL))
    event_types: Mapped[str] = mapped_column(Text)  # JSON list of event type names
    secret: Mapped[str] = mapped_column(String(200))
    # JSON list of unit codes; NULL: every unit.
    scope: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A deleted hook stays (inactive) so that its deliveries keep naming it.
    active: Mapped[bool] = mapped_column(Boolean)


class DeliveryRow(Base):
    """A notice to one target of one channel: waiting, delivered or parked."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel", "target"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "channel", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(NAME))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReminderRow(Base):
    """What a reminder named already: a finding in a light for one effective deadline
    (``kind`` red or yellow, ``mark`` the deadline), or an alert (``kind`` alert, the
    alert's identity as ``subject``): the same date twice adds nothing."""

    __tablename__ = "notice_reminders"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300), primary_key=True)
    mark: Mapped[str] = mapped_column(String(32), primary_key=True)
