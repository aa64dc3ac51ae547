"""Human-readable renderings: aligned tables with Chinese text, CSV of score rows."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from scoring_service.reports.cells import safe_cell

KIND_NAMES = {"county": "县区", "town": "镇街", "helping_unit": "帮扶单位", "village": "村"}
GRADE_NAMES = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "较差"}
MEASURE_NAMES = {
    "commendation": "通报表扬",
    "criticism": "通报批评",
    "interview": "约谈",
    "accountability": "问责",
}


def width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    gap = " " * max(columns - width(text), 0)
    return gap + text if right else text + gap


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: set[int] | None = None
) -> str:
    """An aligned plain-text table; columns in ``right`` are right-aligned (numbers)."""
    right = right or set()
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))
    lines = ["  ".join(pad(h, widths[i], i in right) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(pad(c, widths[i], i in right) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


SCORE_HEADERS = (
    "名次",
    "单位代码",
    "单位名称",
    "问题数",
    "应整改",
    "按期",
    "逾期整改",
    "超期未改",
    "整改率",
    "加分",
    "扣分",
    "得分",
    "等次",
    "触发规则",
    "措施",
)


def score_cells(row: dict[str, Any]) -> list[Any]:
    m = row["metrics"]
    return [
        row["rank"],
        row["unit"],
        row["name"],
        m["findings"],
        m["due"],
        m["on_time"],
        m["late"],
        m["overdue"],
        _rate(m["rate"]),
        row["bonus"],
        row["deduction"],
        row["score"],
        GRADE_NAMES.get(row["grade"], row["grade"]),
        " ".join(f["rule"] for f in row["fired"]),
        "、".join(MEASURE_NAMES.get(x, x) for x in row["measures"]),
    ]


def score_table(rows: Sequence[dict[str, Any]], title: str) -> str:
    """Score rows grouped by kind, in rank order, for people."""
    parts = [title]
    kinds: list[str] = []
    for row in rows:
        if row["kind"] not in kinds:
            kinds.append(row["kind"])
    for kind in kinds:
        group = [score_cells(r) for r in rows if r["kind"] == kind]
        parts.append(f"\n【{KIND_NAMES.get(kind, kind)}】 {len(group)}")
        parts.append(table(SCORE_HEADERS, group, right={0, 3, 4, 5, 6, 7, 8, 9, 10, 11}))
    return "\n".join(parts)


def score_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Score rows as CSV with Chinese headers (UTF-8; spreadsheet-friendly, no formulas)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["类别", *SCORE_HEADERS])
    for row in rows:
        cells = score_cells(row)
        cells[8] = "" if row["metrics"]["rate"] is None else row["metrics"]["rate"]
        cells = [KIND_NAMES.get(row["kind"], row["kind"]), *cells]
        writer.writerow([safe_cell(v) for v in cells])
    return out.getvalue()


REASON_NAMES = {
    "found": "found here",
    "territorial": "found under this unit",
    "paired": "at a paired village",
    "responsible": "named responsible",
}


def explanation_text(doc: dict[str, Any]) -> str:
    """An explanation for people: metrics, rules with the values they read, caps, findings."""
    unit, row = doc["unit"], doc["row"]
    m = row["metrics"]
    lines = [
        f"{unit['name']} ({unit['code']}, {KIND_NAMES.get(unit['kind'], unit['kind'])})  "
        f"{doc['year']} as of {doc['as_of']}",
        f"score {row['score']} = base + bonus {row['bonus']} - deduction {row['deduction']}; "
        f"grade {GRADE_NAMES.get(row['grade'], row['grade'])} ({row['grade']}); rank {row['rank']}",
        "",
        "metrics: "
        + ", ".join(
            f"{k} {m[k]}"
            for k in ("findings", "due", "on_time", "late", "overdue", "open", "overdue_major")
        )
        + f", fakes {m['fakes']}, repeats {m['repeats']}, rate {_rate(m['rate'])}",
    ]
    if m["overdue_by_category"]:
        by_cat = ", ".join(f"{c}: {n}" for c, n in m["overdue_by_category"].items())
        lines.append(f"overdue by category: {by_cat}")
    lines.append("")
    lines.append("rules:")
    for rule in doc["rules"]:
        values = ", ".join(
            f"{k}={v['exact'] if isinstance(v, dict) else ('null' if v is None else v)}"
            for k, v in rule["values"].items()
        )
        if rule["fired"]:
            effect = f"+{rule['bonus']} -{rule['deduction']}"
            extra = "、".join(MEASURE_NAMES.get(x, x) for x in rule["measures"])
            if rule.get("grade"):
                extra += f" grade forced to {rule['grade']}"
            lines.append(
                f"  FIRED {rule['rule']} {rule['name']}: {rule['when']}  [{values}]  "
                f"{effect} {extra}"
            )
        else:
            lines.append(f"  -     {rule['rule']} {rule['name']}: {rule['when']}  [{values}]")
    for name in ("bonus", "deduction"):
        cap = doc["caps"][name]
        if cap["applied"]:
            lines.append(f"{name} capped: {cap['total']} -> {cap['cap']}")
    if doc["grade"]["forced_by"]:
        lines.append(
            f"grade from score: {doc['grade']['from_score']}; "
            f"forced by {', '.join(doc['grade']['forced_by'])}"
        )
    lines.append("")
    lines.append(f"findings that count ({len(doc['findings'])}):")
    rows = [
        [
            f["code"],
            f["found_at"],
            f["criterion"],
            f["severity"],
            f["found_on"],
            f["effective_deadline"],
            f["completed_on"] or "",
            f["outcome"],
            f["fakes"] or "",
            f["repeat_of"] or "",
            ", ".join(REASON_NAMES.get(r, r) for r in f["counts_because"]),
        ]
        for f in doc["findings"]
    ]
    headers = (
        "finding",
        "found at",
        "crit.",
        "severity",
        "found on",
        "deadline",
        "completed",
        "outcome",
        "fakes",
        "repeat of",
        "counts because",
    )
    lines.append(table(headers, rows))
    return "\n".join(lines)
