"""The rectification letter (整改函) of an inspection, with its problem list attached.

The work plan (四、工作职责): within 3 days of each inspection the group sends the inspected
county a rectification letter with a problem list that sets deadlines, copied to the
county's party committee and government. The list is the one the problem-list export
gives (``reports.exports.problem_list``), so both show the same rows; reading it applies
the scope rule (an inspection of a county outside the caller's reach is not found).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.documents.files import DOCX, Document, cn_date, cn_dates
from scoring_service.documents.office import office
from scoring_service.documents.render import render_docx
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.model import Inspection
from scoring_service.i18n import _
from scoring_service.records.groups import find_group
from scoring_service.records.inspections import get_inspection
from scoring_service.reports.exports import SEVERITY_NAMES, ProblemList, problem_list
from scoring_service.unit_of_work import UnitOfWork

TEMPLATE = "letter.docx"


def letter_number(uow: UnitOfWork, year: int, code: str) -> int:
    """The letter's number in the year (市督查〔2018〕N号): its inspection's place among the
    year's inspections by end date, the order the letters go out in."""
    with uow:
        held = uow.inspections.of_year(year)
    return 1 + [i.code for i in sorted(held, key=letter_order)].index(code)


def letter_order(inspection: Inspection) -> tuple[date, date, str]:
    """The order letters are numbered in: by end date, then start date and code."""
    return (inspection.end_date, inspection.start_date, inspection.code)


def letter_day(inspection: Inspection, on: date | None, letter_days: int) -> date:
    """The letter's date: ``on`` when given, else the day the letter was issued (the
    inspection's letter date), else the last day the 3-day rule allows. A letter dated
    before its inspection ended would speak of problems not yet found: refused."""
    day = on or inspection.letter_date or inspection.end_date + timedelta(days=letter_days)
    if day < inspection.end_date:
        raise InvalidRequest(
            _(
                "the letter's date %(date)s is before its inspection ended on %(end)s; "
                "date it on or after the end",
                date=cn_date(day),
                end=cn_date(inspection.end_date),
            )
        )
    return day


def require_findings(problems: ProblemList) -> None:
    """An inspection that found nothing gets no rectification letter: there is nothing to
    rectify, and the work plan sends the letter with the problems found."""
    if not problems.rows:
        raise InvalidRequest(
            _(
                "the inspection %(code)s found no problems: no rectification letter is sent for it",
                code=problems.inspection,
            )
        )


def letter_context(
    problems: ProblemList,
    inspection: Inspection,
    *,
    leader: str,
    letter_days: int,
    report_days: int,
    number: int | str,
    on: date | None,
) -> dict[str, Any]:
    """The letter's fields (``letter_day`` gives its date), the office's among them. The
    county reports its rectification ``report_days`` after the letter's date."""
    day = letter_day(inspection, on, letter_days)
    rows = problems.rows
    return {
        **office().fields(),
        "year": problems.year,
        "number": number,
        "inspection": problems.inspection,
        "county": problems.county,
        "county_name": problems.county_name,
        "group_name": problems.group_name,
        "group_leader": leader,
        "start_date": cn_date(problems.start_date),
        "end_date": cn_date(problems.end_date),
        "dates": cn_dates(problems.start_date, problems.end_date),
        "letter_date": cn_date(day),
        "report_due": cn_date(day + timedelta(days=report_days)),
        "findings": len(rows),
        "major": sum(r["severity"] == "major" for r in rows),
        "problems": [
            {
                "number": r["number"],
                "finding": r["finding"],
                "unit": r["unit"],
                "unit_name": r["unit_name"] or r["unit"],
                "criterion_text": f"{r['criterion']} {r['criterion_name']}".strip(),
                "category_text": f"{r['category']} {r['category_name']}".strip(),
                "description": r["description"],
                "severity": SEVERITY_NAMES.get(r["severity"], r["severity"]),
                "deadline": cn_date(r["deadline"]),
                # The unit where the problem was found answers for it when none is named.
                "responsible": "、".join(r["responsible_names"]) or r["unit_name"] or r["unit"],
            }
            for r in rows
        ],
    }


def rectification_letter(
    uow: UnitOfWork,
    year: int,
    code: str,
    *,
    on: date | None = None,
    number: int | str | None = None,
    templates: Path | None = None,
) -> Document:
    """The letter of inspection ``code`` as a Word document; refused for an inspection
    that found nothing. Its number: ``number`` when given, else the one the office set on
    the inspection, else its place in the year."""
    problems = problem_list(uow, year, code)  # NotFound outside the caller's reach
    require_findings(problems)
    return letter_of(uow, year, problems, on=on, number=number, templates=templates)


def letter_of(
    uow: UnitOfWork,
    year: int,
    problems: ProblemList,
    *,
    on: date | None = None,
    number: int | str | None = None,
    templates: Path | None = None,
) -> Document:
    """The letter attaching ``problems``, an inspection's problem list already read (the
    quarterly archive files both, and reads each list once)."""
    ruleset = ruleset_of(uow.rules, year)
    code = problems.inspection
    with uow:
        inspection, _findings = get_inspection(uow, year, code)
        group = find_group(uow, year, inspection.group)
        if number is None:
            number = inspection.letter_number or letter_number(uow, year, code)
    context = letter_context(
        problems,
        inspection,
        leader=group.leader if group is not None else "",
        letter_days=ruleset.alerts.letter_days,
        report_days=ruleset.alerts.report_days,
        number=number,
        on=on,
    )
    content = render_docx(TEMPLATE, context, folder=templates)
    return Document(f"整改函-{code}.docx", f"letter-{code}.docx", DOCX, content)
