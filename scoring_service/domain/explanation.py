"""A unit's score explained down to the findings, for an assessment office to defend it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from scoring_service.domain.assessment import Assessment, UnitResult
from scoring_service.domain.errors import NotFound
from scoring_service.domain.metrics import round_rate
from scoring_service.domain.ruleset import MetricValue, Rule
from scoring_service.domain.scoring import json_number
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import KINDS, label


def _value(name: str, value: MetricValue, parts: dict[str, Any]) -> Any:
    if name == "rate" and isinstance(value, Fraction):
        exact = f"{value.numerator}/{value.denominator}"
        return {"value": round_rate(value), "exact": exact, **parts}
    if isinstance(value, Fraction):
        return json_number(value)
    return value


def _rule(
    rule: Rule, values: dict[str, MetricValue], fired: dict[str, Any], parts: dict[str, Any]
) -> dict[str, Any]:
    names = sorted(rule.condition.metrics)
    read = {name: _value(name, values.get(name, 0), parts) for name in names}
    entry: dict[str, Any] = {
        "rule": rule.id,
        "name": rule.name,
        "when": rule.condition.source,
        "values": read,
        "fired": rule.id in fired,
        "reference": rule.reference,
    }
    if rule.id in fired:
        entry.update(fired[rule.id])
    return entry


def explanation(assessment: Assessment, unit_code: str) -> dict[str, Any]:
    """Metrics, every rule with the values it read, caps, grade, and the counted findings."""
    result = _find(assessment, unit_code)
    ruleset = assessment.ruleset
    verdict = result.verdict
    values = result.metrics.values()
    fired = {
        f.rule.id: {
            "bonus": json_number(f.bonus),
            "deduction": json_number(f.deduction),
            "measures": [m.value for m in f.rule.measures],
            **({"grade": f.rule.grade.value} if f.rule.grade else {}),
        }
        for f in verdict.fired
    }
    row = result.to_row(list(ruleset.catalogue.categories))
    # The rate's weighted credit and weight, which a clerk can recount from the findings.
    credit, weight = result.metrics.rate_parts(ruleset)
    parts = {"credit": json_number(credit), "weight": json_number(weight)}
    findings = sorted(
        result.counted, key=lambda item: (item[0].finding.found_on, item[0].finding.code)
    )
    return {
        "year": assessment.year,
        "as_of": assessment.as_of.isoformat(),
        "ruleset": ruleset.content_hash,
        "unit": {
            "code": result.unit.code,
            "name": result.unit.name,
            "kind": result.unit.kind.value,
            "parent": result.unit.parent,
        },
        "row": row,
        "rules": [_rule(rule, values, fired, parts) for rule in ruleset.rules],
        "caps": {
            "bonus": _cap(verdict.bonus_total, ruleset.cap_bonus),
            "deduction": _cap(verdict.deduction_total, ruleset.cap_deduction),
        },
        "grade": {
            "from_score": verdict.band_grade.value,
            "forced_by": [f.rule.id for f in verdict.fired if f.rule.grade is not None],
            "grade": verdict.grade.value,
        },
        "findings": [
            {
                "code": fact.finding.code,
                "inspection": fact.finding.inspection,
                "found_at": fact.finding.unit,
                "criterion": fact.finding.criterion,
                "severity": fact.finding.severity.value,
                "found_on": fact.finding.found_on.isoformat(),
                "deadline": fact.finding.deadline.isoformat(),
                "effective_deadline": fact.state.effective_deadline.isoformat(),
                "completed_on": fact.state.completed_on.isoformat()
                if fact.state.completed_on
                else None,
                "outcome": fact.outcome.value,
                "fakes": fact.state.fakes,
                "repeat_of": fact.repeat_of,
                "counts_because": [r.value for r in reasons],
            }
            for fact, reasons in findings
        ],
    }


def _cap(total: Fraction, cap: Fraction | None) -> dict[str, Any]:
    return {
        "total": json_number(total),
        "cap": json_number(cap) if cap is not None else None,
        "applied": cap is not None and total > cap,
    }


def _find(assessment: Assessment, unit_code: str) -> UnitResult:
    for result in assessment.results:
        if result.unit.code == unit_code:
            return result
    raise NotFound(
        _(
            "unit %(unit_code)r is not a scored unit of %(year)s (scored kinds: %(kinds)s)",
            unit_code=unit_code,
            year=assessment.year,
            kinds=_(", ").join(label(KINDS, k.value) for k in assessment.ruleset.scored_kinds),
        )
    )
