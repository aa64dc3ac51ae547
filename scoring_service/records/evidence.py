"""The evidence store against its rows: files no row names (orphans, from a crash between
writing a file and committing its report) and rows whose file is missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scoring_service.access import scope
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class EvidenceCheck:
    orphans: list[str]  # files no row names
    missing: list[str]  # rows without their file


def check_evidence(uow: UnitOfWork) -> EvidenceCheck:
    """What ``db check`` reports of the evidence files."""
    scope.require_unscoped(uow.actor, "checking the evidence files")
    with uow:
        return EvidenceCheck(uow.evidence.orphans(), uow.evidence.missing())


def sweep(uow: UnitOfWork, *, older_than: datetime | None) -> list[str]:
    """Remove the orphans written before ``older_than`` (younger ones may be a report's
    files waiting for their commit); the SHA-256 of each removed."""
    scope.require_unscoped(uow.actor, "removing evidence files")
    with uow:
        orphans = uow.evidence.orphans(older_than=older_than)
        uow.evidence.remove(orphans)
        uow.audit("evidence.sweep", "evidence", "files", detail={"removed": orphans})
        uow.commit()
    return orphans
