"""A year's rule set versions and drafts as stored: what the rule-set repository returns.

A version never changes once stored; a draft changes once, when it is published. The
services (``rulesets.service``) turn these into what people read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _

PUBLISHED = "published"  # a version published from a draft: it overrides the shipped files
SHIPPED = "shipped"  # the files of rules/<year>/, recorded when first needed


@dataclass(frozen=True, slots=True)
class TestsSummary:
    """The result of a draft's rule tests (``rules/<year>/tests/``)."""

    cases: int
    passed: int
    failures: tuple[str, ...]  # one line per failing case: where, name, what differed

    @property
    def failed(self) -> int:
        return self.cases - self.passed

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "passed": self.passed,
            "failed": self.failed,
            "failures": list(self.failures),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TestsSummary:
        return cls(value["cases"], value["passed"], tuple(value["failures"]))


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A stored version of a year's rule set (``origin``: PUBLISHED or SHIPPED)."""

    id: int
    year: int
    number: int  # 1, 2, ... within the year
    content_hash: str
    origin: str
    extends_year: int | None
    extends_hash: str | None
    published_by: str
    published_at: datetime
    note: str
    draft_id: int | None


@dataclass(frozen=True, slots=True)
class StoredDraft:
    """A stored draft: what it extends, the version in force it was made on, its tests at
    upload and the version it became (None while unpublished)."""

    id: int
    year: int
    content_hash: str
    extends_year: int | None
    extends_hash: str | None
    base_hash: str | None
    created_by: str
    created_at: datetime
    note: str
    tests: TestsSummary
    published_version: int | None


@runtime_checkable
class VersionedRules(Protocol):
    """A rule source that knows versions (the database's over the shipped files), as the
    rule editing services need: the version in force, any version by hash, the years
    with a rule set and the folder of the shipped files."""

    @property
    def rules_dir(self) -> Path: ...

    def current(self, year: int) -> Ruleset | None: ...

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None: ...

    def years(self) -> list[int]: ...


def version_in_words(year: int, version: StoredVersion | None) -> str:
    """A rule set version as the office names it, by its date and not its hash: "2019年版
    第3次修订（发布于 2019年6月1日）"; the shipped files read as such, recorded or not (the day
    they were first used is no publication)."""
    if version is None or version.origin == SHIPPED:
        return _("the shipped %(year)s rules", year=year)
    day = format_date(version.published_at.date())
    if version.number <= 1:
        return _("%(year)s rules (published %(day)s)", year=year, day=day)
    return _(
        "%(year)s rules, revision %(revision)s (published %(day)s)",
        year=year,
        revision=version.number - 1,
        day=day,
    )
