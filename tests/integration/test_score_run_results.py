"""Score runs, years and recomputations come out of the services as typed results, and the
API's response bodies are built from them as they are (``from_attributes``)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.rulesets_drafts import RecomputationRead
from api.schemas import ScoreRunCreated, YearRead
from api.scores import run_read
from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle, list_years, recompute_run, score_year
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.domain.results import Recomputation, ScoreRun, ScoreRunInfo, YearSummary
from scoring_service.engine import PythonEngine
from scoring_service.records import score_runs as records
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.bundles import spec_bundle

RULES = FileRuleSource(REPO_RULES_DIR)


@pytest.fixture
def uow(session_factory: sessionmaker[Session]) -> UnitOfWork:
    work = UnitOfWork(session_factory, RULES, PythonEngine(), command_line())
    import_bundle(work, json.dumps(spec_bundle()))
    return work


def test_a_score_run_is_a_typed_result_whose_rows_are_spec_rows(uow: UnitOfWork) -> None:
    run = score_year(uow, 2018)
    assert isinstance(run, ScoreRun)
    assert (run.id, run.year, run.engine) == (1, 2018, "PythonEngine")
    assert run.rows and all({"unit", "kind", "score", "grade", "rank"} <= set(r) for r in run.rows)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.year = 2019  # type: ignore[misc]
    assert records.get_run(uow, 2018, 1) == run
    assert records.latest_run(uow, 2018, as_of=None) == run
    info, page = records.get_run_page(uow, 2018, 1, kind=None, limit=2, cursor=None)
    assert info == run.info and isinstance(info, ScoreRunInfo)
    assert page.items == run.rows[:2] and page.total == len(run.rows)
    assert records.current_scores(uow, 2018, as_of=None) == run  # the run is current
    info, page = records.current_scores_page(
        uow, 2018, as_of=None, kind=None, limit=len(run.rows), cursor=None
    )
    assert info == run.info and page.items == run.rows


def test_the_api_reads_a_run_from_its_attributes(uow: UnitOfWork) -> None:
    run = score_year(uow, 2018)
    kinds: dict[str, int] = {}
    for row in run.rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    body = run_read(run).model_dump(mode="json")
    assert body["rows"] == kinds and body["id"] == 1 and body["as_of"] == run.as_of.isoformat()
    created = ScoreRunCreated.model_validate(run, from_attributes=True).model_dump(mode="json")
    assert created["rows"] == kinds and len(created["scores"]) == len(run.rows)
    assert created["scores"][0]["unit"] == run.rows[0]["unit"]
    [listed] = records.list_runs(uow, 2018, as_of=None, limit=10, cursor=None).items
    assert listed.kind_counts == kinds
    assert run_read(listed).model_dump(mode="json") == body


def test_years_and_recomputations_are_typed_results(uow: UnitOfWork) -> None:
    [year] = list_years(uow)
    assert isinstance(year, YearSummary) and year.imported_at is not None
    read = YearRead.model_validate(year, from_attributes=True).model_dump(mode="json")
    assert read == {
        "year": 2018,
        "revision": 1,
        "imported_at": read["imported_at"],
        "units": 6,
        "inspections": len(spec_bundle()["inspections"]),
        "findings": 2,
        "events": len(spec_bundle()["events"]),
    }
    run = score_year(uow, 2018)
    again = recompute_run(uow, 1)
    assert isinstance(again, Recomputation)
    assert again.matches and not again.data_changed and again.rows == run.rows
    doc = again.to_json()
    assert "rows" not in doc and doc["as_of"] == run.as_of.isoformat() and doc["run"] == 1
    assert doc["note"] == "same data revision as the run"
    body = RecomputationRead.model_validate(again, from_attributes=True).model_dump(mode="json")
    assert body == doc
