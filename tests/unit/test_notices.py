"""Notices on a fake unit of work: the outbox commits with its write or not at all, the
deliverer retries under one id with backoff and parks after the configured time, a scoped
hook hears only of its own units, and signatures verify with the secret."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from scoring_service.domain.errors import Conflict
from scoring_service.domain.notices import (
    DeliveryFailed,
    DeliveryState,
    EventType,
    Notice,
    Retry,
    Webhook,
    event_body,
    signature,
)
from scoring_service.notices.channels import WebhookChannel
from scoring_service.notices.deliver import deliver_once
from scoring_service.records import reports
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_rectification import F1, TODAY, held

T0 = datetime(2018, 8, 1, 9, 0, tzinfo=UTC)
RETRY = Retry(timedelta(seconds=10), timedelta(seconds=60), park_after=timedelta(minutes=5))
LEASE = timedelta(seconds=30)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


class Flaky:
    """A channel whose sends fail ``failures`` times, then succeed; it keeps what it got."""

    name = "webhook"

    def __init__(self, failures: int, hooks: list[Webhook]) -> None:
        self.failures = failures
        self.hooks = hooks
        self.sent: list[UUID] = []

    def targets(self, uow: FakeUnitOfWork, notices: list[Notice]) -> list[tuple[UUID, str]]:
        return [(n.id, str(h.id)) for n in notices for h in self.hooks]

    def target(self, uow: FakeUnitOfWork, key: str) -> object:
        return next(h for h in self.hooks if str(h.id) == key)

    def send(self, notice: Notice, target: object) -> None:
        self.sent.append(notice.id)
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("HTTP 500")


def hook(hook_id: int = 1, scope: tuple[str, ...] | None = None) -> Webhook:
    return Webhook(hook_id, "http://127.0.0.1/h", tuple(EventType), "s" * 32, scope, "admin", T0)


def outbox_with_one() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(held().rules)
    with uow:
        uow.notify(EventType.SCORE_RUN_CREATED, year=2018, subject="1", data={"run": 1})
        uow.commit()
    return uow


def test_a_report_and_its_notice_commit_together_and_a_refused_one_leaves_none() -> None:
    uow = held()
    report = reports.submit_report(uow, F1, day=date(2018, 8, 8), text="已发放", today=TODAY)
    [notice] = uow.notices.stored.values()  # type: ignore[attr-defined]
    assert notice.type is EventType.REPORT_SUBMITTED and notice.subject == str(report.id)
    assert notice.data["finding"] == F1 and "441624101201" in notice.units
    with pytest.raises(Conflict):  # a report waits already: refused, nothing kept
        reports.submit_report(uow, F1, day=date(2018, 8, 9), text="再报", today=TODAY)
    assert len(uow.notices.stored) == 1  # type: ignore[attr-defined]


def test_a_notice_not_committed_is_not_kept() -> None:
    uow = FakeUnitOfWork(held().rules)
    with uow:
        uow.notify(EventType.RULESET_PUBLISHED, year=2018, subject="2018/2")
    assert uow.notices.stored == {}  # type: ignore[attr-defined]


def test_a_failing_receiver_gets_the_same_notice_again_with_backoff_until_delivered() -> None:
    uow, clock = outbox_with_one(), Clock()
    channel = Flaky(failures=2, hooks=[hook()])
    first = deliver_once(uow, {"webhook": channel}, RETRY, lease=LEASE, now=clock)
    assert (first.routed, first.delivered, first.failed) == (1, 0, 1)
    [delivery] = uow.deliveries.rows.values()  # type: ignore[attr-defined]
    assert delivery.next_attempt_at == T0 + timedelta(seconds=10)
    clock.at += timedelta(seconds=5)  # not due yet: nothing is sent
    assert deliver_once(uow, {"webhook": channel}, RETRY, lease=LEASE, now=clock).failed == 0
    clock.at = T0 + timedelta(seconds=10)
    deliver_once(uow, {"webhook": channel}, RETRY, lease=LEASE, now=clock)
    [delivery] = uow.deliveries.rows.values()  # type: ignore[attr-defined]
    assert delivery.next_attempt_at == clock.at + timedelta(seconds=20)  # doubled
    clock.at = delivery.next_attempt_at
    done = deliver_once(uow, {"webhook": channel}, RETRY, lease=LEASE, now=clock)
    assert done.delivered == 1
    [delivery] = uow.deliveries.rows.values()  # type: ignore[attr-defined]
    assert delivery.state is DeliveryState.DELIVERED and delivery.attempts == 3
    assert len(set(channel.sent)) == 1 and len(channel.sent) == 3


def test_a_dead_receiver_is_parked_after_the_configured_time_with_its_last_error() -> None:
    uow, clock = outbox_with_one(), Clock()
    channel = Flaky(failures=10**6, hooks=[hook()])
    for _ in range(20):
        deliver_once(uow, {"webhook": channel}, RETRY, lease=LEASE, now=clock)
        [delivery] = uow.deliveries.rows.values()  # type: ignore[attr-defined]
        if delivery.state is not DeliveryState.WAITING:
            break
        clock.at = delivery.next_attempt_at
    assert delivery.state is DeliveryState.PARKED and delivery.last_error == "HTTP 500"
    assert clock.at - T0 >= RETRY.park_after
    assert [(s.state, s.count) for s in uow.deliveries.status()] == [(DeliveryState.PARKED, 1)]


def test_a_scoped_hook_never_hears_of_another_countys_notice() -> None:
    uow = FakeUnitOfWork(held().rules)
    mine = hook(1, ("441624",))
    everything = hook(2)
    for h in (mine, everything):
        uow.webhooks.hooks[h.id] = h  # type: ignore[attr-defined]
    ours = Notice(uuid4(), EventType.FINDING_OVERDUE, T0, 2018, "F1", ("441624101", "441624"))
    theirs = Notice(uuid4(), EventType.FINDING_OVERDUE, T0, 2018, "F9", ("441602",))
    groups = Notice(uuid4(), EventType.ALERT_RAISED, T0, 2018, "missed_month|G1", ())
    rules = Notice(uuid4(), EventType.RULESET_PUBLISHED, T0, 2018, "2018/2", ())
    channel = WebhookChannel(source="/s", allowed_hosts=["127.0.0.1"], timeout=1)
    got = channel.targets(uow, [ours, theirs, groups, rules])
    assert sorted((n, int(k)) for n, k in got if k == "1") == sorted([(ours.id, 1), (rules.id, 1)])
    assert {n for n, k in got if k == "2"} == {ours.id, theirs.id, groups.id, rules.id}


def test_the_signature_verifies_with_the_secret_and_not_without_it() -> None:
    notice = Notice(uuid4(), EventType.LETTER_ISSUED, T0, 2018, "2018-G1-07", ("441624",))
    body = event_body(notice, "/scoring-service")
    header = signature("the-hook-secret-0123", 1533114000, body)
    expected = hmac.new(b"the-hook-secret-0123", b"1533114000." + body, hashlib.sha256)
    assert header == "sha256=" + expected.hexdigest()
    assert header != signature("another-secret-0123", 1533114000, body)
    event = json.loads(body)
    assert event["specversion"] == "1.0" and event["id"] == str(notice.id)
    assert event["type"] == "letter.issued" and event["datacontenttype"] == "application/json"
    assert body == event_body(notice, "/scoring-service")  # a re-send is the same bytes
