"""The year's data as plain values: units, pairings, groups, inspections, findings, events.

These classes know nothing of storage, HTTP or the rule engine; every other layer
converts to and from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from types import MemberDescriptorType
from typing import Any, TypeVar

T = TypeVar("T")


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
    # The letter's number in the year (市督查〔2018〕N号) as the office gave it; None: the
    # letter's place in the year. Kept with the record, never in the bundle (spec section 8).
    letter_number: int | None = None


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


def positional_constructor(cls: type[T]) -> Callable[..., T]:
    """A constructor of a frozen, slotted dataclass taking every field, in order.

    It makes what ``cls(*values)`` makes, twice as fast: a frozen dataclass's ``__init__``
    sets each field through ``object.__setattr__``, this sets each slot directly. Loading
    or checking a province's year builds 300,000 findings and events, where that is a
    tenth of the time. Only for plain classes: no ``__post_init__``, every field in
    ``__init__``.
    """
    declared = fields(cls)  # type: ignore[arg-type]
    names = [f.name for f in declared]
    if hasattr(cls, "__post_init__") or not all(f.init for f in declared):
        raise TypeError(f"{cls.__name__} needs its own __init__")
    if not all(isinstance(getattr(cls, name, None), MemberDescriptorType) for name in names):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if {"obj", "new", "cls"} & set(names) or any(name.startswith("set_") for name in names):
        raise TypeError(f"{cls.__name__} has a field named like the generated code's names")
    # Generated like dataclasses' own __init__: one line per field, no loop.
    lines = [f"def {cls.__name__.lower()}({', '.join(names)}):", "    obj = new(cls)"]
    lines += [f"    set_{name}(obj, {name})" for name in names]
    lines.append("    return obj")
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set_{name}": getattr(cls, name).__set__ for name in names})
    exec("\n".join(lines), scope)
    made: Callable[..., T] = scope[cls.__name__.lower()]
    made.__doc__ = f"{cls.__name__}(*every field): {cls.__name__}, built for bulk loads."
    return made


# Findings and events, built in bulk by the loads and the bundle checks.
new_finding: Callable[..., Finding] = positional_constructor(Finding)
new_event: Callable[..., Event] = positional_constructor(Event)


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """Which findings of a year a list asks for; None means any."""

    unit: str | None = None  # found at this unit or at a unit under it
    counts_for: str | None = None  # counts for this unit (spec section 4)
    inspection: str | None = None
    category: str | None = None
    criterion: str | None = None
    severity: Severity | None = None
    outcome: Outcome | None = None  # at the as-of date
    overdue: bool | None = None
    repeat: bool | None = None
    group: str | None = None  # found by an inspection of this group
    # Not yet rectified, with its deadline (as extended) on or before this day.
    due_by: date | None = None
    # Found by the as-of date (the findings the year's figures count), not only held.
    found: bool = False

    @property
    def needs_state(self) -> bool:
        return (
            self.found
            or self.outcome is not None
            or self.overdue is not None
            or self.repeat is not None
            or self.due_by is not None
        )
