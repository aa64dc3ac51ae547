"""Bulk construction of findings and events: the same values as the classes' own __init__."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from scoring_service.domain.model import (
    Event,
    EventType,
    Finding,
    Severity,
    new_event,
    new_finding,
    positional_constructor,
)
from scoring_service.gc_pause import gc_paused


def test_new_event_and_new_finding_equal_the_classes_own() -> None:
    values = ("F1", EventType.EXTENSION, date(2018, 5, 2), 7, date(2018, 6, 1), "资金", None, None)
    made, plain = new_event(*values), Event(*values)
    assert type(made) is Event
    assert (made, hash(made), repr(made)) == (plain, hash(plain), repr(plain))
    fields = ("F1", "I1", "U1", "2.1", Severity.MAJOR, "低保", date(2018, 8, 1), date(2018, 7, 1))
    finding = new_finding(*fields, ("U2",))
    assert finding == Finding(*fields, ("U2",))
    assert finding.category == "2"


def test_bulk_built_values_stay_frozen() -> None:
    event = new_event("F1", EventType.RECTIFIED, date(2018, 5, 2), 1, None, None, None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 2  # type: ignore[misc]


def test_every_field_is_required() -> None:
    with pytest.raises(TypeError):
        new_event("F1", EventType.RECTIFIED, date(2018, 5, 2), 1)


def test_only_plain_slotted_dataclasses() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class Clash:
        obj: int

    for cls in (NoSlots, Checked, Clash):
        with pytest.raises(TypeError):
            positional_constructor(cls)


def test_gc_paused_nests_and_restores() -> None:
    import gc

    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
