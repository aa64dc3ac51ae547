"""Which units each data revision changed the kept counts of (``count_changes``).

Written by the unit of work's commit (``db.standings.keep``) from what the transaction's
writes noted (``count_deltas.note_changed``). Read by ``changed_since``: the units whose
counts differ between two revisions, so that scores computed at the earlier one are
brought to the later by scoring those units again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from scoring_service.db.models import CountChangeRow as C

# ``unit`` of the row that says every unit's counts changed (an import).
EVERY_UNIT = ""


def record(session: Session, year: int, revision: int, units: Mapping[str, date] | None) -> None:
    """Note that ``revision`` changed the counts of ``units`` from the day each maps to
    (None: every unit's; the earlier notes of the year are then of no use, and go)."""
    if units is None:
        session.execute(delete(C).where(C.year == year))
        rows = [{"year": year, "revision": revision, "unit": EVERY_UNIT, "since": date.min}]
    else:
        rows = [
            {"year": year, "revision": revision, "unit": unit, "since": day}
            for unit, day in units.items()
        ]
    if rows:
        session.execute(insert(C), rows)


def changed_since(session: Session, year: int, after: int, upto: int) -> dict[str, date] | None:
    """The units whose counts revisions ``after`` (exclusive) to ``upto`` changed, each with
    the earliest day changed; None when every unit's may have (an import between them, or
    ``after`` is not before ``upto``)."""
    if after > upto:
        return None
    rows = session.execute(
        select(C.unit, func.min(C.since))
        .where(C.year == year, C.revision > after, C.revision <= upto)
        .group_by(C.unit)
    ).all()
    found = {unit: since for unit, since in rows}
    return None if EVERY_UNIT in found else found
