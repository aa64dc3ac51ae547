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
from pydantic_core._pydantic_core import list_all_errors

from scoring_service.bundle.parse import too_long
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.names import Names, Unresolved
from scoring_service.i18n import N_, _

M = TypeVar("M", bound=BaseModel)
_PYDANTIC_ERRORS = frozenset(e["type"] for e in list_all_errors())


class Form(BaseModel):
    """A query or a form: blank fields are left out, unknown ones ignored (browsers and
    bookmarks add their own)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


# The words the pages put beside the fields people fill: a refusal names a field by them,
# not by its name in the address ("距期限（天）以内", not "due_within").
FIELD_LABELS: Mapping[str, str] = {
    "as_of": N_("As of"),
    "within": N_("Due within (days)"),
    "due_within": N_("Due within (days)"),
    "severity": N_("Severity"),
    "outcome": N_("Outcome"),
    "county": N_("County"),
    "kind": N_("Kind"),
    "unit": N_("Unit"),
    "criterion": N_("Criterion"),
    "category": N_("Category"),
    "sort": N_("Sort by"),
    "page": N_("Page"),
    "date": N_("Date"),
    "deadline": N_("Deadline"),
    "new_deadline": N_("New deadline"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "letter_date": N_("Letter date"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "description": N_("Description"),
    "group": N_("Group"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "year": N_("Year"),
    "code": N_("Code"),
    "username": N_("User name"),
    "password": N_("Password"),
    "towns": N_("Towns"),
    "villages": N_("Villages"),
    "households": N_("Households"),
    "responsible": N_("Responsible units"),
    "format": N_("Format"),
}


def field_label(field: str) -> str:
    """A field as the page names it; a field without a label reads as its name."""
    head, _dot, rest = field.partition(".")
    label = FIELD_LABELS.get(head)
    if label is None:
        return field
    return _(label) + (f" {rest}" if rest else "")


class FormProblems(InvalidRequest):
    """A query or form that cannot be read; ``problems`` name the fields."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _("; ").join(
                _("%(field)s: %(message)s", field=field_label(p.field), message=p.message)
                for p in problems
            )
        )
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
    # Bounds in words, with the limit the field has (pydantic's own text is English).
    ctx = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": N_("at least %(limit)s"),
        "greater_than": N_("more than %(limit)s"),
        "less_than_equal": N_("at most %(limit)s"),
        "less_than": N_("less than %(limit)s"),
        "too_long": N_("at most %(limit)s items"),
        "too_short": N_("at least %(limit)s items"),
        "string_too_short": N_("at least %(limit)s characters"),
    }
    limits = [ctx[k] for k in ("ge", "gt", "le", "lt", "max_length", "min_length") if k in ctx]
    if kind in bounds and limits:
        return _(bounds[kind], limit=limits[0])
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # the validator's own words, in the language in force
    if kind == "string_pattern_mismatch":
        return _("not written as this field asks")
    if kind in _PYDANTIC_ERRORS:  # pydantic's own words are English
        return _("this value cannot be read")
    return str(error.get("msg", ""))  # a validator's own error, in the language in force


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
