"""The documents' parts without a database: filling templates (text only, never code),
overriding them, the chart, quarters' due days and the bundle written back."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document as WordDocument

from scoring_service.bundle import read_bundle
from scoring_service.documents import chart
from scoring_service.documents.archive import quarter
from scoring_service.documents.bundle_file import bundle_of
from scoring_service.documents.render import SHIPPED, TemplateProblem, render_docx
from scoring_service.domain.errors import InvalidRequest
from tests.helpers.bundles import catalogue_of, spec_bundle

# The documents' messages are read as the office reads them, in Chinese.
pytestmark = pytest.mark.language("zh")

HOSTILE = [
    "{{ 7*7 }}",
    "{% for x in range(3) %}X{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    "<w:p><w:r><w:t>injected</w:t></w:r></w:p>",
    "Tom & Jerry <b>",
    "]]><!--",
]


def letter_context(description: str) -> dict[str, object]:
    problem = {
        "number": 1,
        "finding": "F-1",
        "unit_name": "甲村",
        "criterion_text": "2.3 教育补助",
        "category_text": "2 扶贫政策落实情况",
        "description": description,
        "severity": "一般问题",
        "deadline": "2018年8月10日",
        "responsible": "",
    }
    return {"county_name": "和平县", "year": 2018, "number": 1, "problems": [problem]}


def cells(data: bytes) -> list[str]:
    doc = WordDocument(io.BytesIO(data))
    return [c.text for t in doc.tables for row in t.rows for c in row.cells]


@pytest.mark.parametrize("text", HOSTILE)
def test_template_tags_and_markup_in_values_are_shown_as_written(text: str) -> None:
    data = render_docx("letter.docx", letter_context(text))
    assert text in cells(data)
    assert "49" not in cells(data) and "XXX" not in cells(data)


def test_characters_xml_cannot_hold_are_dropped() -> None:
    data = render_docx("letter.docx", letter_context("a\x00b\x0bc\ud800d\ufffee"))
    assert "abcde" in cells(data)  # and Word can open it: python-docx just did


def test_a_configured_folder_overrides_a_template_and_falls_back_for_others(
    tmp_path: Path,
) -> None:
    doc = WordDocument()
    doc.add_paragraph("本办自定义：{{ county_name }}")
    doc.save(str(tmp_path / "letter.docx"))
    data = render_docx("letter.docx", letter_context("x"), folder=tmp_path)
    assert [p.text for p in WordDocument(io.BytesIO(data)).paragraphs] == ["本办自定义：和平县"]
    shipped = render_docx("circular.docx", {"year": 2018}, folder=tmp_path)
    assert "关于2018年度脱贫攻坚督查整改情况的通报" in [
        p.text for p in WordDocument(io.BytesIO(shipped)).paragraphs
    ]


def test_a_broken_template_is_named_with_its_problem(tmp_path: Path) -> None:
    doc = WordDocument()
    doc.add_paragraph("{{ county_name ")
    doc.save(str(tmp_path / "letter.docx"))
    with pytest.raises(TemplateProblem, match=r"letter\.docx 无法填充"):
        render_docx("letter.docx", letter_context("x"), folder=tmp_path)
    (tmp_path / "circular.docx").write_text("not a Word file", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"无法读取公文模板 .*circular\.docx"):
        render_docx("circular.docx", {}, folder=tmp_path)
    with pytest.raises(TemplateProblem, match="不存在"):
        render_docx("letter.docx", {}, folder=tmp_path / "missing")


def test_a_templates_folder_that_is_not_there_is_refused_at_start(tmp_path: Path) -> None:
    from scoring_service.config import Settings

    with pytest.raises(ValueError, match="SCORING_DOCUMENT_TEMPLATES"):
        Settings.from_env({"SCORING_DOCUMENT_TEMPLATES": str(tmp_path / "missing")})
    settings = Settings.from_env({"SCORING_DOCUMENT_TEMPLATES": str(tmp_path)})
    assert settings.templates_dir == tmp_path
    assert Settings.from_env({}).templates_dir is None


def test_templates_reach_no_python_from_a_sandbox(tmp_path: Path) -> None:
    doc = WordDocument()
    doc.add_paragraph("{{ county_name.__class__.__mro__[1].__subclasses__() }}")
    doc.save(str(tmp_path / "letter.docx"))
    with pytest.raises(TemplateProblem, match=r"letter\.docx 无法填充.*unsafe"):
        render_docx("letter.docx", letter_context("x"), folder=tmp_path)


def test_the_shipped_templates_are_the_ones_the_build_script_makes(tmp_path: Path) -> None:
    from scoring_service.documents.templates.build import build

    for built in build(tmp_path):
        with (
            zipfile.ZipFile(built) as fresh,
            zipfile.ZipFile(SHIPPED / built.name) as shipped,
        ):
            assert fresh.namelist() == shipped.namelist(), built.name
            for name in fresh.namelist():
                assert fresh.read(name) == shipped.read(name), (built.name, name)


def test_the_chart_is_a_png_with_or_without_a_chinese_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bars = [chart.Bar("和平县", "441624", 0.8), chart.Bar("源城区", "441602", None)]
    with_font = chart.rate_chart("各县区整改率", bars)
    assert with_font.startswith(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    without = chart.rate_chart("各县区整改率", bars)
    assert without.startswith(b"\x89PNG\r\n\x1a\n") and without != with_font


@pytest.mark.parametrize(
    ("number", "due"),
    [
        (1, date(2018, 3, 30)),  # the 31st is a Saturday
        (2, date(2018, 6, 29)),  # the 30th is a Saturday
        (3, date(2018, 9, 28)),  # the 30th is a Sunday
        (4, date(2018, 12, 31)),  # a Monday
    ],
)
def test_records_are_due_on_the_last_working_day_of_the_quarter(number: int, due: date) -> None:
    q = quarter(2018, number)
    assert q.due == due
    assert q.first == date(2018, 3 * number - 2, 1)


def test_a_quarter_is_one_of_four() -> None:
    with pytest.raises(InvalidRequest, match="季度须为 1 至 4"):
        quarter(2018, 0)


def test_the_year_written_back_reads_as_the_same_bundle() -> None:
    original = read_bundle(json.dumps(spec_bundle()), catalogue_of)
    written = bundle_of(original)
    assert read_bundle(json.dumps(written), catalogue_of) == original
    assert written["events"][0]["type"] == "extension"


def looping_template(folder: Path) -> None:
    doc = WordDocument()
    # A billion turns: Jinja's sandbox allows ranges of 100,000 each, not their nesting.
    doc.add_paragraph(
        "{% for i in range(100000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}完"
    )
    doc.save(str(folder / "letter.docx"))


def test_a_template_looping_too_long_is_stopped_and_refused_in_words(tmp_path: Path) -> None:
    looping_template(tmp_path)
    tracing = sys.gettrace()
    with pytest.raises(TemplateProblem) as caught:
        render_docx("letter.docx", letter_context("x"), folder=tmp_path, time_limit=0.5)
    assert "填写超过 0.5 秒" in str(caught.value)
    assert sys.gettrace() is tracing  # the limit leaves nothing behind
    # The shipped templates fill well within it.
    assert render_docx("letter.docx", letter_context("x"), time_limit=5)


@pytest.mark.language("zh")
def test_the_time_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looping_template(tmp_path)
    monkeypatch.setenv("SCORING_TEMPLATE_SECONDS", "1")
    with pytest.raises(TemplateProblem) as caught:
        render_docx("letter.docx", letter_context("x"), folder=tmp_path)
    assert "已被停止：填写超过 1 秒" in str(caught.value)
