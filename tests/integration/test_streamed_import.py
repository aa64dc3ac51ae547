"""A bundle file imported as a stream of records, on SQLite and PostgreSQL: it stores what the
bundle read whole gives, and a problem at the end of the file still stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.bundle import InvalidBundle, Problem
from scoring_service.bundle.checks import check_bundle
from scoring_service.bundle.parse import parse_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import count_deltas
from scoring_service.db import years as year_data
from scoring_service.db.timelines import check_year
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.bundles import spec_bundle
from tests.integration.test_import import snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BUNDLES = sorted(FIXTURES.glob("*.bundle.json")) + sorted(FIXTURES.glob("examples/*.bundle.json"))
DEMO = FIXTURES / "demo-2018.bundle.json"
RULES = FileRuleSource(REPO_RULES_DIR)


def uow(factory: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(factory, RULES, None, command_line())


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.name)
def test_a_streamed_file_stores_what_the_whole_reading_gives(
    session_factory: sessionmaker[Session], path: Path
) -> None:
    # The reference: the bundle's text validated whole by its model, then checked.
    whole, problems = check_bundle(
        parse_bundle(path.read_bytes()),
        lambda year: RULES.current(year).catalogue,  # type: ignore[union-attr]
    )
    assert problems == []
    summary = import_bundle(uow(session_factory), path)
    assert (summary.year, summary.findings, summary.events) == (
        whole.year,
        len(whole.findings),
        len(whole.events),
    )
    with session_factory() as session:
        loaded = year_data.load_year(session, whole.year)
        assert loaded is not None
        assert check_year(session, whole.year) == []  # timelines and counts as replayed
    assert loaded.units == whole.units
    assert loaded.pairings == whole.pairings
    assert loaded.groups == whole.groups
    assert sorted(loaded.inspections, key=repr) == sorted(whole.inspections, key=repr)
    assert loaded.findings == whole.findings
    assert loaded.events == whole.events


def test_the_count_deltas_summed_in_several_passes_are_those_of_one(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(count_deltas, "SPANS_PER_PASS", 7)
    import_bundle(uow(session_factory), DEMO)
    with session_factory() as session:
        assert check_year(session, 2018) == []


def test_a_problem_at_the_end_of_the_file_stores_nothing(
    engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import_bundle(uow(session_factory), json.dumps(spec_bundle()))
    before = snapshot(engine)
    bundle = json.loads(DEMO.read_text(encoding="utf-8"))
    last = len(bundle["events"]) - 1
    bundle["events"][last]["finding"] = "NOPE"  # the file's last record
    path = tmp_path / "late.bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    for replace in (False, True):
        with pytest.raises(InvalidBundle) as refused:
            import_bundle(uow(session_factory), path, replace=replace)
        assert refused.value.problems == [
            Problem(f"/events/{last}/finding", "unknown finding 'NOPE'")
        ]
    assert snapshot(engine) == before
