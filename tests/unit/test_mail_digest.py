"""A digest's words come from the data: in its HTML they are text, never markup."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from scoring_service.domain.notices import EventType, Notice
from scoring_service.domain.principals import AccountInfo, Role
from scoring_service.i18n import use_language
from scoring_service.notices.mail import MailTarget, digest_mail

HOSTILE = '<script>alert(1)</script><a href="http://evil.example">点此</a>'


def test_text_from_the_data_is_escaped_in_the_html_and_plain_in_the_text() -> None:
    account = AccountInfo(
        1, "heping<b>", Role.UNIT, ("441624",), 1, datetime.now(UTC), "office", None, None
    )
    notice = Notice(
        uuid4(),
        EventType.FINDING_OVERDUE,
        datetime.now(UTC),
        2018,
        "2018-G1-07-01",
        ("441624",),
        {
            "finding": "2018-G1-07-01",
            "as_of": "2018-09-16",
            "deadline": "2018-08-10",
            "days_left": -37,
            "unit": "441624101201",
            "description": HOSTILE,
        },
    )
    with use_language("zh"):
        mail = digest_mail(
            MailTarget("digest:1:2018:2018-09-16", account, date(2018, 9, 16), (notice,)), ""
        )
    assert HOSTILE in mail.text and "已逾期 37 天" in mail.text
    assert (
        "<script>" not in mail.html and "<b>" not in mail.html and 'evil.example">' not in mail.html
    )
    assert "&lt;script&gt;" in mail.html and "heping&lt;b&gt;" in mail.html
