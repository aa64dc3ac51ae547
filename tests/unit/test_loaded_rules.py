"""Rule sets loaded once per content: the next command reads a kept one instead of reading
and checking the files again, and never one its files no longer give."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scoring_service.domain.ruleset import Ruleset
from scoring_service.rules import RuleFileError, RuleProblem, load_ruleset
from scoring_service.rules import loader as checking

SHIPPED = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache home of the test's own; returns where the rule sets are kept in it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "scoring-service" / "rules"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The years whose files were read and checked, one entry a load."""
    years: list[int] = []
    load_year = checking.load_year

    def counted(rules_dir: Path, year: int) -> tuple[Ruleset | None, list[RuleProblem]]:
        years.append(year)
        return load_year(rules_dir, year)

    monkeypatch.setattr(checking, "load_year", counted)
    return years


@pytest.fixture
def copy(tmp_path: Path) -> Callable[[str], Path]:
    """A copy of the shipped rules in a folder of its own (each one is new to the process,
    as the rules of another command are)."""

    def make(name: str) -> Path:
        target = tmp_path / name / "rules"
        shutil.copytree(SHIPPED, target)
        return target

    return make


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_rule_set_loaded_once_is_read_back_not_checked_again(
    cache: Path, checks: list[int], copy: Callable[[str], Path]
) -> None:
    first = load_ruleset(2019, copy("first"))
    assert checks == [2019] and len(list(cache.glob("*.pickle"))) == 1
    again = load_ruleset(2019, copy("second"))
    assert checks == [2019]  # the same files elsewhere: read back
    assert again == first and again.content_hash == first.content_hash
    assert again.source == first.source and again.rules == first.rules


def test_edited_files_are_read_and_checked_again(
    cache: Path, checks: list[int], copy: Callable[[str], Path]
) -> None:
    first = load_ruleset(2018, copy("first"))
    edited = copy("second")
    edit(edited / "2018/rules.yaml", "name: 问题反弹", "name: 问题反弹（回潮）")
    second = load_ruleset(2018, edited)
    assert checks == [2018, 2018]
    assert second.content_hash != first.content_hash
    assert {r.name for r in second.rules} - {r.name for r in first.rules} == {"问题反弹（回潮）"}
    # A parent's edit is a new content for its child too.
    assert load_ruleset(2019, edited).content_hash != load_ruleset(2019, SHIPPED).content_hash


def test_files_with_problems_are_never_kept(
    cache: Path, checks: list[int], copy: Callable[[str], Path]
) -> None:
    broken = copy("broken")
    edit(broken / "2018/ruleset.yaml", "late_credit:", "late_credits:")
    for _ in range(2):
        with pytest.raises(RuleFileError):
            load_ruleset(2018, broken)
    assert checks == [2018, 2018] and list(cache.glob("*.pickle")) == []


def test_a_damaged_kept_file_is_loaded_afresh_and_replaced(
    cache: Path, checks: list[int], copy: Callable[[str], Path]
) -> None:
    first = load_ruleset(2018, copy("first"))
    (kept,) = cache.glob("*.pickle")
    kept.write_bytes(kept.read_bytes()[:100])
    assert load_ruleset(2018, copy("second")) == first
    assert checks == [2018, 2018]
    assert load_ruleset(2018, copy("third")) == first and checks == [2018, 2018]


def test_a_cache_folder_others_can_write_is_not_used(
    cache: Path, checks: list[int], copy: Callable[[str], Path]
) -> None:
    load_ruleset(2018, copy("first"))
    cache.chmod(0o777)
    load_ruleset(2018, copy("second"))
    assert checks == [2018, 2018]


def test_no_cache_home_only_costs_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checks: list[int], copy: Callable[[str], Path]
) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    first = load_ruleset(2018, copy("first"))
    assert load_ruleset(2018, copy("second")) == first and checks == [2018, 2018]
