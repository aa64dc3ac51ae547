"""Spreadsheet exports with Chinese headers: an inspection's problem list, score rows,
a unit's explanation, process alerts, what is due; each as CSV (UTF-8 or GB18030) and
XLSX."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.domain.metrics import SCALAR_METRICS
from scoring_service.i18n.labels import ALERT_TYPES, LIGHTS, METRICS, OUTCOMES, REASONS, InChinese
from scoring_service.records.groups import find_group
from scoring_service.records.inspections import get_inspection
from scoring_service.records.units import unit_names
from scoring_service.reports.cells import CsvEncoding
from scoring_service.reports.sheets import (
    Column,
    ColumnKind,
    Table,
    Typed,
    encode_csv_lines,
    tables_csv,
    tables_xlsx,
)
from scoring_service.reports.text import (
    GRADE_NAMES,
    KIND_NAMES,
    MEASURE_NAMES,
    SCORE_HEADERS,
    score_cells,
    score_csv_lines,
)
from scoring_service.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from scoring_service.assessment.due import DueList

# Files name a severity in full (一般问题, 重大问题), where a terminal column or a page
# cell reads the catalogue's short word (一般, 重大).
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


_PROBLEM_KINDS: tuple[ColumnKind, ...] = (
    "int",
    "code",
    "code",
    "text",
    "code",
    "text",
    "text",
    "text",
    "text",
    "date",
    "text",
)
PROBLEM_COLUMNS = tuple(Column(h, k) for h, k in zip(PROBLEM_HEADERS, _PROBLEM_KINDS, strict=True))


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
        row["deadline"],
        "、".join(row["responsible_names"]),
    ]


def _problem_table(doc: ProblemList) -> Table:
    return Table("问题清单", doc.title, PROBLEM_COLUMNS, [_problem_cells(r) for r in doc.rows])


def problem_list_csv(doc: ProblemList, encoding: CsvEncoding = "utf-8") -> bytes:
    return tables_csv([_problem_table(doc)], encoding)


def problem_list_xlsx(doc: ProblemList) -> bytes:
    return tables_xlsx([_problem_table(doc)])


# --- scores --------------------------------------------------------------------------------------

# 类别, 名次, 单位代码, 单位名称, five counts, 整改率, 加分, 扣分, 得分, 等次, 触发规则, 措施
_SCORE_KINDS: tuple[ColumnKind, ...] = (
    *("text", "int", "code", "text"),
    *("int",) * 5,
    *("rate", "number", "number", "number", "text", "text", "text"),
)
SCORE_COLUMNS = tuple(
    Column(h, k) for h, k in zip(("类别", *SCORE_HEADERS), _SCORE_KINDS, strict=True)
)


def _score_cells(row: dict[str, Any]) -> list[Any]:
    cells = score_cells(row)
    cells[8] = row["metrics"]["rate"]  # a number the spreadsheet can compute with
    return [KIND_NAMES.get(row["kind"], row["kind"]), *cells]


def scores_csv(rows: Sequence[dict[str, Any]], encoding: CsvEncoding = "utf-8") -> bytes:
    """Score rows as CSV with Chinese headers: UTF-8 with a byte-order mark, or GB18030."""
    return b"".join(scores_csv_lines(rows, encoding))


def scores_csv_lines(
    rows: Iterable[dict[str, Any]], encoding: CsvEncoding = "utf-8"
) -> Iterator[bytes]:
    """``scores_csv`` a line at a time, each row encoded as it is formatted."""
    return encode_csv_lines(score_csv_lines(rows), encoding)


def _kinds(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The kinds of the rows: the known ones in their usual order, then any other."""
    present = {r["kind"] for r in rows}
    return [k for k in KIND_NAMES if k in present] + sorted(present - set(KIND_NAMES))


def scores_xlsx(
    rows: Sequence[dict[str, Any]],
    *,
    year: int,
    as_of: date | str,
    ruleset_hash: str,
    run_id: int | None = None,
) -> bytes:
    """A summary sheet (units per kind and grade, the date, the rule set, the run), then one
    sheet of score rows per unit kind (县区, 镇街, 帮扶单位)."""
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    kinds = _kinds(rows)
    grades: list[str] = list(GRADE_NAMES) + sorted({r["grade"] for r in rows} - set(GRADE_NAMES))
    counts = Counter((r["kind"], r["grade"]) for r in rows)
    summary = Table(
        "汇总",
        f"{year}年度督查整改考核评分汇总（截至{day.isoformat()}）",
        [Column("类别"), Column("单位数", "int")]
        + [Column(GRADE_NAMES.get(g, g), "int") for g in grades],
        [
            [
                KIND_NAMES.get(kind, kind),
                sum(counts[kind, g] for g in grades),
                *(counts[kind, g] for g in grades),
            ]
            for kind in kinds
        ],
        notes=[
            ("年度", str(year)),
            ("截至日期", day),
            ("规则集", ruleset_hash),
            ("评分批次", "未保存（即时计算）" if run_id is None else str(run_id)),
        ],
    )
    sheets = [
        Table(
            KIND_NAMES.get(kind, kind)[:31],
            f"{year}年度督查整改考核评分（{KIND_NAMES.get(kind, kind)}，截至{day.isoformat()}）",
            SCORE_COLUMNS,
            [_score_cells(r) for r in rows if r["kind"] == kind],
        )
        for kind in kinds
    ]
    return tables_xlsx([summary, *sheets])


# --- explanations --------------------------------------------------------------------------------

OUTCOME_NAMES = InChinese(OUTCOMES)
REASON_NAMES = InChinese(REASONS)
# The catalogue's words, so a file reads as the pages do (one term per idea).
METRIC_NAMES = {key: InChinese(METRICS)[key] for key in SCALAR_METRICS}
METRIC_COLUMNS = (Column("指标"), Column("代码", "code"), Column("值", "number"))
RULE_COLUMNS = (
    Column("规则", "code"),
    Column("名称"),
    Column("条件"),
    Column("是否触发"),
    Column("读取的值"),
    Column("加分", "number"),
    Column("扣分", "number"),
    Column("措施"),
    Column("强制等次"),
    Column("依据"),
)
FINDING_COLUMNS = (
    Column("问题编号", "code"),
    Column("督查编号", "code"),
    Column("发现单位代码", "code"),
    Column("督查事项编号", "code"),
    Column("问题性质"),
    Column("发现日期", "date"),
    Column("整改时限", "date"),
    Column("有效整改时限", "date"),
    Column("完成日期", "date"),
    Column("整改结果"),
    Column("虚假整改次数", "int"),
    Column("反弹自", "code"),
    Column("计入原因"),
)


def _value_read(value: Any) -> str:
    """A value a rule read, as the explanation shows it: a rate exactly and as a percentage."""
    if isinstance(value, dict):
        shown = "—" if value.get("value") is None else f"{value['value'] * 100:.2f}%"
        return f"{value.get('exact')}（{shown}）"
    return "null" if value is None else str(value)


def _metric_rows(doc: dict[str, Any]) -> list[list[Any]]:
    row, caps, grade = doc["row"], doc["caps"], doc["grade"]
    m = row["metrics"]
    out: list[list[Any]] = [
        [name, key, Typed(m[key], "rate") if key == "rate" else m[key]]
        for key, name in METRIC_NAMES.items()
    ]
    out += [
        [f"逾期未整改（类别 {c}）", f"overdue_by_category.{c}", n]
        for c, n in m["overdue_by_category"].items()
    ]
    for key, name in (("bonus", "加分"), ("deduction", "扣分")):
        out.append([f"{name}合计（封顶前）", f"caps.{key}.total", caps[key]["total"]])
        out.append([f"{name}上限", f"caps.{key}.cap", caps[key]["cap"]])
        out.append([name, key, row[key]])
    out += [
        ["得分", "score", row["score"]],
        ["按得分的等次", "grade.from_score", Typed(_grade(grade["from_score"]), "text")],
        ["强制等次的规则", "grade.forced_by", Typed(" ".join(grade["forced_by"]), "text")],
        ["等次", "grade", Typed(_grade(row["grade"]), "text")],
        ["名次", "rank", row["rank"]],
        ["措施", "measures", Typed(_measures(row["measures"]), "text")],
    ]
    return out


def _grade(grade: str | None) -> str:
    return "" if not grade else GRADE_NAMES.get(grade, grade)


def _measures(measures: Sequence[str]) -> str:
    return "、".join(MEASURE_NAMES.get(x, x) for x in measures)


def explanation_tables(doc: dict[str, Any]) -> list[Table]:
    """An explanation as three tables: metrics (with points, caps, grade and rank), every
    rule with the values it read and whether it fired, every finding that counts with why."""
    unit = doc["unit"]
    kind = KIND_NAMES.get(unit["kind"], unit["kind"])
    head = f"{unit['name']}（{unit['code']}，{kind}）{doc['year']}年度考核评分说明"
    notes = [
        ("单位代码", unit["code"]),
        ("单位名称", unit["name"]),
        ("类别", kind),
        ("截至日期", date.fromisoformat(str(doc["as_of"]))),
        ("规则集", doc["ruleset"]),
    ]
    rules = [
        [
            r["rule"],
            r["name"],
            r["when"],
            "是" if r["fired"] else "否",
            "；".join(f"{k}={_value_read(v)}" for k, v in r["values"].items()),
            r.get("bonus"),
            r.get("deduction"),
            _measures(r.get("measures", ())),
            _grade(r.get("grade")),
            r["reference"],
        ]
        for r in doc["rules"]
    ]
    findings = [
        [
            f["code"],
            f["inspection"],
            f["found_at"],
            f["criterion"],
            SEVERITY_NAMES.get(f["severity"], f["severity"]),
            f["found_on"],
            f["deadline"],
            f["effective_deadline"],
            f["completed_on"],
            OUTCOME_NAMES.get(f["outcome"], f["outcome"]),
            f["fakes"],
            f["repeat_of"],
            "、".join(REASON_NAMES.get(r, r) for r in f["counts_because"]),
        ]
        for f in doc["findings"]
    ]
    return [
        Table("指标", f"{head}：指标", METRIC_COLUMNS, _metric_rows(doc), notes=notes),
        Table("规则", f"{head}：规则及读取的值", RULE_COLUMNS, rules),
        Table("问题", f"{head}：计入的问题及原因", FINDING_COLUMNS, findings),
    ]


def explanation_csv(doc: dict[str, Any], encoding: CsvEncoding = "utf-8") -> bytes:
    """An explanation as CSV: sections 【指标】, 【规则】 and 【问题】, each with its header."""
    return tables_csv(explanation_tables(doc), encoding, sections=True)


def explanation_xlsx(doc: dict[str, Any]) -> bytes:
    """An explanation as a workbook: sheets 指标, 规则 and 问题."""
    return tables_xlsx(explanation_tables(doc))


# --- alerts --------------------------------------------------------------------------------------

ALERT_NAMES = InChinese(ALERT_TYPES)
ALERT_COLUMNS = (
    Column("预警类型"),
    Column("类型代码", "code"),
    Column("督查编号", "code"),
    Column("督查组", "code"),
    Column("月份", "code"),
    Column("问题编号", "code"),
    Column("说明"),
)


def alerts_table(alerts: Sequence[dict[str, Any]], *, year: int, as_of: date | str) -> Table:
    """Process alerts (their JSON form) as one table."""
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    rows = [
        [
            ALERT_NAMES.get(a["type"], a["type"]),
            a["type"],
            a.get("inspection"),
            a.get("group"),
            a.get("month"),
            a.get("finding"),
            a["detail"],
        ]
        for a in alerts
    ]
    title = f"{year}年度督查过程预警（截至{day.isoformat()}）"
    return Table("过程预警", title, ALERT_COLUMNS, rows)


def alerts_csv(
    alerts: Sequence[dict[str, Any]],
    *,
    year: int,
    as_of: date | str,
    encoding: CsvEncoding = "utf-8",
) -> bytes:
    return tables_csv([alerts_table(alerts, year=year, as_of=as_of)], encoding)


def alerts_xlsx(alerts: Sequence[dict[str, Any]], *, year: int, as_of: date | str) -> bytes:
    return tables_xlsx([alerts_table(alerts, year=year, as_of=as_of)])


# Files are read in the office's words whatever the language (as every CSV and workbook).
DUE_LIGHTS = InChinese(LIGHTS)
DUE_COLUMNS = (
    Column("提醒"),
    Column("问题编号", "code"),
    Column("问题描述"),
    Column("问题所在单位", "code"),
    Column("单位名称"),
    Column("严重程度"),
    Column("现行整改期限", "date"),
    Column("剩余天数", "int"),
    Column("计入单位"),
    Column("待审核整改报告", "int"),
    Column("待审批延期申请", "int"),
)


def due_table(found: DueList) -> Table:
    """The due list as one table, with the ids of the reports and requests waiting."""
    rows = [
        [
            DUE_LIGHTS[i.light],
            i.finding,
            i.description,
            i.unit,
            i.unit_name,
            SEVERITY_NAMES.get(i.severity, i.severity),
            i.deadline,
            i.days_left,
            "、".join(f"{u.name}（{u.code}）" for u in i.counts_for),
            i.waiting_report,
            i.waiting_request,
        ]
        for i in found.items
    ]
    title = f"{found.year}年度整改到期提醒（截至{found.as_of.isoformat()}，{found.within}天内到期）"
    return Table("到期提醒", title, DUE_COLUMNS, rows)


def due_csv(found: DueList, encoding: CsvEncoding = "utf-8") -> bytes:
    return tables_csv([due_table(found)], encoding)


def due_xlsx(found: DueList) -> bytes:
    return tables_xlsx([due_table(found)])
