"""Notices by mail on SQLite and PostgreSQL, against a real SMTP server (aiosmtpd) the tests
start on 127.0.0.1: a unit person's daily digest of their county's reminders only, in
Chinese, plain and HTML, sent once under one Message-ID; an inspector's report waiting;
a mail server that is down leaves the delivery waiting, then parked."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from scoring_service.access import accounts
from scoring_service.cli.notices import channels_of
from scoring_service.config import Settings
from scoring_service.domain.notices import DeliveryState, Retry, smtp_server
from scoring_service.i18n import use_language
from scoring_service.notices.deliver import deliver_due, deliver_once, delivery_status, route
from scoring_service.notices.mail import EmailChannel
from scoring_service.notices.remind import remind
from tests.e2e.test_api_rectification import F1, F2, OTHER, open_api, submit
from tests.e2e.test_notices import LEASE, uow
from tests.helpers.api import Api

RETRY = Retry(timedelta(seconds=1), timedelta(seconds=4), park_after=timedelta(seconds=30))
PASSWORD = "a-long-enough-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Mailbox:
    """What the SMTP server received: each message parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.got: list[tuple[list[str], EmailMessage]] = []
        self.encrypted: list[bool] = []  # whether each message came over TLS

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.got.append((list(envelope.rcpt_tos), parsed))
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.got if address in rcpt]


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(name="api")
def api_fixture(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(db_url, tmp_path / "files")


@pytest.fixture(name="ca")
def ca_fixture(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A private CA made for the test: the mail server's TLS context (a certificate for
    127.0.0.1 it signed) and the CA's certificate as a PEM file."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    pem = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return context, pem


def mail(port: int, url: str = "smtp://127.0.0.1:{port}", ca_file: Path | None = None) -> Any:
    channel = EmailChannel(
        server=smtp_server(url.format(port=port)),
        sender="督查办 <notices@scoring.example.gov.cn>",
        timeout=5,
        public_url="https://scoring.example.gov.cn",
        ca_file=None if ca_file is None else str(ca_file),
    )
    return {channel.name: channel}


def person(api: Api, name: str, role: str, scope: list[str] | None, email: str) -> None:
    accounts.create_account(uow(api), name, role, PASSWORD, scope, email=email)


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_a_unit_person_gets_one_digest_of_their_findings_only_in_chinese(
    api: Api, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    person(api, "heping-office", "unit", ["441624"], "heping@example.gov.cn")
    person(api, "yuancheng-office", "unit", ["441602"], "yuancheng@example.gov.cn")
    person(api, "no-mail", "unit", ["441624"], "")
    done = remind(uow(api), date(2018, 9, 16))  # F1, F2 and OTHER are all overdue
    assert done.overdue == 3
    at = [datetime.now(UTC)]
    sent = deliver_once(uow(api), mail(port), RETRY, lease=LEASE, now=lambda: at[0])
    assert sent.delivered == 2, sent
    [ours] = box.to("heping@example.gov.cn")
    plain, html = parts(ours)
    assert F1 in plain and F2 in plain and OTHER not in plain
    assert F1 in html and F2 in html and OTHER not in html
    assert "整改提醒" in ours["Subject"] and "已逾期 2 条" in ours["Subject"]
    assert "2018年9月16日" in plain and "您好" in plain and "已逾期（红灯）" in html
    assert html.lstrip().startswith("<!DOCTYPE html>")
    [theirs] = box.to("yuancheng@example.gov.cn")
    assert OTHER in parts(theirs)[0] and F1 not in parts(theirs)[0]
    assert ours["Message-ID"] != theirs["Message-ID"]
    # Another pass, later, and the same date reminded again: nothing more is mailed.
    remind(uow(api), date(2018, 9, 16))
    at[0] += timedelta(hours=1)
    again = deliver_once(uow(api), mail(port), RETRY, lease=LEASE, now=lambda: at[0])
    assert (again.delivered, len(box.got)) == (0, 2)


def test_an_inspector_is_mailed_a_report_waiting_in_their_reach(
    api: Api, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    person(api, "inspector-heping", "inspector", ["441624"], "inspector@example.gov.cn")
    person(api, "inspector-yuancheng", "inspector", ["441602"], "other@example.gov.cn")
    assert submit(api, F1).status_code == 201
    assert deliver_once(uow(api), mail(port), RETRY, lease=LEASE).delivered == 1
    [only] = box.to("inspector@example.gov.cn")
    plain, _html = parts(only)
    assert F1 in only["Subject"] and "审核" in plain
    assert box.to("other@example.gov.cn") == []


def test_a_mail_server_that_is_down_leaves_the_digest_waiting_then_parked(api: Api) -> None:
    person(api, "heping-office", "unit", ["441624"], "heping@example.gov.cn")
    remind(uow(api), date(2018, 9, 16))
    down = free_port()  # nothing listens there
    at = [datetime.now(UTC)]
    first = deliver_once(uow(api), mail(down), RETRY, lease=LEASE, now=lambda: at[0])
    assert (first.delivered, first.failed, first.parked) == (0, 1, 0)
    [waiting] = delivery_status(uow(api))
    assert (waiting.channel, waiting.state, waiting.count) == ("email", DeliveryState.WAITING, 1)
    assert waiting.last_error and "SMTP" in waiting.last_error
    for _ in range(10):
        at[0] += RETRY.most
        deliver_once(uow(api), mail(down), RETRY, lease=LEASE, now=lambda: at[0])
    [parked] = delivery_status(uow(api))
    assert (parked.state, parked.count) == (DeliveryState.PARKED, 1) and parked.last_error


def test_an_email_address_is_refused_in_words_naming_the_field(api: Api) -> None:
    with pytest.raises(Exception, match="email") as refused:
        person(api, "broken", "unit", ["441624"], "not an address\r\nBcc: x@y.z")
    assert "broken" not in str(refused.value)
    with uow(api) as work:
        assert work.accounts.by_username("broken") is None


def signed_in(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    """The mail server's one account: notices / a-secret."""
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"notices",
        b"a-secret",
    )
    return AuthResult(success=good)


def test_starttls_to_a_server_whose_certificate_a_private_ca_signed(
    api: Api, ca: tuple[ssl.SSLContext, Path]
) -> None:
    context, pem = ca
    box, port = Mailbox(), free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,  # the server takes no mail in the clear
        auth_required=True,
        authenticator=signed_in,
    )
    controller.start()
    try:
        person(api, "inspector-heping", "inspector", ["441624"], "inspector@example.gov.cn")
        assert submit(api, F1).status_code == 201
        url = "smtp://notices:a-secret@127.0.0.1:{port}?starttls=1"
        # Not told of the CA, the client does not trust the certificate: nothing is sent.
        at = [datetime.now(UTC)]
        refused = deliver_once(uow(api), mail(port, url), RETRY, lease=LEASE, now=lambda: at[0])
        assert (refused.delivered, refused.failed) == (0, 1) and box.got == []
        [waiting] = delivery_status(uow(api))
        assert waiting.last_error and "CERTIFICATE_VERIFY_FAILED" in waiting.last_error
        at[0] += RETRY.most
        sent = deliver_once(uow(api), mail(port, url, pem), RETRY, lease=LEASE, now=lambda: at[0])
        assert sent.delivered == 1, sent
    finally:
        controller.stop()
    [only] = box.to("inspector@example.gov.cn")
    assert F1 in only["Subject"] and box.encrypted == [True]


def test_smtps_to_a_server_whose_certificate_a_private_ca_signed(
    api: Api, ca: tuple[ssl.SSLContext, Path]
) -> None:
    context, pem = ca
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        person(api, "heping-office", "unit", ["441624"], "heping@example.gov.cn")
        remind(uow(api), date(2018, 9, 16))
        at = [datetime.now(UTC)]
        url = "smtps://127.0.0.1:{port}"
        refused = deliver_once(uow(api), mail(port, url), RETRY, lease=LEASE, now=lambda: at[0])
        assert (refused.delivered, refused.failed) == (0, 1) and box.got == []
        at[0] += RETRY.most
        sent = deliver_once(uow(api), mail(port, url, pem), RETRY, lease=LEASE, now=lambda: at[0])
        assert sent.delivered == 1, sent
    finally:
        controller.stop()
    [digest] = box.to("heping@example.gov.cn")
    assert "已逾期 2 条" in digest["Subject"] and box.encrypted == [True]


def test_the_ca_file_is_a_setting_refused_when_it_is_no_file(tmp_path: Path) -> None:
    mailing = {"SCORING_SMTP_URL": "smtps://127.0.0.1:465", "SCORING_MAIL_FROM": "n@example.cn"}
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(ValueError, match="SCORING_SMTP_CA_FILE"):
        Settings.from_env({**mailing, "SCORING_SMTP_CA_FILE": missing})
    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    settings = Settings.from_env({**mailing, "SCORING_SMTP_CA_FILE": str(pem)})
    assert channels_of(settings)["email"].ca_file == str(pem)


def test_a_mail_to_a_disabled_account_or_one_without_an_address_parks_saying_which(
    api: Api, smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    person(api, "inspector-a", "inspector", ["441624"], "a@example.gov.cn")
    person(api, "inspector-b", "inspector", ["441624"], "b@example.gov.cn")
    assert submit(api, F1).status_code == 201
    assert route(uow(api), mail(port)) == 1  # both inspectors had an address then
    accounts.disable_account(uow(api), "inspector-a")
    accounts.set_email(uow(api), "inspector-b", None)
    with use_language("zh"):  # as `deliver` runs, in the service's language
        done = deliver_due(uow(api), mail(port), RETRY, lease=LEASE)
    assert (done.delivered, done.parked) == (0, 2) and box.got == []
    with uow(api) as work:
        [notice] = work.notices.of_year(2018)
        errors = sorted(d.last_error or "" for d in work.deliveries.of_notice(notice.id))
    assert errors == ["未发送：账户 inspector-a 已停用", "未发送：账户 inspector-b 没有邮箱"]
