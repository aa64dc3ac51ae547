"""Names typed for codes: a unit, criterion or group read by its name or its code."""

from __future__ import annotations

import pytest

from scoring_service.domain.names import Names, Unresolved, shown_names
from scoring_service.i18n import use_language

UNITS = Names.of(
    "unit",
    [
        ("441624", "和平县"),
        ("441624103", "示例镇013"),
        ("441621101", "新城村"),
        ("441624101", "新城村"),
    ],
)


def test_a_name_or_a_code_reads_as_the_code() -> None:
    assert UNITS.resolve("示例镇013") == "441624103"
    assert UNITS.resolve(" 441624103 ") == "441624103"


def test_a_name_two_units_share_asks_for_the_code_naming_both() -> None:
    with use_language("zh"), pytest.raises(Unresolved) as refused:
        UNITS.resolve("新城村")
    assert "441621101、441624101" in str(refused.value)
    assert "代码" in str(refused.value)


def test_an_unknown_entry_names_the_closest_matches() -> None:
    with use_language("zh"), pytest.raises(Unresolved) as refused:
        UNITS.resolve("示例镇O13")
    assert (
        str(refused.value)
        == "没有名称或代码为“示例镇O13”的单位；最接近的有：示例镇013（441624103）"
    )


def test_a_unit_shows_its_name_and_its_code_only_where_the_name_is_shared() -> None:
    shown = shown_names(UNITS.names.items())
    assert shown["441624103"] == "示例镇013"
    assert shown["441621101"] == "新城村（441621101）"
