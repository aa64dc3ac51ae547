"""Queries and forms read with pydantic, like the API's bodies: each problem names its field.

A page's query (``?kind=town&as_of=2018-10-31``) that cannot be read answers 400 with every
problem; a form with problems is shown again with a summary at the top linking to each
field, and the message beside the field (``templates/macros.html``: ``error_summary``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scoring_service.bundle.parse import too_long
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.names import Names, Unresolved
from scoring_service.i18n import _

M = TypeVar("M", bound=BaseModel)


class Form(BaseModel):
    """A query or a form: blank fields are left out, unknown ones ignored (browsers and
    bookmarks add their own)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


class FormProblems(InvalidRequest):
    """A query or form that cannot be read; ``problems`` name the fields."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


def message_of(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("this field is required")
    if kind.startswith("date"):
        return _("a date is written YYYY-MM-DD, such as 2018-10-31")
    if kind in ("literal_error", "enum"):
        return _("choose one of the values offered")
    if kind.startswith("int") or kind.startswith("float"):
        return _("a whole number is expected")
    if kind == "string_too_long":
        return too_long(error.get("ctx"))
    return str(error.get("msg", ""))


def read(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` (a query's or a form's fields) as ``model``; blank values count as absent."""
    present = {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
    try:
        return model.model_validate(present)
    except ValidationError as exc:
        problems = [
            Problem(".".join(str(part) for part in e["loc"]) or "-", message_of(e))
            for e in exc.errors()
        ]
        raise FormProblems(problems) from None


@dataclass
class Typed:
    """A record read from a form: the record (None when it cannot be read at all), every
    problem of the form itself, and the fields they are about (the record's checks against
    the year's data say nothing more of these)."""

    record: Any
    problems: list[Problem]
    flagged: set[str]

    def add(self, problems: list[Problem]) -> None:
        """Problems of the checks against the year's data, beside the form's own."""
        self.problems += [p for p in problems if p.field not in self.flagged]


def resolve(
    names: Names, typed: str, field: str, problems: list[Problem], flagged: set[str]
) -> str:
    """The code ``typed`` (a name or a code) means; an entry naming no record, or two, is
    a problem of ``field`` and is kept as typed, so the rest of the form is still checked."""
    try:
        return names.resolve(typed)
    except Unresolved as exc:
        problems.append(Problem(field, str(exc)))
        flagged.add(field)
        return typed.strip()


def validate_all(
    model: type[M], body: dict[str, Any], fallback: Mapping[str, Any]
) -> tuple[M | None, list[Any]]:
    """``body`` (read as JSON, as the API reads it) as ``model``, and every shape problem.

    A field at fault is replaced by its ``fallback`` and a list's item at fault left out,
    so that the record can still be checked for its other fields (references, duplicates,
    dates against each other) and every problem listed at once; None when even that
    cannot be read."""
    errors: list[Any] = []
    for attempt in range(3):
        try:
            return model.model_validate_json(json.dumps(body)), errors
        except ValidationError as exc:
            found = exc.errors()
            if attempt == 0:
                errors = found  # later rounds only see the fallbacks' own faults
            _patch(body, [e["loc"] for e in found], fallback)
    return None, errors


def _patch(body: dict[str, Any], locs: list[Any], fallback: Mapping[str, Any]) -> None:
    dropped: dict[tuple[Any, ...], set[int]] = {}
    for loc in locs:
        index = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
        if index is not None:
            dropped.setdefault(tuple(loc[:index]), set()).add(loc[index])
        elif loc and loc[0] in fallback:
            body[loc[0]] = fallback[loc[0]]
        elif loc:
            body.pop(loc[0], None)
    for path, indexes in dropped.items():
        items: Any = body
        for part in path:
            items = items[part]
        for i in sorted(indexes, reverse=True):
            del items[i]
