"""The rule editing services in memory (``FakeUnitOfWork``): refusals by role and scope,
the checks of notes, years and version names, and the states of drafts at publishing.
What only a database shows (versions that never change, concurrent publishing, dry runs
over imported years) is in ``tests/integration/test_ruleset_versions.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scoring_service.config import REPO_RULES_DIR
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import Forbidden, Principal, Role
from scoring_service.domain.ruleset import Ruleset
from scoring_service.engine import PythonEngine
from scoring_service.rules.files import load_files, read_folder
from scoring_service.rules.loaded import available_years, load_ruleset
from scoring_service.rulesets import service
from tests.unit.fakes import FakeRulesets, FakeUnitOfWork

EDITOR = Principal(1, "editor-wang", Role.RULE_EDITOR)
R1_2018 = "when: rate >= 0.95 and overdue_major == 0"
R2_2018 = "when: rate >= 0.90 and (rate < 0.95 or overdue_major > 0)"


class FakeVersionedRules:
    """The rule source over the fake repository: the last published version, else the
    shipped files (as ``db.rule_source.VersionedRuleSource``)."""

    def __init__(self, rules_dir: Path, stored: FakeRulesets) -> None:
        self.rules_dir = rules_dir
        self.stored = stored

    def current(self, year: int) -> Ruleset | None:
        version = self.stored.in_force(year)
        if version is not None:
            return self.by_hash(year, version.content_hash)
        if year not in available_years(self.rules_dir):
            return None
        return load_ruleset(year, self.rules_dir)

    def by_hash(self, year: int, content_hash: str) -> Ruleset | None:
        version = self.stored.by_hash(year, content_hash)
        if version is None:
            shipped = self.current(year) if self.stored.in_force(year) is None else None
            return shipped if shipped and shipped.content_hash == content_hash else None
        parent = None
        if version.extends_year is not None and version.extends_hash is not None:
            parent = self.by_hash(version.extends_year, version.extends_hash)
        return load_files(year, self.stored.files(version.id), parent)

    def years(self) -> list[int]:
        return sorted(set(available_years(self.rules_dir)) | {v.year for v in self.stored.stored})


@pytest.fixture
def uow(tmp_path: Path) -> FakeUnitOfWork:
    rules_dir = tmp_path / "rules"
    shutil.copytree(REPO_RULES_DIR, rules_dir)
    work = FakeUnitOfWork(None, PythonEngine(), EDITOR)  # type: ignore[arg-type]
    work.rules = FakeVersionedRules(rules_dir, work.rulesets)  # type: ignore[assignment,arg-type]
    return work


def own_files(uow: FakeUnitOfWork, year: int) -> dict[str, str]:
    """A year's rule files without the shipped tests."""
    folder = uow.rules.rules_dir / str(year)  # type: ignore[attr-defined]
    return {k: v for k, v in read_folder(folder).items() if "/" not in k}


def raise_commendation(files: dict[str, str], threshold: str) -> dict[str, str]:
    rules = files["rules.yaml"].replace(R1_2018, R1_2018.replace("0.95", threshold))
    rules = rules.replace(R2_2018, R2_2018.replace("rate < 0.95", f"rate < {threshold}"))
    assert rules != files["rules.yaml"]
    return {**files, "rules.yaml": rules}


def as_actor(uow: FakeUnitOfWork, actor: Principal) -> FakeUnitOfWork:
    uow.actor = actor
    return uow


def test_a_scoped_or_reading_principal_cannot_store_or_publish_drafts(
    uow: FakeUnitOfWork,
) -> None:
    made = service.create_draft(uow, 2018, raise_commendation(own_files(uow, 2018), "0.97"))
    scoped = Principal(2, "county editor", Role.RULE_EDITOR, scope=frozenset({"441621"}))
    with pytest.raises(Forbidden):
        service.create_draft(as_actor(uow, scoped), 2018, own_files(uow, 2018))
    with pytest.raises(Forbidden):
        service.publish_draft(uow, 2018, made.id, note="office decision")
    assert uow.audited == [("ruleset_draft.create", "ruleset_draft", str(made.id))]
    assert uow.rulesets.in_force(2018) is None


def test_publishing_is_refused_for_stale_repeated_and_empty_drafts(uow: FakeUnitOfWork) -> None:
    first = service.create_draft(uow, 2018, raise_commendation(own_files(uow, 2018), "0.97"))
    second = service.create_draft(uow, 2018, raise_commendation(own_files(uow, 2018), "0.99"))
    unchanged = service.create_draft(uow, 2018, own_files(uow, 2018))
    with pytest.raises(Conflict, match="same rules as the version in force"):
        service.publish_draft(uow, 2018, unchanged.id, note="office decision")
    with pytest.raises(InvalidRequest, match="change note"):
        service.publish_draft(uow, 2018, first.id, note=" ")
    version = service.publish_draft(uow, 2018, first.id, note="office decision")
    assert (version.number, version.origin, version.in_force) == (2, "published", True)
    with pytest.raises(Conflict, match="published already, as version 2"):
        service.publish_draft(uow, 2018, first.id, note="office decision")
    with pytest.raises(Conflict, match="changed since draft"):
        service.publish_draft(uow, 2018, second.id, note="office decision")
    assert service.get_draft(uow, 2018, second.id).status == "stale"
    assert service.get_draft(uow, 2018, first.id).status == "published"
    with pytest.raises(NotFound):
        service.publish_draft(uow, 2019, first.id, note="office decision")
    listed = service.list_versions(uow, 2018)
    assert [(v.number, v.origin, v.in_force) for v in listed.versions] == [
        (1, "shipped", False),
        (2, "published", True),
    ]
    assert ("ruleset.publish", "ruleset_version", "2018/2") in uow.audited


def test_a_draft_with_a_broken_condition_is_refused_with_its_place(uow: FakeUnitOfWork) -> None:
    files = own_files(uow, 2018)
    files["rules.yaml"] = files["rules.yaml"].replace(R1_2018, "when: rate >= ")
    with pytest.raises(service.RuleProblems) as refused:
        service.create_draft(uow, 2018, files)
    assert any(p.file == "rules/2018/rules.yaml" and p.line for p in refused.value.problems)
    assert uow.rulesets.drafts(2018) == [] and uow.committed == 0


def test_versions_are_named_by_number_or_eight_hex_digits(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="no version 7"):
        service.find_version(uow, 2018, "7")
    for ref in ("¹", "abc", "not-a-hash"):
        with pytest.raises(InvalidRequest, match="names no version"):
            service.find_version(uow, 2018, ref)
    with pytest.raises(NotFound, match="no version with hash"):
        service.find_version(uow, 2018, "0123456789")


def test_a_new_year_comes_after_the_one_it_extends_and_only_once(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidRequest, match="comes after"):
        service.new_year_files(uow, 2018, from_year=2019)
    with pytest.raises(Conflict, match="has a rule set already"):
        service.new_year_files(uow, 2019, from_year=2018)
    with pytest.raises(NotFound, match="no rule set for 2016"):
        service.new_year_files(uow, 2017, from_year=2016)
    with pytest.raises(InvalidRequest, match="not a year of rule sets"):
        service.new_year_files(uow, 2200, from_year=2019)
    draft, files = service.start_new_year(uow, 2020, from_year=2019)
    assert draft.extends is not None and draft.extends.year == 2019
    assert "extends: 2019" in files["ruleset.yaml"]
    # What it extends is pinned by hash, so publishing finds it.
    assert uow.rulesets.by_hash(2019, draft.extends.content_hash or "") is not None


def test_a_dry_run_names_a_draft_and_needs_the_year_s_data(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidRequest, match="name a draft"):
        service.dry_run(uow, 2018)
    with pytest.raises(NotFound, match="no data is held for the year 2018"):
        service.dry_run(uow, 2018, files=own_files(uow, 2018))
    with pytest.raises(NotFound, match="no rule set in force for 2020"):
        service.dry_run(uow, 2020, files=own_files(uow, 2018))
