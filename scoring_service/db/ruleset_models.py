"""Tables of the rule editing lifecycle: published rule set versions and drafts.

They share the declarative ``Base`` of the year data, so Alembic sees one MetaData.

A version is a year's own rule files (relative path -> text), the version of the year
it ``extends`` (by content hash, so the merged content is reproducible), and who
published it, when, and why. Versions never change: the migration adds triggers that
refuse UPDATE and DELETE on both version tables, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scoring_service.db.models import Base, UTCDateTime

HASH = 64  # sha256, hex
NAME = 100  # who published or uploaded: a token's name, or "command line (user)"
PATH = 255  # a file's path inside the year's folder: "rules.yaml", "tests/rates.yaml"


class RulesetVersionRow(Base):
    """A published (or shipped and recorded) version of a year's rule set; never changes.

    ``origin`` is ``published`` for a version published from a draft, ``shipped`` for
    the files of ``rules/<year>/`` recorded when first needed (a score run used them, or
    a later version replaced them). Only published versions override the shipped files.
    """

    __tablename__ = "ruleset_versions"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        Index(None, "year", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the year
    content_hash: Mapped[str] = mapped_column(String(HASH))
    origin: Mapped[str] = mapped_column(String(16))
    extends_year: Mapped[int | None] = mapped_column(Integer)
    extends_hash: Mapped[str | None] = mapped_column(String(HASH))
    published_by: Mapped[str] = mapped_column(String(NAME))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_drafts.id"))


class RulesetVersionFileRow(Base):
    """One of a version's own files (rule files and rule tests), as uploaded."""

    __tablename__ = "ruleset_version_files"

    version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class RulesetDraftRow(Base):
    """A draft of a year's rule set: valid rule files, uploaded, not yet in force.

    ``base_hash`` is the year's version in force when the draft was made (None: the
    year had none); publishing is refused once another version replaced it.
    ``tests`` holds the rule tests' result at upload (JSON), for reading back.
    """

    __tablename__ = "ruleset_drafts"
    __table_args__ = (Index(None, "year", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(HASH))
    extends_year: Mapped[int | None] = mapped_column(Integer)
    extends_hash: Mapped[str | None] = mapped_column(String(HASH))
    base_hash: Mapped[str | None] = mapped_column(String(HASH))
    created_by: Mapped[str] = mapped_column(String(NAME))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)
    tests: Mapped[str] = mapped_column(Text)
    # NULL while open; the version it became once published.
    published_version: Mapped[int | None] = mapped_column(Integer)


class RulesetDraftFileRow(Base):
    """One of a draft's files (rule files and rule tests), as uploaded."""

    __tablename__ = "ruleset_draft_files"

    draft_id: Mapped[int] = mapped_column(ForeignKey("ruleset_drafts.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(PATH), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
