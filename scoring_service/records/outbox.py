"""Notices about a finding, put in the outbox of the write that causes them: the units a
finding is about are those it counts for (spec section 4) and where it was found, so that
a notice reaches exactly the scoped hooks whose principals read the finding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring_service.domain.notices import EventType, Notice
from scoring_service.unit_of_work import UnitOfWork


def finding_units(uow: UnitOfWork, year: int, code: str) -> list[str]:
    """The units finding ``code`` of ``year`` is about (inside an open unit of work)."""
    ruleset = uow.rules.current(year)
    found = uow.findings.get(year, code)
    units = [] if found is None else [found.unit]
    if ruleset is not None:
        units += uow.index.counting_units(year, [code], ruleset.attribution).get(code, [])
    return list(dict.fromkeys(units))


def notify_finding(
    uow: UnitOfWork,
    type: EventType,
    year: int,
    code: str,
    *,
    subject: str,
    data: Mapping[str, Any],
) -> Notice:
    """A notice about finding ``code`` (a report, a request), in this transaction."""
    return uow.notify(
        type,
        year=year,
        subject=subject,
        units=finding_units(uow, year, code),
        data={"finding": code, **data},
    )
