"""What the app factory builds once per app: database, rule source, rule engine."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from scoring_service.bootstrap import Engine, Sessions
from scoring_service.config import Settings
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.principals import Principal
from scoring_service.domain.ruleset import RuleSource
from scoring_service.evidence.store import FileStore
from scoring_service.unit_of_work import UnitOfWork

EXTENSION = "scoring"


@dataclass(frozen=True, slots=True)
class Services:
    config: Settings
    engine: Engine
    db: Sessions
    rules: RuleSource  # bootstrap.make_rule_source: published versions, else the shipped files
    evaluator: Evaluator
    files: FileStore  # evidence files (config.files_path)

    def close(self) -> None:
        self.engine.dispose()


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions[EXTENSION]
    return found


def uow(actor: Principal | None = None) -> UnitOfWork:
    """A unit of work for this request, acting as the authenticated caller (or ``actor``)."""
    from api.auth import current

    s = services()
    return UnitOfWork(s.db, s.rules, s.evaluator, actor or current(), s.files)
