"""The repository on real SQLite and PostgreSQL: round trips, deletes, summaries, score runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.db import findings, make_engine, make_session_factory, years
from scoring_service.db import score_runs as runs
from scoring_service.domain.model import (
    Event,
    EventType,
    Finding,
    Group,
    Household,
    HouseholdStatus,
    Inspection,
    Pairing,
    Sample,
    Severity,
    Unit,
    UnitKind,
    VillageType,
    YearData,
)


def sample_year(year: int = 2018) -> YearData:
    """A small year using every field, every event type and same-date events."""
    d = lambda month, day: date(year, month, day)  # noqa: E731 - keeps the dates readable
    units = [
        Unit("441624", "和平县", UnitKind.COUNTY),
        Unit("441602", "源城区", UnitKind.COUNTY),
        Unit("441624101", "阳明镇", UnitKind.TOWN, parent="441624"),
        Unit("441624101201", "甲村", UnitKind.VILLAGE, "441624101", VillageType.POOR),
        Unit("441624101202", "乙村", UnitKind.VILLAGE, "441624101", VillageType.ORDINARY),
        Unit("SZ-NS-001", "某帮扶单位", UnitKind.HELPING_UNIT),
        Unit("SZ-NS-002", "另一帮扶单位", UnitKind.HELPING_UNIT),
    ]
    inspection = Inspection(
        code=f"{year}-G1-07",
        group="G1",
        county="441624",
        start_date=d(7, 10),
        end_date=d(7, 11),
        letter_date=d(7, 13),
        sample=Sample(
            towns=("441624101",),
            villages=("441624101202", "441624101201"),
            households=(
                Household("H2", "441624101201", HouseholdStatus.PRE_EXIT),
                Household("H1", "441624101201", HouseholdStatus.NOT_EXITED),
                Household("H4", "441624101202", HouseholdStatus.PRE_EXIT),
            ),
        ),
    )
    bare = Inspection(f"{year}-G2-01", "G2", "441602", d(8, 1), d(8, 2), None)
    findings = [
        Finding(
            f"{year}-G1-07-01",
            inspection.code,
            "441624101201",
            "2.3",
            Severity.GENERAL,
            "教育补助未发放到位",
            d(8, 10),
            d(7, 11),
            responsible=("SZ-NS-002", "SZ-NS-001"),
        ),
        Finding(
            f"{year}-G1-07-02",
            inspection.code,
            "441624",
            "6.1",
            Severity.MAJOR,
            "危房改造滞后",
            d(9, 1),
            d(7, 11),
        ),
        Finding(
            f"{year}-G2-01-01", bare.code, "441602", "1.1", Severity.GENERAL, "x", d(9, 2), d(8, 2)
        ),
    ]
    f1, f2, _ = (f.code for f in findings)
    events = [
        Event(f1, EventType.EXTENSION, d(8, 5), 1, new_deadline=d(9, 10), reason="资金待拨付"),
        Event(f2, EventType.ESCALATED, d(7, 20), 2, to="领导小组"),
        Event(f2, EventType.ESCALATED, d(7, 21), 3),
        # Three events on one date: they must come back in seq order, not by type or note.
        Event(f1, EventType.RECTIFIED, d(8, 20), 4, note="已发放"),
        Event(f1, EventType.LOOKBACK_FAILED, d(8, 20), 5, note="整改不实"),
        Event(f1, EventType.RECTIFIED, d(8, 20), 6),
        Event(f1, EventType.LOOKBACK_PASSED, d(8, 25), 7),
    ]
    return YearData(
        year=year,
        units=units,
        pairings=[Pairing("SZ-NS-001", "441624101201"), Pairing("SZ-NS-002", "441624101201")],
        groups=[
            Group("G1", "第一组", "张翼", ("441624", "441602")),
            Group("G2", "第二组", "李明", ("441602",)),
        ],
        inspections=[inspection, bare],
        findings=findings,
        events=events,
    )


def store(factory: sessionmaker[Session], data: YearData) -> None:
    """Store a year in its own committed transaction."""
    with factory.begin() as session:
        years.store_year(session, data)


def test_round_trip_keeps_every_field(session_factory: sessionmaker[Session]) -> None:
    data = sample_year()
    store(session_factory, data)
    with session_factory() as session:
        assert years.load_year(session, 2018) == data
        assert years.load_year(session, 2019) is None


def test_same_codes_in_two_years(session_factory: sessionmaker[Session]) -> None:
    first, second = sample_year(2018), sample_year(2019)
    # Codes repeated across years must not collide.
    second.findings.append(replace(second.findings[0], code=first.findings[0].code))
    store(session_factory, first)
    store(session_factory, second)
    with session_factory() as session:
        assert years.load_year(session, 2018) == first
        assert years.load_year(session, 2019) == second
        assert findings.find_finding_years(session, first.findings[0].code) == [2018, 2019]
        assert findings.find_finding_years(session, "nope") == []


def test_empty_year_round_trip(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, YearData(year=2020))
    with session_factory() as session:
        assert years.load_year(session, 2020) == YearData(year=2020)
        assert years.year_exists(session, 2020)


def test_delete_year_leaves_other_years(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year(2018))
    store(session_factory, sample_year(2019))
    with session_factory.begin() as session:
        years.delete_year(session, 2018)
    with session_factory() as session:
        assert not years.year_exists(session, 2018)
        assert years.load_year(session, 2018) is None
        assert years.get_revision(session, 2018) is None
        assert years.load_year(session, 2019) == sample_year(2019)
        assert [row["year"] for row in years.years_summary(session)] == [2019]


def test_replace_year_in_one_transaction_raises_revision(
    session_factory: sessionmaker[Session],
) -> None:
    store(session_factory, sample_year())
    with session_factory() as session:
        before = years.get_revision(session, 2018)
    smaller = sample_year()
    smaller.events = smaller.events[:2]
    with session_factory.begin() as session:
        years.delete_year(session, 2018)
        years.store_year(session, smaller)
    with session_factory() as session:
        assert years.load_year(session, 2018) == smaller
        after = years.get_revision(session, 2018)
        assert before is not None and after is not None and after > before


def test_store_year_refuses_a_stored_year(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year())
    with session_factory() as session, pytest.raises(ValueError, match="already stored"):
        years.store_year(session, sample_year())


def test_years_summary_counts(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year(2019))
    store(session_factory, sample_year(2018))
    with session_factory() as session:
        summary = years.years_summary(session)
    assert [
        (s["year"], s["revision"], s["units"], s["inspections"], s["findings"], s["events"])
        for s in summary
    ] == [(2018, 1, 7, 2, 3, 7), (2019, 1, 7, 2, 3, 7)]
    assert all(s["imported_at"].tzinfo is not None for s in summary)


def test_revision_bumps(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year())
    with session_factory.begin() as session:
        assert years.get_revision(session, 2018) == 1
        assert years.bump_revision(session, 2018) == 2
    with session_factory() as session:
        assert years.get_revision(session, 2018) == 2
        assert years.get_revision(session, 2017) is None
        with pytest.raises(LookupError):
            years.bump_revision(session, 2017)


def test_lock_finding_and_add_event(session_factory: sessionmaker[Session]) -> None:
    data = sample_year()
    store(session_factory, data)
    code = data.findings[0].code
    with session_factory.begin() as session:
        assert findings.lock_finding(session, 2018, code) == data.findings[0]
        assert findings.lock_finding(session, 2018, "missing") is None
        added = findings.add_event(
            session, 2018, Event(code, EventType.LOOKBACK_FAILED, date(2018, 8, 25), 0, note="n")
        )
    assert added.seq == 8
    with session_factory() as session:
        events = findings.finding_events(session, 2018, code)
        assert events == [e for e in data.events if e.finding == code] + [added]
        assert years.load_year(session, 2018).events[-1] == added  # type: ignore[union-attr]


def test_same_seq_keeps_insertion_order(session_factory: sessionmaker[Session]) -> None:
    data = sample_year()
    f1 = data.findings[0].code
    data.events = [
        Event(f1, EventType.RECTIFIED, date(2018, 8, 20), 1),
        Event(f1, EventType.LOOKBACK_FAILED, date(2018, 8, 20), 1, note="a"),
    ]
    store(session_factory, data)
    with session_factory() as session:
        assert findings.finding_events(session, 2018, f1) == data.events


def score_rows() -> list[dict[str, object]]:
    """Two rows shaped like spec section 9."""
    return [
        {
            "unit": "441624",
            "name": "和平县",
            "kind": "county",
            "metrics": {"findings": 12, "rate": 0.8, "overdue_by_category": {"6": 1}},
            "fired": [{"rule": "R7", "name": "问题反弹", "bonus": 0, "deduction": 1}],
            "bonus": 0,
            "deduction": 1,
            "score": 99,
            "grade": "fair",
            "measures": [],
            "rank": 1,
        },
        {
            "unit": "441602",
            "name": "源城区",
            "kind": "county",
            "metrics": {},
            "fired": [],
            "bonus": 0,
            "deduction": 0,
            "score": 100,
            "grade": "good",
            "measures": [],
            "rank": None,
        },
    ]


def test_score_runs(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year())
    rows = score_rows()
    with session_factory.begin() as session:
        first = runs.store_score_run(
            session,
            year=2018,
            as_of=date(2018, 12, 31),
            ruleset_hash="abc",
            data_revision=1,
            engine="durable_rules",
            rows=rows,
        )
        second = runs.store_score_run(
            session,
            year=2018,
            as_of=date(2018, 10, 1),
            ruleset_hash="abc",
            data_revision=1,
            engine="durable_rules",
            rows=rows[::-1],
        )
    with session_factory() as session:
        run = runs.get_score_run(session, first)
        assert run is not None
        assert run.rows == rows
        assert (run.id, run.year, run.as_of, run.ruleset_hash) == (
            first,
            2018,
            date(2018, 12, 31),
            "abc",
        )
        assert (run.data_revision, run.engine) == (1, "durable_rules")
        assert run.created_at.tzinfo is not None
        assert runs.get_score_run(session, second + 1) is None
        latest = runs.latest_score_run(session, 2018)
        assert latest is not None and latest.id == second and latest.rows == rows[::-1]
        at = runs.latest_score_run(session, 2018, as_of=date(2018, 12, 31))
        assert at is not None and at.id == first
        assert runs.latest_score_run(session, 2018, as_of=date(2018, 1, 1)) is None
        assert runs.latest_score_run(session, 2019) is None


def test_score_runs_survive_delete_year(session_factory: sessionmaker[Session]) -> None:
    store(session_factory, sample_year())
    with session_factory.begin() as session:
        run_id = runs.store_score_run(
            session,
            year=2018,
            as_of=date(2018, 12, 31),
            ruleset_hash="h",
            data_revision=1,
            engine="fake",
            rows=[],
        )
        years.delete_year(session, 2018)
        years.store_year(session, sample_year())
    with session_factory() as session:
        run = runs.get_score_run(session, run_id)
        assert run is not None and run.rows == []
        # A re-import never reuses the revision an old run was computed on.
        assert years.get_revision(session, 2018) != run.data_revision


def synthetic_year(year: int, findings: int, events_per_finding: int) -> YearData:
    """A year of many findings on one inspection, for set-based behaviour at size."""
    base = sample_year(year)
    inspection = base.inspections[0]
    many = [
        Finding(
            f"F{i:07d}",
            inspection.code,
            "441624101201",
            "2.3",
            Severity.GENERAL,
            "问题",
            date(year, 9, 1),
            inspection.end_date,
            responsible=("SZ-NS-001",) if i % 2 else (),
        )
        for i in range(findings)
    ]
    kinds = [EventType.EXTENSION, EventType.RECTIFIED, EventType.LOOKBACK_PASSED]
    events = [
        Event(
            f.code,
            kinds[k % 3],
            date(year, 8, 1 + k),
            i * events_per_finding + k + 1,
            new_deadline=date(year, 10, 1) if k % 3 == 0 else None,
            reason="r" if k % 3 == 0 else None,
        )
        for i, f in enumerate(many)
        for k in range(events_per_finding)
    ]
    return replace(base, findings=many, events=events)


def count_statements(factory: sessionmaker[Session]) -> list[str]:
    """A list that collects every statement run on the factory's engine from now on."""
    statements: list[str] = []
    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


@pytest.mark.slow
def test_store_and_load_are_set_based(session_factory: sessionmaker[Session]) -> None:
    data = synthetic_year(2018, findings=12_000, events_per_finding=3)
    statements = count_statements(session_factory)
    store(session_factory, data)
    # One statement per chunk of 5,000 rows (or one COPY per table), never one per row.
    assert len(statements) < 40
    statements.clear()
    with session_factory() as session:
        assert years.load_year(session, 2018) == data
    assert len(statements) <= 15


def test_lock_finding_blocks_a_second_writer(engine: Engine, db_url: str) -> None:
    store(make_session_factory(engine), sample_year())
    code = sample_year().findings[0].code
    # A second engine that gives up on a lock at once instead of waiting.
    impatient = (
        make_engine(db_url, connect_args={"timeout": 0.05})
        if db_url.startswith("sqlite")
        else make_engine(db_url)
    )
    try:
        with Session(engine) as first, Session(impatient) as second:
            assert findings.lock_finding(first, 2018, code) is not None
            if impatient.dialect.name == "postgresql":
                second.execute(text("SET LOCAL lock_timeout = '50ms'"))
            with pytest.raises(OperationalError):
                findings.lock_finding(second, 2018, code)
            first.rollback()
    finally:
        impatient.dispose()
