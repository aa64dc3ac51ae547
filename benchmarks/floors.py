"""The floors: the least work a step could do on the same data, measured like the step.

The import's floor is ``json.load`` of the bundle plus a plain ``executemany`` of the same
rows into bare tables; the score run's is one SQL GROUP BY on the stored data. Both run as
children (see ``children``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.common import YEAR, peak_mib, plain_connection

# Bare tables for every row a bundle import stores: no keys, no indexes, no constraints.
_FLOOR_TABLES = {
    "units": "code text, name text, kind text, parent text, village_type text",
    "pairings": "helping_unit text, village text",
    "groups": "code text, name text, leader text",
    "group_counties": "group_code text, county text",
    "inspections": (
        "code text, group_code text, county text, start_date date, end_date date, letter_date date"
    ),
    "sample_towns": "inspection text, town text",
    "sample_villages": "inspection text, village text",
    "sample_households": "inspection text, code text, village text, status text",
    "findings": (
        "code text, inspection text, unit text, criterion text, severity text, "
        "description text, deadline date, found_on date"
    ),
    "finding_responsible": "finding text, unit text",
    "events": (
        'finding text, type text, date date, new_deadline date, reason text, note text, "to" text'
    ),
}


def _floor_rows(doc: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each bare table, read straight from the parsed JSON."""
    inspections = doc.get("inspections", [])
    samples = [(i["code"], i.get("sample") or {}) for i in inspections]
    findings = [(i, f) for i in inspections for f in i.get("findings", [])]
    return {
        "units": [
            (u["code"], u["name"], u["kind"], u.get("parent"), u.get("village_type"))
            for u in doc["units"]
        ],
        "pairings": [(p["helping_unit"], p["village"]) for p in doc.get("pairings", [])],
        "groups": [(g["code"], g["name"], g["leader"]) for g in doc.get("groups", [])],
        "group_counties": [(g["code"], c) for g in doc.get("groups", []) for c in g["counties"]],
        "inspections": [
            (
                i["code"],
                i["group"],
                i["county"],
                i["start_date"],
                i["end_date"],
                i.get("letter_date"),
            )
            for i in inspections
        ],
        "sample_towns": [(code, t) for code, s in samples for t in s.get("towns", [])],
        "sample_villages": [(code, v) for code, s in samples for v in s.get("villages", [])],
        "sample_households": [
            (code, h["code"], h["village"], h["status"])
            for code, s in samples
            for h in s.get("households", [])
        ],
        "findings": [
            (
                f["code"],
                i["code"],
                f["unit"],
                f["criterion"],
                f["severity"],
                f["description"],
                f["deadline"],
                i["end_date"],
            )
            for i, f in findings
        ],
        "finding_responsible": [
            (f["code"], unit) for _, f in findings for unit in f.get("responsible", [])
        ],
        "events": [
            (
                e["finding"],
                e["type"],
                e["date"],
                e.get("new_deadline"),
                e.get("reason"),
                e.get("note"),
                e.get("to"),
            )
            for e in doc.get("events", [])
        ],
    }


def child_floor_import(url: str, bundle: Path) -> dict[str, Any]:
    """``json.load`` of the bundle, then plain executemany of its rows into bare tables."""
    mark = "?" if url.startswith("sqlite") else "%s"
    connection = plain_connection(url)
    for name in _FLOOR_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS floor_{name}")
    connection.commit()
    start = time.perf_counter()
    with bundle.open("rb") as f:
        doc = json.load(f)
    parsed = time.perf_counter() - start
    rows = _floor_rows(doc)
    cursor = connection.cursor()
    for name, columns in _FLOOR_TABLES.items():
        cursor.execute(f"CREATE TABLE floor_{name} ({columns})")
        if rows[name]:
            marks = ", ".join(mark for _ in columns.split(","))
            cursor.executemany(f"INSERT INTO floor_{name} VALUES ({marks})", rows[name])
    connection.commit()
    seconds = time.perf_counter() - start
    for name in _FLOOR_TABLES:
        connection.execute(f"DROP TABLE floor_{name}")
    connection.commit()
    connection.close()
    return {"seconds": seconds, "json_s": parsed, "peak_mib": peak_mib()}


FLOOR_SCORE_SQL = """
SELECT f.unit,
       EXISTS (SELECT 1 FROM events e
               WHERE e.year = f.year AND e.finding = f.code AND e.type = 'rectified') AS rectified,
       count(*)
FROM findings f
WHERE f.year = {year}
GROUP BY 1, 2
"""


def child_floor_score(url: str, repeat: int) -> dict[str, Any]:
    """The GROUP BY that counts each unit's findings with and without a rectified event."""
    connection = plain_connection(url)
    sql = FLOOR_SCORE_SQL.format(year=YEAR)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = connection.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    connection.close()
    return {"times": times, "rows": len(rows)}
