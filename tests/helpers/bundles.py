"""Small bundles for tests, built from the spec's section 8 example."""

from __future__ import annotations

import copy
from typing import Any

from scoring_service.domain.ruleset import Catalogue

CATALOGUE = Catalogue(
    categories={c: c for c in ("1", "2", "3", "4", "E", "5", "6", "7")},
    items={
        f"{c}.{i}": ""
        for c, n in (("1", 4), ("2", 9), ("3", 3), ("4", 3), ("E", 2), ("5", 4), ("6", 3), ("7", 4))
        for i in range(1, n + 1)
    },
)


def catalogue_of(year: int) -> Catalogue | None:
    """A catalogue for 2018 and 2019, as the shipped rule sets have."""
    return CATALOGUE if year in (2018, 2019) else None


SPEC_BUNDLE: dict[str, Any] = {
    "format": "assessment-bundle/1",
    "year": 2018,
    "units": [
        {"code": "441602", "name": "源城区", "kind": "county"},
        {"code": "441624", "name": "和平县", "kind": "county"},
        {"code": "441624101", "name": "阳明镇", "kind": "town", "parent": "441624"},
        {
            "code": "441624101201",
            "name": "甲村",
            "kind": "village",
            "parent": "441624101",
            "village_type": "poor",
        },
        {
            "code": "441624101202",
            "name": "乙村",
            "kind": "village",
            "parent": "441624101",
            "village_type": "ordinary",
        },
        {"code": "SZ-NS-001", "name": "某帮扶单位", "kind": "helping_unit"},
    ],
    "pairings": [{"helping_unit": "SZ-NS-001", "village": "441624101201"}],
    "groups": [
        {"code": "G1", "name": "第一组", "leader": "张翼", "counties": ["441602", "441624"]}
    ],
    "inspections": [
        {
            "code": "2018-G1-07",
            "group": "G1",
            "county": "441624",
            "start_date": "2018-07-10",
            "end_date": "2018-07-11",
            "letter_date": "2018-07-13",
            "sample": {
                "towns": ["441624101"],
                "villages": ["441624101201", "441624101202"],
                "households": [
                    {"code": "H1", "village": "441624101201", "status": "pre_exit"},
                    {"code": "H2", "village": "441624101201", "status": "pre_exit"},
                    {"code": "H3", "village": "441624101201", "status": "not_exited"},
                    {"code": "H4", "village": "441624101202", "status": "pre_exit"},
                    {"code": "H5", "village": "441624101202", "status": "pre_exit"},
                    {"code": "H6", "village": "441624101202", "status": "not_exited"},
                ],
            },
            "findings": [
                {
                    "code": "2018-G1-07-01",
                    "unit": "441624101201",
                    "criterion": "2.3",
                    "severity": "general",
                    "description": "教育补助未发放到位",
                    "deadline": "2018-08-10",
                    "responsible": ["SZ-NS-001"],
                },
                {
                    "code": "2018-G1-07-02",
                    "unit": "441624101",
                    "criterion": "6.2",
                    "severity": "major",
                    "description": "资金滞留",
                    "deadline": "2018-08-01",
                },
            ],
        }
    ],
    "events": [
        {
            "finding": "2018-G1-07-01",
            "type": "extension",
            "date": "2018-08-05",
            "new_deadline": "2018-09-10",
            "reason": "资金待拨付",
        },
        {"finding": "2018-G1-07-01", "type": "rectified", "date": "2018-08-20"},
        {"finding": "2018-G1-07-02", "type": "escalated", "date": "2018-07-11", "to": "领导小组"},
        {"finding": "2018-G1-07-02", "type": "rectified", "date": "2018-07-30", "note": "已拨付"},
        {
            "finding": "2018-G1-07-02",
            "type": "lookback_failed",
            "date": "2018-09-01",
            "note": "整改不实",
        },
        {"finding": "2018-G1-07-02", "type": "rectified", "date": "2018-09-20"},
        {"finding": "2018-G1-07-02", "type": "lookback_passed", "date": "2018-10-20"},
    ],
}


def spec_bundle() -> dict[str, Any]:
    """A fresh deep copy of the valid example bundle."""
    return copy.deepcopy(SPEC_BUNDLE)
