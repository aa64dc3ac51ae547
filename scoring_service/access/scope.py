"""The scope rule, in one place for every entrance (HTTP API, command line, web pages).

A principal scoped to units **reads only data about its units and the units under
them, and writes only records that are wholly inside that**:

- its *reach* in a year is its scope's units and every unit under them in that year's
  tree (a county's towns and villages; a helping unit has nothing under it);
- it reads a finding when the finding was found inside the reach or counts for a unit
  inside it (spec section 4: a responsible unit, or a helping unit paired with the
  village); a score row or explanation when its unit is inside; an inspection when its
  county is inside; an alert when its inspection or finding is one it reads;
- it writes an inspection only when the inspection's county, every finding's unit and
  every responsible unit are inside; an event only when the finding (its inspection's
  county, its unit, its responsible units) is wholly inside; structure (units,
  pairings, groups) only when every unit the record names is inside;
- year-wide and service-wide writes (bundles, stored score runs, rule sets) and the
  audit log are for unscoped principals only;
- it creates or revokes only principals whose scope lies inside its own.

Reads of something outside the reach answer as if it did not exist (404), so codes
cannot be probed; writes outside it are refused (403) and logged as security events.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from scoring_service.domain.alerts import Alert
from scoring_service.domain.errors import NotFound
from scoring_service.domain.principals import Forbidden, Principal, Reach
from scoring_service.domain.ruleset import Attribution
from scoring_service.i18n import N_
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import not_held
from scoring_service.unit_of_work import UnitOfWork

# What the services name in a refusal (``what`` below), as they write it: each read in the
# language in force, so a Chinese refusal holds no English subject.
SUBJECTS = (
    N_("the unit"),
    N_("the pairing"),
    N_("the group"),
    N_("the inspection"),
    N_("importing a bundle"),
    N_("storing a score run"),
    N_("a rule set draft"),
    N_("publishing a rule set"),
    N_("a dry run over every unit"),
    N_("the audit log"),
    N_("a circular"),
    N_("a monthly report"),
    N_("a quarterly archive"),
    N_("sending reminders"),
    N_("delivering notices"),
    N_("reading the deliveries"),
)


def require_inside(actor: Principal, where: Reach, codes: Iterable[str], what: str) -> None:
    """Forbidden unless every unit of ``codes`` is inside the reach (a write)."""
    outside = where.outside(codes)
    if outside:
        raise Forbidden(
            _(
                "%(what)s names units outside the scope of %(name)r (%(scope)s): %(outside)s",
                what=_(what),
                name=actor.name,
                scope=", ".join(sorted(actor.scope or ())),
                outside=", ".join(outside),
            )
        )


def require_unscoped(actor: Principal, what: str) -> None:
    """Forbidden for a scoped principal: ``what`` concerns the whole year or service."""
    if actor.scope is not None:
        raise Forbidden(
            _(
                "%(what)s concerns every unit; %(name)r is limited to %(scope)s, so an "
                "unscoped token or account must do it",
                what=_(what),
                name=actor.name,
                scope=", ".join(sorted(actor.scope)),
            )
        )


def sees_finding(where: Reach, found_at: str, counts_for: Collection[str]) -> bool:
    """Whether a finding found at ``found_at``, counting for ``counts_for``, is readable."""
    return where.has(found_at) or where.has_any(counts_for)


def hidden(what: str, code: str, year: int | None = None) -> NotFound:
    """What a read of a record outside the reach answers: the same as for a missing one."""
    return NotFound(not_held(what, code, year))


def alerts_seen(
    alerts: list[Alert], where: Reach, seen: Collection[str], counties: Mapping[str, str]
) -> list[Alert]:
    """The alerts a principal with reach ``where`` reads: on a finding it reads (``seen``),
    or on an inspection of a county inside its reach (``counties``: inspection -> county).
    Alerts on a group's months concern no unit: only unscoped principals read them."""
    if where.everything:
        return alerts
    return [
        a
        for a in alerts
        if (a.finding is not None and a.finding in seen)
        or (
            a.finding is None
            and a.inspection is not None
            and where.has(counties.get(a.inspection, ""))
        )
    ]


def alerts_in_reach(
    uow: UnitOfWork, year: int, attribution: Attribution, alerts: list[Alert]
) -> list[Alert]:
    """The alerts ``uow.actor`` reads (``alerts_seen``), inside an open unit of work."""
    if uow.actor.scope is None:
        return alerts
    codes = {a.finding for a in alerts if a.finding is not None}
    seen = uow.scopes.findings_read(year, uow.actor, attribution, codes)
    return alerts_seen(alerts, uow.reach(year), seen, uow.scopes.inspection_counties(year))


__all__ = [
    "alerts_in_reach",
    "alerts_seen",
    "hidden",
    "require_inside",
    "require_unscoped",
    "sees_finding",
]
