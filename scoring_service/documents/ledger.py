"""The rectification ledger (整改台账) of a year as of a date, as a workbook to print.

A summary sheet first, counting every county's findings as its score row does (by
attribution, spec section 4: a finding counts for the units it is attributed to), so its
figures are the ``score`` metrics of the county rows; then one sheet per inspected county
listing the findings found there, in the columns an office keeps: 序号, 问题, 发现单位,
责任单位, 整改措施 (the accepted rectification report's text, else the note of the
rectification), 整改期限, 完成日期, 状态, 销号 (the day a finding that stands rectified was
closed: none after a failed look-back), in wrapped text on A3 landscape. A scoped caller's
ledger holds the findings it reads (the scope rule): its county's, and those counting for
its units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from scoring_service.access import scope
from scoring_service.documents.files import XLSX, Document, cn_date
from scoring_service.documents.year import AssessedYear, assessed_year
from scoring_service.domain.assessment import FindingFacts
from scoring_service.domain.attribution import Attributor
from scoring_service.domain.metrics import Metrics
from scoring_service.domain.model import Event, EventType, FindingFilter, UnitKind
from scoring_service.domain.rectification import ReportState
from scoring_service.i18n import use_language
from scoring_service.records.findings import matching_codes
from scoring_service.reports.exports import OUTCOME_NAMES, SEVERITY_NAMES
from scoring_service.reports.sheets import Column, Table, tables_xlsx
from scoring_service.unit_of_work import UnitOfWork

LEDGER_COLUMNS = (
    Column("序号", "int"),
    Column("问题"),
    Column("发现单位"),
    Column("责任单位"),
    Column("整改措施"),
    Column("整改期限"),
    Column("完成日期"),
    Column("状态"),
    Column("销号"),
)
SUMMARY_COLUMNS = (
    Column("县区代码", "code"),
    Column("县区"),
    Column("问题数", "int"),
    Column("按期整改", "int"),
    Column("逾期整改", "int"),
    Column("逾期未整改", "int"),
    Column("整改中", "int"),
    Column("虚假整改", "int"),
    Column("整改率", "rate"),
)
BASIS = (
    "汇总表按计入单位统计（与考核得分口径一致：问题计入其归属的县区）；"
    "各县区分表按问题发现地（被督查县区）列出"
)


def rectification_measures(uow: UnitOfWork, year: int, as_of: date) -> dict[str, str]:
    """Each finding's measures as its last accepted rectification report by ``as_of`` states
    them (read once for the year)."""
    with uow:
        accepted = uow.reports.of_year(year, state=ReportState.ACCEPTED)
    return {r.finding: r.text for r in accepted if r.date <= as_of and r.text.strip()}


def _measures(code: str, reports: dict[str, str], events: list[Event]) -> str:
    """The accepted report's text, else the note of the last rectification."""
    if code in reports:
        return reports[code]
    notes = [e.note for e in events if e.type is EventType.RECTIFIED and e.note]
    return notes[-1] if notes else ""


def _deadline(fact: FindingFacts) -> str:
    deadline, extended = fact.finding.deadline, fact.state.effective_deadline
    if extended == deadline:
        return cn_date(deadline)
    return f"{cn_date(deadline)}\n（延期至{cn_date(extended)}）"


def _status(fact: FindingFacts) -> str:
    status = str(OUTCOME_NAMES.get(fact.outcome.value, fact.outcome.value))
    if fact.state.fakes:
        status += f"\n（回头看未通过{fact.state.fakes}次）"
    return status


def _ledger_rows(
    y: AssessedYear, reports: dict[str, str], only: Collection[str] | None = None
) -> dict[str, list[tuple[FindingFacts, list[Any]]]]:
    """The findings the caller reads (those of ``only`` when given) with their rows, by the
    county of their inspection, in code order."""
    data, as_of = y.data, y.as_of
    names = y.names()
    inspections = {i.code: i for i in data.inspections}
    attribute = Attributor(data.units, data.pairings, y.ruleset.attribution).attribute
    events: dict[str, list[Event]] = defaultdict(list)
    for event in sorted(data.events, key=lambda e: (e.date, e.seq)):
        if event.date <= as_of:
            events[event.finding].append(event)
    by_county: dict[str, list[tuple[FindingFacts, list[Any]]]] = defaultdict(list)
    for code, fact in sorted(y.assessment.facts.items()):
        if only is not None and code not in only:
            continue
        f = fact.finding
        counts_for = attribute(f)
        if not scope.sees_finding(y.where, f.unit, counts_for):
            continue
        inspection = inspections[f.inspection]
        severity = str(SEVERITY_NAMES.get(f.severity.value, f.severity.value))
        found_at = names.get(f.unit, f.unit)
        state = fact.state
        row = [
            0,  # numbered per sheet below
            f"{f.description}\n（{code}，{severity}）",
            found_at,
            # The unit where it was found answers for it when none is named.
            "、".join(names.get(u, u) for u in f.responsible) or found_at,
            _measures(code, reports, events.get(code, [])),
            _deadline(fact),
            cn_date(state.completed_on),
            _status(fact),
            # Closed (销号) only while it stands rectified: a failed look-back reopens it.
            cn_date(state.completed_on) if state.rectified else "",
        ]
        by_county[inspection.county].append((fact, row))
    return by_county


def _summary_rows(y: AssessedYear) -> list[list[Any]]:
    """Every county the caller reads, counted by attribution (its score row's metrics),
    then their total."""
    counties = [
        r
        for r in sorted(y.assessment.results, key=lambda r: r.unit.code)
        if r.unit.kind is UnitKind.COUNTY and y.where.has(r.unit.code)
    ]
    if not counties:
        return []
    total = Metrics()
    for result in counties:
        m = result.metrics
        for name in ("findings", "on_time", "late", "overdue", "open", "fakes"):
            setattr(total, name, getattr(total, name) + getattr(m, name))
        for key, count in m.due_counts.items():
            total.due_counts[key] = total.due_counts.get(key, 0) + count
    total.close(y.ruleset)
    return [[r.unit.code, r.unit.name, *_counts(r.metrics)] for r in counties] + [
        ["", "合计", *_counts(total)]
    ]


def _counts(m: Metrics) -> list[Any]:
    rate = None if m.rate is None else float(m.rate)
    return [m.findings, m.on_time, m.late, m.overdue, m.open, m.fakes, rate]


def ledger_tables(
    y: AssessedYear, reports: dict[str, str] | None = None, only: Collection[str] | None = None
) -> list[Table]:
    """The summary table, then one table per county with findings (of ``only`` when
    given)."""
    names = y.names()
    day, year = y.as_of, y.data.year
    with use_language("zh"):
        by_county = _ledger_rows(y, reports or {}, only)
        sheets = []
        for county in sorted(by_county):
            found = by_county[county]
            rows = [[number, *row[1:]] for number, (_fact, row) in enumerate(found, start=1)]
            name = names.get(county, county)
            sheets.append(
                Table(
                    _sheet_name(name, county),
                    f"{name}{year}年度督查发现问题整改台账（截至{cn_date(day)}，按发现地列出）",
                    LEDGER_COLUMNS,
                    rows,
                    paper="A3",
                )
            )
        summary = _summary_rows(y)
    head = Table(
        "汇总",
        f"{year}年度督查发现问题整改台账汇总（截至{cn_date(day)}）",
        SUMMARY_COLUMNS,
        summary,
        notes=[
            ("统计口径", BASIS),
            ("截至日期", cn_date(day)),
            ("规则版本", version_label(y)),
        ],
    )
    return [head, *sheets]


def version_label(y: AssessedYear) -> str:
    """The rule set as a person names it: the year and the start of its hash."""
    return f"{y.ruleset.year}年度规则（版本{y.ruleset.content_hash[:8]}）"


def _sheet_name(name: str, code: str) -> str:
    """A worksheet name: at most 31 characters, none of []:*?/\\ (the code keeps it unique)."""
    plain = "".join("_" if c in "[]:*?/\\" else c for c in name)
    return f"{plain[: 31 - len(code) - 1]}-{code}"[:31]


def ledger_xlsx(
    y: AssessedYear, reports: dict[str, str] | None = None, only: Collection[str] | None = None
) -> bytes:
    return tables_xlsx(ledger_tables(y, reports, only))


def rectification_ledger(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: date | None = None,
    filt: FindingFilter | None = None,
) -> Document:
    """The ledger of ``year`` as of ``as_of`` (default: the cutoff) as a workbook; with
    ``filt``, only the findings the ledger page lists under the same filter."""
    only = None if filt is None else matching_codes(uow, year, filt, as_of=as_of)
    assessed = assessed_year(uow, year, as_of)
    reports = rectification_measures(uow, year, assessed.as_of)
    day = assessed.as_of.isoformat()
    return Document(
        f"整改台账-{year}-{day}.xlsx",
        f"ledger-{year}-{day}.xlsx",
        XLSX,
        ledger_xlsx(assessed, reports, only),
    )
