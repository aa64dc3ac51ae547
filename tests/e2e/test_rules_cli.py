"""``rules test``: the command rule editors run on their case files."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scoring_service.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "rules"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def counts(out: str) -> tuple[int, int]:
    match = SUMMARY.search(out)
    assert match, out
    return int(match[1]), int(match[2])


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of the shipped rules folder, cases included."""
    target = tmp_path / "rules"
    shutil.copytree(SHIPPED, target)
    return target


def add_case_file(rules_dir: Path, year: int, text: str, name: str = "zz_editor.yaml") -> None:
    path = rules_dir / str(year) / "tests" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_shipped_cases_pass() -> None:
    code, out, err = run("rules", "test", str(SHIPPED))
    assert code == 0, out + err
    passed, failed = counts(out)
    assert failed == 0 and passed >= 60
    assert out.strip() == f"{passed} passed, 0 failed"


def test_year_picks_one_year() -> None:
    _, all_out, _ = run("rules", "test", str(SHIPPED))
    code, out, _ = run("rules", "test", str(SHIPPED), "--year", "2019")
    assert code == 0
    assert 0 < counts(out)[0] < counts(all_out)[0]


def test_a_failing_case_is_named_with_file_line_and_differences(rules_dir: Path) -> None:
    add_case_file(
        rules_dir,
        2019,
        """\
        cases:
          - name: an editor expects 2018's threshold
            metrics: {on_time: 19, overdue: 1, rate: 0.95}
            expect: {fired: [R1], score: 103, grade: excellent}
        """,
    )
    code, out, err = run("rules", "test", str(rules_dir))
    assert code == 1, err
    lines = out.strip().splitlines()
    assert lines[0] == (
        "rules/2019/tests/zz_editor.yaml:2: an editor expects 2018's threshold: "
        "fired R2, expected R1; score 101, expected 103; grade good, expected excellent"
    )
    passed, failed = counts(out)
    assert failed == 1 and lines[-1] == f"{passed} passed, 1 failed"
    code, out, _ = run("rules", "test", str(rules_dir), "--year", "2018")
    assert code == 0 and counts(out)[1] == 0


def test_a_changed_expectation_in_a_shipped_file_fails(rules_dir: Path) -> None:
    path = rules_dir / "2018" / "tests" / "points.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    expect: {score: 102, grade: good}"
    assert old in text
    path.write_text(text.replace(old, "    expect: {score: 103, grade: good}"), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "name: 102 is good" in row)
    code, out, _ = run("--rules-dir", str(rules_dir), "rules", "test")
    assert code == 1
    assert f"rules/2018/tests/points.yaml:{line}: 102 is good (under 103): " in out
    assert "score 102, expected 103" in out


def test_an_unreadable_case_file_exits_2_and_names_the_place(rules_dir: Path) -> None:
    add_case_file(
        rules_dir,
        2018,
        """\
        cases:
          - name: a typo
            metrics: {on_time: 1, rate: 1}
            expect: {scroe: 103}
        """,
    )
    add_case_file(rules_dir, 2019, "cases: [unclosed\n", name="broken.yaml")
    code, out, err = run("rules", "test", str(rules_dir))
    assert code == 2
    assert "rules/2018/tests/zz_editor.yaml:4: cases[0].expect.scroe: unknown key 'scroe'" in err
    assert "rules/2019/tests/broken.yaml:2: not valid YAML" in err
    assert "Traceback" not in err
    assert counts(out) == (0, 0)  # neither year ran


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    code, _, err = run("rules", "test", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err
    code, _, err = run("rules", "test", str(SHIPPED), "--year", "2017")
    assert code == 2 and "no rule set for 2017" in err


def test_the_module_runs_as_a_command(rules_dir: Path) -> None:
    add_case_file(
        rules_dir,
        2018,
        """\
        cases:
          - name: fails
            metrics: {rate: null}
            expect: {score: 99}
        """,
    )
    done = subprocess.run(
        [sys.executable, "-m", "scoring_service", "rules", "test", str(rules_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "rules/2018/tests/zz_editor.yaml:2: fails: score 100, expected 99" in done.stdout


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("rate / 0 > 1", "division by zero"),
        ("fakes / (1 - 1) > 1", "division by zero"),
        ("(" * 300 + "fakes >= 1" + ")" * 300, "deeper than 32 levels"),
        ("fakes > " + "9" * 100_000, "longer than 2000 characters"),
    ],
)
def test_rules_validate_refuses_a_zero_divisor_and_hostile_sizes(
    rules_dir: Path, condition: str, words: str
) -> None:
    path = rules_dir / "2018" / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("when: repeats >= 1", f"when: '{condition}'"), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if condition[:20] in t)
    code, out, err = run("--lang", "en", "rules", "validate", str(rules_dir))
    assert code == 2, (out, err)
    assert f"rules/2018/rules.yaml:{line}: rules[6].when: " in out + err
    assert words in out + err
    assert "Traceback" not in err
