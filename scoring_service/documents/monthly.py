"""The monthly report to the leading group (督查工作月报).

The work plan (四、工作职责): the leading group hears each group's report at least monthly.
The report reads the data as of the month's last day: each group's inspections of the
month against the monthly cadence, the month's findings by category and severity, every
county's rectification progress (its score row's metrics, spec section 5) with a chart of
the rates, major findings overdue or not escalated, and the month's process alerts (spec
section 7). It speaks of every group and county: only unscoped principals may have one.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from scoring_service.documents.chart import Bar, rate_chart
from scoring_service.documents.files import DOCX, Document, cn_date, cn_month, cn_percent
from scoring_service.documents.office import office
from scoring_service.documents.render import render_docx
from scoring_service.documents.year import AssessedYear, assessed_year, require_whole_year
from scoring_service.domain.alerts import Alert
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.model import Outcome, Severity, UnitKind
from scoring_service.i18n import _, use_language
from scoring_service.reports.exports import ALERT_NAMES
from scoring_service.unit_of_work import UnitOfWork

TEMPLATE = "monthly.docx"
OVERDUE, UNESCALATED = "逾期未整改", "未及时报告"


def month_end(year: int, month: int) -> date:
    """The month's last day; InvalidRequest for a month that is not 1-12."""
    if not 1 <= month <= 12:
        raise InvalidRequest(_("the month must be 1 to 12, not %(month)s", month=month))
    return date(year, month, calendar.monthrange(year, month)[1])


def _in_month(day: date, year: int, month: int) -> bool:
    return day.year == year and day.month == month


def _groups(y: AssessedYear, month: int, names: dict[str, str]) -> list[dict[str, Any]]:
    year = y.data.year
    started: dict[str, list[str]] = {g.code: [] for g in y.data.groups}
    for inspection in sorted(y.data.inspections, key=lambda i: (i.start_date, i.code)):
        if _in_month(inspection.start_date, year, month):
            started.setdefault(inspection.group, []).append(inspection.code)
    return [
        {
            "code": g.code,
            "name": g.name,
            "leader": g.leader,
            "counties": "、".join(names.get(c, c) for c in g.counties),
            "count": len(started[g.code]),
            "codes": "、".join(started[g.code]),
            "met": "是" if started[g.code] else "否",
        }
        for g in y.data.groups
    ]


def _categories(y: AssessedYear, month: int) -> list[dict[str, Any]]:
    counts = Counter(
        (f.category, f.severity)
        for f in y.data.findings
        if _in_month(f.found_on, y.data.year, month) and f.found_on <= y.as_of
    )
    rows: list[dict[str, Any]] = []
    known = y.ruleset.catalogue.categories
    for category in [*known, *sorted({c for c, _s in counts} - set(known))]:
        general, major = counts[category, Severity.GENERAL], counts[category, Severity.MAJOR]
        rows.append(
            {
                "category": category,
                "name": f"{category} {known.get(category, '')}".strip(),
                "general": general,
                "major": major,
                "total": general + major,
            }
        )
    general = sum(r["general"] for r in rows)
    major = sum(r["major"] for r in rows)
    rows.append(
        {
            "category": "",
            "name": "合计",
            "general": general,
            "major": major,
            "total": general + major,
        }
    )
    return rows


def _counties(y: AssessedYear) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for result in sorted(y.assessment.results, key=lambda r: r.unit.code):
        if result.unit.kind is not UnitKind.COUNTY:
            continue
        m = result.metrics
        rows.append(
            {
                "unit": result.unit.code,
                "name": result.unit.name,
                "findings": m.findings,
                "rectified": m.on_time + m.late,
                "on_time": m.on_time,
                "late": m.late,
                "overdue": m.overdue,
                "open": m.open,
                "rate": cn_percent(m.rate),
                "rate_value": None if m.rate is None else float(m.rate),
            }
        )
    return rows


def _majors(y: AssessedYear, unescalated: set[str], names: dict[str, str]) -> list[dict[str, Any]]:
    """Major findings overdue, or not reported to the leading group in time, by code."""
    rows: list[dict[str, Any]] = []
    for code, fact in sorted(y.assessment.facts.items()):
        f = fact.finding
        if f.severity is not Severity.MAJOR:
            continue
        status: list[str] = []
        if fact.outcome is Outcome.OVERDUE:
            status.append(OVERDUE)
        if code in unescalated:
            status.append(UNESCALATED)
        if status:
            rows.append(
                {
                    "code": code,
                    "unit": names.get(f.unit, f.unit),
                    "description": f.description,
                    "deadline": cn_date(fact.state.effective_deadline),
                    "status": "、".join(status),
                    "flags": status,
                }
            )
    return rows


def _alert_subject(alert: Alert, groups: dict[str, str]) -> str:
    if alert.month is not None and alert.group is not None:
        return f"{groups.get(alert.group, alert.group)}（{cn_month(alert.month)}）"
    return alert.inspection or alert.finding or ""


def _alert_detail(alert: Alert, y: AssessedYear) -> str:
    """The alert in the report's words (the alert's own detail is for the API)."""
    inspections = {i.code: i for i in y.data.inspections}
    inspection = inspections.get(alert.inspection or "")
    if alert.type == "late_letter" and inspection is not None:
        end = cn_date(inspection.end_date)
        letter = inspection.letter_date
        if letter is not None and letter <= y.as_of:
            return f"督查于{end}结束，整改函于{cn_date(letter)}发出"
        return f"督查于{end}结束，截至{cn_date(y.as_of)}未发出整改函"
    if alert.type == "long_inspection" and inspection is not None:
        days = (inspection.end_date - inspection.start_date).days + 1
        return f"督查{cn_date(inspection.start_date)}至{cn_date(inspection.end_date)}，共{days}天"
    if alert.type == "incomplete_sample":
        return "抽查镇、村、农户数少于工作方案要求"
    if alert.type == "missed_month":
        return "当月未开展督查"
    if alert.type == "unescalated_major":
        return "重大问题未在发现后及时报告领导小组"
    return str(ALERT_NAMES.get(alert.type, alert.type))


def _month_alerts(y: AssessedYear, month: int, alerts: list[Alert]) -> list[Alert]:
    """The alerts new in the month: its missed months, its inspections, its findings."""
    year = y.data.year
    ended = {i.code for i in y.data.inspections if _in_month(i.end_date, year, month)}
    found = {f.code for f in y.data.findings if _in_month(f.found_on, year, month)}
    label = f"{year}-{month:02d}"
    return [
        a
        for a in alerts
        if a.month == label
        or (a.finding is not None and a.finding in found)
        or (a.finding is None and a.month is None and a.inspection in ended)
    ]


def monthly_context(y: AssessedYear, month: int, *, on: date | None, number: str) -> dict[str, Any]:
    """The report's fields; ``chart_bars`` feed the chart drawn beside them."""
    names = y.names()
    groups = {g.code: g.name for g in y.data.groups}
    # The alerts as of the month's end, as `alerts --as-of` gives them: one count wherever
    # it is read. Those new in the month are marked beside them.
    alerts = y.alerts()
    new = {id(a) for a in _month_alerts(y, month, alerts)}
    unescalated = {a.finding for a in alerts if a.type == "unescalated_major" and a.finding}
    with use_language("zh"):
        group_rows = _groups(y, month, names)
        categories = _categories(y, month)
        counties = _counties(y)
        majors = _majors(y, unescalated, names)
        missed = [g["name"] for g in group_rows if not g["count"]]
        total = categories[-1]
        return {
            **office().fields(),
            "year": y.data.year,
            "month": month,
            # Numbered by month: the report of September is 第9期.
            "number": number or str(month),
            "as_of": cn_date(y.as_of),
            "date": cn_date(on or y.as_of),
            "inspections": sum(g["count"] for g in group_rows),
            "groups_missed": (
                f"{'、'.join(missed)}本月未开展督查" if missed else "各督查小组均按月开展督查"
            ),
            "groups": group_rows,
            "findings": total["total"],
            "general": total["general"],
            "major": total["major"],
            "categories": categories,
            "counties": counties,
            "majors": majors,
            "overdue_major_count": sum(OVERDUE in m["flags"] for m in majors),
            "unescalated_count": sum(UNESCALATED in m["flags"] for m in majors),
            "alert_count": len(alerts),
            "new_alert_count": len(new),
            "alerts": [
                {
                    "type": a.type,
                    "kind": str(ALERT_NAMES.get(a.type, a.type)),
                    "subject": _alert_subject(a, groups),
                    "detail": _alert_detail(a, y),
                    "new": "本月新增" if id(a) in new else "",
                }
                for a in alerts
            ],
        }


def monthly_report(
    uow: UnitOfWork,
    year: int,
    month: int,
    *,
    on: date | None = None,
    number: str = "",
    templates: Path | None = None,
) -> Document:
    """The report of ``month`` of ``year``, read as of the month's last day, as a Word
    document with a chart of the counties' rates."""
    require_whole_year(uow, "a monthly report")
    last = month_end(year, month)
    assessed = assessed_year(uow, year, last, period_from=last.replace(day=1))
    context = monthly_context(assessed, month, on=on, number=number)
    bars = [Bar(c["name"], c["unit"], c["rate_value"]) for c in context["counties"]]
    chart = rate_chart("各县区整改率", bars) if bars else None
    content = render_docx(TEMPLATE, context, folder=templates, image=chart)
    label = f"{year}-{month:02d}"
    return Document(f"督查工作月报-{label}.docx", f"monthly-{label}.docx", DOCX, content)
