"""The request bodies both entrances check alike: a page's form is read as the API reads
its body, so a person and a system are refused the same way."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from scoring_service.bundle.schema import Note, Reason, Text


class BodyModel(BaseModel):
    """A request body: unknown fields refused, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _EventBase(BodyModel):
    date: date


class ExtensionCreate(_EventBase):
    type: Literal["extension"]
    new_deadline: date
    reason: Reason


class RectifiedCreate(_EventBase):
    type: Literal["rectified"]
    note: Note | None = None


class LookbackFailedCreate(_EventBase):
    type: Literal["lookback_failed"]
    note: Note


class LookbackPassedCreate(_EventBase):
    type: Literal["lookback_passed"]
    note: Note | None = None


class EscalatedCreate(_EventBase):
    type: Literal["escalated"]
    to: Text | None = None
    note: Note | None = None


class EventCreate(
    RootModel[
        Annotated[
            ExtensionCreate
            | RectifiedCreate
            | LookbackFailedCreate
            | LookbackPassedCreate
            | EscalatedCreate,
            Field(discriminator="type"),
        ]
    ]
):
    """One event on a finding (spec section 2); its type says which fields it has."""
