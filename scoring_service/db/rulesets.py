"""Rule set versions and drafts in the database; callers own the transaction.

``RulesetRepository`` is the services' door (``uow.rulesets``): it returns the stored
versions and drafts as domain values. The functions below it hold the SQL; the rule
source (``db.rule_source``) reads versions through them with sessions of its own."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring_service.db.ruleset_models import (
    RulesetDraftFileRow,
    RulesetDraftRow,
    RulesetVersionFileRow,
    RulesetVersionRow,
)
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.versions import (
    PUBLISHED,
    SHIPPED,
    StoredDraft,
    StoredVersion,
    TestsSummary,
)


def _version(row: RulesetVersionRow) -> StoredVersion:
    return StoredVersion(
        id=row.id,
        year=row.year,
        number=row.number,
        content_hash=row.content_hash,
        origin=row.origin,
        extends_year=row.extends_year,
        extends_hash=row.extends_hash,
        published_by=row.published_by,
        published_at=row.published_at,
        note=row.note,
        draft_id=row.draft_id,
    )


def _draft(row: RulesetDraftRow) -> StoredDraft:
    return StoredDraft(
        id=row.id,
        year=row.year,
        content_hash=row.content_hash,
        extends_year=row.extends_year,
        extends_hash=row.extends_hash,
        base_hash=row.base_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        note=row.note,
        tests=TestsSummary.from_json(json.loads(row.tests)),
        published_version=row.published_version,
    )


class RulesetRepository:
    """A year's rule set versions (never changed once stored) and its drafts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def in_force(self, year: int) -> StoredVersion | None:
        """The year's last version published from a draft (None: the shipped files rule)."""
        row = latest_published(self.session, year)
        return _version(row) if row is not None else None

    def versions(self, year: int) -> list[StoredVersion]:
        """Every stored version of the year, oldest first."""
        return [_version(row) for row in list_versions(self.session, year)]

    def by_number(self, year: int, number: int) -> StoredVersion | None:
        row = version_by_number(self.session, year, number)
        return _version(row) if row is not None else None

    def by_hash(self, year: int, content_hash: str) -> StoredVersion | None:
        """The first version of the year with this content."""
        row = version_by_hash(self.session, year, content_hash)
        return _version(row) if row is not None else None

    def by_prefix(self, year: int, prefix: str) -> list[StoredVersion]:
        """Versions whose content hash starts with ``prefix`` (hex), oldest first."""
        return [_version(row) for row in versions_by_prefix(self.session, year, prefix)]

    def files(self, version_id: int) -> dict[str, str]:
        """A stored version's own files, path -> text."""
        return version_files(self.session, version_id)

    def record(self, ruleset: Ruleset) -> StoredVersion:
        """The stored version with this content, recorded as shipped files when none is."""
        return _version(record_version(self.session, ruleset))

    def publish(
        self,
        draft: StoredDraft,
        files: Mapping[str, str],
        *,
        published_by: str,
        note: str,
    ) -> StoredVersion:
        """Add the draft's content as the year's next version and mark the draft with it."""
        row = add_version(
            self.session,
            year=draft.year,
            content_hash=draft.content_hash,
            origin=PUBLISHED,
            extends_year=draft.extends_year,
            extends_hash=draft.extends_hash,
            published_by=published_by,
            note=note,
            files=files,
            draft_id=draft.id,
        )
        mark_published(self.session, draft.id, row.number)
        return _version(row)

    def add_draft(
        self,
        *,
        year: int,
        content_hash: str,
        extends_year: int | None,
        extends_hash: str | None,
        base_hash: str | None,
        created_by: str,
        note: str,
        tests: TestsSummary,
        files: Mapping[str, str],
    ) -> StoredDraft:
        row = add_draft(
            self.session,
            year=year,
            content_hash=content_hash,
            extends_year=extends_year,
            extends_hash=extends_hash,
            base_hash=base_hash,
            created_by=created_by,
            note=note,
            tests=tests.to_json(),
            files=files,
        )
        return _draft(row)

    def draft(self, draft_id: int, *, lock: bool = False) -> StoredDraft | None:
        """A draft (``lock``: against concurrent publishing until the transaction ends);
        None for an id no draft has (or no id can be)."""
        if not 0 < draft_id < 2**31:
            return None
        row = get_draft(self.session, draft_id, for_update=lock)
        return _draft(row) if row is not None else None

    def draft_files(self, draft_id: int) -> dict[str, str]:
        return draft_files(self.session, draft_id)

    def drafts(self, year: int) -> list[StoredDraft]:
        """The year's drafts, oldest first."""
        return [_draft(row) for row in list_drafts(self.session, year)]


def latest_published(session: Session, year: int) -> RulesetVersionRow | None:
    """The year's version in force: the last one published from a draft."""
    statement = (
        select(RulesetVersionRow)
        .where(RulesetVersionRow.year == year, RulesetVersionRow.origin == PUBLISHED)
        .order_by(RulesetVersionRow.number.desc())
        .limit(1)
    )
    return session.execute(statement).scalar_one_or_none()


def published_years(session: Session) -> list[int]:
    """Years with a version published from a draft."""
    statement = (
        select(RulesetVersionRow.year)
        .where(RulesetVersionRow.origin == PUBLISHED)
        .distinct()
        .order_by(RulesetVersionRow.year)
    )
    return list(session.execute(statement).scalars())


def version_by_hash(session: Session, year: int, content_hash: str) -> RulesetVersionRow | None:
    """The first version of the year with this content (later ones hold the same content)."""
    statement = (
        select(RulesetVersionRow)
        .where(RulesetVersionRow.year == year, RulesetVersionRow.content_hash == content_hash)
        .order_by(RulesetVersionRow.number)
        .limit(1)
    )
    return session.execute(statement).scalar_one_or_none()


def version_by_number(session: Session, year: int, number: int) -> RulesetVersionRow | None:
    statement = select(RulesetVersionRow).where(
        RulesetVersionRow.year == year, RulesetVersionRow.number == number
    )
    return session.execute(statement).scalar_one_or_none()


def versions_by_prefix(session: Session, year: int, prefix: str) -> list[RulesetVersionRow]:
    """Versions whose content hash starts with ``prefix`` (hex), oldest first."""
    statement = (
        select(RulesetVersionRow)
        .where(
            RulesetVersionRow.year == year,
            RulesetVersionRow.content_hash.startswith(prefix, autoescape=True),
        )
        .order_by(RulesetVersionRow.number)
    )
    return list(session.execute(statement).scalars())


def list_versions(session: Session, year: int) -> list[RulesetVersionRow]:
    """Every version of the year, oldest first."""
    statement = (
        select(RulesetVersionRow)
        .where(RulesetVersionRow.year == year)
        .order_by(RulesetVersionRow.number)
    )
    return list(session.execute(statement).scalars())


def version_files(session: Session, version_id: int) -> dict[str, str]:
    return _files(session, RulesetVersionFileRow, "version_id", version_id)


def add_version(
    session: Session,
    *,
    year: int,
    content_hash: str,
    origin: str,
    extends_year: int | None,
    extends_hash: str | None,
    published_by: str,
    note: str,
    files: Mapping[str, str],
    draft_id: int | None = None,
) -> RulesetVersionRow:
    """Add the year's next version with its files; rows are never changed afterwards."""
    number = (
        session.execute(
            select(func.max(RulesetVersionRow.number)).where(RulesetVersionRow.year == year)
        ).scalar_one_or_none()
        or 0
    ) + 1
    row = RulesetVersionRow(
        year=year,
        number=number,
        content_hash=content_hash,
        origin=origin,
        extends_year=extends_year,
        extends_hash=extends_hash,
        published_by=published_by,
        published_at=datetime.now(UTC),
        note=note,
        draft_id=draft_id,
    )
    session.add(row)
    session.flush()
    _add_files(session, RulesetVersionFileRow, "version_id", row.id, files)
    return row


def add_version_once(
    session: Session,
    *,
    year: int,
    content_hash: str,
    origin: str,
    extends_year: int | None,
    extends_hash: str | None,
    published_by: str,
    note: str,
    files: Mapping[str, str],
) -> RulesetVersionRow:
    """The version with this content, added as the year's next one unless it is stored.

    Two transactions may both find it missing: the one that adds it second gets the first
    one's (or, when the first added another version, the error)."""
    row = version_by_hash(session, year, content_hash)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            return add_version(
                session,
                year=year,
                content_hash=content_hash,
                origin=origin,
                extends_year=extends_year,
                extends_hash=extends_hash,
                published_by=published_by,
                note=note,
                files=files,
            )
    except IntegrityError:
        # Another transaction recorded the year's next version first: it may be this one.
        row = version_by_hash(session, year, content_hash)
        if row is None:
            raise
        return row


def _add_files(
    session: Session, model: Any, key: str, owner: int, files: Mapping[str, str]
) -> None:
    """Store the files of a version or a draft (``key`` names its owner's column)."""
    if files:
        session.execute(
            insert(model), [{key: owner, "path": p, "text": t} for p, t in sorted(files.items())]
        )


def _files(session: Session, model: Any, key: str, owner: int) -> dict[str, str]:
    """The files of a version or a draft, path -> text, by path."""
    statement = (
        select(model.path, model.text).where(getattr(model, key) == owner).order_by(model.path)
    )
    return {path: text for path, text in session.execute(statement)}


def add_draft(
    session: Session,
    *,
    year: int,
    content_hash: str,
    extends_year: int | None,
    extends_hash: str | None,
    base_hash: str | None,
    created_by: str,
    note: str,
    tests: Mapping[str, Any],
    files: Mapping[str, str],
) -> RulesetDraftRow:
    row = RulesetDraftRow(
        year=year,
        content_hash=content_hash,
        extends_year=extends_year,
        extends_hash=extends_hash,
        base_hash=base_hash,
        created_by=created_by,
        created_at=datetime.now(UTC),
        note=note,
        tests=json.dumps(tests, ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    _add_files(session, RulesetDraftFileRow, "draft_id", row.id, files)
    return row


def get_draft(
    session: Session, draft_id: int, *, for_update: bool = False
) -> RulesetDraftRow | None:
    statement = select(RulesetDraftRow).where(RulesetDraftRow.id == draft_id)
    if for_update:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def list_drafts(session: Session, year: int) -> Sequence[RulesetDraftRow]:
    statement = (
        select(RulesetDraftRow).where(RulesetDraftRow.year == year).order_by(RulesetDraftRow.id)
    )
    return session.execute(statement).scalars().all()


def draft_files(session: Session, draft_id: int) -> dict[str, str]:
    return _files(session, RulesetDraftFileRow, "draft_id", draft_id)


def mark_published(session: Session, draft_id: int, number: int) -> bool:
    """Record the version a draft became; False when it was already published."""
    result = session.execute(
        update(RulesetDraftRow)
        .where(RulesetDraftRow.id == draft_id, RulesetDraftRow.published_version.is_(None))
        .values(published_version=number)
    )
    return bool(getattr(result, "rowcount", 0))


def record_version(session: Session, ruleset: Ruleset) -> RulesetVersionRow:
    """The stored version with this content; records it (as shipped files) when none is.

    A score run calls this in its own transaction, so every run's rule set can be found
    by hash later, even after the files of ``rules/<year>/`` change. The rule sets it
    extends are recorded first, and the version names theirs by hash.
    """
    row = version_by_hash(session, ruleset.year, ruleset.content_hash)
    if row is not None:
        return row
    # Reading the files again is for a version not recorded yet: every other run does
    # without the libraries that read them.
    from scoring_service.rules.files import chain_files, parent_of, where

    parent = parent_of(ruleset)
    parent_hash = record_version(session, parent).content_hash if parent is not None else None
    return add_version_once(
        session,
        year=ruleset.year,
        content_hash=ruleset.content_hash,
        origin=SHIPPED,
        extends_year=ruleset.extends,
        extends_hash=parent_hash,
        published_by="shipped files",
        note=f"the rule files of {where(ruleset.year, '')} as shipped, recorded when used",
        files=chain_files(ruleset).get(ruleset.year, {}),
    )
