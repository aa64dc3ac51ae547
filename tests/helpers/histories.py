"""Random valid event histories and small random bundles, as hypothesis strategies.

A history is built event by event from what the state machine of spec section 2 allows
next (extensions only up to the deadline, look-backs only when rectified, escalation
only of major findings), with dates in order, same-date events included.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from tests.helpers.bundles import spec_bundle

FIRST_DAY = date(2018, 1, 1)
LAST_DAY = date(2019, 3, 31)  # rectification goes on after the year
# Units of the spec bundle findings may be found at, and criteria in and out of the
# categories that bring in helping units (3, 4, E in 2018), so repeats and pairings occur.
UNITS = ("441624", "441624101", "441624101201", "441624101202", "SZ-NS-001")
CRITERIA = ("2.3", "3.1", "4.2", "6.1")
# Two inspections of the spec bundle's county: findings of the second can repeat the first's.
INSPECTIONS = (("2018-G1-07", date(2018, 7, 11)), ("2018-G1-09", date(2018, 9, 11)))


@st.composite
def history(draw: st.DrawFn, found_on: date, deadline: date, major: bool) -> list[dict[str, Any]]:
    """The events of one finding (bundle form, without ``finding``), in date order."""
    events: list[dict[str, Any]] = []
    day, rectified, effective = found_on, False, deadline
    for _ in range(draw(st.integers(0, 6))):
        day = min(LAST_DAY, day + timedelta(days=draw(st.integers(0, 50))))
        allowed = ["lookback_failed", "lookback_passed"] if rectified else ["rectified"]
        if not rectified and day <= effective:
            allowed.append("extension")
        if major:
            allowed.append("escalated")
        kind = draw(st.sampled_from(allowed))
        event: dict[str, Any] = {"type": kind, "date": day.isoformat()}
        if kind == "extension":
            effective = effective + timedelta(days=draw(st.integers(1, 60)))
            event |= {"new_deadline": effective.isoformat(), "reason": "资金待拨付"}
        elif kind == "rectified":
            rectified = True
        elif kind == "lookback_failed":
            rectified = False
            event["note"] = "整改不实"
        events.append(event)
    return events


@st.composite
def bundles(draw: st.DrawFn, max_findings: int = 8) -> dict[str, Any]:
    """The spec bundle with a second inspection and random findings and histories."""
    bundle = spec_bundle()
    first = bundle["inspections"][0]
    second = copy.deepcopy(first)
    second |= {
        "code": INSPECTIONS[1][0],
        "start_date": "2018-09-10",
        "end_date": "2018-09-11",
        "letter_date": "2018-09-12",
    }
    inspections = {first["code"]: first, second["code"]: second}
    for inspection in inspections.values():
        inspection["findings"] = []
    bundle["inspections"] = list(inspections.values())
    bundle["events"] = []
    for i in range(draw(st.integers(1, max_findings))):
        code, found_on = draw(st.sampled_from(INSPECTIONS))
        major = draw(st.booleans())
        deadline = found_on + timedelta(days=draw(st.integers(0, 90)))
        unit = draw(st.sampled_from(UNITS))
        responsible = draw(st.lists(st.sampled_from(UNITS), max_size=2, unique=True))
        finding = {
            "code": f"F{i:02d}",
            "unit": unit,
            "criterion": draw(st.sampled_from(CRITERIA)),
            "severity": "major" if major else "general",
            "description": "问题",
            "deadline": deadline.isoformat(),
        }
        if responsible:
            finding["responsible"] = responsible
        inspections[code]["findings"].append(finding)
        for event in draw(history(found_on, deadline, major)):
            bundle["events"].append({"finding": finding["code"], **event})
    return bundle


def as_of_dates() -> st.SearchStrategy[list[date]]:
    """A few as-of dates from the year's first day to after its end."""
    return st.lists(st.dates(FIRST_DAY, LAST_DAY), min_size=1, max_size=4)
