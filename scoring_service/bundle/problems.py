"""Problems found in input, each with a JSON pointer to the offending value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring_service.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Problem:
    pointer: str  # RFC 6901, e.g. /inspections/3/findings/0/deadline
    message: str

    def to_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class InvalidBundle(DomainError):
    """A bundle with problems; nothing of it was stored."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"the bundle has {len(self.problems)} problem(s); nothing was stored")


def pointer(*parts: str | int) -> str:
    """A JSON pointer from path parts, escaping ``~`` and ``/`` as RFC 6901 says."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
