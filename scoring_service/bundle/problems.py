"""Problems found in input, each with a JSON pointer to the offending value."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from scoring_service.domain.errors import DomainError
from scoring_service.i18n import gettext

# A bundle can hold millions of bad records; past this many, problems are only counted,
# so neither the worker's memory nor the answer grows with the number of problems.
PROBLEM_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    pointer: str  # RFC 6901, e.g. /inspections/3/findings/0/deadline
    message: str

    def to_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class Problems:
    """The problems found so far: the first ``limit`` kept, the rest only counted."""

    def __init__(self, limit: int | None = PROBLEM_LIMIT) -> None:
        self.limit = limit
        self.shown: list[Problem] = []
        self.more = 0

    def add(self, problem: Problem) -> None:
        if self.limit is None or len(self.shown) < self.limit:
            self.shown.append(problem)
        else:
            self.more += 1

    def __len__(self) -> int:
        return len(self.shown) + self.more

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.shown)

    def error(self) -> InvalidBundle:
        """The exception reporting these problems."""
        return InvalidBundle(self.shown, more=self.more)


class InvalidBundle(DomainError):
    """A bundle with problems; nothing of it was stored.

    ``problems`` lists at most ``PROBLEM_LIMIT`` of them; ``more`` counts the others.
    """

    def __init__(self, problems: Sequence[Problem], *, more: int = 0) -> None:
        self.problems = list(problems)
        self.more = more
        if more:
            message = gettext(
                "the bundle has %(count)s problems (the first %(listed)s are listed); nothing "
                "was stored",
                count=format(len(self.problems) + more, ","),
                listed=format(len(self.problems), ","),
            )
        else:
            message = gettext(
                "the bundle has %(count)s problem(s); nothing was stored", count=len(self.problems)
            )
        super().__init__(message)


def pointer(*parts: str | int) -> str:
    """A JSON pointer from path parts, escaping ``~`` and ``/`` as RFC 6901 says."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
