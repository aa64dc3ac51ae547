"""The notices' repositories: the outbox (``uow.notices``), webhooks (``uow.webhooks``),
deliveries (``uow.deliveries``) and what reminders named (``uow.reminders``), the services'
only door to these tables. Nothing here commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from scoring_service.db.notice_models import DeliveryRow, NoticeRow, ReminderRow, WebhookRow
from scoring_service.domain.notices import (
    ChannelStatus,
    Delivery,
    DeliveryState,
    EventType,
    Notice,
    Webhook,
)


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=UUID(row.id),
        type=EventType(row.type),
        time=row.time,
        year=row.year,
        subject=row.subject,
        units=tuple(json.loads(row.units)),
        data=json.loads(row.data),
    )


class NoticeRepository:
    """The outbox: notices written with their change, read by the deliverer."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notice: Notice) -> None:
        self.session.add(
            NoticeRow(
                id=str(notice.id),
                type=notice.type.value,
                time=notice.time,
                year=notice.year,
                subject=notice.subject,
                units=json.dumps(list(notice.units)),
                data=json.dumps(notice.data, ensure_ascii=False, default=str),
            )
        )

    def unrouted(self, limit: int) -> list[Notice]:
        """The oldest notices not fanned out yet, locked (others' deliverers skip them)."""
        statement = (
            select(NoticeRow)
            .where(NoticeRow.routed_at.is_(None))
            .order_by(NoticeRow.time, NoticeRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_notice(r) for r in self.session.scalars(statement)]

    def routed(self, ids: Iterable[UUID], at: datetime) -> None:
        keys = [str(i) for i in ids]
        if keys:
            self.session.execute(
                update(NoticeRow).where(NoticeRow.id.in_(keys)).values(routed_at=at)
            )

    def get(self, ids: Iterable[UUID]) -> dict[UUID, Notice]:
        keys = sorted({str(i) for i in ids})
        if not keys:
            return {}
        rows = self.session.scalars(select(NoticeRow).where(NoticeRow.id.in_(keys)))
        return {UUID(r.id): _notice(r) for r in rows}

    def of_year(self, year: int) -> list[Notice]:
        """The year's notices, oldest first."""
        statement = (
            select(NoticeRow).where(NoticeRow.year == year).order_by(NoticeRow.time, NoticeRow.id)
        )
        return [_notice(r) for r in self.session.scalars(statement)]

    def of_types(self, year: int, types: Iterable[str]) -> list[Notice]:
        """The year's notices of ``types``, oldest first."""
        statement = (
            select(NoticeRow)
            .where(NoticeRow.year == year, NoticeRow.type.in_(sorted(set(types))))
            .order_by(NoticeRow.time, NoticeRow.id)
        )
        return [_notice(r) for r in self.session.scalars(statement)]

    def since(self, after: datetime | None, limit: int) -> list[Notice]:
        """The latest notices after ``after`` (every one when None), newest first."""
        statement = select(NoticeRow).order_by(NoticeRow.time.desc(), NoticeRow.id).limit(limit)
        if after is not None:
            statement = statement.where(NoticeRow.time > after)
        return [_notice(r) for r in self.session.scalars(statement)]


def _webhook(row: WebhookRow) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        event_types=tuple(EventType(t) for t in json.loads(row.event_types)),
        secret=row.secret,
        scope=None if row.scope is None else tuple(json.loads(row.scope)),
        created_by=row.created_by,
        created_at=row.created_at,
        active=row.active,
    )


class WebhookRepository:
    """Webhooks registered by administrators; deleting one makes it inactive."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        url: str,
        event_types: Sequence[EventType],
        secret: str,
        scope: Sequence[str] | None,
        created_by: str,
        created_at: datetime,
    ) -> Webhook:
        row = WebhookRow(
            url=url,
            event_types=json.dumps([t.value for t in event_types]),
            secret=secret,
            scope=None if scope is None else json.dumps(list(scope)),
            created_by=created_by,
            created_at=created_at,
            active=True,
        )
        self.session.add(row)
        self.session.flush()
        return _webhook(row)

    def get(self, hook_id: int) -> Webhook | None:
        row = self.session.get(WebhookRow, hook_id)
        return None if row is None else _webhook(row)

    def active(self) -> list[Webhook]:
        statement = select(WebhookRow).where(WebhookRow.active).order_by(WebhookRow.id)
        return [_webhook(r) for r in self.session.scalars(statement)]

    def deactivate(self, hook_id: int) -> None:
        self.session.execute(
            update(WebhookRow).where(WebhookRow.id == hook_id).values(active=False)
        )


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        notice=UUID(row.notice_id),
        channel=row.channel,
        target=row.target,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


class DeliveryRepository:
    """Each notice's deliveries: made when it is fanned out, then claimed, sent and marked."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, targets: Iterable[tuple[UUID, str, str]], at: datetime) -> None:
        """A waiting delivery for each (notice, channel, target), due at once."""
        rows = [
            {
                "notice_id": str(notice),
                "channel": channel,
                "target": target,
                "state": DeliveryState.WAITING.value,
                "attempts": 0,
                "created_at": at,
                "next_attempt_at": at,
            }
            for notice, channel, target in targets
        ]
        if rows:
            self.session.execute(insert(DeliveryRow), rows)

    def due(self, now: datetime, limit: int, channels: Iterable[str]) -> list[Delivery]:
        """Waiting deliveries whose next attempt is due, oldest first, locked so that a
        second deliverer skips them (PostgreSQL; SQLite has one writer at a time)."""
        statement = (
            select(DeliveryRow)
            .where(
                DeliveryRow.state == DeliveryState.WAITING.value,
                DeliveryRow.next_attempt_at <= now,
                DeliveryRow.channel.in_(sorted(set(channels))),
            )
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_delivery(r) for r in self.session.scalars(statement)]

    def save(self, delivery: Delivery) -> None:
        self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery.id)
            .values(
                state=delivery.state.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_error=delivery.last_error,
                delivered_at=delivery.delivered_at,
            )
        )

    def taken(self, channel: str, targets: Iterable[str]) -> set[str]:
        """Which of ``targets`` have a delivery of ``channel`` already (a digest is made
        once, whichever notice of it was fanned out first)."""
        keys = sorted(set(targets))
        if not keys:
            return set()
        statement = select(DeliveryRow.target).where(
            DeliveryRow.channel == channel, DeliveryRow.target.in_(keys)
        )
        return set(self.session.scalars(statement))

    def of_notice(self, notice: UUID) -> list[Delivery]:
        statement = (
            select(DeliveryRow).where(DeliveryRow.notice_id == str(notice)).order_by(DeliveryRow.id)
        )
        return [_delivery(r) for r in self.session.scalars(statement)]

    def status(self) -> list[ChannelStatus]:
        """Per channel and state: the count, and the last error of the latest attempt."""
        counts = self.session.execute(
            select(DeliveryRow.channel, DeliveryRow.state, func.count())
            .group_by(DeliveryRow.channel, DeliveryRow.state)
            .order_by(DeliveryRow.channel, DeliveryRow.state)
        ).all()
        found = []
        for channel, state, count in counts:
            last_error = self.session.scalar(
                select(DeliveryRow.last_error)
                .where(
                    DeliveryRow.channel == channel,
                    DeliveryRow.state == state,
                    DeliveryRow.last_error.is_not(None),
                )
                .order_by(DeliveryRow.next_attempt_at.desc(), DeliveryRow.id.desc())
                .limit(1)
            )
            found.append(ChannelStatus(channel, DeliveryState(state), count, last_error))
        return found


class ReminderRepository:
    """What reminders already named, so that a date run twice adds nothing."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def named(self, year: int, kinds: Iterable[str]) -> set[tuple[str, str, str]]:
        """The year's (kind, subject, mark) already named, of ``kinds``."""
        rows = self.session.execute(
            select(ReminderRow.kind, ReminderRow.subject, ReminderRow.mark).where(
                ReminderRow.year == year, ReminderRow.kind.in_(sorted(set(kinds)))
            )
        )
        return {(k, s, m) for k, s, m in rows}

    def add(self, year: int, named: Iterable[tuple[str, str, str]]) -> None:
        rows = [{"year": year, "kind": k, "subject": s, "mark": m} for k, s, m in named]
        if rows:
            self.session.execute(insert(ReminderRow), rows)
