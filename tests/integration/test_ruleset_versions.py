"""Rule set versions on SQLite and PostgreSQL: drafts, dry runs, publishing, recomputing.

The "done" list of the rule editing issue, each as a test: a published version cannot
change; a dry run of a draft that raises the commendation threshold lists exactly the
units that lose it; a draft with a broken condition is refused with its place; a failing
rule test blocks publishing; a run recomputed under its recorded version matches after a
newer version is published.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle, recompute_run, score_year
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import rulesets as repo
from scoring_service.db.rule_source import VersionedRuleSource
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import Principal, Role
from scoring_service.engine import PythonEngine
from scoring_service.rules import load_ruleset, validate_rules_dir
from scoring_service.rules.files import read_folder
from scoring_service.rulesets import service
from scoring_service.unit_of_work import UnitOfWork

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EDITOR = Principal(1, "editor-wang", Role.RULE_EDITOR)
ENGINE = PythonEngine()

R1_2018 = "when: rate >= 0.95 and overdue_major == 0"
R2_2018 = "when: rate >= 0.90 and (rate < 0.95 or overdue_major > 0)"
PASSING_CASE = """\
year: {year}
cases:
  - name: a perfect unit is commended
    metrics: {{on_time: 10, rate: 1}}
    expect: {{fired: [R1], bonus: 3, measures: [commendation]}}
"""
FAILING_CASE = """\
year: {year}
cases:
  - name: a perfect unit gets 5 points
    metrics: {{on_time: 10, rate: 1}}
    expect: {{bonus: 5}}
"""


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of the shipped rule files: tests may change it like a developer would."""
    target = tmp_path / "rules"
    shutil.copytree(REPO_RULES_DIR, target)
    return target


@pytest.fixture
def rules(rules_dir: Path, session_factory: sessionmaker[Session]) -> VersionedRuleSource:
    return VersionedRuleSource(rules_dir, session_factory)


@pytest.fixture
def db(session_factory: sessionmaker[Session], rules: VersionedRuleSource) -> sessionmaker[Session]:
    """The database with the demo years 2018 and 2019."""
    for year in (2018, 2019):
        raw = (FIXTURES / f"demo-{year}.bundle.json").read_bytes()
        import_bundle(UnitOfWork(session_factory, rules, None, command_line()), raw)
    return session_factory


def own_files(rules_dir: Path, year: int, **tests: str) -> dict[str, str]:
    """A year's rule files (without the shipped tests), plus the given test files."""
    files = {k: v for k, v in read_folder(rules_dir / str(year)).items() if "/" not in k}
    files.update({f"tests/{name}.yaml": body.format(year=year) for name, body in tests.items()})
    return files


def edit(files: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in files[name], (name, old)
    return {**files, name: files[name].replace(old, new)}


def raise_commendation(files: dict[str, str], threshold: str) -> dict[str, str]:
    files = edit(files, "rules.yaml", R1_2018, R1_2018.replace("0.95", threshold))
    return edit(files, "rules.yaml", R2_2018, R2_2018.replace("rate < 0.95", f"rate < {threshold}"))


def work(
    db: sessionmaker[Session], rules: VersionedRuleSource, actor: Principal = EDITOR
) -> UnitOfWork:
    """A unit of work of the rule editor (or ``actor``) with the exact evaluator."""
    return UnitOfWork(db, rules, ENGINE, actor)


def draft(
    files: dict[str, str], rules: VersionedRuleSource, db: sessionmaker[Session], year: int = 2018
) -> dict:
    return service.create_draft(work(db, rules), year, files, note="test").to_json()


def publish(
    draft_id: int, rules: VersionedRuleSource, db: sessionmaker[Session], year: int = 2018
) -> dict:
    return service.publish_draft(work(db, rules), year, draft_id, note="office decision").to_json()


# --- a published version cannot change ---------------------------------------------------


def test_the_database_refuses_to_change_or_delete_a_published_version(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    files = raise_commendation(own_files(rules_dir, 2018, mine=PASSING_CASE), "0.97")
    version = publish(draft(files, rules, db)["id"], rules, db)
    statements = [
        "UPDATE ruleset_versions SET note = 'rewritten' WHERE number = 2",
        "UPDATE ruleset_version_files SET text = 'rules: []' WHERE path = 'rules.yaml'",
        "DELETE FROM ruleset_version_files",
        "DELETE FROM ruleset_versions",
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match="never changes"), db.begin() as session:
            session.execute(text(statement))
    with db() as session:
        row = repo.version_by_number(session, 2018, version["number"])
        assert row is not None and row.note == "office decision"
        stored = repo.version_files(session, row.id)
    assert stored == raise_commendation(own_files(rules_dir, 2018, mine=PASSING_CASE), "0.97")


def test_a_version_keeps_its_content_when_newer_ones_come_and_the_files_change(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    shipped = rules.current(2018)
    assert shipped is not None
    first = publish(
        draft(raise_commendation(own_files(rules_dir, 2018), "0.97"), rules, db)["id"], rules, db
    )
    second = publish(
        draft(raise_commendation(own_files(rules_dir, 2018), "0.99"), rules, db)["id"], rules, db
    )
    assert (first["number"], second["number"]) == (2, 3)  # 1: the shipped files, recorded
    # A developer edits the shipped files afterwards: no recorded version moves.
    (rules_dir / "2018" / "rules.yaml").write_text(
        (rules_dir / "2018" / "rules.yaml")
        .read_text(encoding="utf-8")
        .replace("bonus: 3", "bonus: 4"),
        encoding="utf-8",
    )
    fresh = VersionedRuleSource(rules_dir, db)  # nothing cached
    for version in (first, second):
        loaded = fresh.by_hash(2018, version["content_hash"])
        assert loaded is not None and loaded.content_hash == version["content_hash"]
    old = fresh.by_hash(2018, shipped.content_hash)
    assert old is not None and old.rules == shipped.rules
    assert fresh.current(2018).content_hash == second["content_hash"]  # type: ignore[union-attr]
    listed = service.list_versions(work(db, fresh), 2018).versions
    assert [(v.number, v.origin, v.in_force) for v in listed] == [
        (1, "shipped", False),
        (2, "published", False),
        (3, "published", True),
    ]
    assert listed[2].published_by == "editor-wang" and listed[2].note == "office decision"


def test_publishing_a_parent_year_leaves_the_child_version_as_it_was(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    before = rules.current(2019)
    assert before is not None
    # R7 (repeats) is inherited by 2019 unchanged.
    harsher = edit(
        own_files(rules_dir, 2018),
        "rules.yaml",
        "deduction: {points: 1, per: repeats}",
        "deduction: {points: 2, per: repeats}",
    )
    publish(draft(harsher, rules, db)["id"], rules, db)
    assert rules.current(2019) == before  # 2019 names the 2018 version it extends
    # A new 2019 draft extends the 2018 version in force, and says what that changes.
    made = draft(own_files(rules_dir, 2019), rules, db, year=2019)
    assert made["extends"]["content_hash"] == rules.current(2018).content_hash  # type: ignore[union-attr]
    assert made["content_hash"] != before.content_hash
    assert made["rule_changes"] == [
        {"what": "R7.deduction", "old": "1 per repeats", "new": "2 per repeats"}
    ]


# --- drafts are validated like `rules validate` -----------------------------------------------


def test_a_draft_with_a_broken_condition_is_refused_with_its_place(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path, tmp_path: Path
) -> None:
    broken = edit(
        own_files(rules_dir, 2019),
        "rules.yaml",
        "when: rate < 0.70",
        "when: rate < 0.70 and overdu > 0",
    )
    with pytest.raises(service.RuleProblems) as refused:
        draft(broken, rules, db, year=2019)
    (problem,) = refused.value.problems
    line = broken["rules.yaml"].splitlines().index("    when: rate < 0.70 and overdu > 0") + 1
    assert (problem.file, problem.line, problem.key) == (
        "rules/2019/rules.yaml",
        line,
        "rules[3].when",
    )
    assert "overdu" in problem.message and "overdue" in problem.message
    # The same files in a rules folder: `rules validate` says exactly the same.
    folder = tmp_path / "elsewhere" / "rules"
    shutil.copytree(rules_dir, folder)
    (folder / "2019" / "rules.yaml").write_text(broken["rules.yaml"], encoding="utf-8")
    assert validate_rules_dir(folder) == [problem]
    with db() as session:
        assert repo.list_drafts(session, 2019) == []


LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 8)
)


def test_uploads_that_could_exhaust_or_escape_the_service_are_refused(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    files = own_files(rules_dir, 2018)
    cases = {
        # Each line repeats the one before ten times: 10**8 values from 8 lines.
        "tests/laughs.yaml": (LAUGHS, "repeat more than 100000 values"),
        "tests/cycle.yaml": ("a: &a [1, *a]\n", "alias inside its own anchor"),
        "tests/deep.yaml": (
            "a: &a " + "[" * 20 + "]" * 20 + "\nb: " + "[" * 20 + "*a" + "]" * 20 + "\n",
            "nested deeper than 32 levels",
        ),
        # A cycle in ruleset.yaml, which is read first to find the year it extends.
        "ruleset.yaml": (files["ruleset.yaml"] + "x: &x [*x]\n", "alias inside its own anchor"),
        "../outside.yaml": ("a: 1\n", "not a usable file name"),
        "notes.txt": ("hello", "only .yaml"),
        "tests/escape.yaml": (
            "cases:\n  - name: x\n    bundle_file: ../../../../etc/hostname\n    expect: {}\n",
            "not among the draft's files",
        ),
    }
    for path, (body, fragment) in cases.items():
        with pytest.raises(service.RuleProblems) as refused:
            draft({**files, path: body}, rules, db)
        assert any(fragment in p.message for p in refused.value.problems), refused.value.problems


def test_a_draft_of_a_new_year_extends_the_previous_one(
    db: sessionmaker[Session], rules: VersionedRuleSource
) -> None:
    made, files = service.start_new_year(work(db, rules), 2020, from_year=2019)
    assert set(files) == {"ruleset.yaml", "rules.yaml", "tests/cases.yaml"}
    assert made.status == "open" and made.base_hash is None
    assert made.extends == service.Extends(2019, rules.current(2019).content_hash)  # type: ignore[union-attr]
    with pytest.raises(NotFound, match="no rule set in force for 2020"):
        service.dry_run(work(db, rules), 2020, draft_id=made.id)
    version = publish(made.id, rules, db, year=2020)
    ruleset = rules.current(2020)
    assert ruleset is not None and ruleset.content_hash == version["content_hash"]
    parent = rules.current(2019)
    assert parent is not None
    assert ruleset.cutoff.isoformat() == "2020-12-31"
    assert ruleset.alerts.inspections_from.isoformat() == "2020-01-01"
    assert ruleset.rules == parent.rules and ruleset.late_credit == parent.late_credit
    assert rules.years() == [2018, 2019, 2020]
    with pytest.raises(Conflict, match="has a rule set already"):
        service.new_year_files(work(db, rules), 2020, from_year=2019)
    with pytest.raises(InvalidRequest):
        service.new_year_files(work(db, rules), 2018, from_year=2019)


# --- dry runs --------------------------------------------------------------------------------


def test_a_dry_run_raising_the_commendation_threshold_lists_exactly_the_units_losing_it(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    published = score_year(UnitOfWork(db, rules, ENGINE, command_line()), 2018).rows
    made = draft(raise_commendation(own_files(rules_dir, 2018), "0.97"), rules, db)
    doc = service.dry_run(work(db, rules), 2018, draft_id=made["id"]).to_json()
    # Worked out from the published rows alone: commended, with a rate under 0.97.
    losing = sorted(
        r["unit"]
        for r in published
        if "commendation" in r["measures"] and r["metrics"]["rate"] < 0.97
    )
    assert len(losing) >= 2
    commendation = doc["summary"]["measures"]["commendation"]
    assert sorted(commendation["lost"]) == losing and commendation["gained"] == []
    listed = {u["unit"]: u for u in doc["units"]}
    lost_in_rows = sorted(
        code
        for code, u in listed.items()
        if "commendation" in u["old"]["measures"] and "commendation" not in u["new"]["measures"]
    )
    assert lost_in_rows == losing
    for code in losing:
        unit = listed[code]
        assert unit["old"]["rate_band"] == ["R1"] and unit["new"]["rate_band"] == ["R2"]
        assert unit["old"]["bonus"] - unit["new"]["bonus"] == 2
        assert {"rate_band", "fired", "bonus", "score", "measures"} <= set(unit["changed"])
    # Only units where something changed are listed: the others moved in rank at most.
    for code, unit in listed.items():
        if code not in losing:
            assert unit["changed"] == ["rank"], unit
    assert doc["summary"]["units"] == len(published)
    assert doc["rule_changes"] == [
        {
            "what": "R1.when",
            "old": "rate >= 0.95 and overdue_major == 0",
            "new": "rate >= 0.97 and overdue_major == 0",
        },
        {
            "what": "R2.when",
            "old": "rate >= 0.90 and (rate < 0.95 or overdue_major > 0)",
            "new": "rate >= 0.90 and (rate < 0.97 or overdue_major > 0)",
        },
    ]
    assert doc["as_of"] == "2018-12-31" and doc["published"]["number"] == 1
    # A dry run stores nothing and changes nothing in force.
    assert rules.current(2018).content_hash == load_ruleset(2018, rules.rules_dir).content_hash  # type: ignore[union-attr]


def test_a_dry_run_of_unstored_files_at_another_date(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    files = edit(own_files(rules_dir, 2019), "ruleset.yaml", "late_credit: 0.3", "late_credit: 0.6")
    doc = service.dry_run(work(db, rules), 2019, files=files, as_of=None).to_json()
    assert doc["draft"]["id"] is None
    assert {"what": "late_credit", "old": "0.3", "new": "0.6"} in doc["rule_changes"]
    late = [u for u in doc["units"] if "metrics" in u["changed"]]
    assert late and all("rate" in u["metrics"] for u in late)
    assert all(u["metrics"]["rate"][1] > u["metrics"]["rate"][0] for u in late)
    same = service.dry_run(work(db, rules), 2019, files=own_files(rules_dir, 2019), as_of=None)
    assert same.diff.changes == () and same.rule_changes == []
    with pytest.raises(InvalidRequest, match="before the year"):
        service.dry_run(work(db, rules), 2019, files=files, as_of=date(2018, 6, 1))


# --- publishing --------------------------------------------------------------------------------


def test_a_failing_rule_test_blocks_publishing(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    before = rules.current(2018)
    files = raise_commendation(
        own_files(rules_dir, 2018, mine=PASSING_CASE, wrong=FAILING_CASE), "0.97"
    )
    made = draft(files, rules, db)
    assert made["tests"]["cases"] == 2 and made["tests"]["failed"] == 1
    with pytest.raises(service.PublishRefused) as refused:
        publish(made["id"], rules, db)
    reasons = "\n".join(refused.value.reasons)
    assert "1 rule test of 2 fail" in reasons
    assert (
        "rules/2018/tests/wrong.yaml:3: a perfect unit gets 5 points: bonus 3, expected 5"
        in reasons
    )
    assert rules.current(2018) == before
    with db() as session:
        assert repo.latest_published(session, 2018) is None
    # Fixed, uploaded again, it is published.
    fixed = {
        **files,
        "tests/wrong.yaml": FAILING_CASE.replace("bonus: 5", "bonus: 3").format(year=2018),
    }
    version = publish(draft(fixed, rules, db)["id"], rules, db)
    assert version["tests"] == {"cases": 2, "passed": 2, "failed": 0, "failures": []}
    assert rules.current(2018).content_hash == version["content_hash"]  # type: ignore[union-attr]


def test_publishing_is_refused_for_stale_repeated_and_empty_drafts(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    first = draft(raise_commendation(own_files(rules_dir, 2018), "0.97"), rules, db)
    second = draft(raise_commendation(own_files(rules_dir, 2018), "0.99"), rules, db)
    unchanged = draft(own_files(rules_dir, 2018), rules, db)
    with pytest.raises(Conflict, match="same rules as the version in force"):
        publish(unchanged["id"], rules, db)
    with pytest.raises(InvalidRequest, match="change note"):
        service.publish_draft(work(db, rules), 2018, first["id"], note=" ")
    publish(first["id"], rules, db)
    with pytest.raises(Conflict, match="published already, as version 2"):
        publish(first["id"], rules, db)
    with pytest.raises(Conflict, match="changed since draft"):
        publish(second["id"], rules, db)
    assert service.get_draft(work(db, rules), 2018, second["id"]).status == "stale"
    assert service.get_draft(work(db, rules), 2018, first["id"]).status == "published"
    with pytest.raises(NotFound):
        publish(first["id"], rules, db, year=2019)


# --- recomputing a run -------------------------------------------------------------------------


def test_a_run_recomputed_under_its_version_matches_after_a_newer_one_is_published(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    old_run = score_year(UnitOfWork(db, rules, ENGINE, command_line()), 2018)
    publish(
        draft(raise_commendation(own_files(rules_dir, 2018), "0.97"), rules, db)["id"], rules, db
    )
    new_run = score_year(UnitOfWork(db, rules, ENGINE, command_line()), 2018)
    assert new_run.ruleset_hash != old_run.ruleset_hash
    assert new_run.rows != old_run.rows  # the new version changes scores
    again = recompute_run(UnitOfWork(db, rules, ENGINE, command_line()), old_run.id)
    assert again.matches and again.differences == [] and not again.data_changed
    assert again.ruleset_hash == old_run.ruleset_hash
    assert again.rows == old_run.rows
    # Even when the shipped files change afterwards: the run's version was recorded.
    shutil.rmtree(rules_dir / "2018" / "tests")
    (rules_dir / "2018" / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    assert recompute_run(
        UnitOfWork(db, VersionedRuleSource(rules_dir, db), ENGINE, command_line()), old_run.id
    ).matches


def test_recomputing_says_when_the_data_changed_since_the_run(
    db: sessionmaker[Session], rules: VersionedRuleSource
) -> None:
    run = score_year(UnitOfWork(db, rules, ENGINE, command_line()), 2019)
    raw = (FIXTURES / "demo-2019.bundle.json").read_bytes()
    import_bundle(
        UnitOfWork(db, rules, None, command_line()), raw, replace=True
    )  # the same data, a new revision
    again = recompute_run(UnitOfWork(db, rules, ENGINE, command_line()), run.id)
    assert again.data_changed and again.current_data_revision > again.data_revision
    assert again.matches
    assert "changed since the run" in again.note
    with pytest.raises(NotFound):
        recompute_run(UnitOfWork(db, rules, ENGINE, command_line()), 999_999)


def test_a_file_rule_source_still_serves_runs_and_recomputation(
    db: sessionmaker[Session],
) -> None:
    files = FileRuleSource(REPO_RULES_DIR)
    run = score_year(UnitOfWork(db, files, ENGINE, command_line()), 2018)
    assert recompute_run(UnitOfWork(db, files, ENGINE, command_line()), run.id).matches
    with db() as session:  # the run's version is recorded, so any source finds it later
        assert repo.version_by_hash(session, 2018, run.ruleset_hash) is not None


def test_a_dry_run_when_a_kind_is_no_longer_scored(
    db: sessionmaker[Session], rules: VersionedRuleSource, rules_dir: Path
) -> None:
    files = edit(
        own_files(rules_dir, 2018),
        "ruleset.yaml",
        "scored_kinds: [county, town, helping_unit]",
        "scored_kinds: [county, town]",
    )
    doc = service.dry_run(work(db, rules), 2018, files=files).to_json()
    gone = [u for u in doc["units"] if u["new"] is None]
    assert gone and all(u["kind"] == "helping_unit" and u["old"] for u in gone)
    assert doc["summary"]["units"] > len(gone)  # units of either side
    assert all(m["kind"] != "helping_unit" for m in doc["summary"]["largest_movers"])
    assert {"what": "scored_kinds", "old": "county, town, helping_unit", "new": "county, town"} in (
        doc["rule_changes"]
    )
