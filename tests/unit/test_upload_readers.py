"""Reading what people upload on the pages: a problem list filled in the Excel template,
a rule folder as a zip; and the letter's timeliness and a bundle's pointers in words."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from scoring_service.domain.letters import LetterStatus, check_letter
from scoring_service.i18n import use_language
from scoring_service.reports.problem_sheet import (
    MAX_BYTES,
    MAX_SCANNED,
    TEMPLATE,
    SheetProblems,
    read_problem_sheet,
)
from scoring_service.rules.files import MAX_FILE_BYTES
from scoring_service.rulesets.archive import ArchiveProblems, read_zip
from web.pointers import in_words

# Problems are named as the office reads them, in Chinese.
pytestmark = pytest.mark.language("zh")


def sheet(rows: dict[int, list[Any]]) -> bytes:
    workbook = load_workbook(io.BytesIO(TEMPLATE.read_bytes()))
    page = workbook.worksheets[0]
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            page.cell(number, column, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def problems(raw: bytes) -> list[tuple[int, str]]:
    with pytest.raises(SheetProblems) as refused:
        read_problem_sheet(raw)
    return [(p.row, p.column) for p in refused.value.problems]


def test_a_filled_template_reads_as_findings_with_their_rows() -> None:
    read = read_problem_sheet(
        sheet(
            {
                2: ["F-1", 441624, "7.10", "重大", "描述", date(2018, 9, 30), "441624、441624101"],
                4: ["F-2", "441624101", "7.1", "general", "", "2018-10-01", None],
            }
        )
    )
    assert read.rows == [2, 4]  # the blank row 3 is skipped
    first, second = read.findings
    assert (first.unit, first.criterion, first.severity.value) == ("441624", "7.10", "major")
    assert first.responsible == ["441624", "441624101"]
    assert (second.deadline, second.responsible) == (date(2018, 10, 1), [])
    assert read.locate("/findings/1/deadline").row == 4  # type: ignore[union-attr]
    assert read.locate("/findings/1/deadline").column == "F"  # type: ignore[union-attr]
    assert read.locate("/units/0") is None


def test_every_bad_cell_is_named_by_row_and_column() -> None:
    raw = sheet(
        {
            2: ["F 1", "441624", "7.1", "严重", "x", "30/9/2018", ""],
            3: ["F-2", "", "7.1", "一般", "x", date(2018, 9, 30), ""],
        }
    )
    assert problems(raw) == [(2, "A"), (2, "D"), (2, "F"), (3, "B")]
    with use_language("zh"), pytest.raises(SheetProblems) as refused:
        read_problem_sheet(raw)
    assert refused.value.problems[0].where == "第2行 A列（问题编号）"


def test_a_wrong_file_or_header_is_refused() -> None:
    assert problems(b"PK not really") == [(0, "")]
    other = Workbook()
    other.active.append(["编号", "单位"])  # type: ignore[union-attr]
    out = io.BytesIO()
    other.save(out)
    found = problems(out.getvalue())
    assert found[0] == (1, "A") and len(found) == 7
    assert problems(sheet({})) == [(0, "")]  # nothing filled in
    assert problems(b"PK" * (MAX_BYTES // 2 + 1)) == [(0, "")]  # too large to be a list
    far = sheet({MAX_SCANNED + 5: ["F-1", "441624", "7.1", "一般", "x", "2018-10-01"]})
    assert problems(far) == [(MAX_SCANNED + 1, "")]  # rows are not read without end


def zipped(entries: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zipped_folder_reads_with_or_without_its_top_folder() -> None:
    files = {"ruleset.yaml": "year: 2018\n", "tests/a.yaml": "cases: []\n"}
    assert read_zip(2018, zipped(files)) == files
    nested = {f"2018/{k}": v for k, v in files.items()}
    nested |= {"2018/.git/config": "x", "__MACOSX/2018/._ruleset.yaml": "x", "2018/notes.txt": "x"}
    assert read_zip(2018, zipped(nested)) == files


def test_a_zip_that_is_not_a_rule_folder_is_refused() -> None:
    for raw in (b"not a zip", zipped({"readme.txt": "x"})):
        with pytest.raises(ArchiveProblems):
            read_zip(2018, raw)
    # Small packed, too large unpacked: refused before it is read whole.
    bomb = zipped({"ruleset.yaml": "a" * (MAX_FILE_BYTES + 10)})
    assert len(bomb) < 10_000
    with pytest.raises(ArchiveProblems) as refused:
        read_zip(2018, bomb)
    said = str(refused.value.problems[0])
    assert said.startswith("rules/2018/ruleset.yaml") and "1048576" in said
    with pytest.raises(ArchiveProblems) as refused:
        read_zip(2018, zipped({"ruleset.yaml": b"\xff\xfe year"}))
    assert "not UTF-8" in str(refused.value)


@pytest.mark.parametrize(
    ("letter", "as_of", "status", "days"),
    [
        (date(2018, 7, 9), date(2018, 12, 31), LetterStatus.ON_TIME, 3),
        (date(2018, 7, 10), date(2018, 12, 31), LetterStatus.LATE, 4),
        (date(2018, 7, 10), date(2018, 7, 8), LetterStatus.PENDING, None),  # not known yet
        (None, date(2018, 7, 9), LetterStatus.PENDING, None),
        (None, date(2018, 7, 10), LetterStatus.MISSING, None),
        (None, date(2018, 7, 1), LetterStatus.NOT_ENDED, None),
    ],
)
def test_the_letter_against_the_days_allowed(
    letter: date | None, as_of: date, status: LetterStatus, days: int | None
) -> None:
    found = check_letter(date(2018, 7, 6), letter, 3, as_of)
    assert (found.status, found.days, found.due) == (status, days, date(2018, 7, 9))


def test_a_pointer_in_words() -> None:
    with use_language("zh"):
        assert in_words("/inspections/3/findings/0/deadline") == "第4次督查 › 第1个问题 › deadline"
        assert in_words("/units/0/parent") == "第1个单位 › parent"
        assert in_words("") == "整个数据包"
        assert in_words("/a~1b") == "a/b"
