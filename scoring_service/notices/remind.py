"""Reminders for a date D (spec section 10): every finding red (``finding.overdue``) or
yellow (``finding.due_soon``) at D that no reminder has named in that light for its current
effective deadline, and every process alert no reminder has named (``alert.raised``).

What was named is kept (``uow.reminders``: a finding, its light and its deadline; an
alert's identity), so a second run for D adds nothing, a run after missed days catches up
with what is red or yellow at its date, and an extension (a new effective deadline) makes a
finding eligible again. The findings come from the due service, in two set-based queries a
year; each year's notices commit together with what they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scoring_service.access import scope
from scoring_service.assessment.due import due
from scoring_service.assessment.services import year_alerts
from scoring_service.domain.alerts import Alert
from scoring_service.domain.notices import EventType
from scoring_service.unit_of_work import UnitOfWork

LIGHTS = {"red": EventType.FINDING_OVERDUE, "yellow": EventType.FINDING_DUE_SOON}
ALERT = "alert"


@dataclass(frozen=True, slots=True)
class Reminded:
    """How many notices a run added, by kind."""

    as_of: date
    overdue: int = 0
    due_soon: int = 0
    alerts: int = 0


def alert_identity(alert: Alert) -> str:
    """What makes an alert the same alert from one day to the next (its detail changes)."""
    return "|".join(alert.sort_key)


def remind(uow: UnitOfWork, as_of: date) -> Reminded:
    """Add the reminders of ``as_of`` for every year held that has begun by then."""
    scope.require_unscoped(uow.actor, "sending reminders")
    counts = {"red": 0, "yellow": 0, ALERT: 0}
    with uow:
        years = [y.year for y in uow.years.summary() if y.year <= as_of.year]
    for year in years:
        if uow.rules.current(year) is None:
            continue
        for kind, added in _remind_year(uow, year, as_of).items():
            counts[kind] += added
    return Reminded(as_of, counts["red"], counts["yellow"], counts[ALERT])


def _remind_year(uow: UnitOfWork, year: int, as_of: date) -> dict[str, int]:
    ruleset = uow.rules.current(year)
    assert ruleset is not None
    added = {"red": 0, "yellow": 0, ALERT: 0}
    with uow:
        listed = due(uow, year, as_of=as_of)
        _day, alerts = year_alerts(uow, year, as_of=as_of)
        named = uow.reminders.named(year, ("red", "yellow", ALERT))
        new: list[tuple[str, str, str]] = []
        for item in listed.items:
            key = (item.light, item.finding, item.deadline.isoformat())
            if key in named:
                continue
            new.append(key)
            added[item.light] += 1
            uow.notify(
                LIGHTS[item.light],
                year=year,
                subject=item.finding,
                units=[item.unit, *(u.code for u in item.counts_for)],
                data={
                    "finding": item.finding,
                    "as_of": as_of.isoformat(),
                    "deadline": item.deadline.isoformat(),
                    "days_left": item.days_left,
                    "light": item.light,
                    "unit": item.unit,
                    "severity": item.severity,
                    "counts_for": [u.code for u in item.counts_for],
                    "description": item.description,
                },
            )
        fresh = [a for a in alerts if (ALERT, alert_identity(a), "") not in named]
        findings = {a.finding for a in fresh if a.finding is not None}
        counting = uow.index.counting_units(year, findings, ruleset.attribution)
        counties = uow.scopes.inspection_counties(year) if fresh else {}
        for alert in fresh:
            identity = alert_identity(alert)
            new.append((ALERT, identity, ""))
            added[ALERT] += 1
            units: list[str] = []
            if alert.finding is not None:
                units = counting.get(alert.finding, [])
            elif alert.inspection is not None and alert.inspection in counties:
                units = [counties[alert.inspection]]
            uow.notify(
                EventType.ALERT_RAISED,
                year=year,
                subject=identity,
                units=units,
                data={"as_of": as_of.isoformat(), "alert": alert.to_json()},
            )
        uow.reminders.add(year, new)
        uow.commit()
    return added
