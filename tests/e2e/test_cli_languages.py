"""The command line in the language people read: Chinese unless asked otherwise.

Every command's help and the text output of a session of the assessment office and of a
rule editor are read in the default language, and must hold no run of three English
words outside codes, names and identifiers (tests/helpers/english.py). The same commands
read in English with ``--lang en`` or ``SCORING_LANGUAGE=en``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring_service.cli import build_parser, main
from scoring_service.i18n import use_language
from tests.helpers.bundles import spec_bundle
from tests.helpers.english import english_runs

ROOT = Path(__file__).resolve().parents[2]
DEMO_2018 = ROOT / "fixtures" / "demo-2018.bundle.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and action of the parser (``("rules", "draft")``...), itself first."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from command_paths(sub, (*prefix, name))


def _all_commands() -> list[tuple[str, ...]]:
    with use_language("en"):
        return list(command_paths(build_parser()))


@pytest.mark.language(None)
@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "(main)")
def test_every_commands_help_reads_in_chinese_by_default(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("用法：python -m scoring_service")
    assert "显示此帮助信息并退出" in shown
    assert english_runs(shown) == []


# A failing rule case is named by its place and its name: the name is the rule editor's
# (data, as written in the case file), what differed is the service's.
# A failing case's line: "<file> 第 <line> 行，<name the editor wrote>：<what differed>".
_CASE = re.compile(r"^(\s*\S+\.yaml 第 \d+ 行，).*?：", re.MULTILINE)


def without_case_names(text: str) -> str:
    return _CASE.sub(r"\1", text)


@pytest.mark.language(None)
def test_a_session_of_commands_reads_in_chinese_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'zh.sqlite'}"
    work = tmp_path / "work"
    bad = tmp_path / "bad.json"
    broken = spec_bundle()
    broken["units"][0]["kind"] = "province"
    broken["inspections"][0]["findings"][0]["deadline"] = "2018-13-01"
    bad.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    commands: list[tuple[str, ...]] = [
        ("db", "upgrade"),
        ("years",),
        ("score", "--year", "2018"),
        ("import", str(DEMO_2018)),
        ("import", str(DEMO_2018)),  # refused: the year is held
        ("import", str(bad), "--replace"),  # refused: every problem with its pointer
        ("import", str(tmp_path / "missing.json")),
        ("years",),
        ("score", "--year", "2018"),
        ("score", "--year", "2018", "--kind", "village"),
        ("score", "--year", "2030"),
        ("explain", "--year", "2018", "441624"),
        ("explain", "--year", "2018", "NO-SUCH-UNIT"),
        ("alerts", "--year", "2018"),
        ("alerts", "--year", "2018", "--as-of", "2017-12-31"),
        ("score", "--year", "2018", "--format", "xlsx"),  # refused: binary on a text stream
        ("recompute", "1"),
        ("rules", "validate"),
        ("rules", "test", "--year", "2018"),
        ("rules", "versions", "--year", "2018"),
        ("rules", "export", "--year", "2018", str(work)),
        ("rules", "export", "--year", "2018", str(work)),  # refused: not empty
        ("rules", "draft", "--year", "2018", str(work), "--check"),
        ("rules", "draft", "--year", "2018", str(work), "--note", "同一规则"),
        ("rules", "publish", "--year", "2018", "1", "--note", "无变化"),  # refused: same rules
        ("tokens", "create", "--name", "county-441624", "--role", "inspector"),
        ("tokens", "list"),
        ("tokens", "revoke", "county-441624"),
        ("tokens", "revoke", "county-441624"),  # refused: already revoked
        ("--lang", "fr", "years"),
        ("score", "--year", "2018", "--kind"),  # an argparse error
        ("score", "--year", "2018", "--as-of", "2018-99-99"),  # a date argparse refuses
        ("synth", "--year", "2018", "--scale", "0"),
        ("recompute", "99"),
    ]
    seen: list[str] = []
    for argv in commands:
        code, out, err = run("--db", db, *argv)
        seen.append(f"$ {' '.join(argv)}  (exit {code})\n{out}{err}")
        assert english_runs(without_case_names(out + err)) == [], seen[-1]
    # The threshold raised: the draft changes a rule, the dry run shows what it does, and
    # publishing is refused while the rule tests pinning the old threshold fail.
    rules = work / "rules.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("rate >= 0.95", "rate >= 0.97", 1),
        encoding="utf-8",
    )
    for argv in [
        ("rules", "draft", "--year", "2018", str(work), "--note", "R1 提高到 97%"),
        ("rules", "test", str(work.parent)),
        ("rules", "diff", "--year", "2018", "--draft", "2"),
        ("rules", "publish", "--year", "2018", "2", "--note", "R1 提高到 97%"),
        ("rules", "versions", "--year", "2018"),
        ("recompute", "1"),
        ("rules", "new-year", "2020", "--from", "2019", "--out", str(tmp_path / "y2020")),
    ]:
        code, out, err = run("--db", db, *argv)
        seen.append(f"$ {' '.join(argv)}  (exit {code})\n{out}{err}")
        assert english_runs(without_case_names(out + err)) == [], seen[-1]
    text = "\n".join(seen)
    # What a person reads, in the work plan's words and Chinese dates.
    for expected in (
        "已保存 2018 年度数据：单位 444 个",
        "2018 年度已有数据",
        "  /units/0/kind: 不允许 'province'",
        "2018 年度督查整改考核评分  截至 2018年12月31日",
        "【帮扶单位】",
        "得分 85 = 基础分 + 加分 0 - 扣分 15；等次 较差；名次 5",
        "计入的问题（60 个）：",
        "截至 2018年12月31日 未下发整改函，距督查结束已 15 天（最多 3 天）",
        "通过 ",
        "2018 年度规则集版本（* 为现行版本）",
        "草稿 1 与现行版本规则相同：无需发布",
        "比较单位 ",
        "错误：2018 年度草稿 2 不能发布：\n  42 个规则测试中有 2 个未通过：",
        "触发 无，应为 R1",
        "未知语言 'fr'：可选 zh, en",
        "错误：规模须为正数：0.0",
        "错误：没有评分批次 99",
    ):
        assert expected in text, expected
    # argparse writes its own errors to the process's standard error.
    argparse_says = capsys.readouterr().err
    assert "python -m scoring_service score：错误：参数 --kind：需要一个值" in argparse_says
    assert "参数 --as-of：'2018-99-99' 不是 YYYY-MM-DD 格式的日期" in argparse_says
    assert english_runs(argparse_says) == []


EXPLANATION = ("explain", "--year", "2018", "441624")


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert run("--db", db, "import", str(DEMO_2018))[0] == 0
    return db


@pytest.mark.language(None)
def test_the_same_explanation_in_chinese_and_in_english(demo_db: str) -> None:
    code, chinese, _ = run("--db", demo_db, *EXPLANATION)
    assert code == 0
    code, english, _ = run("--db", demo_db, "--lang", "en", *EXPLANATION)
    assert code == 0
    assert chinese.splitlines()[:2] == [
        "和平县（441624，县区）  2018 年度，截至 2018年12月31日",
        "得分 85 = 基础分 + 加分 0 - 扣分 15；等次 较差；名次 5",
    ]
    assert english.splitlines()[:2] == [
        "和平县 (441624, county)  2018, as of 2018-12-31",
        "score 85 = base + bonus 0 - deduction 15; grade poor; rank 5",
    ]
    # The rules' names and conditions come from the rule files, whatever the language.
    fired = "R4 整改严重滞后: rate < 0.60  [rate=69/124]  +0 -5"
    assert f"  触发 {fired} 通报批评、约谈" in chinese
    assert f"  FIRED {fired} criticism、interview" in english
    assert "扣分封顶：23 -> 15" in chinese and "deduction capped: 23 -> 15" in english
    finding = "2018-G1-441624-07-04"
    row_zh = next(line for line in chinese.splitlines() if line.startswith(finding))
    row_en = next(line for line in english.splitlines() if line.startswith(finding))
    assert row_zh.split() == [
        finding,
        "441624103",
        "6.2",
        "重大问题",
        "2018年7月10日",
        "2018年7月30日",
        "逾期未整改",
        "在下辖单位发现",
    ]
    assert row_en.split()[:6] == [finding, "441624103", "6.2", "major", "2018-07-10", "2018-07-30"]
    assert row_en.split()[6:] == ["overdue", "found", "under", "this", "unit"]
    assert english_runs(chinese) == []


@pytest.mark.language(None)
def test_alerts_and_their_json_in_both_languages(demo_db: str) -> None:
    _, chinese, _ = run("--db", demo_db, "alerts", "--year", "2018")
    _, english, _ = run("--db", demo_db, "--lang", "en", "alerts", "--year", "2018")
    assert chinese.startswith("2018 年度督查过程预警（截至 2018年12月31日）：21 条\n预警")
    assert english.startswith("2018 process alerts as of 2018-12-31: 21\nalert")

    def cells(text: str, subject: str) -> list[str]:
        line = next(row for row in text.splitlines() if f"  {subject}  " in row)
        return re.split(r"\s{2,}", line.strip())

    assert cells(chinese, "2018-G1-441624-12") == [
        "整改函下发超时",
        "2018-G1-441624-12",
        "截至 2018年12月31日 未下发整改函，距督查结束已 15 天（最多 3 天）",
    ]
    assert cells(english, "2018-G1-441624-12") == [
        "late rectification letter",
        "2018-G1-441624-12",
        "no rectification letter by 2018-12-31, 15 days after the inspection ended (at most 3)",
    ]
    # Machine output keeps its identifiers: the type and subject never change language.
    _, as_json, _ = run("--db", demo_db, "alerts", "--year", "2018", "--format", "json")
    _, as_json_en, _ = run(
        "--db", demo_db, "--lang", "en", "alerts", "--year", "2018", "--format", "json"
    )
    zh_alerts, en_alerts = json.loads(as_json), json.loads(as_json_en)
    assert [{k: v for k, v in a.items() if k != "detail"} for a in zh_alerts] == [
        {k: v for k, v in a.items() if k != "detail"} for a in en_alerts
    ]
    assert {a["type"] for a in zh_alerts} <= {
        "late_letter",
        "long_inspection",
        "incomplete_sample",
        "missed_month",
        "unescalated_major",
    }


@pytest.mark.language(None)
def test_the_language_is_chosen_by_lang_then_scoring_language(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("--db", demo_db, "years")[1].startswith("年度  单位数")
    monkeypatch.setenv("SCORING_LANGUAGE", "en")
    assert run("--db", demo_db, "years")[1].startswith("year  units")
    assert run("--db", demo_db, "--lang", "zh", "years")[1].startswith("年度  单位数")
    monkeypatch.setenv("SCORING_LANGUAGE", "fr")
    code, out, err = run("--db", demo_db, "years")
    assert (code, out) == (2, "")
    assert err == "错误：未知语言 'fr'：可选 zh, en\n"
    code, out, err = run("--db", demo_db, "--lang", "en", "years")
    assert code == 0 and out.startswith("year  units")
    monkeypatch.setenv("SCORING_LANGUAGE", "en-GB")  # a tag as browsers and systems write it
    assert run("--db", demo_db, "years")[1].startswith("year  units")
    assert run("--db", demo_db, "--lang", "zh-CN", "years")[1].startswith("年度  单位数")
