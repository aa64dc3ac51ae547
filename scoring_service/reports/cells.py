"""Spreadsheet cells that show what was written and never run it (CSV or formula injection).

Unit names and finding descriptions are free text from inspectors and other systems. A
spreadsheet program reads a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula, which can open links or start programs
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). OWASP's defence is applied to every text cell
the service writes, by this one function.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The encodings a CSV file is written in (``sheets.encode_csv``); here, where the command
# line's parser reads them without importing the workbooks' machinery.
CsvEncoding = Literal["utf-8", "gb18030"]
CSV_ENCODINGS: tuple[CsvEncoding, ...] = ("utf-8", "gb18030")


def safe_cell(value: Any, sheet: Worksheet | None = None) -> Any:
    """``value`` as a cell that cannot run: for CSV (no ``sheet``) text starting like a formula
    gets a leading apostrophe; for a worksheet every text becomes a plain string cell, never
    a formula. Numbers, dates and empty cells stay as they are."""
    if not isinstance(value, str):
        return value
    formula_like = value.startswith(FORMULA_STARTS)
    if sheet is None:
        return "'" + value if formula_like else value
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet, value=value)
    # openpyxl turns text starting with "=" into a formula and "#N/A" and the like into errors.
    cell.data_type = "s"
    if formula_like:
        # Excel keeps such a cell text even when someone edits it and presses Enter.
        cell.quotePrefix = True
    return cell


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text, the one writer of every CSV the service makes: each cell through
    ``safe_cell``, and rows ended by CRLF (RFC 4180). Python's writer quotes a cell holding
    a character of its line ending, so with CRLF a bare CR or LF inside a name stays inside
    its quoted cell and cannot start a new row that a spreadsheet would read as a formula.
    Empty cells (None) are written empty."""
    return "".join(csv_lines(rows))


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """``csv_text`` a row at a time, for a file written as its rows are made."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
