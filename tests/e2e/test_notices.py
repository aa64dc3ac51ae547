"""Notices end to end on SQLite and PostgreSQL: webhooks registered over the API, reports
that put notices in the outbox, a real HTTP receiver on 127.0.0.1 that fails first, a dead
one, a deliverer killed mid-send, and reminders run twice for one date."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scoring_service.access.roles import command_line
from scoring_service.domain.notices import DeliveryState, EventType, Retry
from scoring_service.domain.principals import Principal, Role
from scoring_service.domain.rectification import RequestState
from scoring_service.i18n import use_language
from scoring_service.notices.channels import WebhookChannel
from scoring_service.notices.deliver import deliver_due, deliver_once, delivery_status, route
from scoring_service.notices.remind import remind
from scoring_service.records import extensions, reports
from scoring_service.unit_of_work import UnitOfWork
from tests.e2e.test_api_rectification import F1, OTHER, open_api, submit
from tests.helpers.api import Api, problem

RETRY = Retry(timedelta(seconds=1), timedelta(seconds=4), park_after=timedelta(seconds=30))
LEASE = timedelta(seconds=60)
ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """An HTTP receiver on 127.0.0.1: answers the statuses queued (then 200), keeps every
    request; with ``hold`` set it keeps each request waiting until released."""

    def __init__(self, statuses: list[int] | None = None, hold: bool = False) -> None:
        self.statuses = list(statuses or [])
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.hold = hold
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.got.append((dict(self.headers), body))
                owner.arrived.set()
                if owner.hold:
                    owner.release.wait(10)
                status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def ids(self) -> list[str]:
        return [json.loads(body)["id"] for _, body in self.got]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(name="api")
def api_fixture(db_url: str, tmp_path: Path) -> Iterator[Api]:
    for api in open_api(db_url, tmp_path / "files", webhook_allowed_hosts="127.0.0.1"):
        api.token("admin-heping", "admin", ["441624"])
        yield api


def uow(api: Api) -> UnitOfWork:
    s = api.services
    return UnitOfWork(s.sessions, s.rules, s.evaluator, command_line(), s.files)


def channels() -> dict[str, Any]:
    return {"webhook": WebhookChannel(source="/t", allowed_hosts=["127.0.0.1"], timeout=5)}


def register(api: Api, url: str, who: str = "admin", **fields: Any) -> Any:
    body = {"url": url, "event_types": ["report.submitted", "report.decided"], **fields}
    return api.post("/api/v1/webhooks", body, who=who)


def verifies(headers: dict[str, str], body: bytes, secret: str) -> bool:
    """What a receiver does (README "Notices"): HMAC of "<timestamp>.<body>"."""
    signed = headers["X-Signature-Timestamp"].encode() + b"." + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + mac, headers["X-Signature"])


def test_a_scoped_hook_hears_only_of_its_county_and_every_delivery_is_signed(
    api: Api, receiver: Receiver
) -> None:
    other = Receiver()
    try:
        ours = register(api, receiver.url, who="admin-heping", scope=["441624"])
        assert ours.status_code == 201, ours.get_json()
        secret = ours.get_json()["secret"]
        assert secret and ours.headers["Cache-Control"] == "no-store"
        problem(register(api, receiver.url, who="admin-heping", scope=["441602"]), 403)
        everything = register(api, other.url, secret="a-secret-of-our-own-choosing")
        assert everything.status_code == 201 and everything.get_json()["secret"] is None
        listed = api.get("/api/v1/webhooks", who="admin-heping").get_json()["items"]
        assert [h["id"] for h in listed] == [ours.get_json()["id"]]

        assert submit(api, F1).status_code == 201
        theirs = api.client.post(
            f"/api/v1/findings/{OTHER}/reports",
            data={"date": "2018-09-01", "text": "已整改"},
            content_type="multipart/form-data",
            headers=api.headers("yuancheng"),
        )
        assert theirs.status_code == 201, theirs.get_json()
        done = deliver_once(uow(api), channels(), RETRY, lease=LEASE)
        assert (done.routed, done.delivered) == (2, 3)
        [(headers, body)] = receiver.got
        assert json.loads(body)["data"]["finding"] == F1
        assert verifies(headers, body, secret)
        assert not verifies(headers, body, "a-secret-of-our-own-choosing")
        assert sorted(json.loads(b)["data"]["finding"] for _, b in other.got) == [F1, OTHER]
        assert all(verifies(h, b, "a-secret-of-our-own-choosing") for h, b in other.got)
        assert headers["Content-Type"].startswith("application/cloudevents+json")
    finally:
        other.close()
    audit = api.get("/api/v1/audit?action=webhook.create").get_json()["items"]
    assert len(audit) == 2
    gone = api.delete(f"/api/v1/webhooks/{ours.get_json()['id']}", who="admin-heping")
    assert gone.status_code == 200 and gone.get_json()["active"] is False, gone.get_json()
    assert len(api.get("/api/v1/audit?action=webhook.delete").get_json()["items"]) == 1


def test_a_webhook_to_a_host_not_allowed_is_refused_in_words(api: Api) -> None:
    doc = problem(register(api, "http://example.com/hook"), 422)
    assert "example.com:80" in json.dumps(doc) and "url" in json.dumps(doc)
    doc = problem(register(api, "ftp://127.0.0.1/hook"), 422)
    assert api.get("/api/v1/webhooks").get_json()["items"] == []


def test_a_receiver_answering_500_twice_gets_one_id_three_times_then_it_is_delivered(
    api: Api,
) -> None:
    flaky = Receiver([500, 500])
    try:
        assert register(api, flaky.url).status_code == 201
        assert submit(api, F1).status_code == 201
        at = [datetime.now(UTC)]
        for _ in range(3):
            deliver_once(uow(api), channels(), RETRY, lease=LEASE, now=lambda: at[0])
            at[0] += RETRY.most
        assert len(flaky.got) == 3 and len(set(flaky.ids())) == 1
        with uow(api) as work:
            [notice] = work.notices.of_year(2018)
            [delivery] = work.deliveries.of_notice(notice.id)
        assert str(notice.id) == flaky.ids()[0]
        assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 3)
    finally:
        flaky.close()


def test_a_dead_receiver_ends_parked_with_its_last_error(api: Api) -> None:
    dead = Receiver()
    url = dead.url
    dead.close()  # nothing listens there any more
    assert register(api, url).status_code == 201
    assert submit(api, F1).status_code == 201
    at = [datetime.now(UTC)]
    for _ in range(40):
        deliver_once(uow(api), channels(), RETRY, lease=LEASE, now=lambda: at[0])
        at[0] += RETRY.most
    with uow(api) as work:
        [notice] = work.notices.of_year(2018)
        [delivery] = work.deliveries.of_notice(notice.id)
        status = work.deliveries.status()
    assert delivery.state is DeliveryState.PARKED and delivery.last_error
    assert [(s.state, s.count) for s in status] == [(DeliveryState.PARKED, 1)]


def test_a_failing_write_leaves_no_notice(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(UnitOfWork, "commit", fails)
    with pytest.raises(RuntimeError):
        reports.submit_report(
            uow(api), F1, day=date(2018, 8, 8), text="已发放", today=date(2018, 12, 31)
        )
    monkeypatch.undo()
    with uow(api) as work:
        assert work.notices.of_year(2018) == []
        assert work.reports.of_finding(2018, F1) == []


def test_kill_9_mid_send_leaves_the_notice_waiting_then_it_is_sent_under_its_id(
    api: Api, db_url: str
) -> None:
    held = Receiver(hold=True)
    try:
        assert register(api, held.url).status_code == 201
        assert submit(api, F1).status_code == 201
        env = {**os.environ, "SCORING_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "scoring_service", "--db", db_url, "deliver"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert held.arrived.wait(60), "the deliverer never sent"
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        with uow(api) as work:
            [notice] = work.notices.of_year(2018)
            [delivery] = work.deliveries.of_notice(notice.id)
        assert (delivery.state, delivery.attempts) == (DeliveryState.WAITING, 1)
        held.hold = False
        held.release.set()
        later = datetime.now(UTC) + LEASE * 20  # past the claim's lease
        deliver_once(uow(api), channels(), RETRY, lease=LEASE, now=lambda: later)
        with uow(api) as work:
            [delivery] = work.deliveries.of_notice(notice.id)
        assert delivery.state is DeliveryState.DELIVERED
        assert set(held.ids()) == {str(notice.id)} and len(held.got) == 2
    finally:
        held.close()


def test_remind_twice_for_one_date_adds_nothing_and_an_extension_makes_it_due_again(
    api: Api,
) -> None:
    first = remind(uow(api), date(2018, 8, 8))
    assert first.overdue >= 1 and first.due_soon >= 1  # F2 overdue, F1 due on 08-10
    again = remind(uow(api), date(2018, 8, 8))
    assert (again.overdue, again.due_soon, again.alerts) == (0, 0, 0)
    unit = UnitOfWork(
        api.services.sessions,
        api.services.rules,
        api.services.evaluator,
        Principal(None, "heping", Role.UNIT, frozenset({"441624"})),
    )
    asked = extensions.submit_request(
        unit,
        F1,
        day=date(2018, 8, 9),
        new_deadline=date(2018, 8, 20),
        reason="雨季施工",
        today=date(2018, 8, 9),
    )
    extensions.decide(uow(api), asked.id, decision=RequestState.APPROVED)
    remind(uow(api), date(2018, 8, 21))
    with uow(api) as work:
        notices = work.notices.of_year(2018)
    f1 = [(n.type, n.data.get("deadline")) for n in notices if n.subject == F1]
    assert (EventType.FINDING_DUE_SOON, "2018-08-10") in f1
    assert (EventType.FINDING_OVERDUE, "2018-08-20") in f1
    types = {n.type for n in notices}
    assert {EventType.EXTENSION_REQUESTED, EventType.EXTENSION_DECIDED} <= types


def test_a_delivery_to_a_deleted_webhook_parks_saying_the_webhook_was_deleted(api: Api) -> None:
    hook = register(api, "http://127.0.0.1:9/hook")
    assert hook.status_code == 201
    assert submit(api, F1).status_code == 201
    assert route(uow(api), channels()) == 1  # fanned out while the hook was there
    assert api.delete(f"/api/v1/webhooks/{hook.get_json()['id']}").status_code == 200
    with use_language("zh"):  # as `deliver` runs, in the service's language
        done = deliver_due(uow(api), channels(), RETRY, lease=LEASE)
    assert (done.delivered, done.parked) == (0, 1)
    [parked] = delivery_status(uow(api))
    assert parked.state is DeliveryState.PARKED
    assert parked.last_error == "未发送：推送地址已删除"
