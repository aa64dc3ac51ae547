"""The rectification loop's repositories: reports, extension requests and evidence files,
bound to the unit of work as ``uow.reports``, ``uow.extension_requests`` and
``uow.evidence`` (the services' only door to these tables). Nothing here commits."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from scoring_service.db.loop_models import (
    EvidenceFileRow,
    ExtensionRequestRow,
    ReportFileRow,
    ReportRow,
)
from scoring_service.db.models import FindingRow
from scoring_service.db.scopes import visible_findings_condition
from scoring_service.domain.evidence import FileStore, Upload
from scoring_service.domain.principals import Principal
from scoring_service.domain.rectification import (
    Decision,
    EvidenceFile,
    ExtensionRequest,
    FileUse,
    Report,
    ReportState,
    RequestState,
)
from scoring_service.domain.ruleset import Attribution


def _decision(row: ReportRow | ExtensionRequestRow) -> Decision | None:
    if row.decided_by is None or row.decided_at is None:
        return None
    return Decision(row.decided_by, row.decided_at, row.decision_reason)


def _visible(year: int, actor: Principal | None, attribution: Attribution | None) -> Any:
    """The findings ``actor`` reads, as a condition on reports' and requests' codes."""
    if actor is None or actor.scope is None or attribution is None:
        return None
    return select(FindingRow.code).where(visible_findings_condition(year, actor, attribution))


def _waiting_ids(
    session: Session,
    table: type[ReportRow] | type[ExtensionRequestRow],
    waiting: str,
    year: int,
    codes: Iterable[str],
) -> dict[str, int]:
    """Each of ``codes`` with a record waiting for a decision -> that record's id (the
    oldest, should there be several). One read of the year's waiting records through the
    ``(year, state)`` index, matched to the codes here: they are few, and a list of
    thousands of codes in ``IN`` would meet the databases' parameter limits."""
    wanted = set(codes)
    rows = session.execute(
        select(table.finding, table.id)
        .where(table.year == year, table.state == waiting)
        .order_by(table.id)
    )
    found: dict[str, int] = {}
    for finding, record_id in rows:
        if finding in wanted:
            found.setdefault(finding, record_id)
    return found


class ReportRepository:
    """Rectification reports and the files each names."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _report(self, row: ReportRow) -> Report:
        files = self.session.execute(
            select(ReportFileRow, EvidenceFileRow)
            .join(EvidenceFileRow, EvidenceFileRow.sha256 == ReportFileRow.sha256)
            .where(ReportFileRow.report_id == row.id)
            .order_by(ReportFileRow.position)
        ).all()
        return Report(
            id=row.id,
            year=row.year,
            finding=row.finding,
            state=ReportState(row.state),
            date=row.date,
            text=row.text,
            submitted_by=row.submitted_by,
            submitted_at=row.submitted_at,
            files=tuple(
                EvidenceFile(f.position, f.name, e.sha256, e.size, e.media_type, e.phash)
                for f, e in files
            ),
            decision=_decision(row),
        )

    def add(self, report: Report) -> Report:
        """Store a new report and its file rows (the evidence rows exist); with its id."""
        row = ReportRow(
            year=report.year,
            finding=report.finding,
            state=report.state.value,
            date=report.date,
            text=report.text,
            submitted_by=report.submitted_by,
            submitted_at=report.submitted_at,
        )
        self.session.add(row)
        self.session.flush()
        for f in report.files:
            self.session.add(
                ReportFileRow(report_id=row.id, position=f.position, name=f.name, sha256=f.sha256)
            )
        self.session.flush()
        return self._report(row)

    def get(self, report_id: int, *, lock: bool = False) -> Report | None:
        """A report; ``lock`` holds it against a concurrent decision until the end."""
        if not 0 < report_id < 2**31:
            return None
        statement = select(ReportRow).where(ReportRow.id == report_id)
        if lock and self.session.get_bind().dialect.name != "sqlite":
            statement = statement.with_for_update()
        row = self.session.scalars(statement).first()
        return None if row is None else self._report(row)

    def of_finding(self, year: int, code: str) -> list[Report]:
        rows = self.session.scalars(
            select(ReportRow)
            .where(ReportRow.year == year, ReportRow.finding == code)
            .order_by(ReportRow.id)
        )
        return [self._report(r) for r in rows]

    def waiting(self, year: int, code: str) -> bool:
        """Whether a report of the finding waits for a decision."""
        return bool(
            self.session.scalar(
                select(
                    exists().where(
                        ReportRow.year == year,
                        ReportRow.finding == code,
                        ReportRow.state == ReportState.SUBMITTED.value,
                    )
                )
            )
        )

    def waiting_of(self, year: int, codes: Iterable[str]) -> dict[str, int]:
        """The findings among ``codes`` with a report waiting -> its id, in one read."""
        return _waiting_ids(self.session, ReportRow, ReportState.SUBMITTED.value, year, codes)

    def of_year(
        self,
        year: int,
        *,
        state: ReportState | None = None,
        actor: Principal | None = None,
        attribution: Attribution | None = None,
    ) -> list[Report]:
        """The year's reports, by id; only on findings ``actor`` reads when scoped."""
        statement = select(ReportRow).where(ReportRow.year == year)
        if state is not None:
            statement = statement.where(ReportRow.state == state.value)
        visible = _visible(year, actor, attribution)
        if visible is not None:
            statement = statement.where(ReportRow.finding.in_(visible))
        return [self._report(r) for r in self.session.scalars(statement.order_by(ReportRow.id))]

    def file_uses(self, shas: Collection[str]) -> list[FileUse]:
        """Every report's use of a file with one of these SHA-256s, or of any image with a
        perceptual hash (candidates for reused evidence), by report."""
        rows = self.session.execute(
            select(
                ReportFileRow.report_id,
                ReportRow.year,
                ReportRow.finding,
                EvidenceFileRow.sha256,
                EvidenceFileRow.phash,
            )
            .join(ReportRow, ReportRow.id == ReportFileRow.report_id)
            .join(EvidenceFileRow, EvidenceFileRow.sha256 == ReportFileRow.sha256)
            .where(
                or_(EvidenceFileRow.sha256.in_(sorted(shas)), EvidenceFileRow.phash.is_not(None))
            )
            .order_by(ReportFileRow.report_id, ReportFileRow.position)
        )
        return [FileUse(r, y, f, s, p) for r, y, f, s, p in rows]

    def decide(self, report: Report) -> None:
        """Store a report's decision."""
        row = self.session.get(ReportRow, report.id)
        assert row is not None and report.decision is not None
        row.state = report.state.value
        row.decided_by = report.decision.by
        row.decided_at = report.decision.at
        row.decision_reason = report.decision.reason
        self.session.flush()


def _request(row: ExtensionRequestRow) -> ExtensionRequest:
    return ExtensionRequest(
        id=row.id,
        year=row.year,
        finding=row.finding,
        state=RequestState(row.state),
        date=row.date,
        new_deadline=row.new_deadline,
        reason=row.reason,
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
        decision=_decision(row),
    )


class ExtensionRequestRepository:
    """Extension requests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: ExtensionRequest) -> ExtensionRequest:
        row = ExtensionRequestRow(
            year=request.year,
            finding=request.finding,
            state=request.state.value,
            date=request.date,
            new_deadline=request.new_deadline,
            reason=request.reason,
            submitted_by=request.submitted_by,
            submitted_at=request.submitted_at,
        )
        self.session.add(row)
        self.session.flush()
        return _request(row)

    def get(self, request_id: int, *, lock: bool = False) -> ExtensionRequest | None:
        if not 0 < request_id < 2**31:
            return None
        statement = select(ExtensionRequestRow).where(ExtensionRequestRow.id == request_id)
        if lock and self.session.get_bind().dialect.name != "sqlite":
            statement = statement.with_for_update()
        row = self.session.scalars(statement).first()
        return None if row is None else _request(row)

    def of_finding(self, year: int, code: str) -> list[ExtensionRequest]:
        rows = self.session.scalars(
            select(ExtensionRequestRow)
            .where(ExtensionRequestRow.year == year, ExtensionRequestRow.finding == code)
            .order_by(ExtensionRequestRow.id)
        )
        return [_request(r) for r in rows]

    def waiting_of(self, year: int, codes: Iterable[str]) -> dict[str, int]:
        """The findings among ``codes`` with a request waiting -> its id, in one read."""
        return _waiting_ids(
            self.session, ExtensionRequestRow, RequestState.SUBMITTED.value, year, codes
        )

    def of_year(
        self,
        year: int,
        *,
        state: RequestState | None = None,
        actor: Principal | None = None,
        attribution: Attribution | None = None,
    ) -> list[ExtensionRequest]:
        statement = select(ExtensionRequestRow).where(ExtensionRequestRow.year == year)
        if state is not None:
            statement = statement.where(ExtensionRequestRow.state == state.value)
        visible = _visible(year, actor, attribution)
        if visible is not None:
            statement = statement.where(ExtensionRequestRow.finding.in_(visible))
        rows = self.session.scalars(statement.order_by(ExtensionRequestRow.id))
        return [_request(r) for r in rows]

    def decide(self, request: ExtensionRequest) -> None:
        row = self.session.get(ExtensionRequestRow, request.id)
        assert row is not None and request.decision is not None
        row.state = request.state.value
        row.decided_by = request.decision.by
        row.decided_at = request.decision.at
        row.decision_reason = request.decision.reason
        self.session.flush()


class EvidenceRepository:
    """Evidence files: their rows here, their bytes in the file store."""

    def __init__(self, session: Session, store: FileStore | None) -> None:
        self.session = session
        self._store = store

    @property
    def store(self) -> FileStore:
        if self._store is None:
            raise RuntimeError("this unit of work was opened without a file store")
        return self._store

    def keep(self, uploads: Sequence[Upload]) -> list[EvidenceFile]:
        """Write each file's bytes to the store (whole, durable) and its row (in this
        transaction): the bytes are there before the row naming them can commit."""
        kept = []
        for position, upload in enumerate(uploads):
            self.store.put(upload.sha256, upload.content)
            if self.session.get(EvidenceFileRow, upload.sha256) is None:
                self.session.add(
                    EvidenceFileRow(
                        sha256=upload.sha256,
                        size=len(upload.content),
                        media_type=upload.media_type,
                        phash=upload.phash,
                    )
                )
                self.session.flush()
            kept.append(
                EvidenceFile(
                    position,
                    upload.name,
                    upload.sha256,
                    len(upload.content),
                    upload.media_type,
                    upload.phash,
                )
            )
        return kept

    def content(self, sha256: str) -> bytes | None:
        return self.store.get(sha256)

    def known(self) -> set[str]:
        """Every SHA-256 a committed row names."""
        return set(self.session.scalars(select(EvidenceFileRow.sha256)))

    def orphans(self, *, older_than: datetime | None = None) -> list[str]:
        """Files in the store that no row names (a crash between write and commit),
        written before ``older_than`` when given (younger ones may await their commit)."""
        known = self.known()
        found = []
        for sha256 in self.store.addresses():
            if sha256 in known:
                continue
            if older_than is not None and self.store.modified(sha256) >= older_than:
                continue
            found.append(sha256)
        return sorted(found)

    def missing(self) -> list[str]:
        """Rows whose bytes the store does not have."""
        return sorted(s for s in self.known() if not self.store.has(s))

    def remove(self, shas: Iterable[str]) -> None:
        for sha256 in shas:
            self.store.remove(sha256)
