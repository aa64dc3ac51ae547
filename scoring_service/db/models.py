"""SQLAlchemy tables for the year data and the score runs.

Year data is keyed by ``(year, code)``: the same code may exist in several years.
Foreign keys tie units, pairings, groups and inspections to their year, group
counties to their group, and samples and findings to their inspection.

Deliberately without foreign keys, because the importer validates them and each
key costs a check per row (PostgreSQL runs one trigger query per row):
- unit references (parent, county, village, helping unit): they would also force
  an insert order on units;
- events and finding_responsible to findings: measured at 100,000 findings and
  250,000 events on PostgreSQL, the two keys made store_year take 10-15 s instead
  of 6 s, and delete_year 5.5 s instead of 0.6 s. The repository keeps them
  consistent: store_year takes validated bundles, add_event runs after
  lock_finding found the finding, delete_year deletes children first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints let Alembic drop and alter them (batch mode on SQLite too).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CODE = 64  # spec section 1: codes are 1-64 characters
KIND = 16


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; SQLite keeps no offset, so everything stored is UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive values SQLite returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base sharing one MetaData (Alembic's target)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _year_fk() -> Mapped[int]:
    """The ``year`` column of a year-data table, part of its key."""
    return mapped_column(ForeignKey("years.year"), primary_key=True)


class YearRow(Base):
    """One imported year; ``revision`` grows on every write to the year's data.

    ``process_revision`` is the revision of the last write to what the process alerts read
    (spec section 7): every write but an event other than an escalation.

    The row survives ``delete_year`` with ``imported_at`` NULL so that a later
    re-import continues the revision count: a revision never names two data sets.
    """

    __tablename__ = "years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    process_revision: Mapped[int] = mapped_column(Integer, default=1, server_default="0")
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UnitRow(Base):
    """A county, town, village or helping unit (spec section 1)."""

    __tablename__ = "units"
    # A rank counts the units of a kind (``db.standings``).
    __table_args__ = (Index(None, "year", "kind"),)

    year: Mapped[int] = _year_fk()
    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(KIND))
    parent: Mapped[str | None] = mapped_column(String(CODE))
    village_type: Mapped[str | None] = mapped_column(String(KIND))
    # Order in the imported bundle, so a year loads back exactly as it was stored.
    position: Mapped[int] = mapped_column(Integer)


class PairingRow(Base):
    """A helping unit paired with a village for the year."""

    __tablename__ = "pairings"
    # Whom a village's findings count for (db.count_deltas), on every event.
    __table_args__ = (Index(None, "year", "village"),)

    year: Mapped[int] = _year_fk()
    helping_unit: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    village: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    # Order in the imported bundle, so a year loads back exactly as it was stored.
    position: Mapped[int] = mapped_column(Integer)


class GroupRow(Base):
    """An inspection group (督查小组)."""

    __tablename__ = "groups"

    year: Mapped[int] = _year_fk()
    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    leader: Mapped[str] = mapped_column(Text)
    # Order in the imported bundle, so a year loads back exactly as it was stored.
    position: Mapped[int] = mapped_column(Integer)


class GroupCountyRow(Base):
    """A county an inspection group covers; ``position`` keeps the listed order."""

    __tablename__ = "group_counties"
    __table_args__ = (ForeignKeyConstraint(["year", "group_code"], ["groups.year", "groups.code"]),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    county: Mapped[str] = mapped_column(String(CODE))


class InspectionRow(Base):
    """One visit of a group to one county."""

    __tablename__ = "inspections"
    # The office numbers its letters per year: one number, one inspection.
    __table_args__ = (Index(None, "year", "letter_number", unique=True),)

    year: Mapped[int] = _year_fk()
    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    group_code: Mapped[str] = mapped_column(String(CODE))
    county: Mapped[str] = mapped_column(String(CODE))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    letter_date: Mapped[date | None] = mapped_column(Date)
    letter_number: Mapped[int | None] = mapped_column(Integer)
    # Order in the imported bundle, so a year loads back exactly as it was stored.
    position: Mapped[int] = mapped_column(Integer)


def _inspection_fk() -> ForeignKeyConstraint:
    """The key of a sample row's inspection."""
    return ForeignKeyConstraint(["year", "inspection"], ["inspections.year", "inspections.code"])


class SampleTownRow(Base):
    """A town in an inspection's sample; ``position`` keeps the listed order."""

    __tablename__ = "sample_towns"
    __table_args__ = (_inspection_fk(),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(CODE))


class SampleVillageRow(Base):
    """A village in an inspection's sample."""

    __tablename__ = "sample_villages"
    __table_args__ = (_inspection_fk(),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    village: Mapped[str] = mapped_column(String(CODE))


class SampleHouseholdRow(Base):
    """A household in an inspection's sample."""

    __tablename__ = "sample_households"
    __table_args__ = (_inspection_fk(),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE))
    village: Mapped[str] = mapped_column(String(CODE))
    status: Mapped[str] = mapped_column(String(KIND))


class FindingRow(Base):
    """A finding (问题); ``found_on`` is stored, copied from its inspection's end date."""

    __tablename__ = "findings"
    __table_args__ = (
        # Its year is held through the inspection; a direct key to years would only
        # add a check per row to bulk loads.
        _inspection_fk(),
        # Deleting inspections checks the key above for each one; without this index
        # each check scans the findings.
        Index(None, "year", "inspection"),
        # find_finding_years looks a code up across years.
        Index(None, "code"),
        # A finding's peers, which share its repeats (db.timelines), on every event.
        Index(None, "year", "unit", "criterion"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    inspection: Mapped[str] = mapped_column(String(CODE))
    unit: Mapped[str] = mapped_column(String(CODE))
    criterion: Mapped[str] = mapped_column(String(CODE))
    severity: Mapped[str] = mapped_column(String(KIND))
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    found_on: Mapped[date] = mapped_column(Date)
    # Order in the imported bundle, so a year loads back exactly as it was stored.
    position: Mapped[int] = mapped_column(Integer)


class FindingResponsibleRow(Base):
    """An extra unit answering for a finding; ``position`` keeps the listed order."""

    __tablename__ = "finding_responsible"
    # The findings a unit answers for: explanations and the metrics aggregate (db.counts).
    __table_args__ = (Index(None, "year", "unit"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(CODE))


class EventRow(Base):
    """An event on a finding; ``seq`` is the submission order, ``id`` breaks ties."""

    __tablename__ = "events"
    __table_args__ = (
        # finding_events.
        Index(None, "year", "finding", "seq"),
        # add_event's max(seq) and load_year's ordered scan.
        Index(None, "year", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    finding: Mapped[str] = mapped_column(String(CODE))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(KIND))
    # Named event_date in Python: ``date`` would shadow the type in this class body.
    event_date: Mapped[date] = mapped_column("date", Date)
    new_deadline: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    to: Mapped[str | None] = mapped_column(Text)


class ScoreRunRow(Base):
    """One scoring of a year at a date, with what it was computed from."""

    __tablename__ = "score_runs"
    __table_args__ = (Index(None, "year", "as_of", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(ForeignKey("years.year"))
    as_of: Mapped[date] = mapped_column(Date)
    ruleset_hash: Mapped[str] = mapped_column(String(128))
    data_revision: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScoreRowRow(Base):
    """One row of a score run (spec section 9) as JSON, in output order."""

    __tablename__ = "score_rows"

    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(CODE))
    kind: Mapped[str] = mapped_column(String(KIND))
    rank: Mapped[int | None] = mapped_column(Integer)
    row: Mapped[str] = mapped_column(Text)


class UnitAncestorRow(Base):
    """The unit tree as a closure table: each unit with itself (depth 0), its parent
    (depth 1) and so on up, so that territorial attribution is a join (spec section 4)."""

    __tablename__ = "unit_ancestors"
    __table_args__ = (Index(None, "year", "ancestor"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    ancestor: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer)
    # Copied from the ancestor, so the aggregate keeps only scored kinds without a join.
    ancestor_kind: Mapped[str] = mapped_column(String(KIND))


def _covering(name: str, day: str) -> Index:
    """Every unit's counts up to a date from the index alone: the scored kinds' rows up to
    the date, with every column the sums read."""
    columns = ("unit", "outcome", "severity", "category", "via", "n", "fakes", "repeats")
    return Index(name, "year", "kind", day, *columns)


class _KeptCounts:
    """The columns of a row of kept counts but its date (``day`` or ``month``, placed third
    in the key by ``sort_order``)."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-3)
    unit: Mapped[str] = mapped_column(String(CODE), primary_key=True, sort_order=-2)
    outcome: Mapped[str] = mapped_column(String(KIND), primary_key=True)
    severity: Mapped[str] = mapped_column(String(KIND), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    via: Mapped[str] = mapped_column(String(2), primary_key=True)
    # The counted unit's kind (a unit's kind never changes), so reads keep scored kinds
    # without a join.
    kind: Mapped[str] = mapped_column(String(KIND))
    n: Mapped[int] = mapped_column(Integer)
    fakes: Mapped[int] = mapped_column(Integer)
    repeats: Mapped[int] = mapped_column(Integer)


class CountDeltaRow(_KeptCounts, Base):
    """How a unit's attributed counts change on one date: the findings of one outcome,
    severity and category that start (+) or stop (-) counting for it then, with their
    fakes and repeats. A unit's counts at a date are the sum of its rows up to that date.

    Written with the timelines (``db.count_deltas``), in the same transaction, for every
    unit a finding can count for. ``via`` says which attribution settings make it count:
    ``d`` always (found there, or responsible), ``t`` when attribution is territorial,
    ``p`` when the finding's category brings in paired helping units, ``tp`` either; so
    one set of rows serves every rule set's attribution, drafts included.
    """

    __tablename__ = "unit_count_deltas"
    __table_args__ = (_covering("ix_unit_count_deltas_kind_day", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)


class CountMonthRow(_KeptCounts, Base):
    """The ``unit_count_deltas`` of one calendar month summed (``month``: its last day): a
    unit's counts at a month end are the sum of its month rows up to it, and at any other
    date the month rows before the date's month plus that month's day rows up to it.
    Written with the day rows, by the same function, in the same transaction."""

    __tablename__ = "unit_count_months"
    __table_args__ = (_covering("ix_unit_count_months_kind_month", "month"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)


class StandingRow(Base):
    """What a scored unit's counts give it under the rule set in force, from ``since`` up
    to ``until`` (exclusive): findings, overdue, the rate as reported, score and grade.
    A unit's standing changes only on the days its kept counts change, so its rows cover
    every date once, from the first date on (units with no counts have none: they stand
    as a unit with no findings does).

    Written by ``domain.standings`` whenever a unit's counts change (the unit of work's
    commit), so that a unit's rank at any date is one count of its kind's standings then,
    and the trend one read. Valid only while ``standings_kept`` says so.
    """

    __tablename__ = "unit_standings"
    __table_args__ = (
        # Covering a rank: the kind's standings in force at a date with a higher score.
        Index("ix_unit_standings_kind_since", "year", "kind", "since", "until", "score"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    until: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(KIND))
    findings: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    rate: Mapped[float | None] = mapped_column(Double)
    # The exact score as the nearest double: equal scores give equal doubles, and scores
    # (points with small denominators) never lie within a double's precision of each other.
    score: Mapped[float] = mapped_column(Double)
    grade: Mapped[str] = mapped_column(String(KIND))


class CountChangeRow(Base):
    """A data revision's change to a unit's kept counts: they changed from ``since`` on.
    ``unit`` empty: every unit's, every day (an import). Written with the counts, in the
    same transaction, so that scores computed at an earlier revision are brought up to
    date by scoring again the units changed since (``db.count_changes``)."""

    __tablename__ = "count_changes"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    since: Mapped[date] = mapped_column(Date)


class StandingsKeptRow(Base):
    """Which rule set and data revision a year's ``unit_standings`` were computed for: they
    are read only while both are the year's now (else scores are computed afresh)."""

    __tablename__ = "standings_kept"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset_hash: Mapped[str] = mapped_column(String(128))
    data_revision: Mapped[int] = mapped_column(Integer)


class TimelineRow(Base):
    """One span of a finding's timeline: its state and outcome at every as-of date from
    ``valid_from`` up to ``valid_until`` (exclusive; NULL: no end).

    Written by ``domain.timeline.replay`` whenever the finding or its events change
    (``db.timelines``), never computed anywhere else. The finding's unit, severity,
    category and repeat are copied in, so the metrics aggregate reads this table alone
    besides attribution; ``repeat_of`` is the same in every span of a finding.
    """

    __tablename__ = "finding_timelines"
    __table_args__ = (
        # Covering the metrics aggregate: it reads the spans in force in found-unit order
        # from the index alone, summing without a sort (and a unit's findings by unit).
        Index(
            "ix_finding_timelines_counts",
            "year",
            "unit",
            "outcome",
            "severity",
            "category",
            "valid_from",
            "valid_until",
            "fakes",
            "repeat_of",
        ),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[str] = mapped_column(String(CODE))
    severity: Mapped[str] = mapped_column(String(KIND))
    category: Mapped[str] = mapped_column(String(CODE))
    outcome: Mapped[str] = mapped_column(String(KIND))
    effective_deadline: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    fakes: Mapped[int] = mapped_column(Integer)
    repeat_of: Mapped[str | None] = mapped_column(String(CODE))
