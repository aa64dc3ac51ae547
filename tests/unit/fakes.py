"""Fakes for testing services without a database: a unit of work whose repositories keep
everything in memory, as cosmicpython's ``FakeUnitOfWork`` does."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from scoring_service.access.roles import command_line
from scoring_service.db.accounts import AccountInfo, UsernameTaken
from scoring_service.db.principals import NameTaken, TokenInfo
from scoring_service.db.queries import Page, list_page
from scoring_service.domain.assessment import Counts, Evaluator, replayed_counts
from scoring_service.domain.model import Event, Finding, Unit, UnitKind, YearData
from scoring_service.domain.principals import EVERYTHING, Principal, Reach, Role
from scoring_service.domain.rectification import (
    EvidenceFile,
    ExtensionRequest,
    Report,
    ReportState,
    RequestState,
)
from scoring_service.domain.ruleset import Attribution, RuleSource
from scoring_service.evidence.files import Upload
from scoring_service.results import ScoreRun, ScoreRunInfo, YearSummary
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
        return finding is not None and (
            actor.scope is None or not actor.scope.isdisjoint([finding.unit, *finding.responsible])
        )

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

    def end_sessions(self, account_id: int) -> None:
        self._change(account_id, session_version=self.held[account_id].session_version + 1)

    def signed_in(self, account_id: int) -> None:
        self._change(account_id, last_sign_in_at=datetime.now(UTC))

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
        self.scopes = FakeScopes(self.years)  # type: ignore[assignment,arg-type]
        self.tokens = FakeTokens()  # type: ignore[assignment]
        self.accounts = FakeAccounts()  # type: ignore[assignment]
        self.committed = 0
        self.audited: list[tuple[str, str, str]] = []
        self._pending: list[tuple[str, str, str]] = []
        self.audit_log = FakeAuditLog(self._pending)  # type: ignore[assignment]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending.clear()  # left without commit: nothing of it is kept

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
        self.audit_log.add(self.actor, action, record_type, record_key, year=year, detail=detail)
