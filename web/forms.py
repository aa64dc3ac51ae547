"""Queries and forms read with pydantic, like the API's bodies: each problem names its field.

A page's query (``?kind=town&as_of=2018-10-31``) that cannot be read answers 400 with every
problem; a form with problems is shown again with a summary at the top linking to each
field, and the message beside the field (``templates/macros.html``: ``error_summary``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scoring_service.domain.errors import InvalidRequest
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
