"""Appending one event to a finding: the state machine of spec section 2 decides.

The finding is locked first (a row lock on PostgreSQL, the write lock on SQLite), so
of two concurrent events on one finding the second is checked against a history that
holds the first: both can never pass a check that only one may pass. The new event
goes after every event held (same-date events apply in submission order), and the
whole history with it must pass ``check_history``; else nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scoring_service.access import scope
from scoring_service.bundle import Problem
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Event, EventType, Finding
from scoring_service.domain.timeline import check_history
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _
from scoring_service.records.findings import resolve_year
from scoring_service.records.year import not_held
from scoring_service.unit_of_work import UnitOfWork


class EventRefused(Conflict):
    """The finding's state does not allow the event; each problem names the field at fault."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as submitted, before it has a place in the history."""

    type: EventType
    date: dt.date
    new_deadline: dt.date | None = None
    reason: str | None = None
    note: str | None = None
    to: str | None = None


def append_event(
    uow: UnitOfWork,
    code: str,
    new: NewEvent,
    *,
    year: int | None = None,
    today: dt.date | None = None,
) -> tuple[int, Event]:
    """Store one event on a finding if its history allows it; the year and the stored event.

    An event records something done: one dated after ``today`` (the day it is recorded)
    is refused, as a rectification report dated ahead is."""
    today = today or dt.date.today()
    if new.date > today:
        message = _(
            "the event's date (%(day)s) is after today (%(today)s): record it once it is done",
            day=format_date(new.date),
            today=format_date(today),
        )
        raise EventRefused(message, [Problem("/date", message)])
    with uow.writing():
        # With the year given, an unscoped caller's finding is looked up once, under the
        # lock (record_event answers "not held" alike).
        if year is None or uow.actor.scope is not None:
            year = resolve_year(uow, code, year)
        stored = record_event(uow, year, code, new)
        uow.commit()
    return year, stored


def require_finding_inside(uow: UnitOfWork, year: int, finding: Finding) -> None:
    """Forbidden unless the finding is wholly inside the actor's reach (its inspection's
    county, its unit, its responsible units): the scope rule of a write on a finding."""
    if uow.actor.scope is None:
        return
    county = uow.findings.county(year, finding.inspection) or ""
    scope.require_inside(
        uow.actor,
        uow.reach(year),
        [county, finding.unit, *finding.responsible],
        _("finding %(code)r", code=finding.code),
    )


def record_event(uow: UnitOfWork, year: int, code: str, new: NewEvent) -> Event:
    """The core of ``append_event``, inside the caller's open unit of work and transaction
    (which commits): lock the finding, check the scope rule and the state machine, store
    the event with its audit entry. A positive decision of the rectification loop records
    its event through here, in the decision's own transaction."""
    finding = uow.findings.lock(year, code)
    if finding is None:
        raise not_held(year, "finding", code)
    require_finding_inside(uow, year, finding)
    history = uow.findings.events(year, code)
    candidate = Event(
        finding=code,
        type=new.type,
        date=new.date,
        seq=max((e.seq for e in history), default=0) + 1,
        new_deadline=new.new_deadline,
        reason=new.reason,
        note=new.note,
        to=new.to,
    )
    refusals = check_history(finding, [*history, candidate])
    if refusals:
        problems = []
        for refusal in refusals:
            if refusal.event is candidate:
                problems.append(Problem(f"/{refusal.field}", refusal.message))
            else:
                old = refusal.event
                problems.append(
                    Problem(
                        "/date",
                        _(
                            "it would make the %(event)s event of %(date)s invalid: %(message)s",
                            event=old.type.value,
                            date=old.date,
                            message=refusal.message,
                        ),
                    )
                )
        raise EventRefused(
            _(
                "the %(event)s event dated %(date)s is not allowed on finding %(code)r: "
                "%(message)s",
                event=new.type.value,
                date=new.date,
                code=code,
                message=problems[0].message,
            ),
            problems,
        )
    stored = uow.findings.append(year, finding, candidate, history)
    uow.audit(
        "event.create",
        "finding",
        f"{year}/{code}",
        year=year,
        detail={
            "seq": stored.seq,
            "type": stored.type.value,
            "date": stored.date,
            **{
                k: v
                for k, v in (
                    ("new_deadline", stored.new_deadline),
                    ("reason", stored.reason),
                    ("note", stored.note),
                    ("to", stored.to),
                )
                if v is not None
            },
        },
    )
    return stored
