"""The interchange bundle's shape (spec section 8), as strict pydantic models.

Unknown fields are refused everywhere; cross-record checks live in ``checks.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from scoring_service.domain.model import HouseholdStatus, Severity, UnitKind, VillageType

BUNDLE_FORMAT = "assessment-bundle/1"

Code = Annotated[str, StringConstraints(pattern=r"^\S{1,64}$")]
Text = Annotated[str, StringConstraints(max_length=10_000)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=r"\S")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class UnitIn(_Strict):
    code: Code
    name: NonEmptyText
    kind: UnitKind
    parent: Code | None = None
    village_type: VillageType | None = None


class PairingIn(_Strict):
    helping_unit: Code
    village: Code


class GroupIn(_Strict):
    code: Code
    name: NonEmptyText
    leader: Text
    counties: list[Code]


class HouseholdIn(_Strict):
    code: Code
    village: Code
    status: HouseholdStatus


class SampleIn(_Strict):
    towns: list[Code] = []
    villages: list[Code] = []
    households: list[HouseholdIn] = []


class FindingIn(_Strict):
    code: Code
    unit: Code
    criterion: Code
    severity: Severity
    description: Text
    deadline: date
    responsible: list[Code] = []


class InspectionIn(_Strict):
    code: Code
    group: Code
    county: Code
    start_date: date
    end_date: date
    letter_date: date | None = None
    sample: SampleIn = SampleIn()
    findings: list[FindingIn] = []


class _EventBase(_Strict):
    finding: Code
    date: date


class ExtensionIn(_EventBase):
    type: Literal["extension"]
    new_deadline: date
    reason: NonEmptyText


class RectifiedIn(_EventBase):
    type: Literal["rectified"]
    note: Text | None = None


class LookbackFailedIn(_EventBase):
    type: Literal["lookback_failed"]
    note: Text


class LookbackPassedIn(_EventBase):
    type: Literal["lookback_passed"]
    note: Text | None = None


class EscalatedIn(_EventBase):
    type: Literal["escalated"]
    to: Text | None = None
    note: Text | None = None


EventIn = Annotated[
    ExtensionIn | RectifiedIn | LookbackFailedIn | LookbackPassedIn | EscalatedIn,
    Field(discriminator="type"),
]


class BundleIn(_Strict):
    format: Literal["assessment-bundle/1"]
    year: Annotated[int, Field(ge=1900, le=9999)]
    units: list[UnitIn]
    pairings: list[PairingIn] = []
    groups: list[GroupIn] = []
    inspections: list[InspectionIn] = []
    events: list[EventIn] = []
