"""Rectification reports (spec section 10): a unit submits one with its evidence files, an
inspector accepts it (a ``rectified`` event, in the same transaction) or returns it with
a reason. Every entrance (API, command line, pages) calls these services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from scoring_service.access import scope
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import Finding
from scoring_service.domain.principals import Permission
from scoring_service.domain.rectification import (
    Report,
    ReportState,
    check_report,
    check_text,
    decide_report,
)
from scoring_service.evidence.files import Limits, checked_uploads
from scoring_service.records.events import NewEvent, record_event, require_finding_inside
from scoring_service.records.findings import resolve_year
from scoring_service.records.year import held_year, not_held
from scoring_service.rules_in_force import ruleset_of
from scoring_service.unit_of_work import UnitOfWork


def _now() -> datetime:
    return datetime.now(UTC)


def locked_finding(uow: UnitOfWork, year: int, code: str) -> Finding:
    """The finding, locked for the write (inside the caller's ``with uow``)."""
    finding = uow.findings.lock(year, code)
    if finding is None:
        raise not_held(year, "finding", code)
    return finding


def submit_report(
    uow: UnitOfWork,
    code: str,
    *,
    year: int | None = None,
    day: date,
    text: str,
    files: Sequence[tuple[str, bytes]] = (),
    limits: Limits | None = None,
    today: date | None = None,
) -> Report:
    """A new report on a finding the caller reads: refused in words (with nothing stored)
    when the finding is rectified, a report waits, the date is out of bounds or a file is
    not accepted. The files are written to the store before the report commits."""
    uow.actor.require(Permission.REPORT)
    text = check_text(text, "text")
    uploads = checked_uploads(files, limits or Limits())
    with uow:
        year = resolve_year(uow, code, year)
        finding = locked_finding(uow, year, code)
        history = uow.findings.events(year, code)
        check_report(
            finding,
            history,
            waiting=uow.reports.waiting(year, code),
            day=day,
            today=today or date.today(),
        )
        kept = uow.evidence.keep(uploads)
        report = uow.reports.add(
            Report(
                id=0,
                year=year,
                finding=code,
                state=ReportState.SUBMITTED,
                date=day,
                text=text,
                submitted_by=uow.actor.name,
                submitted_at=_now(),
                files=tuple(kept),
            )
        )
        uow.audit(
            "report.create",
            "report",
            str(report.id),
            year=year,
            detail={
                "finding": code,
                "date": day,
                "files": [{"name": f.name, "sha256": f.sha256} for f in kept],
            },
        )
        uow.commit()
    return report


def _readable(uow: UnitOfWork, report: Report | None, report_id: int) -> Report:
    """The report when the caller reads its finding; else NotFound as for no report."""
    if report is None:
        raise scope.hidden("report", str(report_id))
    try:
        resolve_year(uow, report.finding, report.year)
    except NotFound:
        raise scope.hidden("report", str(report_id)) from None
    return report


def get_report(uow: UnitOfWork, report_id: int) -> Report:
    """One report with its files and decision."""
    with uow:
        return _readable(uow, uow.reports.get(report_id), report_id)


def reports_of_finding(
    uow: UnitOfWork, code: str, *, year: int | None = None
) -> tuple[int, list[Report]]:
    """A finding's reports, oldest first."""
    with uow:
        year = resolve_year(uow, code, year)
        return year, uow.reports.of_finding(year, code)


def reports_of_year(
    uow: UnitOfWork, year: int, *, state: ReportState | None = None
) -> list[Report]:
    """The year's reports (those in ``state``), on the findings the caller reads."""
    ruleset = ruleset_of(uow.rules, year)
    with uow:
        held_year(uow, year)
        return uow.reports.of_year(
            year, state=state, actor=uow.actor, attribution=ruleset.attribution
        )


def evidence_file(uow: UnitOfWork, report_id: int, position: int) -> tuple[Report, bytes]:
    """A report's file and its bytes, for a caller who reads the report."""
    with uow:
        report = _readable(uow, uow.reports.get(report_id), report_id)
        found = next((f for f in report.files if f.position == position), None)
        content = None if found is None else uow.evidence.content(found.sha256)
    if found is None or content is None:
        raise scope.hidden("file", f"{report_id}/{position}")
    return report, content


def decide(
    uow: UnitOfWork, report_id: int, *, decision: ReportState, reason: str | None = None
) -> Report:
    """Accept a report (its ``rectified`` event is recorded through the events' own path,
    in this transaction) or return it with a reason; a report is decided once."""
    uow.actor.require(Permission.INSPECT)
    with uow:
        seen = _readable(uow, uow.reports.get(report_id), report_id)
        finding = locked_finding(uow, seen.year, seen.finding)
        require_finding_inside(uow, seen.year, finding)
        # Read again under the finding's lock: a concurrent decision is seen.
        report = _readable(uow, uow.reports.get(report_id, lock=True), report_id)
        history = uow.findings.events(report.year, report.finding)
        decided, event = decide_report(
            report,
            finding,
            history,
            decision=decision,
            reason=reason,
            by=uow.actor.name,
            at=_now(),
        )
        if event is not None:
            record_event(
                uow,
                report.year,
                report.finding,
                NewEvent(type=event.type, date=event.date, note=event.note),
            )
        uow.reports.decide(decided)
        uow.audit(
            "report.decide",
            "report",
            str(report.id),
            year=report.year,
            detail={"finding": report.finding, "decision": decision.value, "reason": reason},
        )
        uow.commit()
    return decided
