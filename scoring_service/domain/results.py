"""What the score-run and year services return: typed results, not dicts.

The persistence package builds ``ScoreRun`` and ``ScoreRunInfo`` from its rows; the API
builds its response models from these with ``from_attributes``, and the command line
prints their ``to_json()``. A score row stays the JSON object of spec section 9: that
shape is the contract every entrance prints, so it is kept as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

ScoreRows = list[dict[str, Any]]


def _kind_counts(rows: ScoreRows) -> dict[str, int]:
    """How many rows of each kind, kinds in the order their first row comes."""
    return dict(Counter(row["kind"] for row in rows))


@dataclass(frozen=True, slots=True)
class ScoreRunInfo:
    """A score run without its rows: stored (``id`` and ``created_at`` set) or computed now
    and not stored (both None). ``kind_counts`` is set where runs are listed."""

    id: int | None
    year: int
    as_of: date
    ruleset_hash: str
    data_revision: int
    engine: str
    created_at: datetime | None
    kind_counts: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class ScoreRun:
    """A score run with its rows (spec section 9), in their order."""

    id: int | None
    year: int
    as_of: date
    ruleset_hash: str
    data_revision: int
    engine: str
    created_at: datetime | None
    rows: ScoreRows

    @property
    def kind_counts(self) -> dict[str, int]:
        return _kind_counts(self.rows)

    @property
    def info(self) -> ScoreRunInfo:
        return ScoreRunInfo(**{name: getattr(self, name) for name in _RUN_FIELDS})

    def with_rows(self, rows: ScoreRows) -> ScoreRun:
        """The same run holding other rows (those inside a caller's scope)."""
        return replace(self, rows=rows)

    @classmethod
    def of(cls, info: ScoreRunInfo, rows: ScoreRows) -> ScoreRun:
        """A run from its metadata and its rows."""
        return cls(**{name: getattr(info, name) for name in _RUN_FIELDS}, rows=rows)


# What a run and its metadata share: every field but the rows (and the listed counts).
_RUN_FIELDS = ("id", "year", "as_of", "ruleset_hash", "data_revision", "engine", "created_at")


@dataclass(frozen=True, slots=True)
class YearSummary:
    """A year held: its data revision, when it was imported, and its counts."""

    year: int
    revision: int
    imported_at: datetime | None
    units: int
    inspections: int
    findings: int
    events: int


@dataclass(frozen=True, slots=True)
class Recomputation:
    """A stored run scored again under the rule set version it recorded, on the data held
    now. ``summary`` and ``differences`` are the rule diff's JSON (``rulesets.diff``)."""

    run: int
    year: int
    as_of: date
    ruleset_hash: str
    data_revision: int
    current_data_revision: int
    data_changed: bool
    matches: bool
    note: str
    summary: dict[str, Any]
    differences: list[dict[str, Any]]
    rows: ScoreRows

    def to_json(self) -> dict[str, Any]:
        """What ``recompute --format json`` prints: everything but the recomputed rows."""
        return {
            "run": self.run,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "ruleset_hash": self.ruleset_hash,
            "data_revision": self.data_revision,
            "current_data_revision": self.current_data_revision,
            "data_changed": self.data_changed,
            "matches": self.matches,
            "note": self.note,
            "summary": self.summary,
            "differences": self.differences,
        }


@dataclass(frozen=True, slots=True)
class Difference:
    """A finding (or unit) whose kept rows differ from what its data gives now: the rows
    held in ``finding_timelines`` (or ``unit_ancestors``, the kept counts or standings) and
    the rows a replay gives."""

    table: str  # the kept table
    key: str  # the finding's or the unit's code
    kept: list[tuple[Any, ...]]
    expected: list[tuple[Any, ...]]

    def to_json(self) -> dict[str, Any]:
        def plain(row: tuple[Any, ...]) -> list[Any]:
            return [v.isoformat() if isinstance(v, date) else v for v in row]

        return {
            "table": self.table,
            "key": self.key,
            "kept": [plain(r) for r in self.kept],
            "expected": [plain(r) for r in self.expected],
        }


def differences(
    table: str,
    kept: Mapping[str, list[tuple[Any, ...]]],
    expected: Mapping[str, list[tuple[Any, ...]]],
) -> list[Difference]:
    """Each key whose kept rows of ``table`` differ from the expected ones, by key."""
    return [
        Difference(table, key, kept.get(key, []), expected.get(key, []))
        for key in sorted(set(kept) | set(expected))
        if kept.get(key, []) != expected.get(key, [])
    ]


@dataclass(frozen=True, slots=True)
class IndexCheck:
    """A year's kept timelines and closure table checked against its findings, events and
    units: every difference (none when they agree)."""

    year: int
    findings: int
    units: int
    differences: list[Difference]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "findings": self.findings,
            "units": self.units,
            "differences": [d.to_json() for d in self.differences],
        }


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """A unit's standing at one month end: what its score row says then."""

    as_of: date
    findings: int
    overdue: int
    rate: float | None  # rounded half up to 4 decimals, as in a score row
    score: int | float
    grade: str
    rank: int


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """One scored unit's points, one per month end."""

    unit: str
    name: str
    kind: str
    points: list[TrendPoint]


@dataclass(frozen=True, slots=True)
class Trend:
    """Every scored unit's rate, score, grade and rank at each month end of a year, under
    the rule set in force and the data revision held; series in score-row order (kind,
    then the year-end rank, then code)."""

    year: int
    ruleset_hash: str
    data_revision: int
    months: list[date]
    series: list[TrendSeries]
