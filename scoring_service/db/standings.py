"""Each scored unit's standings (``domain.standings``) kept beside the counts they come from,
so that a rank at any date is one count and the trend one read.

An import scores the whole year's in its transaction (``keep``). Every other write notes
in its transaction which units' counts it changed (``count_changes``), and once it has
committed, scores those units' standings again in a short transaction of its own
(``catch_up``): the write's locks are not held while they are scored, so the year's
writers do not queue behind it. On SQLite, whose writers take turns for their whole
transaction anyway, they are scored in it. ``standings_kept`` says for which rule set and
data revision they hold; a reader uses them only while both are the year's now, and computes
afresh otherwise (between a write's commit and its catch-up, after the rules in force
change until they are scored again, or after a writer with no rule engine until the next
writer with one). Only ``catch_up`` commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date
from itertools import islice
from typing import cast

from sqlalchemy import Table, and_, bindparam, case, delete, func, or_, select
from sqlalchemy.orm import Session

from scoring_service.db import count_changes, count_deltas
from scoring_service.db.models import StandingRow, StandingsKeptRow, UnitRow
from scoring_service.db.rows import bulk_insert_tuples, iter_rows, rows_by_key, select_rows
from scoring_service.db.years import WRITTEN, get_revision
from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.model import UnitKind
from scoring_service.domain.results import Difference, differences
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.standings import BEGINNING, Standing, standings

S = StandingRow
_COLUMNS = Standing._fields
# The rule set in force for a year, or None (``RuleSource.current``).
RulesInForce = Callable[[int], Ruleset | None]
# Standings written at once: a province's year has hundreds of thousands.
ROWS_PER_INSERT = 50_000


def keep(session: Session, rules_in_force: RulesInForce, evaluator: Evaluator | None) -> list[int]:
    """In the transaction of every write: note under the revision it made which units'
    counts it changed (``count_changes``). After an import, or on request (``rebuild``),
    score every unit's standings afresh in it too. Return the years whose standings a
    write of some units left behind, for ``catch_up`` once it has committed, so that its
    locks are not held while they are scored (PostgreSQL; on SQLite, whose writers take
    turns for their whole transaction anyway, they are brought up to date in it)."""
    changed = count_deltas.take_changed(session)
    written: set[int] = session.info.pop(WRITTEN, set())
    behind = []
    for year in sorted(set(changed) | written):
        revision = get_revision(session, year)
        if revision is None:  # deleted: its standings went with it
            continue
        units = changed.get(year, {})
        count_changes.record(session, year, revision, units)
        if units is not None:
            behind.append(year)
            continue
        # First, as ``catch_up`` does: the row that says what they hold for, then them.
        _forget(session, year)
        ruleset = rules_in_force(year)
        if ruleset is not None and evaluator is not None:
            _store(session, year, ruleset, evaluator, None)
            _note(session, year, ruleset.content_hash, revision)
    if session.get_bind().dialect.name != "sqlite":
        return behind
    if evaluator is not None:
        for year in behind:
            _bring_up_to_date(session, year, rules_in_force, evaluator)
    return []


def catch_up(
    session: Session, years: Collection[int], rules_in_force: RulesInForce, evaluator: Evaluator
) -> None:
    """After a write has committed: bring each year's standings up to date
    (``_bring_up_to_date``) in a transaction of its own, which commits. Writers catching up
    at once take turns on the row that says what the standings hold for; a later one finds
    less to do."""
    for year in years:
        _bring_up_to_date(session, year, rules_in_force, evaluator)
        session.commit()


def _bring_up_to_date(
    session: Session, year: int, rules_in_force: RulesInForce, evaluator: Evaluator
) -> None:
    """Bring the year's standings from the revision they hold for to the year's now,
    scoring again the units whose counts changed in between (``count_changes``). They are
    left as they are, and so not read, when they hold for other rules or for none, or when
    the units changed are not known; the next write tries again."""
    ruleset = rules_in_force(year)
    kept = kept_for(session, year, lock=True)
    revision = get_revision(session, year)
    if (
        ruleset is None
        or kept is None
        or revision is None
        or kept[0] != ruleset.content_hash
        or kept[1] >= revision
    ):
        return
    units = count_changes.changed_since(session, year, kept[1], revision)
    if units is not None:
        _store(session, year, ruleset, evaluator, units)
        _note(session, year, ruleset.content_hash, revision)


def forget_changes(session: Session) -> None:
    """Forget what the transaction rolled back had changed."""
    count_deltas.take_changed(session)
    session.info.pop(WRITTEN, None)


def kept_for(session: Session, year: int, *, lock: bool = False) -> tuple[str, int] | None:
    """The rule set's hash and the data revision the year's standings hold for, if any;
    ``lock``: the row locked until the transaction ends (PostgreSQL)."""
    statement = select(StandingsKeptRow.ruleset_hash, StandingsKeptRow.data_revision).where(
        StandingsKeptRow.year == year
    )
    if lock:
        statement = statement.with_for_update()
    row = session.execute(statement).first()
    return None if row is None else (row[0], int(row[1]))


def _store(
    session: Session,
    year: int,
    ruleset: Ruleset,
    evaluator: Evaluator,
    units: Mapping[str, date] | None,
) -> None:
    """Write afresh the year's standings (``units`` None), or those of ``units`` from the
    day each changed on (``_restore``)."""
    if units is not None:
        _restore(session, year, ruleset, evaluator, units)
        return
    table = cast(Table, S.__table__)
    session.execute(delete(table).where(table.c.year == year))
    changes = count_deltas.day_changes(session, year, ruleset.attribution, ruleset.scored_kinds)
    _insert(session, year, standings(changes, ruleset, evaluator))


def _restore(
    session: Session,
    year: int,
    ruleset: Ruleset,
    evaluator: Evaluator,
    units: Mapping[str, date],
) -> None:
    """Write afresh the standings of ``units`` from the start of the one kept at the day
    each changed on: those before stay, and the first new one is merged into the last of
    them when they are equal, as a whole year's writing would have it."""
    if not units:
        return
    table = cast(Table, S.__table__)
    kept: dict[str, list[Standing]] = defaultdict(list)
    statement = (
        select(*(table.c[name] for name in _COLUMNS))
        .where(table.c.year == year, table.c.unit.in_(sorted(units)))
        .order_by(table.c.unit, table.c.since)
    )
    for row in select_rows(session, statement):
        kept[row[0]].append(Standing(*row))
    starts: dict[str, date] = {}
    before: dict[str, Standing] = {}  # the last standing kept before each start
    for unit, day in units.items():
        spans = kept.get(unit, [])
        at = next((s for s in spans if s.since <= day < s.until), None)
        starts[unit] = BEGINNING if at is None else at.since
        earlier = [s for s in spans if s.until <= starts[unit]]
        if earlier:
            before[unit] = earlier[-1]
    # A unit scored from the first date reads its whole year; the others from their start.
    changes = count_deltas.changes_from(
        session, year, ruleset.attribution, ruleset.scored_kinds, starts
    )
    found: list[Standing] = []
    for s in standings(changes, ruleset, evaluator, starts):
        last = before.pop(s.unit, None) if s.since == starts[s.unit] else None
        if last is not None and last[3:] == s[3:]:
            found.append(s._replace(since=last.since))
            starts[s.unit] = last.since  # the kept one is replaced by the merged one
        else:
            found.append(s)
    # A unit none of whose counts are left has no standings at all.
    left = {s.unit for s in found}
    for unit in units:
        if unit not in left:
            starts[unit] = BEGINNING
    session.execute(
        delete(table).where(
            table.c.year == year,
            table.c.unit == bindparam("k_unit"),
            table.c.since >= bindparam("k_since"),
        ),
        [{"k_unit": unit, "k_since": since} for unit, since in sorted(starts.items())],
    )
    _insert(session, year, iter(found))


def _insert(session: Session, year: int, found: Iterator[Standing]) -> None:
    # In batches: PostgreSQL's COPY cannot run while a cursor of the changes is fetching.
    while batch := [(year, *s) for s in islice(found, ROWS_PER_INSERT)]:
        bulk_insert_tuples(session, S, ("year", *_COLUMNS), batch)


def _forget(session: Session, year: int) -> None:
    table = cast(Table, StandingsKeptRow.__table__)
    session.execute(delete(table).where(table.c.year == year))


def _note(session: Session, year: int, ruleset_hash: str, revision: int) -> None:
    _forget(session, year)
    table = cast(Table, StandingsKeptRow.__table__)
    session.execute(
        table.insert().values(year=year, ruleset_hash=ruleset_hash, data_revision=revision)
    )


class StandingRepository:
    """The year's kept standings, read while they are current."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def rebuild(self, year: int) -> None:
        """Have the year's standings written afresh before this transaction commits."""
        count_deltas.note_changed(self.session, year, None)

    def current(self, year: int, ruleset: Ruleset, revision: int | None = None) -> bool:
        """Whether the year's standings hold for its data now under ``ruleset`` (its data
        revision ``revision``, when the caller has read it already)."""
        if revision is None:
            revision = get_revision(self.session, year)
        return kept_for(self.session, year) == (ruleset.content_hash, revision)

    def above(self, year: int, kind: UnitKind, day: date, score: float) -> tuple[int, int, int]:
        """At ``day``, how many units of ``kind`` have kept standings, how many of those
        score above ``score``, and how many units of the kind the year has."""
        table = cast(Table, S.__table__)
        held, higher = self.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((table.c.score > score, 1), else_=0)), 0),
            ).where(
                table.c.year == year,
                table.c.kind == kind.value,
                table.c.since <= day,
                table.c.until > day,
            )
        ).one()
        units = self.session.scalar(
            select(func.count()).where(UnitRow.year == year, UnitRow.kind == kind.value)
        )
        return int(held), int(higher), int(units or 0)

    def in_force(
        self, year: int, kinds: Collection[UnitKind], days: Collection[date]
    ) -> Iterator[Standing]:
        """The kept standings of ``kinds`` in force on any of ``days`` (a few)."""
        table = cast(Table, S.__table__)
        statement = select(*(table.c[name] for name in _COLUMNS)).where(
            table.c.year == year,
            table.c.kind.in_(sorted(k.value for k in kinds)),
            or_(*(and_(table.c.since <= day, table.c.until > day) for day in sorted(days))),
        )
        for row in iter_rows(self.session, statement):
            yield Standing(*row)

    def check(self, year: int, ruleset: Ruleset, evaluator: Evaluator) -> list[Difference]:
        """The year's kept standings, while current, against those its kept counts give
        now, by unit (none when they are not current: no reader uses them then)."""
        if not self.current(year, ruleset):
            return []
        changes = count_deltas.day_changes(
            self.session, year, ruleset.attribution, ruleset.scored_kinds
        )
        want = rows_by_key(standings(changes, ruleset, evaluator))
        table = cast(Table, S.__table__)
        statement = (
            select(*(table.c[name] for name in _COLUMNS))
            .where(table.c.year == year)
            .order_by(table.c.unit, table.c.since)
        )
        return differences(table.name, rows_by_key(select_rows(self.session, statement)), want)
