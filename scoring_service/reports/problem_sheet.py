"""The problem list (问题清单) as an inspector fills it in Excel: the shipped template, and
reading a filled one into findings, every problem named by row and column.

The template (``templates/problem-list.xlsx``, written by
``python -m scoring_service.reports.problem_sheet``) has one header row, then one finding a
row. Code columns are formatted as text so that Excel keeps ``441624`` and ``7.10`` as
typed. Reading checks the shape of each cell here; the findings are then checked against
the year's data by the records service, as a bundle's are.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scoring_service.bundle.parse import too_long
from scoring_service.bundle.schema import FindingIn
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.names import Names, Unresolved
from scoring_service.i18n import _

TEMPLATE = Path(__file__).with_name("templates") / "problem-list.xlsx"
SHEET_TITLE = "问题清单"
MAX_ROWS = 2000  # an inspection's list is tens of rows; more is a wrong file
# Rows looked at, blank ones too: a sheet formatted far down is fine, a million rows not.
MAX_SCANNED = 20 * MAX_ROWS
MAX_BYTES = 10 * 1024 * 1024  # the template filled with MAX_ROWS long rows is ~1 MiB
# What the workbook's parts may unpack to, each and together (the settings
# SCORING_MAX_UPLOAD_PART_BYTES and SCORING_MAX_UPLOAD_UNPACKED_BYTES give the page's):
# a few hundred KiB can unpack to gigabytes, so the sizes are checked before parsing.
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
_CHUNK = 1024 * 1024
_DOCTYPE = b"<!DOCTYPE"
FIRST_ROW = 2  # row 1 holds the headers


@dataclass(frozen=True, slots=True)
class SheetColumn:
    field: str  # FindingIn's field
    header: str  # as the template's header row says it
    letter: str
    width: int
    before: str = ""  # what an earlier template's header said, still read


COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("code", "问题编号", "A", 24),
    SheetColumn("unit", "发现问题单位（名称或代码）", "B", 22, "发现问题单位代码"),
    SheetColumn("criterion", "考核指标（名称或代码）", "C", 22, "考核指标代码"),
    SheetColumn("severity", "严重程度（一般/重大）", "D", 18),
    SheetColumn("description", "问题描述", "E", 50),
    SheetColumn("deadline", "整改期限", "F", 14),
    SheetColumn(
        "responsible",
        "责任单位（名称或代码，多个用逗号分隔）",
        "G",
        34,
        "责任单位代码（多个用逗号分隔）",
    ),
)
UNITS_SHEET = "单位名录"
CRITERIA_SHEET = "考核指标目录"
BY_FIELD = {c.field: c for c in COLUMNS}
SEVERITIES = {"一般": "general", "重大": "major", "general": "general", "major": "major"}
SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True, slots=True)
class CellProblem:
    row: int  # 1-based, as Excel numbers rows; 0 for the file as a whole
    column: str  # the column's letter; "" for a whole row or the file
    message: str

    @property
    def where(self) -> str:
        """Where the problem is, as a person finds it in Excel."""
        if not self.row:
            return _("the file")
        if not self.column:
            return _("row %(row)s", row=self.row)
        header = next((c.header for c in COLUMNS if c.letter == self.column), "")
        return _(
            "row %(row)s, column %(column)s (%(header)s)",
            row=self.row,
            column=self.column,
            header=header,
        )


class SheetProblems(InvalidRequest):
    """A problem list that cannot be read; nothing of it was stored."""

    def __init__(self, problems: list[CellProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))


@dataclass(frozen=True, slots=True)
class ReadSheet:
    findings: list[FindingIn]
    rows: list[int]  # the sheet row of each finding
    # With ``every_problem``: the cells' own problems, and the cells they are about (the
    # checks against the year's data, which read a stand-in there, say nothing more of them).
    problems: tuple[CellProblem, ...] = ()
    flagged: frozenset[tuple[int, str]] = frozenset()

    def checked(self, problems: list[CellProblem]) -> list[CellProblem]:
        """The sheet's own problems, then the checks' problems of cells not at fault."""
        return [
            *self.problems,
            *(p for p in problems if (p.row, p.column) not in self.flagged),
        ]

    def locate(self, pointer: str) -> CellProblem | None:
        """The cell a records problem points at (``/findings/3/deadline``), if it is one."""
        parts = pointer.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "findings" or not parts[1].isdigit():
            return None
        index = int(parts[1])
        if index >= len(self.rows):
            return None
        column = BY_FIELD.get(parts[2]) if len(parts) > 2 else None
        return CellProblem(self.rows[index], column.letter if column else "", "")


def _text(value: Any) -> str:
    """A cell as text: a whole number typed into a code column without the text format
    reads as ``441624``, not ``441624.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | str:
    """A date cell, or text written YYYY-MM-DD; otherwise the text, refused later."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


# What stands in for a cell at fault while the row's other cells are checked.
FALLBACK = {"code": "?", "unit": "?", "criterion": "?", "severity": "general", "description": ""}


def _resolved(
    out: dict[str, Any], names: Mapping[str, Names], row: int, problems: list[CellProblem]
) -> None:
    """The row's units and criterion typed by name read as codes; an entry naming no
    record, or two, is a problem of its cell."""
    for field, kind in (("unit", "units"), ("criterion", "criteria")):
        if out[field] and kind in names:
            try:
                out[field] = names[kind].resolve(out[field])
            except Unresolved as exc:
                problems.append(CellProblem(row, BY_FIELD[field].letter, str(exc)))
    if "responsible" in out and "units" in names:
        codes = []
        for typed in out["responsible"]:
            try:
                codes.append(names["units"].resolve(typed))
            except Unresolved as exc:
                problems.append(CellProblem(row, BY_FIELD["responsible"].letter, str(exc)))
        out["responsible"] = codes


def _row_values(cells: tuple[Any, ...]) -> dict[str, Any]:
    values = {c.field: cells[i] if i < len(cells) else None for i, c in enumerate(COLUMNS)}
    out: dict[str, Any] = {
        "code": _text(values["code"]),
        "unit": _text(values["unit"]),
        "criterion": _text(values["criterion"]),
        "severity": SEVERITIES.get(_text(values["severity"]), _text(values["severity"])),
        "description": _text(values["description"]),
        "deadline": _date(values["deadline"]),
    }
    responsible = [u for u in SEPARATORS.split(_text(values["responsible"])) if u]
    if responsible:
        out["responsible"] = responsible
    return out


def _message(error: Any) -> str:
    kind = str(error.get("type", ""))
    field = error["loc"][0] if error["loc"] else ""
    if field == "deadline":
        return _("a date is written YYYY-MM-DD, such as 2018-10-31, or entered as a date")
    if field == "severity":
        return _("the severity is 一般 (general) or 重大 (major)")
    if kind == "string_pattern_mismatch":
        return _("a code is 1 to 64 characters without spaces")
    if kind == "missing":
        return _("this cell is required")
    if kind == "string_too_long":
        return too_long(error.get("ctx"))
    return str(error.get("msg", ""))


def _open(raw: bytes) -> Any:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
        raise SheetProblems(
            [
                CellProblem(
                    0, "", _("not an Excel workbook (.xlsx); fill in the template and upload it")
                )
            ]
        ) from None
    return workbook


def _refused(message: str) -> SheetProblems:
    return SheetProblems([CellProblem(0, "", message)])


def _not_a_workbook() -> SheetProblems:
    return _refused(_("not an Excel workbook (.xlsx); fill in the template and upload it"))


def _mib(count: int) -> str:
    return f"{count / 2**20:g}"


def check_package(
    raw: bytes,
    *,
    max_part_bytes: int = MAX_PART_BYTES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> None:
    """Refuse, before any XML is parsed, a workbook whose parts unpack past the limits (as
    the zip's directory states them; a part is never read past its stated size) or whose
    XML declares a DTD: a problem list needs neither, and a DTD's entities can expand a few
    bytes into gigabytes or reach outside the file."""
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
        parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_workbook() from None
    total = 0
    for part in parts:
        if part.file_size > max_part_bytes:
            raise _refused(
                _(
                    "the workbook's part %(part)s unpacks to more than %(count)s MiB: not a "
                    "problem list",
                    part=part.filename,
                    count=_mib(max_part_bytes),
                )
            )
        total += part.file_size
        if total > max_unpacked_bytes:
            raise _refused(
                _(
                    "the workbook unpacks to more than %(count)s MiB: not a problem list",
                    count=_mib(max_unpacked_bytes),
                )
            )
    for part in parts:
        if not part.is_dir() and _declares_dtd(package, part):
            raise _refused(
                _(
                    "the workbook's part %(part)s declares a DTD (<!DOCTYPE>), which a "
                    "problem list never holds",
                    part=part.filename,
                )
            )


def _declares_dtd(package: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether ``part`` holds ``<!DOCTYPE``, read a chunk at a time. NUL bytes are taken
    out first, so the UTF-16 and UTF-32 spellings are found as well."""
    tail = b""
    try:
        with package.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                text = tail + chunk.replace(b"\x00", b"")
                if _DOCTYPE in text:
                    return True
                tail = text[-len(_DOCTYPE) :]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        # A damaged part, or one unpacking to other than its stated size.
        raise _not_a_workbook() from None
    return False


def read_problem_sheet(
    raw: bytes,
    *,
    max_part_bytes: int = MAX_PART_BYTES,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    names: Mapping[str, Names] | None = None,
    every_problem: bool = False,
    deadline: date | None = None,
) -> ReadSheet:
    """The findings of a filled template (its first sheet); SheetProblems names every cell
    at fault. Blank rows are skipped. ``names`` (``units``, ``criteria``) read names typed
    in the unit, criterion and responsible cells as codes.

    With ``every_problem``, a sheet that reads returns its cells' problems instead of
    raising them, each row at fault read with stand-ins for its faulty cells (``deadline``
    for a date), so that the rows can still be checked against the year's data and every
    problem listed at once."""
    if len(raw) > MAX_BYTES:
        message = _("larger than %(count)s MiB: not a problem list", count=MAX_BYTES // 2**20)
        raise SheetProblems([CellProblem(0, "", message)])
    check_package(raw, max_part_bytes=max_part_bytes, max_unpacked_bytes=max_unpacked_bytes)
    workbook = _open(raw)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = tuple(_text(v) for v in next(rows, ()))
        problems = [
            CellProblem(1, c.letter, _("the header should read %(header)s", header=c.header))
            for i, c in enumerate(COLUMNS)
            if (header[i] if i < len(header) else "") not in (c.header, c.before or c.header)
        ]
        if problems:
            raise SheetProblems(problems)
        findings: list[FindingIn] = []
        read_rows: list[int] = []
        for number, cells in enumerate(rows, start=FIRST_ROW):
            if number > MAX_SCANNED:
                problems.append(CellProblem(number, "", _("the sheet has too many rows")))
                break
            if all(_text(v) == "" for v in cells):
                continue
            if len(read_rows) >= MAX_ROWS:
                problems.append(
                    CellProblem(
                        number, "", _("more than %(count)s findings in one list", count=MAX_ROWS)
                    )
                )
                break
            read_rows.append(number)
            row_problems: list[CellProblem] = []
            values = _row_values(cells)
            if names:
                _resolved(values, names, number, row_problems)
            try:
                # Not strict: the severity is read from its word, as JSON reads it.
                findings.append(FindingIn.model_validate(values, strict=False))
            except ValidationError as exc:
                for error in exc.errors():
                    column = BY_FIELD.get(str(error["loc"][0])) if error["loc"] else None
                    row_problems.append(
                        CellProblem(number, column.letter if column else "", _message(error))
                    )
                    if column is not None:
                        _stand_for(values, column.field, deadline)
                stand_in = _stand_in(values)
                if every_problem and stand_in is not None:
                    findings.append(stand_in)
                else:
                    read_rows.pop()
            problems += row_problems
    except (SyntaxError, ValueError, KeyError):
        # The sheet's XML is read as the rows are (read-only mode): malformed XML, or a
        # character XML cannot hold written as a reference, shows only here.
        raise _not_a_workbook() from None
    finally:
        workbook.close()
    if not read_rows and not problems:
        raise SheetProblems(
            [CellProblem(0, "", _("the list holds no finding: fill in a row under the headers"))]
        )
    if problems and not every_problem:
        raise SheetProblems(problems)
    flagged = frozenset((p.row, p.column) for p in problems)
    return ReadSheet(findings, read_rows, tuple(problems), flagged)


def _stand_for(values: dict[str, Any], field: str, deadline: date | None) -> None:
    stand_in = deadline if field == "deadline" else FALLBACK.get(field)
    if stand_in is None:
        values.pop(field, None)
    else:
        values[field] = stand_in


def _stand_in(values: dict[str, Any]) -> FindingIn | None:
    """A row with stand-ins for its faulty cells, or None when even that does not read."""
    try:
        return FindingIn.model_validate(values, strict=False)
    except ValidationError:
        return None


def template_xlsx(
    units: Sequence[tuple[str, str, str, str]] = (),
    criteria: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The blank template: the headers, code columns as text, a date column, the
    severity offered as a list, and a sheet of instructions; for a year, sheets listing
    its ``units`` (county, kind, name, code) and ``criteria`` (code, name), so the clerk
    finds a name or a code without leaving Excel."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    for column in COLUMNS:
        cell = sheet[f"{column.letter}1"]
        cell.value = column.header
        cell.font = Font(bold=True, name="SimSun")
        sheet.column_dimensions[column.letter].width = column.width
        style = "yyyy-mm-dd" if column.field == "deadline" else "@"
        for row in range(FIRST_ROW, FIRST_ROW + 200):
            sheet[f"{column.letter}{row}"].number_format = style
    severity = DataValidation(type="list", formula1='"一般,重大"', allow_blank=True)
    severity.add(
        f"{BY_FIELD['severity'].letter}{FIRST_ROW}:{BY_FIELD['severity'].letter}{MAX_ROWS + 1}"
    )
    sheet.add_data_validation(severity)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for row, text in enumerate(
        (
            "每行填写一个问题，空行不读。表头请勿修改。",
            "问题编号：本年度内唯一，如 2018-G1-441624-07-01。",
            "发现问题单位、责任单位：填写单位名称或代码（县、镇、村或帮扶单位）；"
            "两个单位同名时填写代码。按年度下载的模板在“单位名录”表中列出全部单位。",
            "考核指标：填写考核指标的名称或代码，如 7.1；"
            "按年度下载的模板在“考核指标目录”表中列出。",
            "严重程度：一般 或 重大。",
            "整改期限：日期，如 2018-09-08，不得早于督查结束日期。",
        ),
        start=1,
    ):
        notes[f"A{row}"] = text
    notes.column_dimensions["A"].width = 90
    if units:
        _listing(
            workbook, UNITS_SHEET, ("县（区）", "类别", "名称", "代码"), units, (16, 10, 24, 16)
        )
    if criteria:
        _listing(workbook, CRITERIA_SHEET, ("代码", "名称"), criteria, (10, 60))
    out = io.BytesIO()
    workbook.save(out)
    return _fixed_times(out.getvalue())


def _listing(
    workbook: Any,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int],
) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True, name="SimSun")
    for row in rows:
        sheet.append(list(row))
    for i, width in enumerate(widths, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = width
        for cell in sheet[letter]:
            cell.number_format = "@"  # codes as text: 7.10 stays 7.10
    sheet.freeze_panes = "A2"


def _fixed_times(raw: bytes) -> bytes:
    """The workbook with its zip entries' times fixed, so the shipped file is the same
    each time it is written."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2018-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2018, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
    return out.getvalue()


if __name__ == "__main__":  # write the shipped template again after changing COLUMNS
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(template_xlsx())
    print(f"wrote {target}")
