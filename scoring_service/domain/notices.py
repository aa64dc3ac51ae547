"""Notices, as plain values: what is worth telling (``EventType``), one notice, a webhook,
a delivery of a notice to one target, and the rules they follow: who a notice goes to, when
a failed delivery is tried again, the CloudEvents envelope and its signature.

A notice is written in the transaction of the change that causes it (the outbox, see
``UnitOfWork.notify``) and sent later, at least once, always under its own id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from scoring_service.domain.principals import Reach
from scoring_service.i18n import gettext as _

# The reminders a unit person gets as one mail a day (a digest), not one mail each.
DIGESTED = frozenset({"finding.due_soon", "finding.overdue"})


class EventType(StrEnum):
    """The event types, named the same over every channel."""

    FINDING_DUE_SOON = "finding.due_soon"
    FINDING_OVERDUE = "finding.overdue"
    LETTER_ISSUED = "letter.issued"
    REPORT_SUBMITTED = "report.submitted"
    REPORT_DECIDED = "report.decided"
    EXTENSION_REQUESTED = "extension.requested"
    EXTENSION_DECIDED = "extension.decided"
    ALERT_RAISED = "alert.raised"
    SCORE_RUN_CREATED = "score_run.created"
    RULESET_PUBLISHED = "ruleset.published"


# Notices about the year as a whole: they carry no unit's data, and every principal reads
# what they tell of (rule set versions, that a score run was stored).
YEAR_WIDE = frozenset({EventType.SCORE_RUN_CREATED, EventType.RULESET_PUBLISHED})


class DeliveryState(StrEnum):
    WAITING = "waiting"
    DELIVERED = "delivered"
    PARKED = "parked"  # tried for the configured time, or its target is gone: shown to admins


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth telling: ``units`` are the unit codes it is about (the scope rule's
    key); none means it is about the year as a whole and names no unit in ``data``."""

    id: UUID
    type: EventType
    time: datetime
    year: int | None
    subject: str  # a finding's code, a report's id, a rule set version...
    units: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A system's address for notices of some event types, signed with its secret; a
    scoped hook is told only of notices about units inside its scope."""

    id: int
    url: str
    event_types: tuple[EventType, ...]
    secret: str
    scope: tuple[str, ...] | None
    created_by: str
    created_at: datetime
    active: bool = True

    def wants(self, notice: Notice, reach: Reach) -> bool:
        """Whether the notice goes to this hook: of a type it asked for and, for a scoped
        hook, about a unit inside its ``reach`` in the notice's year (the scope rule). A
        notice about no unit goes to unscoped hooks only (an alert on a group's months, as
        only unscoped principals read it), except the year-wide types, which name no unit
        and which any principal reads: those go to every hook that asked for them."""
        if not self.active or notice.type not in self.event_types:
            return False
        if self.scope is None or notice.type in YEAR_WIDE:
            return True
        return reach.has_any(notice.units)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A notice on its way to one target of one channel (a webhook's id, later an address)."""

    id: int
    notice: UUID
    channel: str
    target: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """When failed sends are tried again: ``base`` after the first, doubling up to
    ``most``; a delivery still failing ``park_after`` its creation is parked."""

    base: timedelta
    most: timedelta
    park_after: timedelta

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed send (exponential backoff)."""
        factor: int = 2 ** max(0, attempts - 1)
        return min(self.most, self.base * factor)

    def parks(self, delivery: Delivery, now: datetime) -> bool:
        return now - delivery.created_at >= self.park_after


class DeliveryFailed(Exception):
    """A channel could not send: the reason is kept as the delivery's last error."""


class TargetGone(Exception):
    """A delivery's target is no more (a webhook deleted, an account disabled or without an
    address): the delivery parks at once, with the reason, in words, as its last error."""


def cloud_event(notice: Notice, source: str) -> dict[str, Any]:
    """The notice as a CloudEvents 1.0 structured JSON event."""
    data = {"year": notice.year, "subject": notice.subject, "units": list(notice.units)}
    data.update(notice.data)
    return {
        "specversion": "1.0",
        "id": str(notice.id),
        "source": source,
        "type": notice.type.value,
        "subject": notice.subject,
        "time": notice.time.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": data,
    }


def event_body(notice: Notice, source: str) -> bytes:
    """The bytes sent: the same notice always gives the same body, so a re-send after a
    crash is byte for byte the first one."""
    return json.dumps(cloud_event(notice, source), ensure_ascii=False, sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, as Stripe signs its events: the
    timestamp is signed too, so a receiver can refuse an old request replayed."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def event_types(names: Iterable[str]) -> tuple[EventType, ...]:
    """The event types named, each once in the enum's order; ValueError names an unknown."""
    wanted = {EventType(n) for n in names}
    return tuple(t for t in EventType if t in wanted)


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where mail is sent: ``tls`` from the first byte (smtps), or ``starttls`` after the
    greeting; a user and password when the server asks for them."""

    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = None


def smtp_server(url: str) -> SmtpServer:
    """``SCORING_SMTP_URL`` read: smtp://, smtp+starttls:// (or smtp://...?starttls=1) and
    smtps://, with a host, an optional port and credentials; ValueError names the setting."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    schemes = ("smtp", "smtps", "smtp+starttls")
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        raise ValueError(
            _(
                "SCORING_SMTP_URL must be smtp://host:port, smtp+starttls://host:port or "
                "smtps://host:port: %(url)r",
                url=url.split("@")[-1],
            )
        )
    tls = parts.scheme == "smtps"
    asked = parse_qs(parts.query).get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 587 if asked or parts.scheme != "smtp" else 25),
        tls=tls,
        starttls=not tls and (parts.scheme == "smtp+starttls" or asked),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """How many deliveries of a channel are in a state, and the latest error among them."""

    channel: str
    state: DeliveryState
    count: int
    last_error: str | None
