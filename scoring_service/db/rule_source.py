"""The rule source services use: published versions in the database over the shipped files.

An adapter of the persistence package: it reads stored versions through ``db.rulesets``
with a session factory of its own (it is built once, at start-up, and serves every
request and command); the versions score runs and drafts name are recorded through
``uow.rulesets``.

``current(year)`` is the year's last published version, else the files of
``rules/<year>/`` (the initial version). ``by_hash(year, hash)`` finds any version a
score run recorded, for recomputing it. Versions load through ``rules.files.load_files``
and are checked against their stored hash; loaded rule sets are kept by hash (a hash
names one content, so the cache never goes stale).
"""

from __future__ import annotations

import threading
from pathlib import Path

from cachetools import LRUCache
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.db import rulesets as repo
from scoring_service.db.ruleset_models import RulesetVersionRow
from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import gettext as _
from scoring_service.rules.loaded import available_years, load_ruleset
from scoring_service.rules.problems import RuleFileError


class StoredVersionError(RuntimeError):
    """A stored version no longer loads to the content it was published with."""


class VersionedRuleSource:
    """Rule sets by year (the version in force) and by content hash (any recorded version)."""

    CACHE_SIZE = 64

    def __init__(self, rules_dir: Path, db: sessionmaker[Session]) -> None:
        self.rules_dir = rules_dir
        self.db = db
        # Guarded by the lock: cachetools' caches are not thread-safe by themselves.
        self._cache: LRUCache[tuple[int, str], Ruleset] = LRUCache(maxsize=self.CACHE_SIZE)
        self._lock = threading.Lock()

    def current(self, year: int) -> Ruleset | None:
        """The year's version in force, or None when the year has no rule set at all."""
        with self.db() as session:
            row = repo.latest_published(session, year)
            if row is not None:
                return self.load_version(session, row)
        return self.shipped(year)

    def years(self) -> list[int]:
        """Years with a rule set: the shipped folders and the years published in the database."""
        with self.db() as session:
            published = repo.published_years(session)
        return sorted(set(available_years(self.rules_dir)) | set(published))

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        """The year's version with this content hash, or None when none is known."""
        cached = self._cached(year, content_hash)
        if cached is not None:
            return cached
        with self.db() as session:
            row = repo.version_by_hash(session, year, content_hash)
            if row is not None:
                return self.load_version(session, row)
        try:
            shipped = self.shipped(year)
        except RuleFileError:
            return None  # broken files cannot be the version asked for
        return shipped if shipped is not None and shipped.content_hash == content_hash else None

    def shipped(self, year: int) -> Ruleset | None:
        """The files of ``rules/<year>/`` (raises ``RuleFileError`` when they have problems)."""
        if year not in available_years(self.rules_dir):
            return None
        return load_ruleset(year, self.rules_dir)

    def load_version(self, session: Session, row: RulesetVersionRow) -> Ruleset:
        """A stored version as a rule set, with the versions it extends."""
        cached = self._cached(row.year, row.content_hash)
        if cached is not None:
            return cached
        parent: Ruleset | None = None
        if row.extends_year is not None and row.extends_hash is not None:
            parent_row = repo.version_by_hash(session, row.extends_year, row.extends_hash)
            if parent_row is None:
                raise StoredVersionError(
                    _(
                        "version %(number)s of %(year)s extends %(extends_year)s version "
                        "%(rules)s, which is not stored",
                        number=row.number,
                        year=row.year,
                        extends_year=row.extends_year,
                        rules=row.extends_hash[:12],
                    )
                )
            parent = self.load_version(session, parent_row)
        # The rule files' readers and their libraries, for a version not loaded before.
        from scoring_service.rules.files import load_files

        files = repo.version_files(session, row.id)
        try:
            ruleset = load_files(row.year, files, parent)
        except RuleFileError as error:
            raise StoredVersionError(
                _(
                    "version %(number)s of %(year)s no longer loads: %(error)s",
                    number=row.number,
                    year=row.year,
                    error=error,
                )
            ) from error
        if ruleset.content_hash != row.content_hash:
            raise StoredVersionError(
                _(
                    "version %(number)s of %(year)s loads to content %(loaded)s, not the "
                    "%(published)s it was published with",
                    number=row.number,
                    year=row.year,
                    loaded=ruleset.content_hash[:12],
                    published=row.content_hash[:12],
                )
            )
        self._remember(ruleset)
        return ruleset

    def _cached(self, year: int, content_hash: str) -> Ruleset | None:
        with self._lock:
            return self._cache.get((year, content_hash))  # a read makes it the most recent

    def _remember(self, ruleset: Ruleset) -> None:
        with self._lock:
            self._cache[(ruleset.year, ruleset.content_hash)] = ruleset
