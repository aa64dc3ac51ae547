"""Reading generated documents back: Word text and tables, workbooks, the demo bundle."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO_2018 = ROOT / "fixtures" / "demo-2018.bundle.json"


@cache
def _demo_text() -> str:
    return DEMO_2018.read_text(encoding="utf-8")


def demo_bundle() -> dict[str, Any]:
    """The shipped demo year 2018 (42 inspections, 514 findings), a fresh copy."""
    loaded: dict[str, Any] = json.loads(_demo_text())
    return loaded


def docx_paragraphs(data: bytes) -> list[str]:
    """Every paragraph of the body, outside tables, in order."""
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def docx_tables(data: bytes) -> list[list[list[str]]]:
    """Every table of the body as rows of cell texts, the header row first."""
    from docx import Document

    return [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in Document(io.BytesIO(data)).tables
    ]


def docx_text(data: bytes) -> str:
    """The body's paragraphs and table cells as one text, a line each."""
    cells = [c for t in docx_tables(data) for row in t for c in row]
    return "\n".join([*docx_paragraphs(data), *cells])


def sheet_rows(data: bytes, sheet: str) -> list[list[Any]]:
    """A worksheet's values, row by row."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def table_after(rows: list[list[Any]], first_header: str) -> list[dict[str, Any]]:
    """The rows of the table whose header row starts with ``first_header``, as dicts."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    header = rows[start]
    return [dict(zip(header, row, strict=True)) for row in rows[start + 1 :]]
