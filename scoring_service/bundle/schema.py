"""The interchange bundle's shape (spec section 8), as strict pydantic models.

Unknown fields are refused everywhere; a field spec section 2 lists without "optional"
is required, and ``null`` is accepted only where the spec gives it a meaning
(``letter_date``: no letter yet). Cross-record checks live in ``checks.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, FailFast, Field, StringConstraints
from pydantic_core import PydanticCustomError

from scoring_service.bundle.text import XmlSafe
from scoring_service.domain.bounds import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, REASON_MAX
from scoring_service.domain.model import HouseholdStatus, Severity, UnitKind, VillageType

BUNDLE_FORMAT = "assessment-bundle/1"
Year = Annotated[int, Field(ge=1900, le=9999)]

# Every text and code is one XML can hold (bundle/text.py): workbooks and documents show them.
Code = Annotated[str, StringConstraints(pattern=r"^\S{1,64}$"), XmlSafe]
Text = Annotated[str, StringConstraints(max_length=10_000), XmlSafe]
NonEmptyText = Annotated[
    str, StringConstraints(min_length=1, max_length=10_000, pattern=r"\S"), XmlSafe
]
# Each kind of text within its bound (domain/bounds.py), the same through every entrance.
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX, pattern=r"\S"), XmlSafe]
Leader = Annotated[str, StringConstraints(max_length=NAME_MAX), XmlSafe]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), XmlSafe]
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX), XmlSafe]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=REASON_MAX, pattern=r"\S"), XmlSafe
]


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_forbidden", "must not be null; leave the field out")
    return value


def _without_null(schema: dict[str, Any]) -> None:
    """Document an omittable field as its type alone: ``null`` is refused."""
    options = schema.pop("anyOf", None)
    if options is not None:
        kept = [o for o in options if o.get("type") != "null"]
        schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
    schema.pop("default", None)


# An optional field: it may be left out (read as None), but an explicit null is refused.
Omittable = (BeforeValidator(_not_null), Field(json_schema_extra=_without_null))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class UnitIn(_Strict):
    code: Code
    name: Name
    kind: UnitKind
    parent: Annotated[Code | None, *Omittable] = None
    village_type: Annotated[VillageType | None, *Omittable] = None


class PairingIn(_Strict):
    helping_unit: Code
    village: Code


class GroupIn(_Strict):
    code: Code
    name: Name
    leader: Leader
    counties: list[Code]


class HouseholdIn(_Strict):
    code: Code
    village: Code
    status: HouseholdStatus


class SampleIn(_Strict):
    towns: list[Code]
    villages: list[Code]
    households: list[HouseholdIn]


class FindingIn(_Strict):
    code: Code
    unit: Code
    criterion: Code
    severity: Severity
    description: Description
    deadline: date
    responsible: list[Code] = []


class InspectionIn(_Strict):
    code: Code
    group: Code
    county: Code
    start_date: date
    end_date: date
    letter_date: date | None  # null: no letter issued yet
    sample: SampleIn
    findings: list[FindingIn] = []


class _EventBase(_Strict):
    finding: Code
    date: date


class ExtensionIn(_EventBase):
    type: Literal["extension"]
    new_deadline: date
    reason: Reason


class RectifiedIn(_EventBase):
    type: Literal["rectified"]
    note: Annotated[Note | None, *Omittable] = None


class LookbackFailedIn(_EventBase):
    type: Literal["lookback_failed"]
    note: Note


class LookbackPassedIn(_EventBase):
    type: Literal["lookback_passed"]
    note: Annotated[Note | None, *Omittable] = None


class EscalatedIn(_EventBase):
    type: Literal["escalated"]
    to: Annotated[Text | None, *Omittable] = None
    note: Annotated[Note | None, *Omittable] = None


EventIn = Annotated[
    ExtensionIn | RectifiedIn | LookbackFailedIn | LookbackPassedIn | EscalatedIn,
    Field(discriminator="type"),
]


class BundleIn(_Strict):
    format: Literal["assessment-bundle/1"]
    year: Year
    # FailFast: a valid bundle is read in one pass; at the first bad record the reading
    # stops and parse.py checks record by record, to report every problem.
    units: Annotated[list[UnitIn], FailFast()]
    pairings: Annotated[list[PairingIn], FailFast()] = []
    groups: Annotated[list[GroupIn], FailFast()] = []
    inspections: Annotated[list[InspectionIn], FailFast()] = []
    events: Annotated[list[EventIn], FailFast()] = []
