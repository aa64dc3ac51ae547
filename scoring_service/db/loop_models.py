"""Tables of the rectification loop (spec section 10): reports, their evidence files,
extension requests.

Reports and requests name their finding by ``(year, code)`` without a foreign key: a
year replaced whole (``import --replace``) deletes its findings, and what the units said
stays on record. Evidence rows hold what is known of a file's bytes; the bytes themselves
are in the file store, under the same SHA-256.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.models import CODE, KIND, Base, UTCDateTime

NAME = 100  # a principal's name, as in the audit log


class ReportRow(Base):
    """A rectification report (整改情况报告) and its decision."""

    __tablename__ = "rectification_reports"
    __table_args__ = (Index(None, "year", "finding"), Index(None, "year", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    finding: Mapped[str] = mapped_column(String(CODE))
    state: Mapped[str] = mapped_column(String(KIND))
    date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(NAME))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(NAME))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)


class ExtensionRequestRow(Base):
    """An extension request (延期申请) and its decision."""

    __tablename__ = "extension_requests"
    __table_args__ = (Index(None, "year", "finding"), Index(None, "year", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    finding: Mapped[str] = mapped_column(String(CODE))
    state: Mapped[str] = mapped_column(String(KIND))
    date: Mapped[dt.date] = mapped_column(Date)
    new_deadline: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(NAME))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(NAME))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)


class EvidenceFileRow(Base):
    """A file's content as stored: its SHA-256 (the store's address), size and type."""

    __tablename__ = "evidence_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    # An image's perceptual hash (64 bits as 16 hex digits), to find reused photos.
    phash: Mapped[str | None] = mapped_column(String(16))


class ReportFileRow(Base):
    """A file of a report, in the order uploaded, under the name it was uploaded with."""

    __tablename__ = "rectification_report_files"
    __table_args__ = (Index(None, "sha256"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("rectification_reports.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_files.sha256"))
