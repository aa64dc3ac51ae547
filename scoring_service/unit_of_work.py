"""The unit of work: what one request or one command works with, and its one transaction.

An entrance (the HTTP API, the command line, the web pages) opens one unit of work
per request or command, naming who acts. A service runs inside ``with uow:``: it reads
and writes through the repositories bound to it (``uow.years``, ``uow.tokens``...),
records what it changed with ``uow.audit`` and ends with ``uow.commit()``, so the change
and its audit entry commit together or not at all. Leaving the block without committing
rolls everything back.

Blocks nest: a service that calls another shares its session, and only the outermost
block closes it. No entrance opens sessions or writes audit rows itself.

A service that writes after checking what it reads opens ``with uow.writing():``: its
transaction holds the database's write lock from its first statement on SQLite (``BEGIN
IMMEDIATE``), so writers take turns instead of failing to upgrade a read lock, and no
reader waits (WAL). Such a service reads little before it writes, and computes before
the writes, which come last: the lock is held for as long as the transaction lasts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import uuid4

from sqlalchemy.orm import Session, sessionmaker

from scoring_service.cache import Cache
from scoring_service.db import begin_write, checkpoint
from scoring_service.db.inspections import InspectionRepository
from scoring_service.db.notices import (
    DeliveryRepository,
    NoticeRepository,
    ReminderRepository,
    WebhookRepository,
)
from scoring_service.db.principals import AuditLog, IdempotencyKeys
from scoring_service.db.repositories import (
    AssessmentIndex,
    FindingRepository,
    ScoreRunRepository,
    YearRepository,
)
from scoring_service.db.rulesets import RulesetRepository
from scoring_service.db.scopes import ScopeRepository
from scoring_service.db.standings import StandingRepository, forget_changes
from scoring_service.db.standings import catch_up as catch_up_standings
from scoring_service.db.standings import keep as keep_standings
from scoring_service.db.structure import StructureRepository
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.evidence import FileStore
from scoring_service.domain.notices import EventType, Notice
from scoring_service.domain.principals import EVERYTHING, Principal, Reach
from scoring_service.domain.ruleset import RuleSource

# The rectification loop's repositories, the tokens and the accounts (and their tables) are
# imported by the first service that asks for them: scoring, explaining and the trend do
# without (the tokens' table would bring PostgreSQL's dialect to a command on SQLite).
if TYPE_CHECKING:
    from scoring_service.db.accounts import AccountRepository
    from scoring_service.db.loop import (
        EvidenceRepository,
        ExtensionRequestRepository,
        ReportRepository,
    )
    from scoring_service.db.tokens import TokenRepository

log = logging.getLogger(__name__)

# The repositories made on first use, forgotten when the session closes.
_ON_DEMAND = ("reports", "extension_requests", "evidence", "tokens", "accounts")


class UnitOfWork:
    """A session (opened on entering), the rule source, the rule engine and the principal."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: RuleSource,
        evaluator: Evaluator | None,
        actor: Principal,
        files: FileStore | None = None,
        recent: Cache | None = None,
    ) -> None:
        self._sessions = sessions
        self.files = files  # where evidence files are kept (None: this entrance keeps none)
        # What this process computed lately that a later computation may start from (the
        # year's assessment and its process alerts at a date, ``assessment.services``);
        # None: start afresh.
        self.recent = recent
        self.rules = rules
        self._evaluator = evaluator
        self.actor = actor
        self._session: Session | None = None
        self._depth = 0
        self._writes = False
        self._give_back: Callable[[], None] | None = None  # the writer's turn (SQLite)
        # The repositories, bound to the session while the unit of work is open.
        self.years: YearRepository
        self.runs: ScoreRunRepository
        self.index: AssessmentIndex
        self.findings: FindingRepository
        self.structure: StructureRepository
        self.inspections: InspectionRepository
        self.rulesets: RulesetRepository
        self.scopes: ScopeRepository
        self.audit_log: AuditLog
        self.idempotency: IdempotencyKeys
        self.notices: NoticeRepository
        self.webhooks: WebhookRepository
        self.deliveries: DeliveryRepository
        self.reminders: ReminderRepository
        self.standings: StandingRepository

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, for the few services that run in several transactions
        (a claim that must be seen by concurrent requests before the work is done)."""
        return self._sessions

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            raise RuntimeError("this unit of work was opened without a rule engine")
        return self._evaluator

    def writing(self) -> Self:
        """This unit of work, to be opened (``with uow.writing():``) for a write: its first
        transaction takes the write lock at its start (``db.begin_write``). Inside an
        already open block it changes nothing."""
        if self._depth == 0:
            self._writes = True
        return self

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._session = self._sessions()
            if self._writes:
                try:
                    self._give_back = begin_write(self._session)
                except BaseException:
                    self._session.close()
                    self._session = None
                    self._writes = False
                    raise
            self.years = YearRepository(self._session)
            self.runs = ScoreRunRepository(self._session)
            self.index = AssessmentIndex(self._session)
            self.findings = FindingRepository(self._session)
            self.structure = StructureRepository(self._session)
            self.inspections = InspectionRepository(self._session)
            self.rulesets = RulesetRepository(self._session)
            self.scopes = ScopeRepository(self._session)
            self.audit_log = AuditLog(self._session)
            self.idempotency = IdempotencyKeys(self._session)
            self.notices = NoticeRepository(self._session)
            self.webhooks = WebhookRepository(self._session)
            self.deliveries = DeliveryRepository(self._session)
            self.reminders = ReminderRepository(self._session)
            self.standings = StandingRepository(self._session)
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._writes = False
        if self._depth == 0 and self._session is not None:
            # Closing ends the transaction: whatever was not committed is not kept. Records
            # read stay readable (a rollback would expire them).
            try:
                self._session.close()
            finally:
                self._session = None
                for name in _ON_DEMAND:
                    self.__dict__.pop(name, None)
                if self._give_back is not None:
                    give_back, self._give_back = self._give_back, None
                    give_back()

    @cached_property
    def reports(self) -> ReportRepository:
        from scoring_service.db.loop import ReportRepository

        return ReportRepository(self.session)

    @cached_property
    def extension_requests(self) -> ExtensionRequestRepository:
        from scoring_service.db.loop import ExtensionRequestRepository

        return ExtensionRequestRepository(self.session)

    @cached_property
    def evidence(self) -> EvidenceRepository:
        from scoring_service.db.loop import EvidenceRepository

        return EvidenceRepository(self.session, self.files)

    @cached_property
    def tokens(self) -> TokenRepository:
        from scoring_service.db.tokens import TokenRepository

        return TokenRepository(self.session)

    @cached_property
    def accounts(self) -> AccountRepository:
        from scoring_service.db.accounts import AccountRepository

        return AccountRepository(self.session)

    def reach(self, year: int) -> Reach:
        """The units of ``year`` the principal reads and writes (every unit when unscoped):
        the one way any service learns a caller's reach."""
        if self.actor.scope is None:
            return EVERYTHING
        return self.scopes.reach(year, self.actor)

    def commit(self) -> None:
        # Which units' counts this transaction changed is noted in it, whichever service
        # wrote; their standings are scored again once it has committed (``db.standings``).
        behind = keep_standings(self.session, self.rules.current, self._evaluator)
        self.session.commit()
        if behind and self._evaluator is not None:
            try:
                catch_up_standings(self.session, behind, self.rules.current, self._evaluator)
            except Exception:
                # The write is done and stays done: its standings are left behind, and not
                # read, until the next write brings them up to date.
                self.session.rollback()
                log.exception("the standings of %s were not brought up to date", behind)

    def settle(self) -> None:
        """After a bulk write has committed (an import): leave the database as fast to
        read as before it (``db.checkpoint``)."""
        checkpoint(self.session)

    def rollback(self) -> None:
        self.session.rollback()
        forget_changes(self.session)

    def audit(
        self,
        action: str,
        record_type: str,
        record_key: str,
        *,
        year: int | None = None,
        detail: Any = None,
    ) -> None:
        """Record what the principal changed, in this transaction."""
        self.audit_log.add(self.actor, action, record_type, record_key, year=year, detail=detail)

    def notify(
        self,
        type: EventType,
        *,
        year: int | None,
        subject: str,
        units: Iterable[str] = (),
        data: Mapping[str, Any] | None = None,
    ) -> Notice:
        """Put a notice of what changed in the outbox, in this transaction: it commits with
        the change or not at all (the transactional outbox; ``notices.deliver`` sends it)."""
        notice = Notice(
            id=uuid4(),
            type=type,
            time=datetime.now(UTC),
            year=year,
            subject=subject,
            units=tuple(dict.fromkeys(units)),
            data=dict(data or {}),
        )
        self.notices.add(notice)
        return notice
