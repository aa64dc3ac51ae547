"""Human-readable renderings: aligned tables with Chinese text, CSV of score rows."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from scoring_service.i18n import N_, format_date
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import (
    GRADES,
    KINDS,
    MEASURES,
    METRICS,
    OUTCOMES,
    REASONS,
    SEVERITIES,
    InChinese,
    label,
    labels,
)
from scoring_service.reports.cells import csv_lines

# The files' words for kinds, grades and measures: the catalogue's, in Chinese.
KIND_NAMES = InChinese(KINDS)
GRADE_NAMES = InChinese(GRADES)
MEASURE_NAMES = InChinese(MEASURES)


def width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two."""
    if text.isascii():  # codes and numbers: no character is wide
        return len(text)
    return len(text) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    gap = " " * max(columns - width(text), 0)
    return gap + text if right else text + gap


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: set[int] | None = None
) -> str:
    """An aligned plain-text table; columns in ``right`` are right-aligned (numbers)."""
    return "\n".join(table_lines(headers, rows, right))


def table_lines(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: set[int] | None = None
) -> Iterator[str]:
    """``table`` a line at a time (without line ends), once the columns' widths are known."""
    right = right or set()
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    # Each distinct text measured once: a trend's cells repeat a few scores and grades.
    measured: dict[str, int] = {}
    widths = [width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            found = measured.get(cell)
            if found is None:
                found = measured[cell] = width(cell)
            if found > widths[i]:
                widths[i] = found
    yield "  ".join(pad(h, widths[i], i in right) for i, h in enumerate(headers))
    yield "  ".join("-" * w for w in widths)
    for row in cells:
        padded = []
        for i, cell in enumerate(row):
            gap = " " * (widths[i] - measured[cell])
            padded.append(gap + cell if i in right else cell + gap)
        yield "  ".join(padded).rstrip()


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


SCORE_HEADERS = (
    "名次",
    "单位代码",
    "单位名称",
    "问题数",
    "应整改",
    "按期整改",
    "逾期整改",
    "逾期未整改",
    "整改率",
    "加分",
    "扣分",
    "得分",
    "等次",
    "触发规则",
    "措施",
)


def score_cells(
    row: dict[str, Any],
    grade_names: Mapping[str, str] = GRADE_NAMES,
    measure_names: Mapping[str, str] = MEASURE_NAMES,
) -> list[Any]:
    """A score row's cells, grade and measures in the files' Chinese (``grade_names`` and
    ``measure_names``: those words, read once for many rows)."""
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
        grade_names.get(row["grade"], row["grade"]),
        " ".join(f["rule"] for f in row["fired"]),
        "、".join(measure_names.get(x, x) for x in row["measures"]),
    ]


def score_table(rows: Sequence[dict[str, Any]], title: str) -> str:
    """Score rows grouped by kind, in rank order, for people, in the language in force."""
    parts = [title]
    kinds: list[str] = []
    for row in rows:
        if row["kind"] not in kinds:
            kinds.append(row["kind"])
    headers = [_(h) for h in SCORE_COLUMNS]
    # On a terminal, grade and measures in the language in force, each read once (an
    # unknown one reads as itself, as ``label`` has it).
    grades = {grade: label(GRADES, grade) for grade in GRADES}
    measures = {measure: label(MEASURES, measure) for measure in MEASURES}
    for kind in kinds:
        group = [score_cells(r, grades, measures) for r in rows if r["kind"] == kind]
        parts.append(f"\n【{label(KINDS, kind)}】 {len(group)}")
        parts.append(table(headers, group, right={0, 3, 4, 5, 6, 7, 8, 9, 10, 11}))
    return "\n".join(parts)


def score_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Score rows as CSV with Chinese headers (UTF-8; spreadsheet-friendly, no formulas)."""
    return "".join(score_csv_lines(rows))


def score_csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``score_csv`` a line at a time: the header, then each row as it is formatted."""
    # The Chinese words read once (each read of an InChinese table switches the language).
    kinds, grades, measures = dict(KIND_NAMES), dict(GRADE_NAMES), dict(MEASURE_NAMES)

    def lines() -> Iterator[list[Any]]:
        yield ["类别", *SCORE_HEADERS]
        for row in rows:
            cells = score_cells(row, grades, measures)
            cells[8] = "" if row["metrics"]["rate"] is None else row["metrics"]["rate"]
            yield [kinds.get(row["kind"], row["kind"]), *cells]

    yield from csv_lines(lines())


# The headings of the score table on a terminal, in the language in force (the files keep
# SCORE_HEADERS, the work plan's Chinese, whatever the language).
SCORE_COLUMNS = (
    N_("rank"),
    N_("unit code"),
    N_("unit name"),
    N_("findings"),
    N_("due"),
    N_("on time"),
    N_("rectified late"),
    N_("overdue"),
    N_("rectification rate"),
    N_("bonus"),
    N_("deduction"),
    N_("score"),
    N_("grade"),
    N_("rules fired"),
    N_("measures"),
)
FINDING_COLUMNS = (
    N_("finding"),
    N_("found at"),
    N_("criterion"),
    N_("severity"),
    N_("found on"),
    N_("deadline"),
    N_("completed"),
    N_("outcome"),
    N_("fakes"),
    N_("repeat of"),
    N_("counts because"),
)


def day(value: str | None) -> str:
    """An ISO date of a document as people read it in the language in force."""
    return "" if not value else format_date(dt.date.fromisoformat(value))


def explanation_text(doc: dict[str, Any]) -> str:
    """An explanation for people: metrics, rules with the values they read, caps, findings."""
    unit, row = doc["unit"], doc["row"]
    m = row["metrics"]
    comma = _(", ")
    lines = [
        _(
            "%(name)s (%(code)s, %(kind)s)  %(year)s, as of %(as_of)s",
            name=unit["name"],
            code=unit["code"],
            kind=label(KINDS, unit["kind"]),
            year=doc["year"],
            as_of=day(doc["as_of"]),
        ),
        _(
            "score %(score)s = base + bonus %(bonus)s - deduction %(deduction)s; "
            "grade %(grade)s; rank %(rank)s",
            score=row["score"],
            bonus=row["bonus"],
            deduction=row["deduction"],
            grade=label(GRADES, row["grade"]),
            rank=row["rank"],
        ),
        "",
        _("metrics: ")
        + comma.join(
            f"{label(METRICS, k)} {m[k]}"
            for k in (
                "findings",
                "due",
                "on_time",
                "late",
                "overdue",
                "open",
                "overdue_major",
                "fakes",
                "repeats",
            )
        )
        + f"{comma}{label(METRICS, 'rate')} {_rate(m['rate'])}",
    ]
    if m["overdue_by_category"]:
        by_cat = comma.join(f"{c}: {n}" for c, n in m["overdue_by_category"].items())
        lines.append(_("overdue by category: %(counts)s", counts=by_cat))
    lines.append("")
    lines.append(_("rules:"))
    fired_mark, idle_mark = _("FIRED"), "-"
    mark_width = max(width(fired_mark), width(idle_mark))
    for rule in doc["rules"]:
        values = ", ".join(
            f"{k}={v['exact'] if isinstance(v, dict) else ('null' if v is None else v)}"
            for k, v in rule["values"].items()
        )
        head = f"{rule['rule']} {rule['name']}: {rule['when']}  [{values}]"
        if rule["fired"]:
            effect = f"+{rule['bonus']} -{rule['deduction']}"
            extra = labels(MEASURES, rule["measures"], "、")
            if rule.get("grade"):
                extra += " " + _("grade forced to %(grade)s", grade=label(GRADES, rule["grade"]))
            lines.append(f"  {pad(fired_mark, mark_width)} {head}  {effect} {extra}".rstrip())
        else:
            lines.append(f"  {pad(idle_mark, mark_width)} {head}")
    capped = {
        "bonus": N_("bonus capped: %(total)s -> %(cap)s"),
        "deduction": N_("deduction capped: %(total)s -> %(cap)s"),
    }
    for name, message in capped.items():
        cap = doc["caps"][name]
        if cap["applied"]:
            lines.append(_(message, total=cap["total"], cap=cap["cap"]))
    if doc["grade"]["forced_by"]:
        lines.append(
            _(
                "grade from score: %(grade)s; forced by %(rules)s",
                grade=label(GRADES, doc["grade"]["from_score"]),
                rules=", ".join(doc["grade"]["forced_by"]),
            )
        )
    lines.append("")
    lines.append(_("findings that count (%(count)s):", count=len(doc["findings"])))
    rows = [
        [
            f["code"],
            f["found_at"],
            f["criterion"],
            label(SEVERITIES, f["severity"]),
            day(f["found_on"]),
            day(f["effective_deadline"]),
            day(f["completed_on"]),
            label(OUTCOMES, f["outcome"]),
            f["fakes"] or "",
            f["repeat_of"] or "",
            labels(REASONS, f["counts_because"], comma),
        ]
        for f in doc["findings"]
    ]
    lines.append(table([_(h) for h in FINDING_COLUMNS], rows))
    return "\n".join(lines)
