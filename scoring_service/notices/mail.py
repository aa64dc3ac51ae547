"""The email channel: notices mailed to people through SMTP (``SCORING_SMTP_URL``).

Who gets what, under the scope rule (a notice goes to a person only when it is about a
unit inside their reach in its year):

- a unit person (role ``unit``) gets the findings due soon and overdue of a reminder date
  as ONE mail, a digest: the delivery is made once per person and date (its target key
  ``digest:<account>:<year>:<date>``, made by whichever of its notices is fanned out first)
  and the digest is read when it is sent, from every reminder of that date in their reach;
- an inspector gets each report waiting for them (``report.submitted``), one mail each.

Each mail carries a Message-ID made from its notice and target, so a mail sent again after
a failure or a crash is the same mail to the receiving system. The mail is Chinese, plain
text with an HTML alternative in which every text from the data is escaped."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from uuid import UUID

from scoring_service.domain.notices import (
    DIGESTED,
    DeliveryFailed,
    EventType,
    Notice,
    SmtpServer,
    TargetGone,
)
from scoring_service.domain.principals import AccountInfo, Principal, Reach, Role
from scoring_service.i18n import format_date, use_language
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

# Message-IDs are name-based UUIDs in this namespace: the same notice to the same target
# always gets the same one.
MESSAGE_IDS = uuid.UUID("6f1c7a52-1b0e-4c36-9a5e-0d7f3f1f9b11")


@dataclass(frozen=True, slots=True)
class MailTarget:
    """A person a mail goes to; for a digest, the date and its notices in their reach."""

    key: str
    account: AccountInfo
    as_of: date | None = None
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True, slots=True)
class Mail:
    """A mail's words: its subject, plain text and HTML (data escaped)."""

    subject: str
    text: str
    html: str


def _reach(uow: UnitOfWork, account: AccountInfo, year: int | None) -> Reach:
    scope = None if account.scope is None else frozenset(account.scope)
    if scope is None or year is None:
        return Reach(scope)
    return uow.scopes.reach(year, Principal(None, account.username, account.role, scope))


class EmailChannel:
    """Notices mailed to people who have an email address."""

    name = "email"

    def __init__(
        self,
        *,
        server: SmtpServer,
        sender: str,
        timeout: float,
        public_url: str = "",
        ca_file: str | None = None,
    ) -> None:
        self.server = server
        self.sender = sender
        self.timeout = timeout
        self.public_url = public_url
        self.ca_file = ca_file

    def tls_context(self) -> ssl.SSLContext:
        """TLS that checks the server's certificate and name: against ``ca_file`` when set
        (a mail server with a certificate of a private CA), else the system's CAs."""
        return ssl.create_default_context(cafile=self.ca_file)

    def targets(self, uow: UnitOfWork, notices: Sequence[Notice]) -> list[tuple[UUID, str]]:
        people = uow.accounts.with_email()
        units = [a for a in people if a.role is Role.UNIT]
        inspectors = [a for a in people if a.role is Role.INSPECTOR]
        reaches: dict[tuple[int, int | None], Reach] = {}

        def reaches_to(account: AccountInfo, notice: Notice) -> bool:
            key = (account.id, notice.year)
            if key not in reaches:
                reaches[key] = _reach(uow, account, notice.year)
            return reaches[key].has_any(notice.units)

        found: list[tuple[UUID, str]] = []
        digests: dict[str, UUID] = {}
        for notice in notices:
            if notice.type in DIGESTED and notice.year is not None:
                as_of = str(notice.data.get("as_of", ""))
                for account in units:
                    if reaches_to(account, notice):
                        key = f"digest:{account.id}:{notice.year}:{as_of}"
                        digests.setdefault(key, notice.id)
            elif notice.type is EventType.REPORT_SUBMITTED:
                found += [
                    (notice.id, f"account:{a.id}") for a in inspectors if reaches_to(a, notice)
                ]
        taken = uow.deliveries.taken(self.name, digests)
        found += [(n, key) for key, n in digests.items() if key not in taken]
        return found

    def target(self, uow: UnitOfWork, key: str) -> object:
        kind, _sep, rest = key.partition(":")
        account_id, _sep, digest = rest.partition(":")
        account = uow.accounts.by_id(int(account_id))
        if account is None:
            raise TargetGone(_("not sent: the account was deleted"))
        if not account.active:
            raise TargetGone(_("not sent: the account %(name)s is disabled", name=account.username))
        if account.email is None:
            raise TargetGone(
                _("not sent: the account %(name)s has no email address", name=account.username)
            )
        if kind != "digest":
            return MailTarget(key, account)
        year, _sep, as_of = digest.partition(":")
        reach = _reach(uow, account, int(year))
        notices = tuple(
            n
            for n in uow.notices.of_types(int(year), DIGESTED)
            if n.data.get("as_of") == as_of and reach.has_any(n.units)
        )
        return MailTarget(key, account, date.fromisoformat(as_of), notices)

    def message(self, notice: Notice, target: MailTarget) -> EmailMessage:
        """The mail of ``notice`` (a digest's first) to ``target``, the same every time."""
        assert target.account.email is not None
        with use_language("zh"):
            mail = (
                digest_mail(target, self.public_url)
                if target.as_of is not None
                else report_mail(notice, target, self.public_url)
            )
        message = EmailMessage()
        message["Subject"] = mail.subject
        message["From"] = self.sender
        message["To"] = target.account.email
        message["Date"] = format_datetime(notice.time)
        domain = self.sender.rpartition("@")[2].strip("> ") or "scoring-service"
        message_id = uuid.uuid5(MESSAGE_IDS, f"{notice.id}/{target.key}")
        message["Message-ID"] = f"<{message_id}@{domain}>"
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    def send(self, notice: Notice, target: object) -> None:
        assert isinstance(target, MailTarget)
        message = self.message(notice, target)
        server = self.server
        try:
            if server.tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=self.tls_context()
                )
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            with client:
                if server.starttls:
                    client.starttls(context=self.tls_context())
                if server.user is not None:
                    client.login(server.user, server.password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP {type(error).__name__}: {error}") from None


def _link(public_url: str, path: str) -> str:
    return public_url.rstrip("/") + path if public_url.startswith("http") else ""


def digest_mail(target: MailTarget, public_url: str) -> Mail:
    """A unit person's reminders of one date: overdue first, then due soon."""
    assert target.as_of is not None
    red = [n for n in target.notices if n.type is EventType.FINDING_OVERDUE]
    yellow = [n for n in target.notices if n.type is EventType.FINDING_DUE_SOON]
    day = format_date(target.as_of)
    subject = _(
        "Rectification reminder for %(day)s: %(red)s overdue, %(yellow)s due soon",
        day=day,
        red=len(red),
        yellow=len(yellow),
    )
    greeting = _("Dear %(name)s,", name=target.account.username)
    intro = _("As of %(day)s, the findings you answer for:", day=day)
    text = [greeting, "", intro, ""]
    html = [f"<p>{escape(greeting)}</p>", f"<p>{escape(intro)}</p>"]
    for title, group in (
        (_("Overdue (red): %(count)s", count=len(red)), red),
        (_("Due soon (yellow): %(count)s", count=len(yellow)), yellow),
    ):
        if not group:
            continue
        text.append(title)
        html.append(f"<h3>{escape(title)}</h3><ul>")
        for notice in group:
            line = _finding_line(notice)
            text.append("  " + line)
            html.append(f"<li>{escape(line)}</li>")
        text.append("")
        html.append("</ul>")
    link = _link(public_url, f"/years/{target.as_of.year}/due")
    closing = _("Please rectify them in time and report to the inspection group.")
    text.append(closing)
    html.append(f"<p>{escape(closing)}</p>")
    if link:
        text.append(link)
        html.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
    return Mail(subject, "\n".join(text) + "\n", _page(subject, html))


def _finding_line(notice: Notice) -> str:
    data = notice.data
    deadline = format_date(date.fromisoformat(str(data["deadline"])))
    days = int(data.get("days_left", 0))
    when = (
        _("%(days)s days overdue", days=-days) if days < 0 else _("%(days)s days left", days=days)
    )
    return _(
        "%(finding)s (%(unit)s), deadline %(deadline)s, %(when)s: %(description)s",
        finding=data.get("finding", notice.subject),
        unit=data.get("unit", ""),
        deadline=deadline,
        when=when,
        description=data.get("description", ""),
    )


def report_mail(notice: Notice, target: MailTarget, public_url: str) -> Mail:
    """An inspector's mail of a report waiting for review."""
    data = notice.data
    finding = str(data.get("finding", ""))
    subject = _("A rectification report waits for review: %(finding)s", finding=finding)
    greeting = _("Dear %(name)s,", name=target.account.username)
    body = _(
        "%(who)s submitted rectification report %(report)s on finding %(finding)s on "
        "%(day)s; it waits for your review.",
        who=data.get("submitted_by", ""),
        report=data.get("report", notice.subject),
        finding=finding,
        day=format_date(date.fromisoformat(str(data["date"]))) if data.get("date") else "",
    )
    link = _link(public_url, f"/years/{notice.year}/findings/{finding}")
    text = [greeting, "", body]
    html = [f"<p>{escape(greeting)}</p>", f"<p>{escape(body)}</p>"]
    if link:
        text.append(link)
        html.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
    return Mail(subject, "\n".join(text) + "\n", _page(subject, html))


def _page(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>\n{body}\n</body></html>\n"
    )
