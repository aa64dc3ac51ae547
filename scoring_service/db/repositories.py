"""The repositories a unit of work holds, one per concept, each bound to its session.

Each is a thin face over the concept's module of set-based functions (``years``
for a year's data, ``score_runs`` for stored runs): the functions hold the SQL, these
classes give the services one object per concept to call, and the unit tests a place to
put a fake.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from scoring_service.db import (
    count_changes,
    counts,
    findings,
    score_runs,
    structure,
    timelines,
    years,
)
from scoring_service.db.queries import Page, inspection_county, subtree
from scoring_service.db.scopes import visible_findings_condition
from scoring_service.domain.assessment import Counts
from scoring_service.domain.attribution import Reason
from scoring_service.domain.model import (
    Event,
    EventType,
    Finding,
    FindingFilter,
    Unit,
    UnitKind,
    YearData,
)
from scoring_service.domain.principals import Principal
from scoring_service.domain.results import Difference, ScoreRun, ScoreRunInfo, YearSummary
from scoring_service.domain.ruleset import Attribution
from scoring_service.domain.timeline import Span


class YearRepository:
    """A year's data: whether it is held, its revision, loading and storing it whole."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, year: int) -> bool:
        return years.year_exists(self.session, year)

    def revision(self, year: int) -> int:
        return years.get_revision(self.session, year) or 0

    def process_revision(self, year: int) -> int:
        """The revision of the last write to what the process alerts read (0: not held)."""
        return years.get_process_revision(self.session, year) or 0

    def summary(self) -> list[YearSummary]:
        return [YearSummary(**year) for year in years.years_summary(self.session)]

    def load(self, year: int) -> YearData | None:
        return years.load_year(self.session, year)

    def load_for_alerts(self, year: int, as_of: date) -> YearData | None:
        """The parts of a year the process alerts read (see ``years.load_for_alerts``)."""
        return years.load_for_alerts(self.session, year, as_of)

    def create(self, year: int) -> None:
        """Hold a year with no records yet (its first record follows in this transaction)."""
        years.store_year(self.session, YearData(year))

    def bump_revision(self, year: int) -> int:
        """The year's next revision; also serialises the year's writers until the commit."""
        return years.bump_revision(self.session, year)

    def replace(self, data: YearData, *, existing: bool) -> None:
        """Store a year whole (after deleting the one held), then refresh the statistics."""
        if existing:
            years.delete_year(self.session, data.year)
        years.store_year(self.session, data)
        years.refresh_statistics(self.session)


class FindingRepository:
    """Single findings as the records services change them: which years hold a code and
    whether a principal reads it, the finding locked with its events, one event appended."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def years_of(self, code: str) -> list[int]:
        """The years holding a finding with this code, in order."""
        return findings.find_finding_years(self.session, code)

    def readable(self, year: int, code: str, actor: Principal, attribution: Attribution) -> bool:
        """Whether ``actor`` reads the finding (the scope rule, ``access.scope``)."""
        condition = visible_findings_condition(year, actor, attribution)
        return findings.finding_matches(self.session, code, condition)

    def get(self, year: int, code: str) -> Finding | None:
        return findings.finding(self.session, year, code)

    def lock(self, year: int, code: str) -> Finding | None:
        """The finding, locked against concurrent event writes until the transaction ends."""
        return findings.lock_finding(self.session, year, code)

    def events(self, year: int, code: str) -> list[Event]:
        """The finding's events in submission order."""
        return findings.finding_events(self.session, year, code)

    def county(self, year: int, inspection: str) -> str | None:
        return inspection_county(self.session, year, inspection)

    def _conditions(
        self, year: int, filt: FindingFilter, actor: Principal, attribution: Attribution
    ) -> list[Any]:
        """The conditions on stored fields: the filter's, and the scope rule's for ``actor``."""
        conditions: list[Any] = findings.finding_conditions(
            year,
            attribution,
            unit=filt.unit,
            counts_for_unit=filt.counts_for,
            inspection=filt.inspection,
            category=filt.category,
            criterion=filt.criterion,
            severity=filt.severity,
            group=filt.group,
        )
        if actor.scope is not None:
            conditions.append(visible_findings_condition(year, actor, attribution))
        return conditions

    def page(
        self,
        year: int,
        filt: FindingFilter,
        as_of: date,
        actor: Principal,
        attribution: Attribution,
        *,
        limit: int,
        cursor: str | None,
    ) -> Page[Finding]:
        """A page of the findings ``actor`` reads matching ``filt`` (its states at ``as_of``),
        by code."""
        conditions = self._conditions(year, filt, actor, attribution)
        if filt.needs_state:
            # The state at the date is kept on write: a condition like the stored fields'.
            conditions.append(
                counts.state_condition(
                    year,
                    as_of,
                    outcome=filt.outcome,
                    overdue=filt.overdue,
                    repeat=filt.repeat,
                    due_by=filt.due_by,
                    # The place filter's units: the state is read for their findings only.
                    found_in=None if filt.unit is None else subtree(year, [filt.unit]),
                )
            )
        return findings.findings_page(self.session, year, conditions, limit=limit, cursor=cursor)

    def tally(
        self, year: int, as_of: date, actor: Principal, attribution: Attribution
    ) -> list[tuple[str, str, str, int]]:
        """(category, severity, outcome, count) of the findings ``actor`` reads found by
        ``as_of``: one aggregate over the kept timelines."""
        conditions = self._conditions(year, FindingFilter(), actor, attribution)
        return counts.tally_states(self.session, year, as_of, conditions)

    def history(
        self, year: int, of: Sequence[Finding], as_of: date
    ) -> tuple[list[Finding], list[Event]]:
        """What the state of ``of`` at ``as_of`` depends on: the findings of the same unit
        and criterion found by then, and every event of those."""
        return findings.repeat_history(self.session, year, of, as_of)

    def append(
        self, year: int, finding: Finding, event: Event, history: Sequence[Event] | None = None
    ) -> Event:
        """Store an event after the finding's others (lock it first), with the finding's kept
        timeline and the year's revision: every change an event makes, in this transaction.
        ``history``: the finding's events as read under the lock, if the caller has them."""
        stored = findings.add_event(self.session, year, event)
        # The finding's timeline, and its peers' repeats, change with it.
        known = None if history is None else {finding.code: [*history, stored]}
        timelines.refresh_timelines(self.session, year, [finding], known)
        # Of the events, the process alerts read only the escalations.
        years.bump_revision(self.session, year, process=event.type is EventType.ESCALATED)
        return stored


class AssessmentIndex:
    """The kept finding timelines and attribution: what the assessment reads instead of
    replaying the year (``db.counts``), and their check against a replay (``db.timelines``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def scored_units(self, year: int, kinds: Collection[UnitKind]) -> list[Unit]:
        return counts.scored_units(self.session, year, kinds)

    def unit(self, year: int, code: str) -> Unit | None:
        return structure.find_unit(self.session, year, code)

    def counts(
        self,
        year: int,
        as_of: date,
        attribution: Attribution,
        kinds: Collection[UnitKind],
        units: Collection[str] | None = None,
    ) -> list[Counts]:
        return counts.unit_counts(self.session, year, as_of, attribution, kinds, units)

    def changed_since(self, year: int, after: int, upto: int) -> dict[str, date] | None:
        """The units whose counts changed after revision ``after`` up to ``upto``, from the
        day each maps to; None: every unit's may have (``count_changes.changed_since``)."""
        return count_changes.changed_since(self.session, year, after, upto)

    def monthly(
        self,
        year: int,
        days: Sequence[date],
        attribution: Attribution,
        kinds: Collection[UnitKind],
    ) -> list[dict[str, list[Counts]]]:
        return counts.monthly_counts(self.session, year, days, attribution, kinds)

    def counted(
        self, year: int, unit: str, as_of: date, attribution: Attribution
    ) -> list[tuple[Finding, Span, str | None, tuple[Reason, ...]]]:
        return counts.counted_findings(self.session, year, unit, as_of, attribution)

    def due(
        self,
        year: int,
        as_of: date,
        until: date,
        attribution: Attribution,
        actor: Principal,
    ) -> list[tuple[str, str, str, str, date, list[tuple[str, str, str]]]]:
        """Findings ``actor`` reads not rectified at ``as_of`` with a deadline on or before
        ``until``, with the units each counts for (``counts.due_findings``)."""
        conditions = []
        if actor.scope is not None:
            conditions.append(visible_findings_condition(year, actor, attribution))
        return counts.due_findings(self.session, year, as_of, until, conditions, attribution)

    def counting_units(
        self, year: int, codes: Collection[str], attribution: Attribution
    ) -> dict[str, list[str]]:
        """Each finding of ``codes`` and the units it counts for (the notices' units)."""
        return counts.counting_units(self.session, year, codes, attribution)

    def check(self, year: int) -> list[Difference]:
        return timelines.check_year(self.session, year)


class ScoreRunRepository:
    """Stored score runs and their rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        year: int,
        as_of: date,
        ruleset_hash: str,
        data_revision: int,
        engine: str,
        rows: list[dict[str, Any]],
    ) -> int:
        return score_runs.store_score_run(
            self.session,
            year=year,
            as_of=as_of,
            ruleset_hash=ruleset_hash,
            data_revision=data_revision,
            engine=engine,
            rows=rows,
        )

    def get(self, run_id: int) -> ScoreRun | None:
        """A run with its rows; None for an id no run has (or no id can be)."""
        return score_runs.get_score_run(self.session, run_id) if 0 < run_id < 2**31 else None

    def info(self, run_id: int) -> ScoreRunInfo | None:
        """A run without its rows."""
        return score_runs.get_score_run_info(self.session, run_id) if 0 < run_id < 2**31 else None

    def latest(self, year: int, as_of: date | None) -> ScoreRun | None:
        return score_runs.latest_score_run(self.session, year, as_of)

    def latest_info(self, year: int, as_of: date | None) -> ScoreRunInfo | None:
        return score_runs.latest_score_run_info(self.session, year, as_of)

    def rows(
        self, run_id: int, *, kind: str | None = None, start: int = 0, count: int | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        return score_runs.score_run_rows(self.session, run_id, kind=kind, start=start, count=count)

    def rank(self, run_id: int, unit: str) -> int | None:
        """The rank the run gave ``unit`` (None when it has no row for it)."""
        return score_runs.unit_rank(self.session, run_id, unit)

    def page(
        self, year: int, *, as_of: date | None, limit: int, cursor: str | None
    ) -> Page[ScoreRunInfo]:
        return score_runs.runs_page(self.session, year, as_of=as_of, limit=limit, cursor=cursor)
