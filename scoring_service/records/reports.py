"""Rectification reports (spec section 10): a unit submits one with its evidence files, an
inspector accepts it (a ``rectified`` event, in the same transaction) or returns it with
a reason. Every entrance (API, command line, pages) calls these services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year, ruleset_of
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import Finding
from scoring_service.domain.notices import EventType
from scoring_service.domain.principals import Permission
from scoring_service.domain.rectification import (
    FileUse,
    Report,
    ReportState,
    Reuse,
    check_report,
    check_text,
    decide_report,
)
from scoring_service.evidence.files import NEAR_BITS, Limits, checked_uploads, phash_distance
from scoring_service.records.events import NewEvent, record_event, require_finding_inside
from scoring_service.records.findings import resolve_year
from scoring_service.records.outbox import notify_finding
from scoring_service.records.year import not_held
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
        notify_finding(
            uow,
            EventType.REPORT_SUBMITTED,
            year,
            code,
            subject=str(report.id),
            data={"report": report.id, "date": day.isoformat(), "submitted_by": uow.actor.name},
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


def _distance(mine: str, my_phash: str | None, other: FileUse) -> int | None:
    """0 for the same bytes, the pHash bits apart for near images, None when unlike."""
    if other.sha256 == mine:
        return 0
    if my_phash is None or other.phash is None:
        return None
    bits = phash_distance(my_phash, other.phash)
    return bits if bits <= NEAR_BITS else None


def reused_evidence(uow: UnitOfWork, found: Sequence[Report]) -> dict[int, list[Reuse]]:
    """For each report, its files that equal or nearly equal a file submitted for another
    finding (虚假整改 often reuses one photo), naming only findings the caller reads: a
    scoped reviewer is not told of a finding outside its reach."""
    shas = {f.sha256 for r in found for f in r.files}
    if not shas:
        return {r.id: [] for r in found}
    readable: dict[tuple[int, str], bool] = {}
    result: dict[int, list[Reuse]] = {}
    with uow:
        uses = uow.reports.file_uses(shas)
        for report in found:
            best: dict[tuple[str, int, str], Reuse] = {}
            for mine in report.files:
                for other in uses:
                    if (other.year, other.finding) == (report.year, report.finding):
                        continue
                    distance = _distance(mine.sha256, mine.phash, other)
                    if distance is None:
                        continue
                    key = (mine.sha256, other.year, other.finding)
                    # The closest use is kept: the same bytes before an equal picture.
                    rank = (distance, other.sha256 != mine.sha256)
                    if key in best and (best[key].distance, not best[key].same_bytes) <= rank:
                        continue
                    where = (other.year, other.finding)
                    if where not in readable:
                        readable[where] = _reads(uow, *where)
                    if readable[where]:
                        best[key] = Reuse(
                            mine.sha256,
                            other.year,
                            other.finding,
                            other.report,
                            distance,
                            other.sha256,
                        )
            result[report.id] = sorted(best.values(), key=lambda u: (u.distance, u.year, u.finding))
    return result


def _reads(uow: UnitOfWork, year: int, code: str) -> bool:
    """Whether the caller reads the finding (it exists and is inside its reach)."""
    ruleset = uow.rules.current(year)
    if ruleset is None:
        return False
    return uow.findings.readable(year, code, uow.actor, ruleset.attribution)


def decide(
    uow: UnitOfWork, report_id: int, *, decision: ReportState, reason: str | None = None
) -> Report:
    """Accept a report (its ``rectified`` event is recorded through the events' own path,
    in this transaction) or return it with a reason; a report is decided once."""
    uow.actor.require(Permission.INSPECT)
    with uow.writing():
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
        notify_finding(
            uow,
            EventType.REPORT_DECIDED,
            report.year,
            report.finding,
            subject=str(report.id),
            data={
                "report": report.id,
                "decision": decision.value,
                "reason": reason,
                "decided_by": uow.actor.name,
            },
        )
        uow.commit()
    return decided
