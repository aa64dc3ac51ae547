"""The year's data as held, written back as an interchange bundle (spec section 8).

The quarterly archive keeps it so that the year can be loaded again exactly: importing the
file gives the same units, inspections, findings and events, events in the order they
were submitted (which decides same-day events).
"""

from __future__ import annotations

import json
from typing import Any

from scoring_service.domain.model import Event, EventType, Finding, Inspection, YearData

FORMAT = "assessment-bundle/1"


def _finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f.code,
        "unit": f.unit,
        "criterion": f.criterion,
        "severity": f.severity.value,
        "description": f.description,
        "deadline": f.deadline.isoformat(),
    }
    if f.responsible:
        out["responsible"] = list(f.responsible)
    return out


def _inspection(i: Inspection, findings: list[Finding]) -> dict[str, Any]:
    return {
        "code": i.code,
        "group": i.group,
        "county": i.county,
        "start_date": i.start_date.isoformat(),
        "end_date": i.end_date.isoformat(),
        "letter_date": i.letter_date.isoformat() if i.letter_date else None,
        "sample": {
            "towns": list(i.sample.towns),
            "villages": list(i.sample.villages),
            "households": [
                {"code": h.code, "village": h.village, "status": h.status.value}
                for h in i.sample.households
            ],
        },
        "findings": [_finding(f) for f in findings],
    }


def _event(e: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"finding": e.finding, "type": e.type.value, "date": e.date.isoformat()}
    if e.type is EventType.EXTENSION:
        out["new_deadline"] = e.new_deadline.isoformat() if e.new_deadline else None
        out["reason"] = e.reason
        return out
    if e.type is EventType.ESCALATED and e.to is not None:
        out["to"] = e.to
    if e.type is EventType.LOOKBACK_FAILED:
        out["note"] = e.note or ""  # a failed look-back always carries its note
    elif e.note is not None:
        out["note"] = e.note
    return out


def bundle_of(data: YearData) -> dict[str, Any]:
    """The year as a bundle document."""
    by_inspection: dict[str, list[Finding]] = {i.code: [] for i in data.inspections}
    for finding in sorted(data.findings, key=lambda f: f.code):
        by_inspection.setdefault(finding.inspection, []).append(finding)
    units = []
    for u in data.units:
        unit: dict[str, Any] = {"code": u.code, "name": u.name, "kind": u.kind.value}
        if u.parent is not None:
            unit["parent"] = u.parent
        if u.village_type is not None:
            unit["village_type"] = u.village_type.value
        units.append(unit)
    return {
        "format": FORMAT,
        "year": data.year,
        "units": units,
        "pairings": [{"helping_unit": p.helping_unit, "village": p.village} for p in data.pairings],
        "groups": [
            {"code": g.code, "name": g.name, "leader": g.leader, "counties": list(g.counties)}
            for g in data.groups
        ],
        "inspections": [
            _inspection(i, by_inspection[i.code])
            for i in sorted(data.inspections, key=lambda i: i.code)
        ],
        "events": [_event(e) for e in sorted(data.events, key=lambda e: e.seq)],
    }


def bundle_bytes(data: YearData) -> bytes:
    """The bundle as UTF-8 JSON, Chinese text as it is, one record a line or so."""
    return json.dumps(bundle_of(data), ensure_ascii=False, indent=1).encode("utf-8")
