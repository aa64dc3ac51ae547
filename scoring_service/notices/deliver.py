"""The deliverer: fans notices out to their targets, then sends each delivery at least once
under the notice's id, trying again with exponential backoff and parking what still fails
after the configured time.

Crash safety (kill -9 at any point): a delivery is claimed in a transaction that commits
before anything is sent (its attempt counted, its next attempt moved past a lease); it is
sent with no transaction open; then it is marked in a transaction of its own. A crash
before the mark leaves it waiting: the next run after the lease sends it again, with the
same notice id and the same body, and the receiver de-duplicates by that id."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from scoring_service.access import scope
from scoring_service.domain.notices import (
    ChannelStatus,
    Delivery,
    DeliveryFailed,
    DeliveryState,
    Notice,
    Retry,
    TargetGone,
)
from scoring_service.notices.channels import Channel
from scoring_service.unit_of_work import UnitOfWork

ROUTE_BATCH = 500
SEND_BATCH = 10


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass did: notices fanned out, deliveries sent, failed (to be tried again)
    and parked."""

    routed: int = 0
    delivered: int = 0
    failed: int = 0
    parked: int = 0


def route(
    uow: UnitOfWork, channels: Mapping[str, Channel], *, now: Callable[[], datetime] = _utcnow
) -> int:
    """Fan the notices not yet fanned out to every channel's targets, in one transaction
    per batch: a notice and its deliveries are marked together."""
    routed = 0
    while True:
        with uow:
            notices = uow.notices.unrouted(ROUTE_BATCH)
            if not notices:
                return routed
            at = now()
            for channel in channels.values():
                uow.deliveries.add(
                    ((n, channel.name, key) for n, key in channel.targets(uow, notices)), at
                )
            uow.notices.routed((n.id for n in notices), at)
            uow.commit()
        routed += len(notices)


def _claim(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    at: datetime,
    lease: timedelta,
) -> tuple[list[tuple[Delivery, Notice, object]], int]:
    """Claim due deliveries (committed before any is sent); those whose target is gone
    are parked at once, their last error saying what is gone. The claimed with their
    notice and target, and how many parked."""
    claimed: list[tuple[Delivery, Notice, object]] = []
    parked = 0
    with uow:
        due = uow.deliveries.due(at, SEND_BATCH, channels)
        notices = uow.notices.get(d.notice for d in due)
        for delivery in due:
            try:
                target = channels[delivery.channel].target(uow, delivery.target)
            except TargetGone as gone:
                uow.deliveries.save(
                    replace(delivery, state=DeliveryState.PARKED, last_error=str(gone))
                )
                parked += 1
                continue
            taken = replace(delivery, attempts=delivery.attempts + 1, next_attempt_at=at + lease)
            uow.deliveries.save(taken)
            claimed.append((taken, notices[delivery.notice], target))
        uow.commit()
    return claimed, parked


def deliver_due(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    retry: Retry,
    *,
    lease: timedelta,
    now: Callable[[], datetime] = _utcnow,
) -> Pass:
    """Send every delivery due now, batch by batch, each marked as soon as it is sent."""
    delivered = failed = parked = 0
    while True:
        claimed, gone = _claim(uow, channels, now(), lease)
        parked += gone
        if not claimed and not gone:
            return Pass(0, delivered, failed, parked)
        for delivery, notice, target in claimed:
            try:
                channels[delivery.channel].send(notice, target)
            except DeliveryFailed as failure:
                outcome = _failed(delivery, str(failure), retry, now())
            else:
                outcome = replace(
                    delivery, state=DeliveryState.DELIVERED, delivered_at=now(), last_error=None
                )
            with uow:
                uow.deliveries.save(outcome)
                uow.commit()
            if outcome.state is DeliveryState.DELIVERED:
                delivered += 1
            elif outcome.state is DeliveryState.PARKED:
                parked += 1
            else:
                failed += 1


def _failed(delivery: Delivery, error: str, retry: Retry, at: datetime) -> Delivery:
    """A failed send: parked when it has been tried for the configured time, else waiting
    for its next attempt after the backoff."""
    if retry.parks(delivery, at):
        return replace(delivery, state=DeliveryState.PARKED, last_error=error)
    return replace(delivery, next_attempt_at=at + retry.delay(delivery.attempts), last_error=error)


def deliver_once(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    retry: Retry,
    *,
    lease: timedelta,
    now: Callable[[], datetime] = _utcnow,
) -> Pass:
    """One pass: fan out what is new, then send what is due."""
    scope.require_unscoped(uow.actor, "delivering notices")
    routed = route(uow, channels, now=now)
    sent = deliver_due(uow, channels, retry, lease=lease, now=now)
    return replace(sent, routed=routed)


def deliver_forever(
    uow: UnitOfWork,
    channels: Mapping[str, Channel],
    retry: Retry,
    *,
    lease: timedelta,
    poll: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Pass after pass; a pass that did nothing waits ``poll`` seconds before the next."""
    while True:
        done = deliver_once(uow, channels, retry, lease=lease)
        if not (done.routed or done.delivered or done.failed or done.parked):
            sleep(poll)


def delivery_status(uow: UnitOfWork) -> list[ChannelStatus]:
    """Per channel: waiting, delivered and parked deliveries, with the latest error."""
    scope.require_unscoped(uow.actor, "reading the deliveries")
    with uow:
        return uow.deliveries.status()


def notice_source(public_url: str) -> str:
    """The CloudEvents ``source`` of this service's notices: its public address when set."""
    return (public_url.rstrip("/") + "/api/v1") if public_url else "/scoring-service"
