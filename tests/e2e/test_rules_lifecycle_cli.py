"""The rule editor's command line: export, draft, diff, publish, versions, new-year, recompute."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scoring_service.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO_2018 = ROOT / "fixtures" / "demo-2018.bundle.json"
R1 = "when: rate >= 0.95 and overdue_major == 0"
R2 = "when: rate >= 0.90 and (rate < 0.95 or overdue_major > 0)"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """``run`` on a fresh SQLite database and a copy of the shipped rules, 2018 demo loaded."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    base = ("--db", f"sqlite:///{tmp_path / 'cli.sqlite'}", "--rules-dir", str(rules))

    def cli(*argv: str) -> tuple[int, str, str]:
        return run(*base, *argv)

    code, _, err = cli("import", str(DEMO_2018))
    assert code == 0, err
    return cli


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


# The editor's own cases for the new threshold (in place of the shipped ones, which pin 0.95).
CASES = """\
cases:
  - name: rate 0.97 is commended
    metrics: {on_time: 97, overdue: 3, rate: 0.97}
    expect: {fired: [R1], bonus: 3, measures: [commendation]}

  - name: rate 0.95 is no longer commended
    metrics: {on_time: 19, overdue: 1, rate: 0.95}
    expect: {fired: [R1]}
"""


def test_export_change_draft_diff_publish_and_recompute(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("score", "--year", "2018", "--format", "json")
    assert code == 0
    before = {row["unit"]: row for row in json.loads(out)}

    work = tmp_path / "work" / "2018"
    code, out, err = cli("rules", "export", "--year", "2018", str(work))
    assert code == 0, err
    assert "wrote version 1 of 2018" in out  # the score run recorded the shipped files
    assert (work / "rules.yaml").is_file() and (work / "tests").is_dir()

    replace(work / "rules.yaml", R1, R1.replace("0.95", "0.97"))
    replace(work / "rules.yaml", R2, R2.replace("rate < 0.95", "rate < 0.97"))
    shutil.rmtree(work / "tests")
    (work / "tests").mkdir()
    (work / "tests" / "threshold.yaml").write_text(CASES, encoding="utf-8")
    code, out, err = cli("rules", "draft", "--year", "2018", str(work), "--note", "R1 0.97")
    assert code == 0, err
    assert re.search(r"^draft 1 of 2018 stored", out, re.M)
    assert "R1.when: rate >= 0.95 and overdue_major == 0  →  rate >= 0.97" in out
    assert "rule tests: 1 passed, 1 failed" in out

    # The dry run, as a table and as JSON.
    code, out, err = cli("rules", "diff", "--year", "2018", "--draft", "1")
    assert code == 0, err
    assert "Dry run of draft 1" in out and "commendation:" in out and "-commendation" in out
    code, out, _ = cli("rules", "diff", "--year", "2018", "--draft", "1", "--format", "json")
    doc = json.loads(out)
    losing = sorted(
        u
        for u, row in before.items()
        if "commendation" in row["measures"] and row["metrics"]["rate"] < 0.97
    )
    assert sorted(doc["summary"]["measures"]["commendation"]["lost"]) == losing
    # A folder works as well as a stored draft, and gives the same rows.
    code, out, _ = cli("rules", "diff", "--year", "2018", "--draft", str(work), "--format", "json")
    assert code == 0 and json.loads(out)["units"] == doc["units"]

    # The failing case blocks publishing, with its place.
    code, _, err = cli("rules", "publish", "--year", "2018", "1", "--note", "R1 0.97")
    assert code == 2
    assert "cannot be published" in err
    assert (
        "rules/2018/tests/threshold.yaml:6: rate 0.95 is no longer commended: fired R2, expected R1"
        in err
    )

    replace(work / "tests" / "threshold.yaml", "expect: {fired: [R1]}", "expect: {fired: [R2]}")
    code, out, err = cli("rules", "draft", "--year", "2018", str(work), "--note", "R1 0.97")
    assert code == 0 and "rule tests: 2 passed, 0 failed" in out, (out, err)
    code, out, err = cli("rules", "publish", "--year", "2018", "2", "--note", "R1 raised to 0.97")
    assert code == 0, err
    assert "draft 2 is version 2 of 2018" in out

    code, out, _ = cli("rules", "versions", "--year", "2018", "--format", "json")
    versions = json.loads(out)["versions"]
    assert [(v["number"], v["origin"], v["in_force"]) for v in versions] == [
        (1, "shipped", False),
        (2, "published", True),
    ]
    assert versions[1]["note"] == "R1 raised to 0.97"
    assert versions[1]["published_by"].endswith("(command line)")
    code, out, _ = cli("rules", "versions", "--year", "2018")
    assert code == 0 and "R1 raised to 0.97" in out

    # New runs use version 2; run 1 recomputes under version 1 to the same rows.
    code, out, _ = cli("score", "--year", "2018", "--format", "json")
    after = {row["unit"]: row for row in json.loads(out)}
    assert all("commendation" not in after[u]["measures"] for u in losing)
    code, out, _ = cli("recompute", "1")
    assert code == 0 and "every row is the same" in out
    code, out, _ = cli("recompute", "1", "--format", "json")
    assert json.loads(out)["matches"] is True

    # Publishing the same draft again is a conflict; the first one is stale now.
    code, _, err = cli("rules", "publish", "--year", "2018", "2", "--note", "again")
    assert code == 1 and "published already" in err
    code, _, err = cli("rules", "publish", "--year", "2018", "1", "--note", "late")
    assert code == 1 and "changed since draft 1" in err


def test_a_broken_draft_is_refused_with_the_messages_of_rules_validate(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the folders are given as an editor would: rules/2019
    rules = tmp_path / "rules"
    replace(rules / "2019" / "rules.yaml", "when: rate < 0.70", "when: rate <")
    code, _, validate_err = run("rules", "validate", "rules")
    assert code == 2
    code, out, err = cli("rules", "draft", "--year", "2019", "rules/2019")
    assert code == 2 and out == ""
    problem = next(line for line in validate_err.splitlines() if "rules.yaml" in line)
    assert problem.startswith("rules/2019/rules.yaml:") and "rules[3].when" in problem
    assert problem in err.splitlines()
    assert "nothing was stored" in err
    # The rules folder itself is accepted too (its <year>/ is read).
    code, _, err2 = cli("rules", "draft", "--year", "2019", "rules", "--check")
    assert code == 2 and problem in err2.splitlines()


def test_draft_check_fails_with_a_failing_rule_test_and_names_the_files_given(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("rules", "export", "--year", "2019", "work/2019")
    assert code == 0, err
    rates = Path("work/2019/tests/rates.yaml")
    replace(rates, "expect: {fired: [R2], score: 101}", "expect: {fired: [R1], score: 101}")
    line = (
        rates.read_text(encoding="utf-8")
        .splitlines()
        .index("  - name: rate 0.95 meets 2018's R1 threshold but only R2 in 2019")
    )
    failure = (
        f"work/2019/tests/rates.yaml:{line + 1}: rate 0.95 meets 2018's R1 threshold but only "
        "R2 in 2019: fired R2, expected R1"
    )
    code, out, err = cli("rules", "draft", "--year", "2019", "work/2019", "--check")
    assert (code, err) == (1, "")
    assert "rule tests: 30 passed, 1 failed" in out and f"  {failure}" in out.splitlines()
    assert "rules/2019/" not in out
    code, out, _ = cli("rules", "draft", "--year", "2019", "work", "--check", "--format", "json")
    assert code == 1 and json.loads(out)["tests"]["failures"] == [failure]

    # A problem in the files names the file given, too; so does a dry run of the folder.
    replace(Path("work/2019/rules.yaml"), "when: rate < 0.70", "when: rate <")
    check = cli("rules", "draft", "--year", "2019", "work/2019", "--check")
    dry_run = cli("rules", "diff", "--year", "2019", "--draft", "work/2019")
    for code, out, err in (check, dry_run):
        assert code == 2 and out == ""
        assert re.match(r"work/2019/rules\.yaml:\d+: rules\[3\]\.when: ", err), err
    # Stored, a draft whose test fails is kept (for a dry run); publishing refuses it.
    replace(Path("work/2019/rules.yaml"), "when: rate <\n", "when: rate < 0.70\n")
    code, out, _ = cli("rules", "draft", "--year", "2019", "work/2019")
    assert code == 0 and f"  {failure}" in out.splitlines()


def test_new_year_writes_files_to_edit_and_stores_a_draft(cli: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "work" / "2020"
    code, out, err = cli("rules", "new-year", "2020", "--from", "2019", "--out", str(out_dir))
    assert code == 0, err
    assert "started 2020 from 2019: draft 1" in out
    ruleset = (out_dir / "ruleset.yaml").read_text(encoding="utf-8")
    assert "year: 2020" in ruleset and "extends: 2019" in ruleset
    assert "cutoff: 2020-12-31" in ruleset and "inspections_from: 2020-01-01" in ruleset
    assert (out_dir / "rules.yaml").is_file() and (out_dir / "tests" / "cases.yaml").is_file()
    # Not empty any more: refused rather than overwritten.
    code, _, err = cli("rules", "new-year", "2020", "--from", "2019", "--out", str(out_dir))
    assert code == 2 and "not empty" in err

    replace(out_dir / "rules.yaml", "rules: []", "rules:\n  - id: R4\n    deduction: 8\n")
    code, out, err = cli("rules", "draft", "--year", "2020", str(out_dir), "--format", "json")
    assert code == 0, err
    draft = json.loads(out)
    assert {"what": "R4.deduction", "old": "6", "new": "8"} in draft["rule_changes"]
    code, out, err = cli("rules", "publish", "--year", "2020", str(draft["id"]), "--note", "2020")
    assert code == 0, err
    code, out, _ = cli("rules", "versions", "--year", "2020", "--format", "json")
    (version,) = json.loads(out)["versions"]
    assert version["extends"]["year"] == 2019 and version["in_force"]
    code, _, err = cli("rules", "new-year", "2020", "--from", "2019", "--out", str(tmp_path / "x"))
    assert code == 1 and "has a rule set already" in err


def test_usage_errors(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("rules", "draft", "--year", "2019", str(tmp_path / "nothing"))
    assert code == 2 and "holds no ruleset.yaml" in err
    code, _, err = cli("rules", "diff", "--year", "2018", "--draft", "99")
    assert code == 1 and "no rule set draft 99" in err
    code, _, err = cli("rules", "publish", "--year", "2018", "1")
    assert code == 2  # --note is required
    code, _, err = cli("recompute", "42")
    assert code == 1 and "no score run 42" in err
    code, _, err = cli("rules", "versions", "--year", "2031")
    assert code == 1 and "no rule set" in err


SHIPPED_YEARS = sorted(p.name for p in (ROOT / "rules").iterdir() if p.is_dir())


@pytest.mark.parametrize("year", SHIPPED_YEARS)
def test_every_shipped_year_passes_the_draft_checks_unchanged(year: str, tmp_path: Path) -> None:
    """The guide's first steps on each year as shipped: export it, then ``draft --check``."""
    from scoring_service.rules.files import read_folder

    base = ("--db", f"sqlite:///{tmp_path / 'fresh.sqlite'}", "--rules-dir", str(ROOT / "rules"))
    work = tmp_path / "work" / year
    code, _, err = run(*base, "rules", "export", "--year", year, str(work))
    assert code == 0, err
    assert read_folder(work) == read_folder(ROOT / "rules" / year)  # every file, unchanged
    code, out, err = run(*base, "rules", "draft", "--year", year, str(work), "--check")
    assert (code, err) == (0, "")
    assert re.search(r"^rule tests: [1-9]\d* passed, 0 failed$", out, re.M), out
