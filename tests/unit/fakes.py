"""Fakes for testing services without a database: a unit of work whose repositories keep
everything in memory, as cosmicpython's ``FakeUnitOfWork`` does."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from scoring_service.access.roles import command_line
from scoring_service.access.scope import sees_finding
from scoring_service.domain.assessment import Counts, Evaluator, finding_facts, replayed_counts
from scoring_service.domain.evidence import Upload
from scoring_service.domain.model import (
    Event,
    Finding,
    FindingFilter,
    Group,
    Inspection,
    Pairing,
    Unit,
    UnitKind,
    YearData,
)
from scoring_service.domain.notices import ChannelStatus, Delivery, DeliveryState, Notice, Webhook
from scoring_service.domain.notices import EventType as NoticeType
from scoring_service.domain.pages import Page, list_page
from scoring_service.domain.principals import (
    EVERYTHING,
    AccountInfo,
    NameTaken,
    Principal,
    Reach,
    Role,
    TokenInfo,
    UsernameTaken,
)
from scoring_service.domain.rectification import (
    EvidenceFile,
    ExtensionRequest,
    Report,
    ReportState,
    RequestState,
)
from scoring_service.domain.results import ScoreRun, ScoreRunInfo, YearSummary
from scoring_service.domain.ruleset import Attribution, Ruleset, RuleSource
from scoring_service.domain.versions import (
    PUBLISHED,
    SHIPPED,
    StoredDraft,
    StoredVersion,
    TestsSummary,
)
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

    def process_revision(self, year: int) -> int:
        # Every write counts as one the process alerts read: never stale, only slower.
        return self.revision(year)

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

    def create(self, year: int) -> None:
        self.held[year] = YearData(year)

    def bump_revision(self, year: int) -> int:
        self.revisions[year] = self.revisions.get(year, 0) + 1
        return self.revisions[year]

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
        self,
        year: int,
        as_of: date,
        attribution: Attribution,
        kinds: Collection[UnitKind],
        units: Collection[str] | None = None,
    ) -> list[Counts]:
        found = replayed_counts(self.years.held[year], attribution, kinds, as_of)
        return found if units is None else [c for c in found if c.unit in units]

    def changed_since(self, year: int, after: int, upto: int) -> dict[str, date] | None:
        """The fakes note no changes: every unit's may have changed."""
        return None

    def counting_units(
        self, year: int, codes: Collection[str], attribution: Attribution
    ) -> dict[str, list[str]]:
        """Where each finding was found and who answers for it (the fakes have no tree)."""
        return {
            f.code: [f.unit, *f.responsible]
            for f in self.years.held[year].findings
            if f.code in codes
        }


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
        return finding is not None and _reads(actor, finding)

    def page(
        self,
        year: int,
        filt: FindingFilter,
        as_of: date,
        actor: Principal,
        attribution: Attribution,
        *,
        limit: int,
        cursor: str | None,
    ) -> Page[Finding]:
        """By the stored fields only (the fakes keep no timelines or unit tree)."""
        assert not filt.needs_state and filt.counts_for is None and filt.group is None
        wanted = [
            f
            for f in sorted(self.years.held[year].findings, key=lambda f: f.code)
            if _reads(actor, f)
            and filt.unit in (None, f.unit)
            and filt.inspection in (None, f.inspection)
            and filt.category in (None, f.category)
            and filt.criterion in (None, f.criterion)
            and filt.severity in (None, f.severity)
        ]
        return list_page(wanted, tag="findings", limit=limit, cursor=cursor)

    def tally(
        self, year: int, as_of: date, actor: Principal, attribution: Attribution
    ) -> list[tuple[str, str, str, int]]:
        counted: dict[tuple[str, str, str], int] = {}
        for facts in finding_facts(self.years.held[year], as_of).values():
            f = facts.finding
            if _reads(actor, f):
                key = (f.category, f.severity.value, facts.outcome.value)
                counted[key] = counted.get(key, 0) + 1
        return [(*key, n) for key, n in counted.items()]

    def history(
        self, year: int, of: Sequence[Finding], as_of: date
    ) -> tuple[list[Finding], list[Event]]:
        return list(self.years.held[year].findings), list(self.years.held[year].events)

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

    def append(
        self, year: int, finding: Finding, event: Event, history: Sequence[Event] | None = None
    ) -> Event:
        held = self.years.held[year].events
        stored = replace(event, seq=max((e.seq for e in held), default=0) + 1)
        held.append(stored)
        self.years.revisions[year] = self.years.revisions.get(year, 0) + 1
        return stored


def _reads(actor: Principal, finding: Finding) -> bool:
    """The scope rule without a unit tree: found at, or answered for by, a scope's unit."""
    where = EVERYTHING if actor.scope is None else Reach(actor.scope)
    return sees_finding(where, finding.unit, finding.responsible)


class FakeStructure:
    """Units, pairings and groups kept in the fake years, in stored order."""

    def __init__(self, years: FakeYears) -> None:
        self.years = years

    def _data(self, year: int) -> YearData:
        return self.years.held[year]

    def _under(self, year: int, roots: Collection[str]) -> set[str]:
        """The units of ``roots`` and every unit under them (by parents)."""
        found = set(roots)
        for _ in range(3):  # village -> town -> county
            found |= {u.code for u in self._data(year).units if u.parent in found}
        return found

    def unit(self, year: int, code: str) -> Unit | None:
        return next((u for u in self._data(year).units if u.code == code), None)

    def has_unit(self, year: int, code: str) -> bool:
        return self.unit(year, code) is not None

    def add_unit(self, year: int, unit: Unit) -> None:
        self._data(year).units.append(unit)

    def set_unit(self, year: int, unit: Unit) -> None:
        units = self._data(year).units
        units[[u.code for u in units].index(unit.code)] = unit

    def unit_names(self, year: int, codes: Collection[str]) -> dict[str, str]:
        return {u.code: u.name for u in self._data(year).units if u.code in codes}

    def units(self, year: int) -> list[Unit]:
        return list(self._data(year).units)

    def ancestors(self, year: int, code: str) -> list[Unit]:
        chain: list[Unit] = []
        unit = self.unit(year, code)
        while unit is not None:
            chain.append(replace(unit, name=""))
            unit = None if unit.parent is None else self.unit(year, unit.parent)
        return chain

    def units_page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        kind: UnitKind | None,
        parent: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Unit]:
        inside = None if within is None else self._under(year, within)
        units = [
            u
            for u in sorted(self._data(year).units, key=lambda u: u.code)
            if (inside is None or u.code in inside)
            and kind in (None, u.kind)
            and parent in (None, u.parent)
        ]
        return list_page(units, tag=f"units:{year}", limit=limit, cursor=cursor)

    def has_pairing(self, year: int, helping_unit: str, village: str) -> bool:
        return Pairing(helping_unit, village) in self._data(year).pairings

    def add_pairing(self, year: int, pairing: Pairing) -> None:
        self._data(year).pairings.append(pairing)

    def delete_pairing(self, year: int, helping_unit: str, village: str) -> None:
        self._data(year).pairings.remove(Pairing(helping_unit, village))

    def pairings(self, year: int) -> list[Pairing]:
        return list(self._data(year).pairings)

    def pairings_of_village(self, year: int, village: str) -> list[Pairing]:
        return [p for p in self._data(year).pairings if p.village == village]

    def pairings_page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        helping_unit: str | None,
        village: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Pairing]:
        inside = None if within is None else self._under(year, within)
        pairings = [
            p
            for p in sorted(self._data(year).pairings, key=lambda p: (p.helping_unit, p.village))
            if (inside is None or p.helping_unit in inside or p.village in inside)
            and helping_unit in (None, p.helping_unit)
            and village in (None, p.village)
        ]
        return list_page(pairings, tag=f"pairings:{year}", limit=limit, cursor=cursor)

    def group(self, year: int, code: str) -> Group | None:
        return next((g for g in self._data(year).groups if g.code == code), None)

    def has_group(self, year: int, code: str) -> bool:
        return self.group(year, code) is not None

    def add_group(self, year: int, group: Group) -> None:
        self._data(year).groups.append(group)

    def set_group(self, year: int, group: Group, *, counties: bool) -> None:
        groups = self._data(year).groups
        at = [g.code for g in groups].index(group.code)
        groups[at] = group if counties else replace(group, counties=groups[at].counties)

    def group_inspections_in(
        self, year: int, group: str, counties: Collection[str]
    ) -> list[tuple[str, str]]:
        return sorted(
            (i.code, i.county)
            for i in self._data(year).inspections
            if i.group == group and i.county in counties
        )

    def groups_page(
        self, year: int, *, county: str | None, limit: int, cursor: str | None
    ) -> Page[Group]:
        groups = [
            g
            for g in sorted(self._data(year).groups, key=lambda g: g.code)
            if county is None or county in g.counties
        ]
        return list_page(groups, tag=f"groups:{year}", limit=limit, cursor=cursor)


class FakeInspections:
    """Inspections and the findings added to them, kept in the fake years."""

    def __init__(self, years: FakeYears) -> None:
        self.years = years

    def _data(self, year: int) -> YearData:
        return self.years.held[year]

    def exists(self, year: int, code: str) -> bool:
        return self.get(year, code) is not None

    def get(self, year: int, code: str) -> Inspection | None:
        return next((i for i in self._data(year).inspections if i.code == code), None)

    def of_year(self, year: int) -> list[Inspection]:
        return list(self._data(year).inspections)

    def add(self, year: int, inspection: Inspection, findings: Sequence[Finding]) -> None:
        self._data(year).inspections.append(inspection)
        self.add_findings(year, findings)

    def add_findings(self, year: int, findings: Sequence[Finding]) -> None:
        self._data(year).findings.extend(findings)

    def taken_finding_codes(self, year: int, codes: Sequence[str]) -> list[str]:
        held = {f.code for f in self._data(year).findings}
        return sorted(c for c in codes if c in held)

    def set_letter(self, year: int, code: str, letter: date | None, number: int | None) -> None:
        inspections = self._data(year).inspections
        at = [i.code for i in inspections].index(code)
        inspections[at] = replace(inspections[at], letter_date=letter, letter_number=number)

    def letter_number_holder(self, year: int, number: int) -> str | None:
        held = [i.code for i in self._data(year).inspections if i.letter_number == number]
        return held[0] if held else None

    def findings(
        self, year: int, code: str, actor: Principal, attribution: Attribution
    ) -> list[Finding]:
        return sorted(
            (f for f in self._data(year).findings if f.inspection == code and _reads(actor, f)),
            key=lambda f: f.code,
        )

    def page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        group: str | None,
        county: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[tuple[str, str, str, date, date, date | None, int]]:
        data = self._data(year)
        inside = None if within is None else FakeStructure(self.years)._under(year, within)
        rows = [
            (
                i.code,
                i.group,
                i.county,
                i.start_date,
                i.end_date,
                i.letter_date,
                sum(f.inspection == i.code for f in data.findings),
            )
            for i in sorted(data.inspections, key=lambda i: i.code)
            if (inside is None or i.county in inside)
            and group in (None, i.group)
            and county in (None, i.county)
        ]
        return list_page(rows, tag=f"inspections:{year}", limit=limit, cursor=cursor)


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

    def waiting_of(self, year: int, codes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = set(codes)
        for r in sorted(self.held.values(), key=lambda r: r.id):
            if r.year == year and r.finding in wanted and r.state is ReportState.SUBMITTED:
                found.setdefault(r.finding, r.id)
        return found

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

    def waiting_of(self, year: int, codes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = set(codes)
        for r in sorted(self.held.values(), key=lambda r: r.id):
            if r.year == year and r.finding in wanted and r.state is RequestState.SUBMITTED:
                found.setdefault(r.finding, r.id)
        return found

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


class FakeScopes:
    """The scope rule's reads over the fake years: a reach is the scope's units themselves
    (the fakes have no unit tree), a finding is read when found at or answered for by one."""

    def __init__(self, years: FakeYears) -> None:
        self.years = years

    def reach(self, year: int, actor: Principal) -> Reach:
        return EVERYTHING if actor.scope is None else Reach(actor.scope)

    def reach_in_any_year(self, actor: Principal) -> frozenset[str] | None:
        return actor.scope

    def unknown_units(self, codes: Collection[str]) -> list[str]:
        held = {u.code for d in self.years.held.values() for u in d.units}
        return [c for c in sorted(set(codes)) if c not in held]

    def findings_read(
        self, year: int, actor: Principal, attribution: Attribution, codes: Collection[str]
    ) -> set[str]:
        return {
            f.code
            for f in self.years.held[year].findings
            if f.code in codes
            and (actor.scope is None or not actor.scope.isdisjoint([f.unit, *f.responsible]))
        }

    def inspection_counties(self, year: int) -> dict[str, str]:
        return {i.code: i.county for i in self.years.held[year].inspections}


class FakeTokens:
    def __init__(self) -> None:
        self.held: dict[int, tuple[TokenInfo, str]] = {}  # by id: the token and its hash

    def add(
        self,
        *,
        name: str,
        role: Role,
        scope: Collection[str] | None,
        token_hash: str,
        created_by: str,
    ) -> TokenInfo:
        if self.live(name=name) is not None:
            raise NameTaken(name)
        info = TokenInfo(
            id=len(self.held) + 1,
            name=name,
            role=role,
            scope=None if scope is None else tuple(scope),
            created_at=datetime.now(UTC),
            created_by=created_by,
            revoked_at=None,
        )
        self.held[info.id] = (info, token_hash)
        return info

    def live(self, *, token_id: int | None = None, name: str | None = None) -> TokenInfo | None:
        return next(
            (
                t
                for t, _ in self.held.values()
                if t.active and token_id in (None, t.id) and name in (None, t.name)
            ),
            None,
        )

    def live_by_hash(self, token_hash: str) -> TokenInfo | None:
        return next((t for t, h in self.held.values() if t.active and h == token_hash), None)

    def revoke(self, token_id: int) -> TokenInfo:
        info, token_hash = self.held[token_id]
        self.held[token_id] = (replace(info, revoked_at=datetime.now(UTC)), token_hash)
        return self.held[token_id][0]

    def listed(self, *, include_revoked: bool) -> list[TokenInfo]:
        return [t for _, (t, _) in sorted(self.held.items()) if include_revoked or t.active]


class FakeAccounts:
    def __init__(self) -> None:
        self.held: dict[int, AccountInfo] = {}  # with their password hashes
        self.secrets: dict[str, str] = {}

    def add(
        self,
        *,
        username: str,
        password_hash: str,
        role: Role,
        scope: Collection[str] | None,
        created_by: str,
        email: str | None = None,
    ) -> AccountInfo:
        if any(a.username == username for a in self.held.values()):
            raise UsernameTaken(username)
        info = AccountInfo(
            id=len(self.held) + 1,
            username=username,
            role=role,
            scope=None if scope is None else tuple(scope),
            session_version=1,
            created_at=datetime.now(UTC),
            created_by=created_by,
            disabled_at=None,
            last_sign_in_at=None,
            password_hash=password_hash,
            email=email,
        )
        self.held[info.id] = info
        return replace(info, password_hash="")

    def by_username(self, username: str, *, with_hash: bool = False) -> AccountInfo | None:
        found = next((a for a in self.held.values() if a.username == username), None)
        return found if found is None or with_hash else replace(found, password_hash="")

    def by_id(self, account_id: int) -> AccountInfo | None:
        found = self.held.get(account_id)
        return None if found is None else replace(found, password_hash="")

    def listed(self) -> list[AccountInfo]:
        return [
            replace(a, password_hash="")
            for a in sorted(self.held.values(), key=lambda a: a.username)
        ]

    def _change(self, account_id: int, **changes: Any) -> AccountInfo:
        self.held[account_id] = replace(self.held[account_id], **changes)
        return replace(self.held[account_id], password_hash="")

    def disable(self, account_id: int) -> AccountInfo:
        version = self.held[account_id].session_version + 1
        return self._change(account_id, disabled_at=datetime.now(UTC), session_version=version)

    def set_password(self, account_id: int, password_hash: str) -> AccountInfo:
        version = self.held[account_id].session_version + 1
        return self._change(account_id, password_hash=password_hash, session_version=version)

    def set_email(self, account_id: int, email: str | None) -> AccountInfo:
        return self._change(account_id, email=email)

    def mark_notices_read(self, account_id: int, at: datetime) -> None:
        self._change(account_id, notices_read_at=at)

    def with_email(self) -> list[AccountInfo]:
        found = [a for a in self.held.values() if a.email is not None and a.active]
        return [replace(a, password_hash="") for a in sorted(found, key=lambda a: a.id)]

    def end_sessions(self, account_id: int) -> None:
        self._change(account_id, session_version=self.held[account_id].session_version + 1)

    def signed_in(self, account_id: int, password_hash: str | None = None) -> None:
        changes: dict[str, Any] = {"last_sign_in_at": datetime.now(UTC)}
        if password_hash is not None:
            changes["password_hash"] = password_hash
        self._change(account_id, **changes)

    def secret(self, name: str, make: str) -> str:
        return self.secrets.setdefault(name, make)


class FakeAuditLog:
    """Entries added go to the unit of work's pending list (kept only on commit) as
    (action, record type, record key), with who acted in ``actors``."""

    def __init__(self, pending: list[tuple[str, str, str]]) -> None:
        self.pending = pending
        self.actors: list[str] = []

    def add(
        self,
        actor: Principal,
        action: str,
        record_type: str,
        record_key: str,
        *,
        year: int | None = None,
        detail: Any = None,
    ) -> None:
        self.pending.append((action, record_type, record_key))
        self.actors.append(actor.name)


class FakeNotices:
    """The outbox in memory: notices added wait in ``pending`` until the unit of work
    commits, as rows of a transaction do."""

    def __init__(self) -> None:
        self.pending: list[Notice] = []
        self.stored: dict[UUID, Notice] = {}
        self.routed_at: dict[UUID, datetime] = {}

    def add(self, notice: Notice) -> None:
        self.pending.append(notice)

    def unrouted(self, limit: int) -> list[Notice]:
        return [n for i, n in self.stored.items() if i not in self.routed_at][:limit]

    def routed(self, ids: Iterable[UUID], at: datetime) -> None:
        self.routed_at.update({i: at for i in ids})

    def get(self, ids: Iterable[UUID]) -> dict[UUID, Notice]:
        return {i: self.stored[i] for i in ids if i in self.stored}

    def of_year(self, year: int) -> list[Notice]:
        return [n for n in self.stored.values() if n.year == year]

    def of_types(self, year: int, types: Iterable[str]) -> list[Notice]:
        wanted = set(types)
        return [n for n in self.of_year(year) if n.type in wanted]

    def since(self, after: datetime | None, limit: int) -> list[Notice]:
        found = [n for n in self.stored.values() if after is None or n.time > after]
        return sorted(found, key=lambda n: n.time, reverse=True)[:limit]


class FakeWebhooks:
    def __init__(self) -> None:
        self.hooks: dict[int, Webhook] = {}

    def add(
        self,
        *,
        url: str,
        event_types: Sequence[NoticeType],
        secret: str,
        scope: Sequence[str] | None,
        created_by: str,
        created_at: datetime,
    ) -> Webhook:
        hook = Webhook(
            id=len(self.hooks) + 1,
            url=url,
            event_types=tuple(event_types),
            secret=secret,
            scope=None if scope is None else tuple(scope),
            created_by=created_by,
            created_at=created_at,
        )
        self.hooks[hook.id] = hook
        return hook

    def get(self, hook_id: int) -> Webhook | None:
        return self.hooks.get(hook_id)

    def active(self) -> list[Webhook]:
        return [h for h in self.hooks.values() if h.active]

    def deactivate(self, hook_id: int) -> None:
        self.hooks[hook_id] = replace(self.hooks[hook_id], active=False)


class FakeDeliveries:
    """Deliveries in memory, written at once (the deliverer commits each step itself)."""

    def __init__(self) -> None:
        self.rows: dict[int, Delivery] = {}

    def add(self, targets: Iterable[tuple[UUID, str, str]], at: datetime) -> None:
        for notice, channel, target in targets:
            new_id = len(self.rows) + 1
            self.rows[new_id] = Delivery(
                new_id, notice, channel, target, DeliveryState.WAITING, 0, at, at
            )

    def due(self, now: datetime, limit: int, channels: Iterable[str]) -> list[Delivery]:
        wanted = set(channels)
        found = [
            d
            for d in self.rows.values()
            if d.state is DeliveryState.WAITING and d.next_attempt_at <= now and d.channel in wanted
        ]
        return sorted(found, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def save(self, delivery: Delivery) -> None:
        self.rows[delivery.id] = delivery

    def taken(self, channel: str, targets: Iterable[str]) -> set[str]:
        keys = set(targets)
        return {d.target for d in self.rows.values() if d.channel == channel and d.target in keys}

    def of_notice(self, notice: UUID) -> list[Delivery]:
        return [d for d in self.rows.values() if d.notice == notice]

    def status(self) -> list[ChannelStatus]:
        found: dict[tuple[str, DeliveryState], list[Delivery]] = {}
        for d in self.rows.values():
            found.setdefault((d.channel, d.state), []).append(d)
        return [
            ChannelStatus(c, s, len(ds), next((d.last_error for d in ds if d.last_error), None))
            for (c, s), ds in sorted(found.items())
        ]


class FakeReminders:
    def __init__(self) -> None:
        self.rows: set[tuple[int, str, str, str]] = set()

    def named(self, year: int, kinds: Iterable[str]) -> set[tuple[str, str, str]]:
        wanted = set(kinds)
        return {(k, s, m) for y, k, s, m in self.rows if y == year and k in wanted}

    def add(self, year: int, named: Iterable[tuple[str, str, str]]) -> None:
        self.rows.update((year, k, s, m) for k, s, m in named)


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
        self.structure = FakeStructure(self.years)  # type: ignore[assignment,arg-type]
        self.inspections = FakeInspections(self.years)  # type: ignore[assignment,arg-type]
        self.rulesets = FakeRulesets()  # type: ignore[assignment]
        self.scopes = FakeScopes(self.years)  # type: ignore[assignment,arg-type]
        self.tokens = FakeTokens()  # type: ignore[assignment]
        self.accounts = FakeAccounts()  # type: ignore[assignment]
        self.committed = 0
        self.audited: list[tuple[str, str, str]] = []
        self._pending: list[tuple[str, str, str]] = []
        self.audit_log = FakeAuditLog(self._pending)  # type: ignore[assignment]
        self.notices = FakeNotices()  # type: ignore[assignment]
        self.webhooks = FakeWebhooks()  # type: ignore[assignment]
        self.deliveries = FakeDeliveries()  # type: ignore[assignment]
        self.reminders = FakeReminders()  # type: ignore[assignment]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending.clear()  # left without commit: nothing of it is kept
        self.notices.pending.clear()  # type: ignore[attr-defined]

    def commit(self) -> None:
        self.committed += 1
        self.audited += self._pending
        self._pending.clear()
        outbox: FakeNotices = self.notices  # type: ignore[assignment]
        outbox.stored.update((n.id, n) for n in outbox.pending)
        outbox.pending.clear()

    def settle(self) -> None:
        """Nothing to settle in memory."""

    def audit(
        self,
        action: str,
        record_type: str,
        record_key: str,
        *,
        year: int | None = None,
        detail: Any = None,
    ) -> None:
        self.audit_log.add(self.actor, action, record_type, record_key, year=year, detail=detail)
