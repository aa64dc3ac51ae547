"""``db check``: the timelines and closure kept on write against a replay of the data."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from scoring_service.access.roles import command_line
from scoring_service.cli import main
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import make_engine, make_session_factory
from scoring_service.domain.model import EventType
from scoring_service.records.events import NewEvent, append_event
from scoring_service.unit_of_work import UnitOfWork

DEMO_2018 = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"
FINDING = "2018-G1-441624-07-04"  # overdue at the cutoff in the demo data
DEMO_DAY = date(2018, 11, 5)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def execute(db_url: str, sql: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


def test_a_fresh_import_and_an_appended_event_check_clean(db_url: str) -> None:
    assert run("--db", db_url, "import", str(DEMO_2018))[0] == 0
    code, out, _ = run("--db", db_url, "db", "check")
    assert code == 0, out
    assert out == "2018: 514 findings and 444 units checked: no difference\n"
    engine = make_engine(db_url)
    uow = UnitOfWork(
        make_session_factory(engine), FileRuleSource(REPO_RULES_DIR), None, command_line()
    )
    append_event(uow, FINDING, NewEvent(EventType.RECTIFIED, DEMO_DAY), year=2018)
    engine.dispose()
    code, out, _ = run("--db", db_url, "db", "check", "--year", "2018", "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"year": 2018, "findings": 514, "units": 444, "differences": []}]


def test_a_kept_row_that_differs_from_the_replay_is_reported_with_exit_1(db_url: str) -> None:
    assert run("--db", db_url, "import", str(DEMO_2018))[0] == 0
    execute(
        db_url,
        f"UPDATE finding_timelines SET outcome = 'on_time' WHERE finding = '{FINDING}'",
    )
    execute(db_url, "DELETE FROM unit_ancestors WHERE unit = '441624101' AND depth = 1")
    code, out, _ = run("--db", db_url, "db", "check")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "2018: 514 findings and 444 units checked: 2 differ"
    assert lines[1].startswith(f"  finding_timelines {FINDING}: kept [[")
    assert "'on_time'" in lines[1] and "'overdue'" in lines[1]
    assert lines[2] == (
        "  unit_ancestors 441624101: kept [['441624101', 0, 'town']], "
        "replayed [['441624', 1, 'county'], ['441624101', 0, 'town']]"
    )


def test_checking_a_year_not_held_is_refused(db_url: str) -> None:
    code, _, err = run("--db", db_url, "db", "check", "--year", "2018")
    assert code == 1
    assert "no data is held for the year 2018" in err


# A day row, a month row and a standing tampered with: each table is replayed and named; a
# day row also changes the standings its counts give, which are reported with it.
TAMPERED = {
    "unit_count_deltas": "UPDATE unit_count_deltas SET n = n + 1 WHERE unit = '441624' AND day = ("
    "SELECT MIN(day) FROM unit_count_deltas WHERE unit = '441624')",
    "unit_count_months": "UPDATE unit_count_months SET repeats = repeats + 2 "
    "WHERE unit = '441624' AND month = ("
    "SELECT MAX(month) FROM unit_count_months WHERE unit = '441624')",
    "unit_standings": "UPDATE unit_standings SET score = score + 1 WHERE unit = '441624' AND "
    "since = (SELECT MAX(since) FROM unit_standings WHERE unit = '441624')",
}
ALSO = {"unit_count_deltas": ["unit_standings"]}


@pytest.mark.parametrize("table", sorted(TAMPERED))
def test_a_kept_count_that_differs_from_the_replay_is_reported_with_exit_1(
    db_url: str, table: str
) -> None:
    assert run("--db", db_url, "import", str(DEMO_2018))[0] == 0
    execute(db_url, TAMPERED[table])
    code, out, _ = run("--db", db_url, "db", "check")
    assert code == 1
    lines = out.splitlines()
    named = [table, *ALSO.get(table, [])]
    assert lines[0] == f"2018: 514 findings and 444 units checked: {len(named)} differ"
    for line, name in zip(lines[1:], named, strict=True):
        assert line.startswith(f"  {name} 441624: kept [[")
