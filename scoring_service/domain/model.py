"""The year's data as plain values: units, pairings, groups, inspections, findings, events.

These classes know nothing of storage, HTTP or the rule engine; every other layer
converts to and from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class UnitKind(StrEnum):
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"
    HELPING_UNIT = "helping_unit"


# The kind a unit's parent must have; kinds missing here have no parent.
PARENT_KIND: dict[UnitKind, UnitKind] = {
    UnitKind.TOWN: UnitKind.COUNTY,
    UnitKind.VILLAGE: UnitKind.TOWN,
}


class VillageType(StrEnum):
    POOR = "poor"
    ORDINARY = "ordinary"


class Severity(StrEnum):
    GENERAL = "general"
    MAJOR = "major"


class HouseholdStatus(StrEnum):
    PRE_EXIT = "pre_exit"
    NOT_EXITED = "not_exited"


class EventType(StrEnum):
    EXTENSION = "extension"
    RECTIFIED = "rectified"
    LOOKBACK_FAILED = "lookback_failed"
    LOOKBACK_PASSED = "lookback_passed"
    ESCALATED = "escalated"


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: UnitKind
    parent: str | None = None
    village_type: VillageType | None = None


@dataclass(frozen=True, slots=True)
class Pairing:
    helping_unit: str
    village: str


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    name: str
    leader: str
    counties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Household:
    code: str
    village: str
    status: HouseholdStatus


@dataclass(frozen=True, slots=True)
class Sample:
    towns: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    households: tuple[Household, ...] = ()


@dataclass(frozen=True, slots=True)
class Inspection:
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    sample: Sample = field(default_factory=Sample)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    inspection: str
    unit: str
    criterion: str
    severity: Severity
    description: str
    deadline: date
    found_on: date  # the inspection's end_date
    responsible: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        """The criterion's category: the part before the dot (``2.3`` -> ``2``)."""
        return self.criterion.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Event:
    finding: str
    type: EventType
    date: dt.date
    # Submission order: events of one finding on the same date apply in this order.
    seq: int
    new_deadline: dt.date | None = None
    reason: str | None = None
    note: str | None = None
    to: str | None = None


@dataclass(slots=True)
class YearData:
    """Everything held for one year, findings flat (each names its inspection)."""

    year: int
    units: list[Unit] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
