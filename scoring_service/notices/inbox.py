"""A person's unread notices, shown on their home page: the notices in their reach written
since they last marked them read, and marking them read. The same scope rule as a hook's:
a scoped person sees a notice about a unit inside their reach in its year, or a year-wide
one; a notice about no unit only when unscoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from scoring_service.domain.errors import NotFound
from scoring_service.domain.notices import YEAR_WIDE, EventType, Notice
from scoring_service.domain.principals import Reach
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

# The newest notices looked through for a person: a home page shows a few, not a log.
LOOKED_AT = 500
SHOWN = 20


@dataclass(frozen=True, slots=True)
class Unread:
    """A person's unread notices, newest first (at most ``SHOWN``), how many there are
    among those looked at, and the newest one's time (what "mark read" marks up to)."""

    notices: list[Notice]
    count: int
    newest: datetime | None


def _visible(notice: Notice, reach: Reach) -> bool:
    if reach.everything or notice.type in YEAR_WIDE:
        return True
    return bool(notice.units) and reach.has_any(notice.units)


def unread_notices(uow: UnitOfWork) -> Unread:
    """The signed-in person's notices since they last marked them read, in their reach."""
    with uow:
        account = uow.accounts.by_username(uow.actor.name)
        if account is None:
            raise NotFound(_("no account is named %(name)r", name=uow.actor.name))
        reaches: dict[int | None, Reach] = {}
        found = []
        for notice in uow.notices.since(account.notices_read_at, LOOKED_AT):
            if notice.year not in reaches:
                reaches[notice.year] = (
                    Reach(uow.actor.scope)
                    if notice.year is None or uow.actor.scope is None
                    else uow.scopes.reach(notice.year, uow.actor)
                )
            if _visible(notice, reaches[notice.year]):
                found.append(notice)
    newest = found[0].time if found else None
    return Unread(found[:SHOWN], len(found), newest)


def mark_notices_read(uow: UnitOfWork, up_to: datetime | None = None) -> None:
    """The signed-in person has read their notices up to ``up_to`` (the newest they were
    shown, so that one written meanwhile stays unread; now when None)."""
    at = up_to or datetime.now(UTC)
    with uow:
        account = uow.accounts.by_username(uow.actor.name)
        if account is None:
            raise NotFound(_("no account is named %(name)r", name=uow.actor.name))
        if account.notices_read_at is None or at > account.notices_read_at:
            uow.accounts.mark_notices_read(account.id, at)
        uow.audit("notices.read", "account", account.username, detail={"up_to": at.isoformat()})
        uow.commit()


def _day(value: object) -> str:
    try:
        return format_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def notice_text(notice: Notice) -> str:
    """One line saying what the notice tells, in the language in force."""
    data = notice.data
    if notice.type is EventType.FINDING_OVERDUE:
        return _(
            "Finding %(finding)s is overdue: its deadline was %(deadline)s",
            finding=data.get("finding"),
            deadline=_day(data.get("deadline")),
        )
    if notice.type is EventType.FINDING_DUE_SOON:
        return _(
            "Finding %(finding)s is due soon: its deadline is %(deadline)s",
            finding=data.get("finding"),
            deadline=_day(data.get("deadline")),
        )
    if notice.type is EventType.LETTER_ISSUED:
        return _(
            "The rectification letter of inspection %(inspection)s was issued on %(day)s",
            inspection=data.get("inspection"),
            day=_day(data.get("letter_date")),
        )
    if notice.type is EventType.REPORT_SUBMITTED:
        return _(
            "A rectification report on finding %(finding)s waits for review",
            finding=data.get("finding"),
        )
    if notice.type is EventType.REPORT_DECIDED:
        return _(
            "The rectification report on finding %(finding)s was reviewed",
            finding=data.get("finding"),
        )
    if notice.type is EventType.EXTENSION_REQUESTED:
        return _("An extension of finding %(finding)s was requested", finding=data.get("finding"))
    if notice.type is EventType.EXTENSION_DECIDED:
        return _(
            "The extension request of finding %(finding)s was decided",
            finding=data.get("finding"),
        )
    if notice.type is EventType.ALERT_RAISED:
        return _("A new process alert of %(year)s", year=notice.year)
    if notice.type is EventType.SCORE_RUN_CREATED:
        return _("A score run of %(year)s was stored", year=notice.year)
    return _("A new rule set version of %(year)s was published", year=notice.year)
