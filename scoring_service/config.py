"""Settings from ``SCORING_*`` environment variables, and the wiring of the service's parts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scoring_service.domain.ruleset import Ruleset

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
