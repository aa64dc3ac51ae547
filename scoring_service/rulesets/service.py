"""The rule editing lifecycle: versions, drafts, rule tests, dry runs, publishing, new years.

Plain functions that take the caller's unit of work (``uow``), like
``scoring_service.assessment.services``: its session, its rule source (version-aware), its
rule engine and its principal. Every write commits once, with its audit entry.

- A **version** of a year's rule set is immutable and named by its content hash. The
  files of ``rules/<year>/`` are a year's first version; published versions are stored
  in the database and the last one is in force (``VersionedRuleSource.current``).
- A **draft** is a year's files uploaded by a rule editor: refused unless they validate
  (problems named by file, line and key, as ``rules validate`` names them); its rule
  tests run at upload and again at publishing. It extends the version of the parent
  year in force when it was made, by hash.
- A **dry run** scores the year's data under the version in force and under a draft, at
  the same as-of date, and lists what changes (``diff.compare_rows``).
- **Publishing** refuses a draft that does not validate, whose tests fail, whose own dry
  run does not complete within the rule time limit, that holds no change, or that was
  made on a version no longer in force.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from scoring_service.access import scope
from scoring_service.assessment.standings import keep_standings
from scoring_service.domain.assessment import Evaluator, assess_counts, check_as_of
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.notices import EventType
from scoring_service.domain.ruleset import Attribution, MetricValue, Ruleset
from scoring_service.domain.versions import (
    SHIPPED,
    StoredDraft,
    StoredVersion,
    TestsSummary,
    VersionedRules,
)
from scoring_service.engine.port import RuleEvaluationStopped
from scoring_service.i18n import format_date, gettext, ngettext
from scoring_service.rules.files import (
    Checked,
    Files,
    chain_files,
    check_files,
    declared_extends,
    load_files,
    parent_of,
    read_folder,
)
from scoring_service.rules.problems import RuleFileError, RuleProblem
from scoring_service.rules.yaml_source import read_yaml
from scoring_service.rulesets.diff import RowsDiff, compare_rows, rule_changes
from scoring_service.unit_of_work import UnitOfWork

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_NOTE = 2000


class RuleProblems(InvalidRequest):
    """Rule files (or rule test files) with problems; nothing was stored."""

    def __init__(self, message: str, problems: Sequence[RuleProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


class PublishRefused(InvalidRequest):
    """A draft that may not be published, with every reason."""

    def __init__(
        self,
        message: str,
        reasons: Sequence[str],
        problems: Sequence[RuleProblem] = (),
        tests: TestsSummary | None = None,
        dry_run: str | None = None,
    ) -> None:
        self.reasons = tuple(reasons)
        self.problems = tuple(problems)
        self.tests = tests
        self.dry_run = dry_run  # why the draft's own dry run did not complete
        super().__init__(message + "\n  " + "\n  ".join(self.reasons))


def _versioned(uow: UnitOfWork) -> VersionedRules:
    """The unit of work's rule source: versions and drafts need the version-aware one."""
    rules = uow.rules
    if not isinstance(rules, VersionedRules):
        raise RuntimeError("the rule source is not version-aware (use bootstrap.make_rule_source)")
    return rules


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidRequest(
            gettext(
                "%(year)s is not a year of rule sets (%(first)s-%(last)s)",
                year=year,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )


def _check_note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise InvalidRequest(gettext("a change note is required: say what changes and why"))
    if len(note) > MAX_NOTE:
        raise InvalidRequest(gettext("the note is longer than %(most)s characters", most=MAX_NOTE))
    return note


# --- versions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extends:
    """The rule set a version or draft extends: its year and content hash."""

    year: int
    content_hash: str | None

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "content_hash": self.content_hash}


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A version of a year's rule set: stored (with its number), or the shipped files of
    ``rules/<year>/`` not recorded yet (no number)."""

    year: int
    number: int | None
    content_hash: str
    origin: str  # published (from a draft) or shipped
    in_force: bool
    extends: Extends | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    note: str | None = None
    draft: int | None = None
    tests: TestsSummary | None = None  # a version just published: its draft's rule tests

    def words(self) -> tuple[str | None, str | None]:
        """Who published the version and why, as people read them: those of the shipped
        files (recorded in English) in the language in force."""
        if self.origin != SHIPPED:
            return self.published_by, self.note
        return gettext("shipped files"), gettext(
            "the rule files of rules/%(year)s/ as shipped", year=self.year
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "year": self.year,
            "number": self.number,
            "content_hash": self.content_hash,
            "origin": self.origin,
            "extends": self.extends.to_json() if self.extends else None,
            "published_by": self.published_by,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "note": self.note,
            "draft": self.draft,
            "in_force": self.in_force,
        }
        if self.tests is not None:
            doc["tests"] = self.tests.to_json()
        return doc


@dataclass(frozen=True, slots=True)
class VersionList:
    """A year's versions, oldest first, and the content hash of the one in force."""

    year: int
    in_force: str | None
    versions: list[VersionInfo]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "in_force": self.in_force,
            "versions": [v.to_json() for v in self.versions],
        }


def _extends(year: int | None, content_hash: str | None) -> Extends | None:
    return Extends(year, content_hash) if year is not None else None


def _version(row: StoredVersion, current_hash: str | None) -> VersionInfo:
    return VersionInfo(
        year=row.year,
        number=row.number,
        content_hash=row.content_hash,
        origin=row.origin,
        in_force=row.content_hash == current_hash,
        extends=_extends(row.extends_year, row.extends_hash),
        published_by=row.published_by,
        published_at=row.published_at,
        note=row.note,
        draft=row.draft_id,
    )


def list_versions(uow: UnitOfWork, year: int) -> VersionList:
    """The year's versions, oldest first, and the one in force."""
    current = _versioned(uow).current(year)
    current_hash = current.content_hash if current else None
    with uow:
        rows = uow.rulesets.versions(year)
        in_db = uow.rulesets.in_force(year) is not None
    versions = [_version(row, current_hash) for row in rows]
    # A version in force that comes from the shipped files and was never recorded.
    if current is not None and not in_db and all(not v.in_force for v in versions):
        versions.append(
            VersionInfo(
                year=year,
                number=None,
                content_hash=current.content_hash,
                origin=SHIPPED,
                in_force=True,
                extends=(
                    _extends(current.extends, _extends_hash(current))
                    if current.extends is not None
                    else None
                ),
                published_by="shipped files",
                note=f"the rule files of rules/{year}/ as shipped (not recorded yet)",
            )
        )
    if not versions:
        raise NotFound(gettext("there is no rule set for the year %(year)s", year=year))
    return VersionList(year, current_hash, versions)


def _extends_hash(ruleset: Ruleset) -> str | None:
    parent = parent_of(ruleset)
    return parent.content_hash if parent else None


def find_version(uow: UnitOfWork, year: int, ref: str) -> StoredVersion:
    """A stored version by number (``3``) or by content hash or a prefix of it (8+ digits)."""
    ref = ref.strip().lower()
    if ref.isascii() and ref.isdigit() and len(ref) < 8:  # not "¹", which int() cannot read
        row = uow.rulesets.by_number(year, int(ref))
        if row is None:
            raise NotFound(gettext("the year %(year)s has no version %(ref)s", year=year, ref=ref))
        return row
    if len(ref) < 8 or any(c not in "0123456789abcdef" for c in ref):
        raise InvalidRequest(
            gettext(
                "%(ref)r names no version: give its number or at least 8 digits of its hash",
                ref=ref,
            )
        )
    rows = uow.rulesets.by_prefix(year, ref)
    hashes = {row.content_hash for row in rows}
    if not rows:
        raise NotFound(
            gettext("the year %(year)s has no version with hash %(ref)s", year=year, ref=ref)
        )
    if len(hashes) > 1:
        raise InvalidRequest(
            gettext(
                "%(ref)r is the start of %(count)s hashes; give more digits",
                ref=ref,
                count=len(hashes),
            )
        )
    return rows[0]


def version_files(uow: UnitOfWork, year: int, ref: str | None) -> tuple[VersionInfo, Files]:
    """A version (default: the one in force) and its own files, to read or to edit.

    The version in force when no version was published is the shipped folder: its files
    are read there, rule tests included.
    """
    rules = _versioned(uow)
    current = rules.current(year)
    current_hash = current.content_hash if current else None
    with uow:
        row = uow.rulesets.in_force(year) if ref is None else find_version(uow, year, ref)
        if row is not None:
            return _version(row, current_hash), uow.rulesets.files(row.id)
        if current is None:
            raise NotFound(gettext("there is no rule set for the year %(year)s", year=year))
        recorded = uow.rulesets.by_hash(year, current.content_hash)
    files = read_folder(rules.rules_dir / str(year))
    if recorded is not None:
        return _version(recorded, current_hash), files
    return VersionInfo(year, None, current.content_hash, SHIPPED, in_force=True), files


# --- drafts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    ruleset: Ruleset
    parent: Ruleset | None
    tests: TestsSummary


def _parent_for(year: int, files: Files, rules: VersionedRules) -> Ruleset | None:
    """The version in force of the year the files extend (None: none, the loader says so)."""
    extends = declared_extends(files)
    if extends is None or extends == year:
        return None
    return rules.current(extends)


def _prepare(year: int, files: Files, rules: VersionedRules, evaluator: Evaluator) -> _Prepared:
    parent = _parent_for(year, files, rules)
    checked = check_files(year, files, parent, evaluator)
    if checked.problems or checked.ruleset is None or checked.tests is None:
        count = len(checked.problems)
        raise RuleProblems(
            f"the draft of {year} has {count} problem{'s' if count != 1 else ''}; nothing was "
            "stored:\n  " + "\n  ".join(str(p) for p in checked.problems),
            checked.problems,
        )
    ruleset = checked.ruleset
    return _Prepared(ruleset, parent if ruleset.extends is not None else None, checked.tests)


@dataclass(frozen=True, slots=True)
class DraftCheck:
    """Files checked without storing them: their content, tests and rule changes."""

    year: int
    content_hash: str
    tests: TestsSummary
    rule_changes: list[dict[str, Any]]  # {"what", "old", "new"}
    rule_changes_from: str | None  # year and hash compared with

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "content_hash": self.content_hash,
            "tests": self.tests.to_json(),
            "rule_changes": self.rule_changes,
            "rule_changes_from": self.rule_changes_from,
        }


@dataclass(frozen=True, slots=True)
class DraftInfo:
    """A stored draft: its status, what it extends, its tests at upload; its files' paths
    (and texts, and what it changes) when asked for."""

    id: int
    year: int
    status: str  # open; stale (another version came into force); published
    content_hash: str
    extends: Extends | None
    base_hash: str | None  # the version in force when it was made
    created_by: str
    created_at: datetime
    note: str
    tests: TestsSummary
    published_version: int | None
    files: list[str] | None = None
    texts: dict[str, str] | None = None
    rule_changes: list[dict[str, Any]] | None = None
    rule_changes_from: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "year": self.year,
            "status": self.status,
            "content_hash": self.content_hash,
            "extends": self.extends.to_json() if self.extends else None,
            "base_hash": self.base_hash,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "note": self.note,
            "tests": self.tests.to_json(),
            "published_version": self.published_version,
        }
        if self.files is not None:
            doc["files"] = self.files
        if self.rule_changes is not None:
            doc["rule_changes"] = self.rule_changes
            doc["rule_changes_from"] = self.rule_changes_from
        if self.texts is not None:
            doc["texts"] = self.texts
        return doc


@dataclass(frozen=True, slots=True)
class DraftTests:
    """A stored draft's rule tests, run now."""

    draft: int
    year: int
    tests: TestsSummary


def check_draft(uow: UnitOfWork, year: int, files: Files) -> DraftCheck:
    """Validate files and run their tests without storing anything."""
    _check_year(year)
    rules = _versioned(uow)
    prepared = _prepare(year, files, rules, uow.evaluator)
    changes, changed_from = _changes(rules.current(year), prepared)
    return DraftCheck(year, prepared.ruleset.content_hash, prepared.tests, changes, changed_from)


def _changes(base: Ruleset | None, prepared: _Prepared) -> tuple[list[dict[str, Any]], str | None]:
    """What the draft changes: from the version in force, else (a new year) from its parent;
    and the year and hash it is compared with."""
    against = base or prepared.parent
    label = None
    if against is not None:
        label = f"{against.year} {against.content_hash[:12]}"
    return rule_changes(against, prepared.ruleset), label


def create_draft(uow: UnitOfWork, year: int, files: Files, *, note: str = "") -> DraftInfo:
    """Store a draft of the year's rule set, with its audit entry; refused
    (``RuleProblems``) unless it validates."""
    actor = uow.actor
    scope.require_unscoped(actor, "a rule set draft")
    _check_year(year)
    note = _check_note(note, required=False)
    rules = _versioned(uow)
    prepared = _prepare(year, files, rules, uow.evaluator)
    base = rules.current(year)
    ruleset = prepared.ruleset
    with uow:
        parent_hash = None
        if prepared.parent is not None:
            # Pin what the draft extends, so it can be found by hash at publishing.
            parent_hash = uow.rulesets.record(prepared.parent).content_hash
        row = uow.rulesets.add_draft(
            year=year,
            content_hash=ruleset.content_hash,
            extends_year=ruleset.extends,
            extends_hash=parent_hash,
            base_hash=base.content_hash if base else None,
            created_by=actor.name,
            note=note,
            tests=prepared.tests,
            files=files,
        )
        uow.audit(
            "ruleset_draft.create",
            "ruleset_draft",
            str(row.id),
            year=year,
            detail={"content_hash": ruleset.content_hash, "files": sorted(files)},
        )
        uow.commit()
        info = _draft(row, files, base.content_hash if base else None)
    changes, changed_from = _changes(base, prepared)
    return replace(info, rule_changes=changes, rule_changes_from=changed_from)


def _draft(row: StoredDraft, files: Files | None, current_hash: str | None) -> DraftInfo:
    if row.published_version is not None:
        status = "published"
    elif row.base_hash != current_hash:
        status = "stale"  # another version came into force since: publishing is refused
    else:
        status = "open"
    return DraftInfo(
        id=row.id,
        year=row.year,
        status=status,
        content_hash=row.content_hash,
        extends=_extends(row.extends_year, row.extends_hash),
        base_hash=row.base_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        note=row.note,
        tests=row.tests,
        published_version=row.published_version,
        files=None if files is None else sorted(files),
    )


def _load_draft(
    uow: UnitOfWork, year: int, draft_id: int, *, for_update: bool = False
) -> tuple[StoredDraft, Files]:
    row = uow.rulesets.draft(draft_id, lock=for_update)
    if row is None or row.year != year:
        raise NotFound(
            gettext(
                "the year %(year)s has no rule set draft %(draft_id)s", year=year, draft_id=draft_id
            )
        )
    return row, uow.rulesets.draft_files(row.id)


def get_draft(uow: UnitOfWork, year: int, draft_id: int, *, with_texts: bool = False) -> DraftInfo:
    """A draft: its status, what it extends, its tests at upload, its files (and texts)."""
    current = _versioned(uow).current(year)
    with uow:
        row, files = _load_draft(uow, year, draft_id)
    info = _draft(row, files, current.content_hash if current else None)
    return replace(info, texts=dict(files)) if with_texts else info


def list_drafts(uow: UnitOfWork, year: int) -> list[DraftInfo]:
    """The year's drafts, oldest first."""
    current = _versioned(uow).current(year)
    with uow:
        rows = uow.rulesets.drafts(year)
    return [_draft(row, None, current.content_hash if current else None) for row in rows]


def _draft_parent(row: StoredDraft, rules: VersionedRules) -> Ruleset | None:
    if row.extends_year is None or row.extends_hash is None:
        return None
    parent = rules.by_hash(row.extends_year, row.extends_hash)
    if parent is None:
        raise Conflict(
            gettext(
                "draft %(id)s extends %(extends_year)s version %(rules)s, which is no longer "
                "known; make a new draft",
                id=row.id,
                extends_year=row.extends_year,
                rules=row.extends_hash[:12],
            )
        )
    return parent


def test_draft(uow: UnitOfWork, year: int, draft_id: int) -> DraftTests:
    """Run a stored draft's rule tests now."""
    with uow:
        row, files = _load_draft(uow, year, draft_id)
    checked = check_files(year, files, _draft_parent(row, _versioned(uow)), uow.evaluator)
    if checked.problems or checked.tests is None:
        raise RuleProblems(
            gettext("draft %(draft_id)s does not validate", draft_id=draft_id), checked.problems
        )
    return DraftTests(draft_id, year, checked.tests)


# --- dry run ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DryRun:
    """A dry run: the year's units scored under the version in force and under a draft at
    the same date, with what changes (``diff``: only the units where something did)."""

    title: str
    year: int
    as_of: date
    data_revision: int
    published_number: int | None  # None: the shipped version, not recorded yet
    published_hash: str
    draft_id: int | None  # None: files not stored
    draft_hash: str
    notes: list[str]
    rule_changes: list[dict[str, Any]]  # {"what", "old", "new"}
    diff: RowsDiff

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "data_revision": self.data_revision,
            "published": {"number": self.published_number, "content_hash": self.published_hash},
            "draft": {"id": self.draft_id, "content_hash": self.draft_hash},
            "notes": self.notes,
            "rule_changes": self.rule_changes,
            "summary": self.diff.summary(),
            "units": [change.to_json() for change in self.diff.changes],
        }


@dataclass(frozen=True, slots=True)
class _Scored:
    """Both sides of a dry run scored: the data revision and version in force read with
    the counts, and the rows compared."""

    revision: int
    number: int | None
    diff: RowsDiff


def dry_run(
    uow: UnitOfWork,
    year: int,
    *,
    draft_id: int | None = None,
    files: Files | None = None,
    as_of: date | None = None,
) -> DryRun:
    """Score the year's data under the version in force and under a draft; what changes.

    The draft is a stored one (``draft_id``) or files not stored (``files``). Both sides
    use the same data (one read) and the same as-of date: ``as_of``, else the cutoff of
    the version in force.
    """
    _check_year(year)
    published = _versioned(uow).current(year)
    if published is None:
        raise NotFound(
            gettext("there is no rule set in force for %(year)s to compare a draft with", year=year)
        )
    draft, draft_label = _dry_run_draft(uow, year, draft_id, files)
    day = as_of or published.cutoff
    check_as_of(year, day)
    scored = _score_both(uow, year, day, published, draft)
    in_force = (
        gettext("version %(number)s", number=scored.number)
        if scored.number is not None
        else gettext("the shipped version")
    )
    notes = []
    if as_of is None and draft.cutoff != published.cutoff:
        notes.append(
            gettext(
                "the draft's cutoff is %(cutoff)s; both sides are scored as of %(day)s, the "
                "cutoff in force (give an as-of date to choose)",
                cutoff=format_date(draft.cutoff),
                day=format_date(day),
            )
        )
    title = gettext(
        "Dry run of %(draft)s (rules %(draft_rules)s) against %(in_force)s "
        "(rules %(rules)s) of %(year)s, as of %(day)s, data revision %(revision)s",
        draft=draft_label,
        draft_rules=draft.content_hash[:12],
        in_force=in_force,
        rules=published.content_hash[:12],
        year=year,
        day=format_date(day),
        revision=scored.revision,
    )
    return DryRun(
        title=title,
        year=year,
        as_of=day,
        data_revision=scored.revision,
        published_number=scored.number,
        published_hash=published.content_hash,
        draft_id=draft_id,
        draft_hash=draft.content_hash,
        notes=notes,
        rule_changes=rule_changes(published, draft),
        diff=scored.diff,
    )


def _dry_run_draft(
    uow: UnitOfWork, year: int, draft_id: int | None, files: Files | None
) -> tuple[Ruleset, str]:
    """The draft a dry run scores, loaded (a stored one, else files), and how it is named."""
    rules = _versioned(uow)
    if draft_id is not None:
        with uow:
            row, draft_files = _load_draft(uow, year, draft_id)
        try:
            draft = load_files(year, draft_files, _draft_parent(row, rules))
        except RuleFileError as error:
            raise RuleProblems(
                gettext(
                    "draft %(draft_id)s does not load: %(error)s", draft_id=draft_id, error=error
                ),
                error.problems,
            ) from None
        return draft, gettext("draft %(id)s", id=draft_id)
    if files is not None:
        try:
            draft = load_files(year, files, _parent_for(year, files, rules))
        except RuleFileError as error:
            raise RuleProblems(
                gettext("the draft of %(year)s has problems:\n%(error)s", year=year, error=error),
                error.problems,
            ) from None
        return draft, gettext("the draft")
    raise InvalidRequest(gettext("name a draft: a stored draft's id, or its files"))


def _score_both(
    uow: UnitOfWork, year: int, day: date, published: Ruleset, draft: Ruleset
) -> _Scored:
    """The year's units scored at ``day`` under both rule sets, from one read of the data."""
    with uow:
        if not uow.years.exists(year):
            raise NotFound(
                gettext("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        revision = uow.years.revision(year)
        version = uow.rulesets.by_hash(year, published.content_hash)
        # The counts depend on the data, the date and attribution only: when the draft
        # changes rules alone, both sides share one aggregate and only evaluation reruns.
        sides = [published, draft]
        kinds = sorted({k for side in sides for k in side.scored_kinds})
        units = uow.index.scored_units(year, kinds)
        counts = {
            key: uow.index.counts(year, day, side.attribution, kinds)
            for key, side in {_counts_key(side): side for side in sides}.items()
        }
    before, after = (
        assess_counts(year, units, counts[_counts_key(side)], side, day, uow.evaluator)
        for side in sides
    )
    diff = compare_rows(before.rows(), after.rows(), published, draft)
    return _Scored(revision, version.number if version is not None else None, diff)


def _counts_key(ruleset: Ruleset) -> Attribution:
    """What a side's counts depend on besides the data and the date: its attribution (the
    counts cover the scored kinds of both sides)."""
    return ruleset.attribution


# --- publishing ------------------------------------------------------------------------------


def publish_draft(uow: UnitOfWork, year: int, draft_id: int, *, note: str) -> VersionInfo:
    """Make a draft the year's version in force, with its audit entry; score runs made
    before keep their own."""
    actor = uow.actor
    scope.require_unscoped(actor, "publishing a rule set")
    _check_year(year)
    note = _check_note(note, required=True)
    rules = _versioned(uow)
    # Read, then checked outside any transaction (the rule tests take a while); the write
    # below locks the draft and checks again that nothing changed meanwhile.
    with uow:
        row, files = _load_draft(uow, year, draft_id)
    current = rules.current(year)
    current_hash = current.content_hash if current else None
    _require_publishable(row, current_hash)
    parent = _draft_parent(row, rules)
    checked = _recheck(uow, row, files, parent)
    if current_hash == row.content_hash:
        raise Conflict(
            gettext(
                "draft %(draft_id)s holds the same rules as the version in force: nothing to "
                "publish",
                draft_id=draft_id,
            )
        )
    with uow:
        locked, _ = _load_draft(uow, year, draft_id, for_update=True)
        latest = uow.rulesets.in_force(year)
        if locked.published_version is not None or (
            latest is not None and latest.content_hash != row.base_hash
        ):
            raise Conflict(
                gettext(
                    "draft %(draft_id)s was published, or another version came first; retry",
                    draft_id=draft_id,
                )
            )
        if current is not None:
            uow.rulesets.record(current)  # the version it replaces stays in the history
        if parent is not None:
            uow.rulesets.record(parent)
        version = uow.rulesets.publish(row, files, published_by=actor.name, note=note)
        uow.audit(
            "ruleset.publish",
            "ruleset_version",
            f"{year}/{version.number}",
            year=year,
            detail={"draft": row.id, "content_hash": row.content_hash, "note": note},
        )
        uow.notify(
            EventType.RULESET_PUBLISHED,
            year=year,
            subject=f"{year}/{version.number}",
            data={
                "version": version.number,
                "content_hash": row.content_hash,
                "note": note,
                "published_by": actor.name,
            },
        )
        uow.commit()
        info = _version(version, row.content_hash)
    # The standings kept from the counts hold for the rules replaced: score them again.
    keep_standings(uow, year)
    return replace(info, tests=checked.tests)


def _require_publishable(row: StoredDraft, current_hash: str | None) -> None:
    """Refuse a draft published already, or made on a version no longer in force."""
    if row.published_version is not None:
        raise Conflict(
            gettext(
                "draft %(draft_id)s was published already, as version %(published_version)s",
                draft_id=row.id,
                published_version=row.published_version,
            )
        )
    if current_hash != row.base_hash:
        made_on, now = (row.base_hash or "none")[:12], (current_hash or "none")[:12]
        raise Conflict(
            gettext(
                "the rule set of %(year)s in force changed since draft %(draft_id)s was made "
                "(made on %(made_on)s, in force now %(now)s); make a new draft from the "
                "version in force",
                year=row.year,
                draft_id=row.id,
                made_on=made_on,
                now=now,
            )
        )


def _recheck(uow: UnitOfWork, row: StoredDraft, files: Files, parent: Ruleset | None) -> Checked:
    """The draft's files checked again before publishing: they validate, load to the content
    uploaded, pass their rule tests and complete their own dry run; else every reason."""
    checked = check_files(row.year, files, parent, uow.evaluator)
    reasons = [str(problem) for problem in checked.problems]
    if checked.ruleset is not None and checked.ruleset.content_hash != row.content_hash:
        reasons.append(gettext("the draft no longer loads to the content it was uploaded with"))
    if checked.tests is not None and checked.tests.failed:
        reasons.append(
            ngettext(
                "%(num)s rule test of %(cases)s fails:",
                "%(num)s rule tests of %(cases)s fail:",
                checked.tests.failed,
                cases=checked.tests.cases,
            )
        )
        reasons += [f"  {line}" for line in checked.tests.failures]
    stopped = None
    if not reasons and checked.ruleset is not None:
        stopped = _dry_run_stops(uow, row.year, row.id, checked.ruleset)
        if stopped:
            reasons.append(stopped)
    if reasons:
        raise PublishRefused(
            gettext("draft %(draft_id)s cannot be published", draft_id=row.id),
            reasons,
            checked.problems,
            checked.tests,
            stopped,
        )
    assert checked.ruleset is not None
    return checked


# A unit with nothing, and one with a little of everything: a draft is scored on them even
# when the year holds no data yet.
_PROBES: tuple[dict[str, MetricValue], ...] = (
    {
        "findings": 0,
        "due": 0,
        "on_time": 0,
        "late": 0,
        "overdue": 0,
        "open": 0,
        "overdue_major": 0,
        "fakes": 0,
        "repeats": 0,
        "rate": None,
    },
    {
        "findings": 4,
        "due": 3,
        "on_time": 1,
        "late": 1,
        "overdue": 1,
        "open": 1,
        "overdue_major": 1,
        "fakes": 1,
        "repeats": 1,
        "rate": 1,
    },
)


def _dry_run_stops(uow: UnitOfWork, year: int, draft_id: int, draft: Ruleset) -> str | None:
    """Why the draft's own dry run did not complete (None: it did): scored on the probe
    units, then on the year's data when it is held, each under the rule time limit."""
    try:
        uow.evaluator.evaluate(draft, _PROBES)
        # No data held for the year yet (NotFound): the probes are its dry run.
        if _versioned(uow).current(year) is not None:
            with contextlib.suppress(NotFound):
                dry_run(uow, year, draft_id=draft_id)
    except RuleEvaluationStopped as error:
        return gettext("its dry run did not complete: %(error)s", error=error)
    return None


# --- a new year ------------------------------------------------------------------------------


def new_year_files(uow: UnitOfWork, year: int, *, from_year: int) -> dict[str, str]:
    """The files of a new year that extends ``from_year``: its own cutoff and alert dates."""
    _check_year(year)
    rules = _versioned(uow)
    if year <= from_year:
        raise InvalidRequest(
            gettext(
                "a new year comes after the one it extends (%(year)s <= %(from_year)s)",
                year=year,
                from_year=from_year,
            )
        )
    parent = rules.current(from_year)
    if parent is None:
        raise NotFound(
            gettext(
                "there is no rule set for %(from_year)s to start %(year)s from",
                from_year=from_year,
                year=year,
            )
        )
    if rules.current(year) is not None:
        raise Conflict(
            gettext("%(year)s has a rule set already; draft changes to it instead", year=year)
        )
    ruleset = (
        f"# {year} rule set: the {from_year} one ({parent.content_hash[:12]}) with these changes.\n"
        f"# Write only what differs: mappings merge key by key, rules merge by id, other lists\n"
        f"# are replaced whole (rules/README.md). The catalogue is inherited unless a\n"
        f"# catalogue.yaml is added here.\n"
        f"year: {year}\n"
        f"extends: {from_year}\n"
        f"name: {year}年度督查整改考核规则\n"
        f"reference: {_yaml_text(_own_reference(parent))}\n"
        f"\n"
        f"parameters:\n"
        f"  cutoff: {year}-12-31\n"
        f"  alerts:\n"
        f"    inspections_from: {year}-01-01\n"
    )
    rules_text = (
        f"# {year} rules: only what changes from {from_year}. A rule with a known id replaces\n"
        f"# the keys it writes (its name and reference are inherited); a new id adds a rule.\n"
        f"#   - id: R1\n"
        f"#     when: rate >= 0.98 and overdue_major == 0\n"
        f"rules: []\n"
    )
    tests_text = (
        f"# Rule tests of {year}: cases of one unit's metrics (or of a small bundle) and what\n"
        f"# they must give; `rules test` runs them, and publishing refuses a draft whose tests\n"
        f'# fail. See rules/README.md, "Rule tests".\n'
        f"year: {year}\n"
        f"cases: []\n"
    )
    return {"ruleset.yaml": ruleset, "rules.yaml": rules_text, "tests/cases.yaml": tests_text}


def _own_reference(parent: Ruleset) -> str:
    own = chain_files(parent).get(parent.year, {}).get("ruleset.yaml", "")
    source, _ = read_yaml("ruleset.yaml", own)
    value = source.value if source is not None else None
    reference = value.get("reference") if isinstance(value, dict) else None
    return (
        reference if isinstance(reference, str) and reference else "(the document the rules follow)"
    )


def _yaml_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def start_new_year(
    uow: UnitOfWork, year: int, *, from_year: int
) -> tuple[DraftInfo, dict[str, str]]:
    """Start ``year`` from ``from_year``: store its first draft; return it and its files."""
    files = new_year_files(uow, year, from_year=from_year)
    draft = create_draft(uow, year, files, note=f"new year {year}, started from {from_year}")
    return draft, files
