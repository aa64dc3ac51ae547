"""Wiring the service's parts once per process, the same way for every entrance.

``bootstrap(settings)`` builds the database engine and its session factory, the rule
source (published versions in the database, else the shipped files of ``rules/<year>/``)
and the rule engine the settings name; ``wiring.unit_of_work(actor)`` then gives each
request or command its own unit of work.

It is the composition root: the one place outside the persistence package that imports
it. The entrances take from here what they need of the database as a whole (migrating
the schema, its revision, its failures as names to catch), never from ``db``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scoring_service import db
from scoring_service.cache import Cache, InProcess
from scoring_service.config import Settings, normalise_url
from scoring_service.db.rule_source import VersionedRuleSource
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.evidence import FileStore
from scoring_service.domain.principals import Principal
from scoring_service.domain.ruleset import RuleSource
from scoring_service.evidence.store import LocalFileStore
from scoring_service.unit_of_work import UnitOfWork

# The database's failures as the entrances report them (503 and 409), and the types of
# what the wiring holds.
DatabaseUnavailable = db.DatabaseUnavailable
WriteClash = db.WriteClash
Engine = db.Engine
Sessions = db.Sessions


# Answers kept per process: the assessment and the process alerts of a few dates of a few
# years (an assessment holds a province's units, the alerts are few).
RECENT = 8


@dataclass(frozen=True, slots=True)
class Wiring:
    """What one process shares between its requests or commands."""

    settings: Settings
    engine: Engine
    sessions: Sessions
    rules: RuleSource
    evaluator: Evaluator
    files: FileStore
    # The year's assessments and alerts this process computed last (``UnitOfWork.recent``).
    recent: Cache = field(default_factory=lambda: InProcess(RECENT))

    def unit_of_work(self, actor: Principal) -> UnitOfWork:
        return UnitOfWork(
            self.sessions, self.rules, self.evaluator, actor, self.files, recent=self.recent
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, *, migrate: bool = False, server: bool = False) -> Wiring:
    """The parts for ``settings``. ``migrate`` brings the schema up to date first (every
    command does; a server's workers leave it to ``serve``). ``server`` pings pooled
    connections before use, since a long-lived process outlives database restarts."""
    from scoring_service.engine import DurableRulesEngine, PythonEngine

    url = normalise_url(settings.database_url)
    engine = db.make_engine(url, pool_pre_ping=True) if server else db.make_engine(url)
    # One query tells an up-to-date schema (every command's case but the first); Alembic
    # is loaded only to change it.
    if migrate and not db.up_to_date(engine):
        db.upgrade(url)
    sessions = db.make_session_factory(engine)
    limit = settings.rule_time_limit
    evaluator: Evaluator = (
        DurableRulesEngine(limit) if settings.engine == "durable" else PythonEngine(limit)
    )
    files = LocalFileStore(settings.files_path)
    return Wiring(
        settings, engine, sessions, make_rule_source(settings, sessions), evaluator, files
    )


def migrate(database_url: str) -> None:
    """Bring the schema of the database at ``database_url`` up to date."""
    db.upgrade(normalise_url(database_url))


def schema_revision(engine: Engine) -> str | None:
    """The migration the database's schema is at (None before the first); raises
    DatabaseUnavailable when it cannot be reached."""
    return db.schema_revision(engine)


def schema_head() -> str | None:
    """The latest migration of this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()


class HasRulesDir(Protocol):
    """Settings that name the shipped rule files."""

    @property
    def rules_dir(self) -> Path: ...


def make_rule_source(settings: HasRulesDir, sessions: Sessions) -> VersionedRuleSource:
    """The rule source of the CLI and the HTTP API: published versions in the database,
    else the shipped files of ``settings.rules_dir``; by hash for recomputing runs."""
    return VersionedRuleSource(settings.rules_dir, sessions)
