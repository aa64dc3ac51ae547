"""Notices on the pages: a person's unread notices on their home page (their reach only)
and "标为已读"; the administrators' page shows each channel's waiting, delivered and parked
notices with the last error, as ``deliver --status`` does; an email address kept per
person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from scoring_service.domain.notices import DeliveryFailed, EventType, Notice, Retry
from scoring_service.notices.deliver import deliver_once
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.html import attrs, parse, texts
from tests.helpers.web import Site, csrf_token

RETRY = Retry(timedelta(seconds=1), timedelta(seconds=4), park_after=timedelta(seconds=30))


def notify(site: Site, type: EventType, units: list[str], **data: Any) -> Notice:
    with site.uow() as work:
        notice = work.notify(type, year=2018, subject="2018-G1-01-01", units=units, data=data)
        work.commit()
    return notice


class Stub:
    """A channel whose target "ok" receives, and "down" fails: a mail server down."""

    name = "email"

    def __init__(self, keys: dict[UUID, str]) -> None:
        self.keys = keys

    def targets(self, uow: UnitOfWork, notices: Sequence[Notice]) -> list[tuple[UUID, str]]:
        return [(n.id, self.keys[n.id]) for n in notices if n.id in self.keys]

    def target(self, uow: UnitOfWork, key: str) -> object:
        return key

    def send(self, notice: Notice, target: object) -> None:
        if target == "down":
            raise DeliveryFailed("SMTP ConnectionRefusedError: [Errno 111] Connection refused")


def test_the_admin_page_shows_waiting_delivered_and_parked_with_the_last_error(
    site: Site,
) -> None:
    assert "尚未发送任何通知" in site.client("office").get("/admin").text
    first = notify(site, EventType.FINDING_OVERDUE, ["441624"], finding="2018-G1-01-01")
    second = notify(site, EventType.FINDING_OVERDUE, ["441624"], finding="2018-G1-01-02")
    t0 = datetime.now(UTC)
    stub = Stub({first.id: "ok", second.id: "down"})
    deliver_once(site.uow(), {"email": stub}, RETRY, lease=RETRY.most, now=lambda: t0)
    late = notify(site, EventType.FINDING_DUE_SOON, ["441624"], finding="2018-G1-01-03")
    stub.keys[late.id] = "down"
    t1 = t0 + RETRY.park_after
    deliver_once(site.uow(), {"email": stub}, RETRY, lease=RETRY.most, now=lambda: t1)

    page = site.client("office").get("/admin").text
    rows = parse(page).xpath("//table[contains(@class,'deliveries')]//tr[@data-channel]")
    found = {r.get("data-state"): r for r in rows}
    assert set(found) == {"waiting", "delivered", "parked"}
    # One panel, in the page's body: the title stays a title.
    tree = parse(page)
    assert len(tree.xpath("//table[contains(@class,'deliveries')]")) == 1
    assert not tree.xpath("//title//table") and "<table" not in tree.findtext(".//title", "")
    assert {
        s: r.xpath(".//td[@data-field='count']")[0].get("data-value") for s, r in found.items()
    } == {
        "waiting": "1",
        "delivered": "1",
        "parked": "1",
    }
    assert "Connection refused" in found["parked"].text_content()
    assert "电子邮件" in found["waiting"].text_content()
    assert "已送达" in found["delivered"].text_content()
    # A scoped administrator is not shown what concerns every unit.
    site.add_person("county-admin", "admin", ["441624"])
    assert not parse(site.client("county-admin").get("/admin").text).xpath(
        "//table[contains(@class,'deliveries')]"
    )


def test_home_shows_the_unread_notices_in_reach_and_marks_them_read(site: Site) -> None:
    ours = notify(
        site, EventType.FINDING_OVERDUE, ["441624"], finding="2018-G1-01-01", deadline="2018-08-10"
    )
    theirs = notify(
        site, EventType.FINDING_OVERDUE, ["441602"], finding="2018-G9-01-01", deadline="2018-08-10"
    )
    everyone = notify(site, EventType.SCORE_RUN_CREATED, [])
    client = site.client("heping")
    page = client.get("/").text
    shown = attrs(page, "data-notice", "li")
    assert set(shown) == {str(ours.id), str(everyone.id)} and str(theirs.id) not in shown
    assert "未读通知" in page and "2018-G1-01-01 已逾期" in page
    assert texts(page, "//section[@id='notices']//button") == ["标为已读"]

    done = client.post(
        "/notices/read",
        data={
            "csrf_token": csrf_token(page),
            "up_to": parse(page).xpath("//input[@name='up_to']")[0].get("value"),
        },
    )
    assert done.status_code == 302
    page = client.get("/").text
    assert (
        attrs(page, "data-notice", "li") == [] and "没有未读通知" in page and "已标为已读" in page
    )
    later = notify(
        site, EventType.LETTER_ISSUED, ["441624"], inspection="2018-G1-02", letter_date="2018-09-01"
    )
    assert attrs(client.get("/").text, "data-notice", "li") == [str(later.id)]
    # The office (unscoped) sees every notice.
    assert len(attrs(site.client("office").get("/").text, "data-notice", "li")) == 4


def test_an_email_address_is_saved_and_a_bad_one_refused_naming_the_field(site: Site) -> None:
    client = site.client("office")
    token = csrf_token(client.get("/admin").text)
    bad = client.post(
        "/admin/accounts/heping/email", data={"email": "not an address", "csrf_token": token}
    )
    assert bad.status_code == 422 and "email" in bad.text and "邮箱" in bad.text
    good = client.post(
        "/admin/accounts/heping/email", data={"email": "heping@example.gov.cn", "csrf_token": token}
    )
    assert good.status_code == 302
    field = parse(client.get("/admin").text).xpath("//input[@id='field-email-heping']")[0]
    assert field.get("value") == "heping@example.gov.cn"
