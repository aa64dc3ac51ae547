"""The API's configuration, read from ``SCORING_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scoring_service.config import DEFAULT_DATABASE_URL, REPO_RULES_DIR

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """Everything ``create_app`` needs; ``from_env`` reads each field from ``SCORING_<NAME>``."""

    database_url: str = DEFAULT_DATABASE_URL
    rules_dir: Path = REPO_RULES_DIR
    # Request bodies larger than this get 413; bundles have their own, larger limit.
    max_body_bytes: int = 1 * MIB
    max_bundle_bytes: int = 256 * MIB
    idempotency_ttl_hours: int = 24
    # A request's claim on its Idempotency-Key: unanswered this long, a retry runs it again
    # (the worker serving it was killed). Keep it above the time the slowest request takes.
    idempotency_lease_seconds: int = 60
    # "durable" (durable_rules, as the command line) or "python" (the exact evaluator).
    engine: str = "durable"
    extra: Mapping[str, Any] = field(default_factory=dict)  # passed to Flask's config

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ApiConfig:
        """Read ``SCORING_DATABASE_URL``, ``SCORING_RULES_DIR``, ``SCORING_MAX_BODY_BYTES``...;
        keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"SCORING_{f.name.upper()}")
            if not raw:
                continue
            if f.name == "rules_dir":
                values[f.name] = Path(raw)
            elif f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise ValueError(f"SCORING_{f.name.upper()} must be a whole number") from None
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        """Refuse settings that cannot work."""
        if self.engine not in ("durable", "python"):
            raise ValueError("SCORING_ENGINE must be 'durable' or 'python'")
        for name in (
            "max_body_bytes",
            "max_bundle_bytes",
            "idempotency_ttl_hours",
            "idempotency_lease_seconds",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"SCORING_{name.upper()} must be at least 1")
