"""Tables as files people open in Excel or WPS: CSV in UTF-8 or GB18030, and XLSX ready to print.

Every table names the kind of each column, so a workbook holds what a spreadsheet can
work with: rates as numbers shown as percentages, dates as date cells, codes as text (a
code like ``441624`` or ``7.1`` must not turn into a number), counts and points as numbers.
Every text cell passes through ``safe_cell`` (no formula can run). A sheet holds one table
with an autofilter, prints landscape on A4 fitted to the page width with its header row
on every page, and uses a CJK font so Chinese text looks the same on every machine.
"""

from __future__ import annotations

import codecs
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from scoring_service.bundle.text import strip_not_xml
from scoring_service.reports.cells import CSV_ENCODINGS, CsvEncoding, csv_text, safe_cell
from scoring_service.reports.text import width

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ColumnKind = Literal["text", "code", "int", "number", "rate", "date"]
# The English name: Excel and WPS in every language know it, and fontconfig maps it to
# the CJK serif font installed (Noto Serif CJK SC) where SimSun itself is missing.
FONT_NAME = "SimSun"
RATE_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"  # Excel keeps a code typed over in such a cell as text
MAX_WIDTH = 50  # characters; longer text wraps, so the printed page stays readable


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: ColumnKind = "text"


@dataclass(frozen=True, slots=True)
class Typed:
    """A cell whose kind differs from its column's (the rate among counts of a metrics list)."""

    value: Any
    kind: ColumnKind


@dataclass(frozen=True, slots=True)
class Table:
    """One table: a sheet of a workbook, or a section of a CSV file."""

    sheet: str  # the worksheet's name: at most 31 characters, none of []:*?/\
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[tuple[str, Any]] = ()  # label and value lines between title and table
    # The paper it prints on, landscape: A3 for a wide table of long texts (the ledger).
    paper: Literal["A4", "A3"] = "A4"


def encode_csv(text: str, encoding: CsvEncoding = "utf-8") -> bytes:
    """CSV text as the bytes of a file: UTF-8 with a byte-order mark (Excel then reads the
    Chinese text as UTF-8), or GB18030 without one (read as the system's code page by
    older Chinese Excel and WPS set-ups, where a mark would show as stray characters)."""
    return b"".join(encode_csv_lines([text], encoding))


def encode_csv_lines(lines: Iterable[str], encoding: CsvEncoding = "utf-8") -> Iterator[bytes]:
    """``encode_csv`` a line at a time (both encodings are stateless): the same bytes."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(
            f"{encoding!r} is not a CSV encoding; choose from {', '.join(CSV_ENCODINGS)}"
        )
    if encoding == "utf-8":
        yield codecs.BOM_UTF8
    for line in lines:
        yield line.encode(encoding)


def _csv_value(value: Any) -> Any:
    """A value as CSV writes it: dates in ISO form (``csv_text`` makes text safe)."""
    if isinstance(value, Typed):
        value = value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def tables_csv(
    tables: Sequence[Table], encoding: CsvEncoding = "utf-8", *, sections: bool = False
) -> bytes:
    """Tables as one CSV file: a header row and the rows; with ``sections`` each table starts
    with its sheet name in brackets and its title (``【规则】,...``) and its notes (a label
    and a value a line), and ends with an empty line."""
    rows: list[Sequence[Any]] = []
    for table in tables:
        if sections:
            rows.append([f"【{table.sheet}】", table.title])
            rows.extend([label, _csv_value(value)] for label, value in table.notes)
        rows.append([c.header for c in table.columns])
        rows.extend([_csv_value(v) for v in row] for row in table.rows)
        if sections:
            rows.append([])
    return encode_csv(csv_text(rows), encoding)


def _as_date(value: Any) -> Any:
    """A date from an ISO string too (JSON documents hold dates as text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _clean(value: Any) -> Any:
    """Characters no worksheet can hold are dropped (they show nothing anyway): text stored
    before they were refused must not make the workbook fail. openpyxl's own list misses
    U+FFFE, U+FFFF and lone surrogates, which break the file as surely as controls do."""
    return strip_not_xml(value)


class _Styles:
    """The styles of one workbook, shared by its cells."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.body = Font(name=FONT_NAME, size=11)
        self.bold = Font(name=FONT_NAME, size=11, bold=True)
        self.title = Font(name=FONT_NAME, size=14, bold=True)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(vertical="top", wrap_text=True)
        self.top = Alignment(vertical="top")
        self.fill = PatternFill("solid", fgColor="D9D9D9")
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)


def _cell(ws: Worksheet, value: Any, kind: ColumnKind) -> Any:
    """A value as a cell of its kind (a ``Typed`` value says its own kind)."""
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    value = _clean(value)
    if value is None:
        return None
    if kind == "date":
        value = _as_date(value)
    elif kind == "code":
        value = str(value)
    from openpyxl.cell.cell import Cell

    cell = safe_cell(value, ws)
    if not isinstance(cell, Cell):
        cell = Cell(ws, value=value)
    if kind == "rate" and isinstance(value, int | float):
        cell.number_format = RATE_FORMAT
    elif kind == "date" and isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif kind == "code":
        cell.number_format = TEXT_FORMAT
    return cell


def _shown(value: Any, kind: ColumnKind) -> str:
    """About what a cell shows, to size its column."""
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None:
        return ""
    if kind == "rate" and isinstance(value, int | float):
        return "100.00%"
    if kind == "date":
        return "2018-12-31"
    return str(value)


def _write_table(ws: Worksheet, table: Table, styles: _Styles) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    columns = list(table.columns)
    kinds = [c.kind for c in columns]
    last = get_column_letter(len(columns))
    widths = [
        min(
            MAX_WIDTH,
            max(
                [width(c.header) + 2, 8] + [width(_shown(row[i], c.kind)) + 2 for row in table.rows]
            ),
        )
        for i, c in enumerate(columns)
    ]
    # The notes' labels sit in column A: wide enough for them too.
    if table.notes:
        widths[0] = min(MAX_WIDTH, max([widths[0]] + [width(n[0]) + 2 for n in table.notes]))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    # The title spans exactly the printed columns and wraps inside them, so with the page
    # fitted to its width the title is never cut across pages.
    ws.append([_cell(ws, table.title, "text")])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = styles.title
    ws["A1"].alignment = styles.center
    lines = math.ceil(width(table.title) * 1.4 / max(sum(widths), 1))
    ws.row_dimensions[1].height = 24 * max(1, lines)
    for label, value in table.notes:
        kind: ColumnKind = "date" if isinstance(value, date) else "code"
        ws.append([_cell(ws, label, "text"), _cell(ws, value, kind)])
        row = ws.max_row
        ws.cell(row, 1).font = styles.bold
        ws.cell(row, 2).font = styles.body
        if len(columns) > 2:
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(columns))
    if table.notes:
        ws.append([None])  # an empty line before the table (a cell, so max_row counts it)
    header = ws.max_row + 1
    ws.append([_cell(ws, c.header, "text") for c in columns])
    for cell in ws[header]:
        cell.font = styles.bold
        cell.alignment = styles.center
        cell.fill = styles.fill
        cell.border = styles.border
    for row in table.rows:
        ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])
        for i, cell in enumerate(ws[ws.max_row], start=1):
            cell.font = styles.body
            cell.border = styles.border
            cell.alignment = styles.wrap if kinds[i - 1] == "text" else styles.top
    end = max(ws.max_row, header)

    ws.freeze_panes = f"A{header + 1}"
    ws.auto_filter.ref = f"A{header}:{last}{end}"
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if table.paper == "A3" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """Tables as a workbook, one sheet each, in order (the first is the one shown)."""
    from openpyxl import Workbook

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    styles = _Styles()
    for table in tables:
        # A sheet named after a unit (the ledger's counties) is cleaned as its cells are.
        _write_table(book.create_sheet(_clean(table.sheet)), table, styles)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
