"""The rectification ledger (整改台账) of a year as of a date, as a workbook.

Every finding found by the date, with its unit, inspection, criterion, severity, deadline
and the deadline after extensions, its outcome (spec section 3), the dates it was
rectified, looked back at and reported to the leading group, and the units it counts
for with why (spec section 4). A summary sheet first, then one sheet per inspected
county. A scoped caller's ledger holds the findings it reads (the scope rule): its
county's, and those counting for its units.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from scoring_service.access import scope
from scoring_service.documents.files import XLSX, Document
from scoring_service.documents.year import AssessedYear, assessed_year
from scoring_service.domain.assessment import FindingFacts
from scoring_service.domain.attribution import Attributor
from scoring_service.domain.model import Event, EventType, FindingFilter, Outcome, Severity
from scoring_service.i18n import use_language
from scoring_service.records.findings import matching_codes
from scoring_service.reports.exports import OUTCOME_NAMES, REASON_NAMES, SEVERITY_NAMES
from scoring_service.reports.sheets import Column, Table, tables_xlsx
from scoring_service.unit_of_work import UnitOfWork

LEDGER_COLUMNS = (
    Column("序号", "int"),
    Column("问题编号", "code"),
    Column("县区"),
    Column("发现单位代码", "code"),
    Column("发现单位"),
    Column("督查编号", "code"),
    Column("督查组"),
    Column("督查事项编号", "code"),
    Column("督查事项"),
    Column("问题类别"),
    Column("问题性质"),
    Column("问题描述"),
    Column("发现日期", "date"),
    Column("整改时限", "date"),
    Column("延期后时限", "date"),
    Column("整改结果"),
    Column("整改完成日期", "date"),
    Column("销号记录"),
    Column("回头看"),
    Column("虚假整改次数", "int"),
    Column("上报领导小组日期", "date"),
    Column("计入单位"),
)
SUMMARY_COLUMNS = (
    Column("县区代码", "code"),
    Column("县区"),
    Column("问题数", "int"),
    Column("重大问题", "int"),
    Column("按期整改", "int"),
    Column("逾期整改", "int"),
    Column("超期未改", "int"),
    Column("未到期", "int"),
    Column("虚假整改", "int"),
)


def _dates(events: list[Event], kind: EventType) -> str:
    return "；".join(e.date.isoformat() for e in events if e.type is kind)


def _lookbacks(events: list[Event]) -> str:
    done = {EventType.LOOKBACK_PASSED: "通过", EventType.LOOKBACK_FAILED: "未通过"}
    return "；".join(f"{e.date.isoformat()} {done[e.type]}" for e in events if e.type in done)


def _ledger_rows(
    y: AssessedYear, only: Collection[str] | None = None
) -> dict[str, list[tuple[FindingFacts, list[Any]]]]:
    """The findings the caller reads (those of ``only`` when given) with their rows, by the
    county of their inspection, in code order."""
    data, as_of = y.data, y.as_of
    names = y.names()
    groups = {g.code: g.name for g in data.groups}
    inspections = {i.code: i for i in data.inspections}
    catalogue = y.ruleset.catalogue
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
        mine = events.get(code, [])
        row = [
            0,  # numbered per sheet below
            code,
            names.get(inspection.county, inspection.county),
            f.unit,
            names.get(f.unit, f.unit),
            f.inspection,
            groups.get(inspection.group, inspection.group),
            f.criterion,
            catalogue.items.get(f.criterion, ""),
            f"{f.category} {catalogue.categories.get(f.category, '')}".strip(),
            str(SEVERITY_NAMES.get(f.severity.value, f.severity.value)),
            f.description,
            f.found_on,
            f.deadline,
            _extended(fact),
            str(OUTCOME_NAMES.get(fact.outcome.value, fact.outcome.value)),
            fact.state.completed_on,
            _dates(mine, EventType.RECTIFIED),
            _lookbacks(mine),
            fact.state.fakes,
            fact.state.escalated_on,
            "、".join(
                f"{names.get(unit, unit)}（"
                + "、".join(str(REASON_NAMES.get(r.value, r.value)) for r in reasons)
                + "）"
                for unit, reasons in counts_for.items()
            ),
        ]
        by_county[inspection.county].append((fact, row))
    return by_county


def _extended(fact: FindingFacts) -> date | None:
    """The deadline after extensions, when one was given."""
    deadline = fact.state.effective_deadline
    return deadline if deadline != fact.finding.deadline else None


def _summary_row(county: str, name: str, facts: list[FindingFacts]) -> list[Any]:
    outcomes = Counter(f.outcome for f in facts)
    return [
        county,
        name,
        len(facts),
        sum(f.finding.severity is Severity.MAJOR for f in facts),
        *(outcomes[o] for o in Outcome),
        sum(f.state.fakes for f in facts),
    ]


def ledger_tables(y: AssessedYear, only: Collection[str] | None = None) -> list[Table]:
    """The summary table, then one table per county with findings (of ``only`` when
    given)."""
    names = y.names()
    day, year = y.as_of, y.data.year
    with use_language("zh"):
        by_county = _ledger_rows(y, only)
        sheets = []
        summary = []
        for county in sorted(by_county):
            found = by_county[county]
            rows = [[number, *row[1:]] for number, (_fact, row) in enumerate(found, start=1)]
            name = names.get(county, county)
            summary.append(_summary_row(county, name, [fact for fact, _row in found]))
            sheets.append(
                Table(
                    _sheet_name(name, county),
                    f"{name}{year}年度督查发现问题整改台账（截至{day.isoformat()}）",
                    LEDGER_COLUMNS,
                    rows,
                )
            )
        every = [fact for found in by_county.values() for fact, _row in found]
        summary.append(["", "合计", *_summary_row("", "", every)[2:]])
    head = Table(
        "汇总",
        f"{year}年度督查发现问题整改台账汇总（截至{day.isoformat()}）",
        SUMMARY_COLUMNS,
        summary,
        notes=[("年度", str(year)), ("截至日期", day), ("规则集", y.ruleset.content_hash)],
    )
    return [head, *sheets]


def _sheet_name(name: str, code: str) -> str:
    """A worksheet name: at most 31 characters, none of []:*?/\\ (the code keeps it unique)."""
    plain = "".join("_" if c in "[]:*?/\\" else c for c in name)
    return f"{plain[: 31 - len(code) - 1]}-{code}"[:31]


def ledger_xlsx(y: AssessedYear, only: Collection[str] | None = None) -> bytes:
    return tables_xlsx(ledger_tables(y, only))


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
    day = assessed.as_of.isoformat()
    return Document(
        f"整改台账-{year}-{day}.xlsx",
        f"ledger-{year}-{day}.xlsx",
        XLSX,
        ledger_xlsx(assessed, only),
    )
