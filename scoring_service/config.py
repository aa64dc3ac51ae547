"""Settings from ``SCORING_*`` environment variables, and the wiring of the service's parts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scoring_service.domain.ruleset import Ruleset

if TYPE_CHECKING:
    from scoring_service.db import Sessions
    from scoring_service.rulesets.source import VersionedRuleSource

DEFAULT_DATABASE_URL = "sqlite:///var/scoring.sqlite"
REPO_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    rules_dir: Path = REPO_RULES_DIR

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``SCORING_DATABASE_URL`` and ``SCORING_RULES_DIR``; overrides win."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        if env.get("SCORING_DATABASE_URL"):
            values["database_url"] = env["SCORING_DATABASE_URL"]
        if env.get("SCORING_RULES_DIR"):
            values["rules_dir"] = Path(env["SCORING_RULES_DIR"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs; create the folder of a SQLite file."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


@dataclass
class FileRuleSource:
    """Rule sets read from ``rules/<year>/``; each year is loaded once per process."""

    rules_dir: Path
    _cache: dict[int, Ruleset | None] = field(default_factory=dict)

    def current(self, year: int) -> Ruleset | None:
        from scoring_service.rules import available_years, load_ruleset

        if year not in self._cache:
            years = available_years(self.rules_dir)
            self._cache[year] = load_ruleset(year, self.rules_dir) if year in years else None
        return self._cache[year]

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        """The files' rule set when it has this hash (files hold one version only)."""
        ruleset = self.current(year)
        return ruleset if ruleset is not None and ruleset.content_hash == content_hash else None


class HasRulesDir(Protocol):
    """Settings that name the shipped rule files (``Settings``, the API's ``ApiConfig``)."""

    @property
    def rules_dir(self) -> Path: ...


def make_rule_source(settings: HasRulesDir, db: Sessions) -> VersionedRuleSource:
    """The rule source of the CLI and the HTTP API: published versions in the database,
    else the shipped files of ``settings.rules_dir``; by hash for recomputing runs."""
    from scoring_service.rulesets.source import VersionedRuleSource

    return VersionedRuleSource(settings.rules_dir, db)
