"""Wiring the service's parts once per process, the same way for every entrance.

``bootstrap(settings)`` builds the database engine and its session factory, the rule
source (published versions in the database, else the shipped files of ``rules/<year>/``)
and the rule engine the settings name; ``wiring.unit_of_work(actor)`` then gives each
request or command its own unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring_service import db
from scoring_service.config import Settings, make_rule_source, normalise_url
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.principals import Principal
from scoring_service.domain.ruleset import RuleSource
from scoring_service.evidence.store import FileStore, LocalFileStore
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Wiring:
    """What one process shares between its requests or commands."""

    settings: Settings
    engine: db.Engine
    sessions: db.Sessions
    rules: RuleSource
    evaluator: Evaluator
    files: FileStore

    def unit_of_work(self, actor: Principal) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.rules, self.evaluator, actor, self.files)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, *, migrate: bool = False, server: bool = False) -> Wiring:
    """The parts for ``settings``. ``migrate`` brings the schema up to date first (every
    command does; a server's workers leave it to ``serve``). ``server`` pings pooled
    connections before use, since a long-lived process outlives database restarts."""
    from scoring_service.engine import DurableRulesEngine, PythonEngine

    url = normalise_url(settings.database_url)
    if migrate:
        db.upgrade(url)
    engine = db.make_engine(url, pool_pre_ping=True) if server else db.make_engine(url)
    sessions = db.make_session_factory(engine)
    limit = settings.rule_time_limit
    evaluator: Evaluator = (
        DurableRulesEngine(limit) if settings.engine == "durable" else PythonEngine(limit)
    )
    files = LocalFileStore(settings.files_path)
    return Wiring(
        settings, engine, sessions, make_rule_source(settings, sessions), evaluator, files
    )
