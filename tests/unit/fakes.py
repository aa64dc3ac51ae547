"""Fakes for testing services without a database: a unit of work whose repositories keep
everything in memory, as cosmicpython's ``FakeUnitOfWork`` does."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from scoring_service.access import scope
from scoring_service.access.roles import Principal, command_line
from scoring_service.db.queries import Page, list_page
from scoring_service.domain.assessment import Counts, Evaluator, replayed_counts
from scoring_service.domain.model import Event, Finding, Unit, UnitKind, YearData
from scoring_service.domain.rectification import (
    EvidenceFile,
    ExtensionRequest,
    Report,
    ReportState,
    RequestState,
)
from scoring_service.domain.ruleset import Attribution, Ruleset, RuleSource
from scoring_service.domain.versions import (
    PUBLISHED,
    SHIPPED,
    StoredDraft,
    StoredVersion,
    TestsSummary,
)
from scoring_service.evidence.files import Upload
from scoring_service.results import ScoreRun, ScoreRunInfo, YearSummary
from scoring_service.rules.files import chain_files, parent_of
from scoring_service.unit_of_work import UnitOfWork


class FakeYears:
    def __init__(self) -> None:
        self.held: dict[int, YearData] = {}
        self.revisions: dict[int, int] = {}

    def exists(self, year: int) -> bool:
        return year in self.held

    def revision(self, year: int) -> int:
        return self.revisions.get(year, 0)

    def summary(self) -> list[YearSummary]:
        return [
            YearSummary(
                year=y,
                revision=self.revisions[y],
                imported_at=None,
                units=len(d.units),
                inspections=len(d.inspections),
                findings=len(d.findings),
                events=len(d.events),
            )
            for y, d in sorted(self.held.items())
        ]

    def load(self, year: int) -> YearData | None:
        return self.held.get(year)

    def load_for_alerts(self, year: int, as_of: date) -> YearData | None:
        return self.held.get(year)

    def replace(self, data: YearData, *, existing: bool) -> None:
        assert existing == (data.year in self.held)
        self.held[data.year] = data
        self.revisions[data.year] = self.revisions.get(data.year, 0) + 1


class FakeIndex:
    """The assessment index over the fake years, by replaying them (the reference path)."""

    def __init__(self, years: FakeYears) -> None:
        self.years = years

    def scored_units(self, year: int, kinds: Collection[UnitKind]) -> list[Unit]:
        return [u for u in self.years.held[year].units if u.kind in kinds]

    def counts(
        self, year: int, as_of: date, attribution: Attribution, kinds: Collection[UnitKind]
    ) -> list[Counts]:
        return replayed_counts(self.years.held[year], attribution, kinds, as_of)


class FakeRuns:
    def __init__(self) -> None:
        self.stored: list[ScoreRun] = []

    def add(self, **run: Any) -> int:
        self.stored.append(ScoreRun(id=len(self.stored) + 1, created_at=datetime.now(UTC), **run))
        return len(self.stored)

    def get(self, run_id: int) -> ScoreRun | None:
        return next((r for r in self.stored if r.id == run_id), None)

    def info(self, run_id: int) -> ScoreRunInfo | None:
        run = self.get(run_id)
        return None if run is None else run.info

    def latest(self, year: int, as_of: date | None) -> ScoreRun | None:
        found = [r for r in self.stored if r.year == year and (as_of is None or r.as_of == as_of)]
        return found[-1] if found else None

    def latest_info(self, year: int, as_of: date | None) -> ScoreRunInfo | None:
        run = self.latest(year, as_of)
        return None if run is None else run.info

    def rows(
        self, run_id: int, *, kind: str | None = None, start: int = 0, count: int | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        run = self.get(run_id)
        rows = [r for r in (run.rows if run else []) if kind is None or r["kind"] == kind]
        end = None if count is None else start + count
        return rows[start:end], len(rows)

    def page(
        self, year: int, *, as_of: date | None, limit: int, cursor: str | None
    ) -> Page[ScoreRunInfo]:
        runs = [
            replace(r.info, kind_counts=r.kind_counts)
            for r in reversed(self.stored)
            if r.year == year
        ]
        return list_page(runs, tag=f"runs:{year}", limit=limit, cursor=cursor)


class FakeFindings:
    """Single findings over the fake years; a scoped principal reads a finding found at or
    answered for by a unit of its scope (the fakes have no unit tree)."""

    def __init__(self, years: FakeYears) -> None:
        self.years = years

    def years_of(self, code: str) -> list[int]:
        return sorted(
            y for y, d in self.years.held.items() if any(f.code == code for f in d.findings)
        )

    def readable(self, year: int, code: str, actor: Principal, attribution: Attribution) -> bool:
        finding = self.get(year, code)
        return finding is not None and actor.sees([finding.unit, *finding.responsible])

    def get(self, year: int, code: str) -> Finding | None:
        return next((f for f in self.years.held[year].findings if f.code == code), None)

    def lock(self, year: int, code: str) -> Finding | None:
        return self.get(year, code)

    def events(self, year: int, code: str) -> list[Event]:
        return [e for e in self.years.held[year].events if e.finding == code]

    def county(self, year: int, inspection: str) -> str | None:
        return next(
            (i.county for i in self.years.held[year].inspections if i.code == inspection), None
        )

    def append(self, year: int, finding: Finding, event: Event) -> Event:
        held = self.years.held[year].events
        stored = replace(event, seq=max((e.seq for e in held), default=0) + 1)
        held.append(stored)
        self.years.revisions[year] = self.years.revisions.get(year, 0) + 1
        return stored


class FakeReports:
    def __init__(self) -> None:
        self.held: dict[int, Report] = {}

    def add(self, report: Report) -> Report:
        stored = replace(report, id=len(self.held) + 1)
        self.held[stored.id] = stored
        return stored

    def get(self, report_id: int, *, lock: bool = False) -> Report | None:
        return self.held.get(report_id)

    def of_finding(self, year: int, code: str) -> list[Report]:
        return [r for r in self.held.values() if (r.year, r.finding) == (year, code)]

    def waiting(self, year: int, code: str) -> bool:
        return any(r.state is ReportState.SUBMITTED for r in self.of_finding(year, code))

    def of_year(
        self,
        year: int,
        *,
        state: ReportState | None = None,
        actor: Principal | None = None,
        attribution: Attribution | None = None,
    ) -> list[Report]:
        return [r for r in self.held.values() if r.year == year and state in (None, r.state)]

    def decide(self, report: Report) -> None:
        self.held[report.id] = report


class FakeExtensionRequests:
    def __init__(self) -> None:
        self.held: dict[int, ExtensionRequest] = {}

    def add(self, request: ExtensionRequest) -> ExtensionRequest:
        stored = replace(request, id=len(self.held) + 1)
        self.held[stored.id] = stored
        return stored

    def get(self, request_id: int, *, lock: bool = False) -> ExtensionRequest | None:
        return self.held.get(request_id)

    def of_finding(self, year: int, code: str) -> list[ExtensionRequest]:
        return [r for r in self.held.values() if (r.year, r.finding) == (year, code)]

    def of_year(
        self,
        year: int,
        *,
        state: RequestState | None = None,
        actor: Principal | None = None,
        attribution: Attribution | None = None,
    ) -> list[ExtensionRequest]:
        return [r for r in self.held.values() if r.year == year and state in (None, r.state)]

    def decide(self, request: ExtensionRequest) -> None:
        self.held[request.id] = request


class FakeEvidence:
    """Evidence rows and bytes in one dictionary."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def keep(self, uploads: list[Upload]) -> list[EvidenceFile]:
        kept = []
        for position, u in enumerate(uploads):
            self.files[u.sha256] = u.content
            kept.append(
                EvidenceFile(position, u.name, u.sha256, len(u.content), u.media_type, u.phash)
            )
        return kept

    def content(self, sha256: str) -> bytes | None:
        return self.files.get(sha256)


class FakeRulesets:
    """Rule set versions and drafts in memory; ids and numbers count from 1 as stored."""

    def __init__(self) -> None:
        self.stored: list[StoredVersion] = []
        self.texts: dict[int, dict[str, str]] = {}  # version id -> its own files
        self.held_drafts: dict[int, StoredDraft] = {}
        self.draft_texts: dict[int, dict[str, str]] = {}

    def in_force(self, year: int) -> StoredVersion | None:
        published = [v for v in self.stored if v.year == year and v.origin == PUBLISHED]
        return published[-1] if published else None

    def versions(self, year: int) -> list[StoredVersion]:
        return [v for v in self.stored if v.year == year]

    def by_number(self, year: int, number: int) -> StoredVersion | None:
        return next((v for v in self.versions(year) if v.number == number), None)

    def by_hash(self, year: int, content_hash: str) -> StoredVersion | None:
        return next((v for v in self.versions(year) if v.content_hash == content_hash), None)

    def by_prefix(self, year: int, prefix: str) -> list[StoredVersion]:
        return [v for v in self.versions(year) if v.content_hash.startswith(prefix)]

    def files(self, version_id: int) -> dict[str, str]:
        return dict(self.texts.get(version_id, {}))

    def _add(self, **version: Any) -> StoredVersion:
        number = 1 + max((v.number for v in self.versions(version["year"])), default=0)
        files = version.pop("files")
        stored = StoredVersion(
            id=len(self.stored) + 1, number=number, published_at=datetime.now(UTC), **version
        )
        self.stored.append(stored)
        self.texts[stored.id] = dict(files)
        return stored

    def record(self, ruleset: Ruleset) -> StoredVersion:
        found = self.by_hash(ruleset.year, ruleset.content_hash)
        if found is not None:
            return found
        parent = parent_of(ruleset)
        return self._add(
            year=ruleset.year,
            content_hash=ruleset.content_hash,
            origin=SHIPPED,
            extends_year=ruleset.extends,
            extends_hash=self.record(parent).content_hash if parent is not None else None,
            published_by="shipped files",
            note="recorded when used",
            draft_id=None,
            files=chain_files(ruleset).get(ruleset.year, {}),
        )

    def publish(
        self, draft: StoredDraft, files: dict[str, str], *, published_by: str, note: str
    ) -> StoredVersion:
        version = self._add(
            year=draft.year,
            content_hash=draft.content_hash,
            origin=PUBLISHED,
            extends_year=draft.extends_year,
            extends_hash=draft.extends_hash,
            published_by=published_by,
            note=note,
            draft_id=draft.id,
            files=files,
        )
        self.held_drafts[draft.id] = replace(draft, published_version=version.number)
        return version

    def add_draft(self, *, tests: TestsSummary, files: dict[str, str], **draft: Any) -> StoredDraft:
        stored = StoredDraft(
            id=len(self.held_drafts) + 1,
            created_at=datetime.now(UTC),
            tests=tests,
            published_version=None,
            **draft,
        )
        self.held_drafts[stored.id] = stored
        self.draft_texts[stored.id] = dict(files)
        return stored

    def draft(self, draft_id: int, *, lock: bool = False) -> StoredDraft | None:
        return self.held_drafts.get(draft_id)

    def draft_files(self, draft_id: int) -> dict[str, str]:
        return dict(self.draft_texts[draft_id])

    def drafts(self, year: int) -> list[StoredDraft]:
        return [d for _, d in sorted(self.held_drafts.items()) if d.year == year]


class FakeUnitOfWork(UnitOfWork):
    """Repositories in memory; ``committed`` counts commits and ``audited`` keeps the audit
    entries of committed work only (an entry not committed is lost, as in a database)."""

    def __init__(
        self,
        rules: RuleSource,
        evaluator: Evaluator | None = None,
        actor: Principal | None = None,
    ) -> None:
        super().__init__(None, rules, evaluator, actor or command_line())  # type: ignore[arg-type]
        self.years = FakeYears()  # type: ignore[assignment]
        self.runs = FakeRuns()  # type: ignore[assignment]
        self.index = FakeIndex(self.years)  # type: ignore[assignment,arg-type]
        self.findings = FakeFindings(self.years)  # type: ignore[assignment]
        self.reports = FakeReports()  # type: ignore[assignment]
        self.extension_requests = FakeExtensionRequests()  # type: ignore[assignment]
        self.evidence = FakeEvidence()  # type: ignore[assignment]
        self.rulesets = FakeRulesets()  # type: ignore[assignment]
        self.committed = 0
        self.audited: list[tuple[str, str, str]] = []
        self._pending: list[tuple[str, str, str]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending.clear()  # left without commit: nothing of it is kept

    def reach(self, year: int) -> scope.Reach:
        """The scope's units themselves (the fakes have no unit tree)."""
        return scope.EVERYTHING if self.actor.scope is None else scope.Reach(self.actor.scope)

    def commit(self) -> None:
        self.committed += 1
        self.audited += self._pending
        self._pending.clear()

    def audit(
        self,
        action: str,
        record_type: str,
        record_key: str,
        *,
        year: int | None = None,
        detail: Any = None,
    ) -> None:
        self._pending.append((action, record_type, record_key))
