"""The shipped rule files, their merge, and the problems a broken file is refused with."""

from __future__ import annotations

import re
import shutil
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from scoring_service.domain.model import Severity, UnitKind
from scoring_service.domain.ruleset import Grade, Measure, Points, Ruleset
from scoring_service.rules import (
    RULES_DIR_ENV,
    RuleFileError,
    RuleProblem,
    UnknownRulesetYear,
    available_years,
    load_ruleset,
    validate_rules_dir,
)

SHIPPED = Path(__file__).resolve().parents[2] / "rules"

NAMES = {
    "R1": "整改落实到位、成效明显",
    "R2": "整改较好",
    "R3": "整改不力",
    "R4": "整改严重滞后",
    "R5": "重大问题逾期未整改",
    "R6": "虚假整改",
    "R7": "问题反弹",
}


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of the shipped rules, free to break; problems name it ``rules/``."""
    target = tmp_path / "rules"
    shutil.copytree(SHIPPED, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


def problems_of(rules_dir: Path, year: int) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(year, rules_dir)
    return [str(problem) for problem in caught.value.problems]


# --- the shipped years --------------------------------------------------------------------


def test_shipped_years_load_without_problems() -> None:
    assert available_years(SHIPPED) == [2018, 2019]
    assert validate_rules_dir(SHIPPED) == []
    assert load_ruleset(2018).year == 2018  # the default directory is the repository's


def by_id(ruleset: Ruleset) -> dict[str, object]:
    return {rule.id: rule for rule in ruleset.rules}


def rule_table(ruleset: Ruleset) -> dict[str, tuple[object, ...]]:
    return {
        rule.id: (
            rule.condition.source,
            rule.bonus,
            rule.deduction,
            rule.measures,
            rule.grade,
        )
        for rule in ruleset.rules
    }


def test_2018_has_every_number_of_the_spec() -> None:
    ruleset = load_ruleset(2018, SHIPPED)
    assert ruleset.base_score == 100
    assert ruleset.cutoff == date(2018, 12, 31)
    assert ruleset.late_credit == Fraction(1, 2)
    assert ruleset.severity_weights == {Severity.GENERAL: 1, Severity.MAJOR: 2}
    assert (ruleset.cap_bonus, ruleset.cap_deduction) == (5, 15)
    assert ruleset.scored_kinds == (UnitKind.COUNTY, UnitKind.TOWN, UnitKind.HELPING_UNIT)
    assert ruleset.attribution.territorial is True
    assert ruleset.attribution.helping_unit_categories == {"3", "4", "E"}
    assert [(band.grade, band.min) for band in ruleset.grades] == [
        (Grade.EXCELLENT, 103),
        (Grade.GOOD, 100),
        (Grade.FAIR, 95),
        (Grade.POOR, None),
    ]
    alerts = ruleset.alerts
    assert (alerts.letter_days, alerts.max_days, alerts.escalation_days) == (3, 2, 1)
    assert (alerts.min_towns, alerts.min_poor_villages, alerts.min_ordinary_villages) == (1, 1, 1)
    assert (alerts.min_households, alerts.min_pre_exit, alerts.min_not_exited) == (3, 2, 1)
    assert alerts.inspections_from == date(2018, 7, 1)
    crit, intv, acc = Measure.CRITICISM, Measure.INTERVIEW, Measure.ACCOUNTABILITY
    assert rule_table(ruleset) == {
        "R1": (
            "rate >= 0.95 and overdue_major == 0",
            Points(Fraction(3)),
            None,
            (Measure.COMMENDATION,),
            None,
        ),
        "R2": (
            "rate >= 0.90 and (rate < 0.95 or overdue_major > 0)",
            Points(Fraction(1)),
            None,
            (),
            None,
        ),
        "R3": ("0.60 <= rate < 0.80", None, Points(Fraction(2)), (crit,), None),
        "R4": ("rate < 0.60", None, Points(Fraction(5)), (crit, intv), None),
        "R5": ("overdue_major >= 1", None, Points(Fraction(2), "overdue_major"), (intv,), None),
        "R6": ("fakes >= 1", None, Points(Fraction(3), "fakes"), (acc,), None),
        "R7": ("repeats >= 1", None, Points(Fraction(1), "repeats"), (), None),
    }
    assert {rule.id: rule.name for rule in ruleset.rules} == NAMES
    assert all("河扶〔2018〕23号" in rule.reference for rule in ruleset.rules)


def test_2019_has_every_number_of_the_spec() -> None:
    ruleset = load_ruleset(2019, SHIPPED)
    assert ruleset.extends == 2018
    assert ruleset.base_score == 100
    assert ruleset.cutoff == date(2019, 12, 31)
    assert ruleset.late_credit == Fraction(3, 10)
    assert ruleset.severity_weights == {Severity.GENERAL: 1, Severity.MAJOR: 3}
    assert (ruleset.cap_bonus, ruleset.cap_deduction) == (5, 20)
    assert [(band.grade, band.min) for band in ruleset.grades] == [
        (Grade.EXCELLENT, 103),
        (Grade.GOOD, 100),
        (Grade.FAIR, 95),
        (Grade.POOR, None),
    ]
    assert ruleset.alerts.inspections_from == date(2019, 1, 1)
    assert ruleset.alerts.letter_days == 3
    crit, intv, acc = Measure.CRITICISM, Measure.INTERVIEW, Measure.ACCOUNTABILITY
    assert rule_table(ruleset) == {
        "R1": (
            "rate >= 0.98 and overdue_major == 0",
            Points(Fraction(3)),
            None,
            (Measure.COMMENDATION,),
            None,
        ),
        "R2": (
            "rate >= 0.92 and (rate < 0.98 or overdue_major > 0)",
            Points(Fraction(1)),
            None,
            (),
            None,
        ),
        "R3": ("0.70 <= rate < 0.85", None, Points(Fraction(2)), (crit,), None),
        "R4": ("rate < 0.70", None, Points(Fraction(6)), (crit, intv), None),
        "R5": ("overdue_major >= 1", None, Points(Fraction(3), "overdue_major"), (intv,), None),
        "R6": ("fakes >= 1", None, Points(Fraction(4), "fakes"), (acc,), Grade.POOR),
        "R7": ("repeats >= 1", None, Points(Fraction(1), "repeats"), (), None),
        "R8": (
            "overdue_by_category.6 >= 1",
            None,
            Points(Fraction(1), "overdue_by_category.6"),
            (intv,),
            None,
        ),
    }


def test_2019_inherits_names_catalogue_and_parameters_from_2018() -> None:
    first, second = load_ruleset(2018, SHIPPED), load_ruleset(2019, SHIPPED)
    assert {rule.id: rule.name for rule in second.rules} == {**NAMES, "R8": "资金问题逾期"}
    assert [rule.reference for rule in second.rules[:7]] == [r.reference for r in first.rules]
    assert second.catalogue == first.catalogue
    assert second.attribution == first.attribution
    assert second.scored_kinds == first.scored_kinds
    assert second.alerts.min_households == first.alerts.min_households
    assert "rules/2018/rules.yaml" in second.source
    assert "rules/2019/rules.yaml" in second.source
    assert "2019/catalogue.yaml" not in " ".join(second.source)


def test_catalogue_of_the_spec() -> None:
    catalogue = load_ruleset(2018, SHIPPED).catalogue
    assert list(catalogue.categories) == ["1", "2", "3", "4", "E", "5", "6", "7"]
    assert catalogue.categories["E"] == "脱贫任务完成情况"
    assert catalogue.categories["6"] == "资金使用率情况"
    assert catalogue.items["2.3"] == "教育补助"
    counts = {
        code: sum(1 for item in catalogue.items if item.split(".")[0] == code)
        for code in catalogue.categories
    }
    assert counts == {"1": 4, "2": 9, "3": 3, "4": 3, "E": 2, "5": 4, "6": 3, "7": 4}


def test_numbers_are_exact_decimals() -> None:
    ruleset = load_ruleset(2019, SHIPPED)
    assert type(ruleset.late_credit) is Fraction
    assert ruleset.late_credit * 3 == Fraction(9, 10)


def test_source_keeps_the_text_read() -> None:
    ruleset = load_ruleset(2018, SHIPPED)
    assert ruleset.source["rules/2018/rules.yaml"] == (SHIPPED / "2018/rules.yaml").read_text(
        encoding="utf-8"
    )


# --- location of problems -----------------------------------------------------------------


def test_a_bad_condition_is_refused_with_file_line_and_key(rules_dir: Path) -> None:
    path = rules_dir / "2019/rules.yaml"
    edit(path, "when: 0.70 <= rate < 0.85", "when: overdu >= 1")
    line = line_of(path, "overdu >= 1")
    problems = problems_of(rules_dir, 2019)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"rules/2019/rules.yaml:{line}: rules[2].when: unknown metric 'overdu'"
    )
    assert "column 1" in problems[0]


def test_error_str_lists_every_problem(rules_dir: Path) -> None:
    edit(rules_dir / "2018/rules.yaml", "bonus: 3", "bonus: three")
    edit(rules_dir / "2018/rules.yaml", "when: repeats >= 1", "when: repeats >= ")
    edit(rules_dir / "2018/ruleset.yaml", "late_credit: 0.5", "late_credit: 1.5")
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(2018, rules_dir)
    text = str(caught.value)
    assert text.startswith("3 problems in rule files:")
    assert "rules/2018/rules.yaml:" in text and "rules[0].bonus: expected a number" in text
    assert "rules[6].when: expected a number, a metric or '('" in text
    assert "parameters.late_credit: late_credit must be between 0 and 1" in text
    assert all(isinstance(p, RuleProblem) and p.line > 0 for p in caught.value.problems)


@pytest.mark.parametrize(
    ("file", "old", "new", "key", "fragment"),
    [
        (
            "2018/ruleset.yaml",
            "  base_score: 100",
            "  base_score: 100\n  base_scor: 1",
            "parameters.base_scor",
            "unknown key 'base_scor'",
        ),
        (
            "2018/rules.yaml",
            "    bonus: 3",
            "    bonus: 3\n    colour: red",
            "rules[0].colour",
            "unknown key 'colour'",
        ),
        (
            "2018/rules.yaml",
            "deduction: {points: 3, per: fakes}",
            "deduction: {points: 3, per: fakes, each: 1}",
            "rules[5].deduction.each",
            "unknown key 'each'",
        ),
        (
            "2018/rules.yaml",
            "measures: [commendation]",
            "measures: [praise]",
            "rules[0].measures[0]",
            "'commendation'",
        ),
        (
            "2018/rules.yaml",
            "per: fakes}",
            "per: fake}",
            "rules[5].deduction.per",
            "unknown metric 'fake' to count by",
        ),
        ("2018/rules.yaml", "    bonus: 1\n", "", "rules[1]", "the rule has no effect"),
        ("2018/rules.yaml", "id: R2", "id: R1", "rules[1].id", "duplicate rule id 'R1'"),
        (
            "2018/ruleset.yaml",
            "major: 2",
            "major: 0",
            "parameters.severity_weights.major",
            "must be positive",
        ),
        (
            "2018/ruleset.yaml",
            "min: 100}",
            "min: 104}",
            "parameters.grades[1].min",
            "not below the band above",
        ),
        (
            "2018/ruleset.yaml",
            "{grade: poor}",
            "{grade: poorest}",
            "parameters.grades[3].grade",
            "'excellent'",
        ),
        (
            "2018/ruleset.yaml",
            "[county, town, helping_unit]",
            "[county, city]",
            "parameters.scored_kinds[1]",
            "'county'",
        ),
        (
            "2018/ruleset.yaml",
            '["3", "4", "E"]',
            '["3", "4", "F"]',
            "parameters.attribution.helping_unit_categories[2]",
            "unknown category 'F'",
        ),
        (
            "2018/ruleset.yaml",
            "cutoff: 2018-12-31",
            "cutoff: 31/12/2018",
            "parameters.cutoff",
            "date",
        ),
        (
            "2018/ruleset.yaml",
            "  caps:",
            "  caps:\n    total: 3",
            "parameters.caps.total",
            "unknown key 'total'",
        ),
        (
            "2018/ruleset.yaml",
            "year: 2018",
            "year: 2017",
            "year",
            "year 2017 in the folder of 2018",
        ),
        ("2018/catalogue.yaml", 'code: "6"', "code: 6", "categories[6].code", "must be text"),
        (
            "2018/catalogue.yaml",
            'code: "2.3"',
            'code: "3.3"',
            "categories[1].items[2].code",
            "not in category '2'",
        ),
        (
            "2018/rules.yaml",
            "    reference: 河扶〔2018〕23号 六、结果应用（适当加分）\n",
            "",
            "rules[1].reference",
            "required key missing",
        ),
        (
            "2018/ruleset.yaml",
            "max_days: 2",
            "max_days: two",
            "parameters.alerts.max_days",
            "must be a whole number",
        ),
    ],
)
def test_problems_name_file_line_and_key(
    rules_dir: Path, file: str, old: str, new: str, key: str, fragment: str
) -> None:
    edit(rules_dir / file, old, new)
    problems = problems_of(rules_dir, 2018)
    matching = [p for p in problems if f": {key}: " in p and fragment in p]
    assert matching, problems
    assert re.match(rf"rules/{re.escape(file)}:\d+: ", matching[0]), matching[0]


def test_line_is_the_line_of_the_key(rules_dir: Path) -> None:
    path = rules_dir / "2018/ruleset.yaml"
    edit(path, "  base_score: 100", "  base_score: 100\n  base_scor: 1")
    (problem,) = problems_of(rules_dir, 2018)
    assert problem.startswith(f"rules/2018/ruleset.yaml:{line_of(path, 'base_scor:')}: ")


def test_every_problem_is_collected(rules_dir: Path) -> None:
    edit(rules_dir / "2018/rules.yaml", "when: fakes >= 1", "when: fakes >> 1")
    edit(rules_dir / "2018/rules.yaml", "measures: [commendation]", "measures: [praise]")
    edit(rules_dir / "2018/ruleset.yaml", "major: 2", "major: -2")
    edit(rules_dir / "2018/catalogue.yaml", 'code: "7.4"', 'code: "7.3"')
    assert len(problems_of(rules_dir, 2018)) == 4


def test_invalid_yaml_names_the_line(rules_dir: Path) -> None:
    edit(rules_dir / "2018/rules.yaml", "  - id: R3", "  - id: R3\n   bad: [")
    (problem,) = problems_of(rules_dir, 2018)
    assert problem.startswith("rules/2018/rules.yaml:") and "not valid YAML" in problem


def test_duplicate_keys_are_refused(rules_dir: Path) -> None:
    edit(
        rules_dir / "2018/ruleset.yaml",
        "  late_credit: 0.5",
        "  late_credit: 0.5\n  late_credit: 0.6",
    )
    (problem,) = problems_of(rules_dir, 2018)
    assert "parameters.late_credit: duplicate key 'late_credit'" in problem


def test_a_problem_in_a_parent_is_reported_for_the_child(rules_dir: Path) -> None:
    edit(rules_dir / "2018/rules.yaml", "when: repeats >= 1", "when: repeat >= 1")
    problems = problems_of(rules_dir, 2019)
    assert any(p.startswith("rules/2018/rules.yaml:") and "rules[6].when" in p for p in problems)
    # validate_rules_dir reports it once, though both years read it.
    assert len([p for p in validate_rules_dir(rules_dir) if p.key == "rules[6].when"]) == 1


def test_an_override_error_points_to_the_child_file(rules_dir: Path) -> None:
    path = rules_dir / "2019/rules.yaml"
    edit(path, "deduction: 6", "deduction: -6")
    (problem,) = problems_of(rules_dir, 2019)
    assert problem.startswith(
        f"rules/2019/rules.yaml:{line_of(path, 'deduction: -6')}: rules[3].deduction: "
    )


def test_a_new_rule_in_a_child_must_be_complete(rules_dir: Path) -> None:
    edit(rules_dir / "2019/rules.yaml", "    name: 资金问题逾期\n", "")
    (problem,) = problems_of(rules_dir, 2019)
    assert (
        problem.startswith("rules/2019/rules.yaml:")
        and "rules[6].name: required key missing" in problem
    )


def test_a_year_without_extends_is_complete(rules_dir: Path) -> None:
    edit(rules_dir / "2019/ruleset.yaml", "extends: 2018", "")
    problems = problems_of(rules_dir, 2019)
    assert any("required key missing" in p for p in problems)
    assert any(": catalogue: required key missing" in p for p in problems)


def test_extends_of_a_missing_year(rules_dir: Path) -> None:
    path = rules_dir / "2019/ruleset.yaml"
    edit(path, "extends: 2018", "extends: 2017")
    (problem,) = problems_of(rules_dir, 2019)
    assert problem.startswith(f"rules/2019/ruleset.yaml:{line_of(path, 'extends')}: extends: ")
    assert "no rule set for 2017" in problem


def test_extends_cycle(rules_dir: Path) -> None:
    edit(rules_dir / "2018/ruleset.yaml", "year: 2018", "year: 2018\nextends: 2019")
    problems = problems_of(rules_dir, 2019)
    assert any("cycle" in p for p in problems), problems


def test_unknown_year_and_unknown_files(rules_dir: Path) -> None:
    with pytest.raises(UnknownRulesetYear):
        load_ruleset(2017, rules_dir)
    (rules_dir / "2018/extra.yaml").write_text("a: 1\n", encoding="utf-8")
    (problem,) = problems_of(rules_dir, 2018)
    assert problem.startswith("rules/2018/extra.yaml: unknown rule file")


# --- hashing and directories --------------------------------------------------------------


def test_content_hash_follows_the_whole_chain(rules_dir: Path) -> None:
    first = {year: load_ruleset(year, rules_dir).content_hash for year in (2018, 2019)}
    assert first == {year: load_ruleset(year, SHIPPED).content_hash for year in (2018, 2019)}
    assert first[2018] != first[2019]
    # A comment does not change the content.
    edit(rules_dir / "2018/rules.yaml", "\nrules:\n", "\n# note\nrules:\n")
    assert load_ruleset(2018, rules_dir).content_hash == first[2018]
    # A changed parent changes the child's hash too.
    edit(rules_dir / "2018/rules.yaml", "name: 问题反弹", "name: 问题反弹（回潮）")
    second = {year: load_ruleset(year, rules_dir).content_hash for year in (2018, 2019)}
    assert second[2018] != first[2018] and second[2019] != first[2019]
    edit(rules_dir / "2019/ruleset.yaml", "late_credit: 0.3", "late_credit: 0.30")
    assert load_ruleset(2019, rules_dir).content_hash == second[2019]  # the same number
    edit(rules_dir / "2019/ruleset.yaml", "late_credit: 0.30", "late_credit: 0.31")
    assert load_ruleset(2019, rules_dir).content_hash != second[2019]


def test_rules_dir_from_the_environment(rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(rules_dir / "2019")
    monkeypatch.setenv(RULES_DIR_ENV, str(rules_dir))
    assert available_years() == [2018]
    assert load_ruleset(2018).source.keys() >= {"rules/2018/rules.yaml"}
