"""Spreadsheet exports with Chinese headers: an inspection's problem list, score rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring_service.records.groups import find_group
from scoring_service.records.inspections import get_inspection
from scoring_service.records.units import unit_names
from scoring_service.reports.cells import safe_cell
from scoring_service.reports.text import KIND_NAMES, SCORE_HEADERS, score_cells, score_csv
from scoring_service.services import ruleset_of
from scoring_service.unit_of_work import UnitOfWork

SEVERITY_NAMES = {"general": "一般问题", "major": "重大问题"}
PROBLEM_HEADERS = (
    "序号",
    "问题编号",
    "被督查单位代码",
    "被督查单位",
    "督查事项编号",
    "督查事项",
    "问题类别",
    "问题描述",
    "问题性质",
    "整改时限",
    "责任单位",
)


@dataclass(frozen=True, slots=True)
class ProblemList:
    """An inspection's problem list (问题清单), as attached to the rectification letter."""

    year: int
    inspection: str
    county: str
    county_name: str
    group: str
    group_name: str
    start_date: date
    end_date: date
    rows: list[dict[str, Any]]

    @property
    def title(self) -> str:
        return (
            f"{self.county_name}督查发现问题清单（{self.group_name}，"
            f"{self.start_date.isoformat()}至{self.end_date.isoformat()}，{self.inspection}）"
        )


def problem_list(uow: UnitOfWork, year: int, code: str) -> ProblemList:
    """The inspection's findings in code order, with unit, criterion and category names."""
    ruleset = ruleset_of(uow.rules, year)
    with uow:
        inspection, findings = get_inspection(uow, year, code)
        wanted = {inspection.county} | {f.unit for f in findings}
        wanted |= {u for f in findings for u in f.responsible}
        names = unit_names(uow, year, wanted)
        group = find_group(uow, year, inspection.group)
    group_name = group.name if group is not None else None
    catalogue = ruleset.catalogue
    rows = [
        {
            "number": number,
            "finding": f.code,
            "unit": f.unit,
            "unit_name": names.get(f.unit, ""),
            "criterion": f.criterion,
            "criterion_name": catalogue.items.get(f.criterion, ""),
            "category": f.category,
            "category_name": catalogue.categories.get(f.category, ""),
            "severity": f.severity.value,
            "description": f.description,
            "deadline": f.deadline,
            "responsible": list(f.responsible),
            "responsible_names": [names.get(u, u) for u in f.responsible],
        }
        for number, f in enumerate(findings, start=1)
    ]
    return ProblemList(
        year=year,
        inspection=inspection.code,
        county=inspection.county,
        county_name=names.get(inspection.county, inspection.county),
        group=inspection.group,
        group_name=group_name or inspection.group,
        start_date=inspection.start_date,
        end_date=inspection.end_date,
        rows=rows,
    )


def _problem_cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["number"],
        row["finding"],
        row["unit"],
        row["unit_name"],
        row["criterion"],
        row["criterion_name"],
        f"{row['category']} {row['category_name']}".strip(),
        row["description"],
        SEVERITY_NAMES.get(row["severity"], row["severity"]),
        row["deadline"].isoformat(),
        "、".join(row["responsible_names"]),
    ]


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    # A byte-order mark: spreadsheet programs then read the Chinese text as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def problem_list_csv(doc: ProblemList) -> bytes:
    return _csv(PROBLEM_HEADERS, [_problem_cells(r) for r in doc.rows])


def _xlsx(title: str, sheet: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def clean(value: Any) -> Any:
        """Control characters no worksheet can hold are dropped (they show nothing anyway)."""
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    title = clean(title)
    rows = [[clean(v) for v in row] for row in rows]
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append([safe_cell(title, ws)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([safe_cell(h, ws) for h in headers])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v, ws) for v in row])
    for i, header in enumerate(headers, start=1):
        longest = max([len(str(header))] + [len(str(r[i - 1] or "")) for r in rows])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest * 2 + 2))
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problem_list_xlsx(doc: ProblemList) -> bytes:
    return _xlsx(doc.title, "问题清单", PROBLEM_HEADERS, [_problem_cells(r) for r in doc.rows])


def _score_cells(row: dict[str, Any]) -> list[Any]:
    cells = score_cells(row)
    cells[8] = row["metrics"]["rate"]  # a number the spreadsheet can compute with
    return [KIND_NAMES.get(row["kind"], row["kind"]), *cells]


def scores_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """The command line's CSV of score rows, with a byte-order mark for spreadsheets."""
    return score_csv(rows).encode("utf-8-sig")


def scores_xlsx(rows: Sequence[dict[str, Any]], title: str) -> bytes:
    return _xlsx(title, "考核评分", ["类别", *SCORE_HEADERS], [_score_cells(r) for r in rows])
