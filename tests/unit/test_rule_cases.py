"""Rule tests as data: every case of every shipped year, on both engines; and the case format."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scoring_service.domain.assessment import Evaluator
from scoring_service.engine import DurableRulesEngine, PythonEngine
from scoring_service.rules import available_years, load_ruleset
from scoring_service.rules.cases import (
    BundleCase,
    Case,
    CaseFileError,
    MetricsCase,
    load_cases,
    run_case,
    run_year,
)

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
CASES: list[Case] = [
    case for year in available_years(SHIPPED) for case in load_cases(SHIPPED / str(year))
]


def case_id(case: Case) -> str:
    return f"{case.year}/{Path(case.file).name}:{case.line}"


@pytest.fixture(scope="module", params=["python", "durable"])
def evaluator(request: pytest.FixtureRequest) -> Evaluator:
    """The exact evaluator and the real durable_rules engine: both are held to the cases."""
    return PythonEngine() if request.param == "python" else DurableRulesEngine()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_shipped_case(case: Case, evaluator: Evaluator) -> None:
    differences = run_case(case, load_ruleset(case.year, SHIPPED), evaluator)
    assert not differences, f"{case.where}: {case.name}\n  " + "\n  ".join(differences)


@pytest.mark.parametrize("year", available_years(SHIPPED))
def test_every_rule_of_a_shipped_year_is_expected_to_fire_somewhere(year: int) -> None:
    expected: set[str] = set()
    for case in CASES:
        if case.year != year:
            continue
        expectations = [case.expect] if isinstance(case, MetricsCase) else [e for _, e in case.rows]
        for expect in expectations:
            expected |= {f.rule for f in expect.fired or ()}
    assert {rule.id for rule in load_ruleset(year, SHIPPED).rules} <= expected


def test_shipped_years_have_metrics_and_bundle_cases() -> None:
    for year in available_years(SHIPPED):
        kinds = {type(c) for c in CASES if c.year == year}
        assert kinds == {MetricsCase, BundleCase}, year


# --- the format ---------------------------------------------------------------------------


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of the shipped rule files (without their cases), to add case files to."""
    target = tmp_path / "rules"
    for year in available_years(SHIPPED):
        (target / str(year) / "tests").mkdir(parents=True)
        for path in (SHIPPED / str(year)).glob("*.yaml"):
            (target / str(year) / path.name).write_bytes(path.read_bytes())
    return target


def write_cases(rules_dir: Path, text: str, name: str = "cases.yaml", year: int = 2018) -> Path:
    path = rules_dir / str(year) / "tests" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CaseFileError) as caught:
        load_cases(path)
    return [str(problem) for problem in caught.value.problems]


BUNDLE = """\
    cases:
      - name: one overdue finding
        bundle:
          units:
            - {code: C1, name: 县, kind: county}
            - {code: T1, name: 镇, kind: town, parent: C1}
          groups: [{code: G1, name: 组, leader: 张, counties: [C1]}]
          inspections:
            - code: I1
              group: G1
              county: C1
              start_date: 2018-07-10
              end_date: 2018-07-11
              findings:
                - {code: F1, unit: T1, criterion: "2.1", severity: general,
                   description: x, deadline: 2018-08-10}
              letter_date: null
              sample: {towns: [], villages: [], households: []}
        expect:
          rows:
            - {unit: T1, rate: 0, fired: [R4], score: 95, grade: fair, rank: 1}
"""


def test_a_metrics_case_passes_and_a_wrong_one_says_what_differs(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: right
            metrics: {on_time: 19, overdue: 1, rate: "19/20"}
            expect: {fired: [R1], bonus: 3, score: 103, grade: excellent}
          - name: wrong
            metrics: {on_time: 19, overdue: 1, rate: 0.9499}
            expect: {fired: [R1], bonus: 3, measures: [commendation]}
          - name: capped
            metrics: {on_time: 10, fakes: 6, rate: 1}
            expect: {fired: [R1, {rule: R6, deduction: 15}], deduction: 18}
        """,
    )
    right, wrong, capped = load_cases(path)
    assert (right.file, right.line, right.year) == ("rules/2018/tests/cases.yaml", 2, 2018)
    ruleset = load_ruleset(2018, rules_dir)
    assert run_case(right, ruleset, PythonEngine()) == []
    assert run_case(wrong, ruleset, PythonEngine()) == [
        "fired R2, expected R1",
        "bonus 1, expected 3",
        "measures nothing, expected commendation",
    ]
    assert run_case(capped, ruleset, PythonEngine()) == [
        "R6 gave deduction 18, expected 15",
        "deduction 15, expected 18 (capped from 18)",
    ]


def test_counts_are_counted_by_the_real_code(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: weights and late credit
            counts: {on_time: {general: 2}, late: {major: 1}, overdue: {general: 1}}
            metrics: {fakes: 1}
            expect: {metrics: {rate: 0.6, due: 4, findings: 4, fakes: 1}, fired: [R3, R6]}
          - name: exactness is reported
            counts: {on_time: {general: 29}, overdue: {general: 3}}
            expect: {metrics: {rate: 0.9063}}
        """,
    )
    exact, rounded = load_cases(path)
    ruleset = load_ruleset(2018, rules_dir)
    assert run_case(exact, ruleset, PythonEngine()) == []
    assert run_case(rounded, ruleset, PythonEngine()) == ["rate 0.90625, expected 0.9063"]


def test_a_bundle_case_runs_through_the_bundle_reader(rules_dir: Path) -> None:
    [case] = load_cases(write_cases(rules_dir, BUNDLE))
    assert isinstance(case, BundleCase) and case.as_of is None
    ruleset = load_ruleset(2018, rules_dir)
    assert run_case(case, ruleset, PythonEngine()) == []
    changed = BUNDLE.replace("score: 95", "score: 96").replace(
        "rank: 1}", "rank: 1}\n" + " " * 12 + "- {unit: V9}"
    )
    [case] = load_cases(write_cases(rules_dir, changed))
    assert run_case(case, ruleset, PythonEngine()) == [
        "T1: score 95, expected 96",
        "V9: no score row (no such unit)",
    ]


def test_a_bundle_the_catalogue_refuses_names_the_line(rules_dir: Path) -> None:
    path = write_cases(rules_dir, BUNDLE.replace('"2.1"', '"9.9"'))
    [case] = load_cases(path)
    assert run_case(case, load_ruleset(2018, rules_dir), PythonEngine()) == [
        "the bundle is refused: rules/2018/tests/cases.yaml:15: "
        "cases[0].bundle.inspections[0].findings[0].criterion: "
        "unknown criterion '9.9' in the 2018 catalogue"
    ]


def test_alerts_are_compared_as_a_set_of_subjects(rules_dir: Path) -> None:
    text = BUNDLE.replace(
        "            - {unit: T1, rate: 0, fired: [R4], score: 95, grade: fair, rank: 1}\n",
        "            - {unit: T1, rank: 1}\n"
        "          alerts:\n"
        "            - {type: incomplete_sample, inspection: I1}\n"
        "            - {type: late_letter, inspection: I1}\n",
    )
    [case] = load_cases(write_cases(rules_dir, text))
    assert isinstance(case, BundleCase)
    differences = run_case(case, load_ruleset(2018, rules_dir), PythonEngine())
    # As of 2018-12-31 the group also missed August to December.
    assert differences == [
        f"alert missed_month group=G1 month=2018-{month:02d} raised, not expected"
        for month in range(8, 13)
    ]


def test_bundle_file_is_read_relative_to_the_case_file(rules_dir: Path) -> None:
    examples = SHIPPED.parent / "fixtures" / "examples"
    data = rules_dir / "2018" / "tests" / "data"
    data.mkdir()
    (data / "b.json").write_bytes((examples / "04_attribution.bundle.json").read_bytes())
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: from a file
            bundle_file: data/b.json
            expect:
              rows: [{unit: C1, findings: 5, overdue_major: 1, score: 93, grade: poor}]
        """,
    )
    [case] = load_cases(path)
    assert run_case(case, load_ruleset(2018, rules_dir), PythonEngine()) == []


def test_the_year_comes_from_the_folder_or_the_file(rules_dir: Path, tmp_path: Path) -> None:
    text = """\
        year: 2019
        cases:
          - name: 0.95 is R2 in 2019
            metrics: {on_time: 19, overdue: 1, rate: 0.95}
            expect: {fired: [R2]}
        """
    [case] = load_cases(write_cases(rules_dir, text))
    assert case.year == 2019
    loose = tmp_path / "loose.yaml"
    loose.write_text(textwrap.dedent(text).replace("year: 2019\n", ""), encoding="utf-8")
    assert problems_of(loose) == [
        f"{loose}:1: the year is unknown: write `year:` (or keep the file in rules/<year>/)"
    ]


def test_problems_name_file_line_and_key(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: typo
            metrics: {on_time: 19, overdu: 1, rate: "19/20"}
            expect: {fired: [R1]}
          - name: out of range
            metrics: {on_time: 1, rate: 1.5}
            expect: {grade: great, bonus: null}
        """,
    )
    assert problems_of(path) == [
        "rules/2018/tests/cases.yaml:3: cases[0].metrics.overdu: unknown key 'overdu'",
        "rules/2018/tests/cases.yaml:6: cases[1].metrics.rate: "
        "a rate lies between 0 and 1 (found 1.5)",
        "rules/2018/tests/cases.yaml:7: cases[1].expect.bonus: "
        "null is not allowed here: leave the key out (found null)",
        "rules/2018/tests/cases.yaml:7: cases[1].expect.grade: "
        "'great' is not allowed; expected 'excellent', 'good', 'fair' or 'poor'",
    ]


def test_metrics_must_hang_together(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: inconsistent
            metrics: {on_time: 19, overdue: 1, due: 19, overdue_major: 2, rate: null}
            expect: {score: 100}
          - name: no rate
            metrics: {on_time: 1}
            expect: {}
          - name: counts and a rate
            counts: {late: {general: 2}}
            metrics: {rate: 0.5}
            expect: {score: 95}
        """,
    )
    where = "rules/2018/tests/cases.yaml"
    assert problems_of(path) == [
        f"{where}:3: cases[0].metrics.due: due is 19, but on_time + late + overdue is 20",
        f"{where}:3: cases[0].metrics.overdue_major: more than the 1 overdue findings",
        f"{where}:3: cases[0].metrics.rate: "
        "20 findings are due (on_time + late + overdue), so the rate cannot be null",
        f"{where}:6: cases[1].metrics: "
        'rate is required: a decimal, a fraction like "19/20", or null',
        f"{where}:7: cases[1].expect: "
        "nothing to check: write fired, bonus, deduction, score, grade, ...",
        f"{where}:10: cases[2].metrics.rate: rate comes from counts: leave it out here",
    ]


def test_an_inline_bundle_is_checked_when_loaded(rules_dir: Path) -> None:
    text = BUNDLE.replace("{code: T1, name: 镇,", "{code: 441624, name: 镇,").replace(
        "kind: county}", "kind: county, colour: red}"
    )
    assert problems_of(write_cases(rules_dir, text)) == [
        "rules/2018/tests/cases.yaml:5: cases[0].bundle.units[0].colour: unknown field",
        "rules/2018/tests/cases.yaml:6: cases[0].bundle.units[1].code: "
        "must be text: put it in quotes",
    ]


def test_bundle_and_bundle_file_and_rows(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: both
            bundle: {units: []}
            bundle_file: x.json
            expect: {alerts: []}
          - name: missing file
            bundle_file: nothere.json
            expect: {rows: [{unit: C1, rank: 1}, {unit: C1, findings: 2, metrics: {findings: 3}}]}
        """,
    )
    where = "rules/2018/tests/cases.yaml"
    assert problems_of(path) == [
        f"{where}:2: cases[0]: give either bundle (written here) or bundle_file (a path), not both",
        f"{where}:7: cases[1].bundle_file: "
        "cannot read rules/2018/tests/nothere.json: No such file or directory",
        f"{where}:8: cases[1].expect.rows[1].findings: "
        "findings is given twice (here and under metrics)",
        f"{where}:8: cases[1].expect.rows[1].unit: unit 'C1' has two expected rows",
    ]


def test_a_year_folder_runs_its_tests_folder(rules_dir: Path) -> None:
    write_cases(
        rules_dir,
        """\
        cases:
          - name: passes
            metrics: {rate: null}
            expect: {score: 100}
          - name: fails
            metrics: {overdue: 1, rate: 0}
            expect: {score: 100}
        """,
    )
    report = run_year(2018, rules_dir, PythonEngine())
    assert (report.passed, report.failed) == (1, 1)
    [failure] = report.failures
    assert failure.summary() == "rules/2018/tests/cases.yaml:5: fails: score 95, expected 100"
    assert load_ruleset(2018, rules_dir).year == 2018  # a tests/ folder does not bother the loader


@pytest.mark.language("zh")
def test_a_failing_case_reads_in_the_catalogue_s_words(rules_dir: Path) -> None:
    path = write_cases(
        rules_dir,
        """\
        cases:
          - name: wrong grade
            metrics: {on_time: 19, overdue: 1, rate: 0.9499}
            expect: {grade: excellent, measures: [commendation]}
        """,
    )
    [case] = load_cases(path)
    differences = run_case(case, load_ruleset(2018, rules_dir), PythonEngine())
    assert "等次 为 较好，应为 好" in differences
    assert "措施 为 无，应为 通报表扬" in differences
    for text in differences:
        for machine in ("grade", "good", "excellent", "commendation"):
            assert machine not in text, text
