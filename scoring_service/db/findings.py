"""Reads of findings for lists and single findings: the stored fields a list filters on,
and the findings and events a finding's state at a date depends on. Every function takes
the caller's ``Session`` and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from scoring_service.db import repository as repo
from scoring_service.db.models import EventRow, FindingRow
from scoring_service.db.queries import Page, counts_for, in_categories, keyset_page, subtree
from scoring_service.domain.model import Event, Finding, Severity
from scoring_service.domain.ruleset import Attribution


def finding_conditions(
    year: int,
    attribution: Attribution,
    *,
    unit: str | None = None,
    counts_for_unit: str | None = None,
    inspection: str | None = None,
    category: str | None = None,
    criterion: str | None = None,
    severity: Severity | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions on the stored fields of a year's findings; None means any."""
    conditions: list[ColumnElement[bool]] = []
    if unit is not None:
        conditions.append(FindingRow.unit.in_(subtree(year, [unit])))
    if counts_for_unit is not None:
        conditions.append(counts_for(year, [counts_for_unit], attribution))
    if inspection is not None:
        conditions.append(FindingRow.inspection == inspection)
    if category is not None:
        conditions.append(in_categories(FindingRow.criterion, [category]))
    if criterion is not None:
        conditions.append(FindingRow.criterion == criterion)
    if severity is not None:
        conditions.append(FindingRow.severity == severity.value)
    return conditions


def findings_page(
    session: Session, year: int, conditions: Sequence[Any], *, limit: int, cursor: str | None
) -> Page[Finding]:
    """A page of the year's findings matching ``conditions``, by code."""
    page = keyset_page(
        session,
        select(FindingRow.code).where(FindingRow.year == year, *conditions),
        keys=[FindingRow.code],
        limit=limit,
        cursor=cursor,
        tag="findings",
    )
    codes = [row.code for row in page.items]
    findings = repo.findings_where(session, year, FindingRow.code.in_(codes))
    return Page(findings, page.total, page.next_cursor)


def findings_matching(session: Session, year: int, conditions: Sequence[Any]) -> list[Finding]:
    """Every finding of the year matching ``conditions``, by code."""
    return repo.findings_where(session, year, *conditions)


def finding(session: Session, year: int, code: str) -> Finding | None:
    found = repo.findings_where(session, year, FindingRow.code == code)
    return found[0] if found else None


def finding_matches(session: Session, code: str, condition: Any) -> bool:
    """Whether the finding ``code`` matches ``condition`` (a scope's, naming the year)."""
    found = session.scalar(select(FindingRow.code).where(condition, FindingRow.code == code))
    return found is not None


def repeat_history(
    session: Session,
    year: int,
    findings: Sequence[Finding],
    as_of: date,
    *,
    whole_year: bool = False,
) -> tuple[list[Finding], list[Event]]:
    """What the state of ``findings`` at ``as_of`` depends on: the findings of the same unit
    and criterion found by then (they decide repeats), and every event of those.

    ``whole_year``: ``findings`` are all the year's findings, so no others are read.
    """
    if whole_year:
        peers: list[Finding] = []
        codes: Any = select(FindingRow.code).where(FindingRow.year == year)
    else:
        units = sorted({f.unit for f in findings})
        criteria = sorted({f.criterion for f in findings})
        peers = repo.findings_where(
            session,
            year,
            FindingRow.unit.in_(units),
            FindingRow.criterion.in_(criteria),
            FindingRow.found_on <= as_of,
        )
        codes = select(FindingRow.code).where(
            FindingRow.year == year,
            FindingRow.unit.in_(units),
            FindingRow.criterion.in_(criteria),
        )
    events = repo.events_where(session, year, EventRow.finding.in_(codes))
    return peers, events
