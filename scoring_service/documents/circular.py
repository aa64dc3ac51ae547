"""The circular (通报) of a year's results as of a date.

The work plan (六、结果应用): units that rectified well are commended city-wide (通报表扬),
the others criticised (通报批评); responsible units are interviewed or held accountable
(约谈问责). The lists come from the measures of the score rows (spec section 6), each
unit with the rules whose measure put it on the list. A circular speaks of every unit of
the year: only unscoped principals may have one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from scoring_service.documents.files import BLANK_NUMBER, DOCX, Document, cn_date, cn_percent
from scoring_service.documents.office import office
from scoring_service.documents.render import render_docx
from scoring_service.documents.year import AssessedYear, assessed_year, require_whole_year
from scoring_service.domain.assessment import UnitResult
from scoring_service.domain.metrics import Metrics
from scoring_service.domain.model import Outcome, Severity
from scoring_service.domain.ruleset import Measure
from scoring_service.domain.scoring import json_number
from scoring_service.i18n import use_language
from scoring_service.reports.text import GRADE_NAMES, KIND_NAMES
from scoring_service.unit_of_work import UnitOfWork

TEMPLATE = "circular.docx"
# The template's list for each measure.
LISTS = {
    Measure.COMMENDATION: "commended",
    Measure.CRITICISM: "criticised",
    Measure.INTERVIEW: "interviewed",
    Measure.ACCOUNTABILITY: "accountable",
}


def _listed(results: list[UnitResult], measure: Measure) -> list[dict[str, Any]]:
    """The units a measure applies to, in row order (kind, rank, code)."""
    rows: list[dict[str, Any]] = []
    for result in results:
        v = result.verdict
        if measure not in v.measures:
            continue
        rules = [f.rule for f in v.fired if measure in f.rule.measures]
        rows.append(
            {
                "number": len(rows) + 1,
                "unit": result.unit.code,
                "kind": str(KIND_NAMES.get(result.unit.kind.value, result.unit.kind.value)),
                "name": result.unit.name,
                "rate": cn_percent(result.metrics.rate),
                "score": str(json_number(v.score)),
                "grade": str(GRADE_NAMES.get(v.grade.value, v.grade.value)),
                # The rules by name: their ids are the rule files', not the reader's.
                "rules": "；".join(r.name for r in rules),
                "rule_ids": [r.id for r in rules],
            }
        )
    return rows


def circular_context(year: AssessedYear, *, on: date | None, number: str) -> dict[str, Any]:
    """The circular's fields: the city's totals and the four lists."""
    assessment = year.assessment
    whole = Metrics()
    for fact in assessment.facts.values():
        f = fact.finding
        whole.add(fact.outcome, f.severity, f.category, fact.state.fakes, fact.repeat)
    whole.close(year.ruleset)
    facts = assessment.facts.values()
    with use_language("zh"):
        context: dict[str, Any] = {
            **office().fields(),
            "year": assessment.year,
            "number": number or BLANK_NUMBER,
            "as_of": cn_date(assessment.as_of),
            "date": cn_date(on or assessment.as_of),
            "inspections": sum(i.end_date <= assessment.as_of for i in year.data.inspections),
            "findings": whole.findings,
            "major": sum(f.finding.severity is Severity.MAJOR for f in facts),
            "rectified": whole.on_time + whole.late,
            "on_time": whole.on_time,
            "late": whole.late,
            "overdue": whole.overdue,
            "open": sum(f.outcome is Outcome.OPEN for f in facts),
            "rate": cn_percent(whole.rate),
        }
        for measure, name in LISTS.items():
            context[name] = _listed(assessment.results, measure)
    return context


def circular(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: date | None = None,
    on: date | None = None,
    number: str = "",
    templates: Path | None = None,
) -> Document:
    """The circular of ``year`` as of ``as_of`` (default: the cutoff), dated ``on`` (default:
    the as-of date), as a Word document."""
    require_whole_year(uow, "a circular")
    assessed = assessed_year(uow, year, as_of)
    context = circular_context(assessed, on=on, number=number)
    content = render_docx(TEMPLATE, context, folder=templates)
    day = assessed.as_of.isoformat()
    return Document(f"通报-{year}-{day}.docx", f"circular-{year}-{day}.docx", DOCX, content)
