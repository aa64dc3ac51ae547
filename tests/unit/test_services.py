"""The service layer's rules, tested in milliseconds with a fake unit of work: what is
stored, what is audited and committed, and what is refused, with no database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from scoring_service.assessment.services import (
    compute,
    import_bundle,
    list_years,
    score_year,
    year_alerts,
)
from scoring_service.bundle import InvalidBundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.principals import Forbidden, Principal, Role
from scoring_service.engine import PythonEngine
from tests.helpers.bundles import spec_bundle
from tests.unit.fakes import FakeUnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"
SCOPED = Principal(7, "county-441624", Role.ADMIN, frozenset({"441624"}))


def fake(actor: Principal | None = None) -> FakeUnitOfWork:
    return FakeUnitOfWork(RULES, PythonEngine(), actor)


def test_an_import_stores_the_year_with_one_audit_entry_in_one_commit() -> None:
    uow = fake()
    summary = import_bundle(uow, json.dumps(spec_bundle()))
    assert summary.year == 2018 and not summary.replaced and summary.findings == 2
    assert uow.years.exists(2018)
    assert uow.committed == 1
    assert uow.audited == [("bundle.import", "year", "2018")]
    [held] = list_years(uow)
    assert (held.year, held.revision, held.units, held.findings) == (2018, 1, 6, 2)


def test_a_held_year_is_replaced_only_when_asked() -> None:
    uow = fake()
    import_bundle(uow, json.dumps(spec_bundle()))
    with pytest.raises(Conflict):
        import_bundle(uow, json.dumps(spec_bundle()))
    assert uow.committed == 1 and len(uow.audited) == 1  # the refusal wrote nothing
    assert import_bundle(uow, json.dumps(spec_bundle()), replace=True).replaced
    assert uow.years.revision(2018) == 2 and uow.committed == 2


def test_a_bad_bundle_stores_and_audits_nothing() -> None:
    uow = fake()
    bad = spec_bundle()
    bad["units"][0]["kind"] = "province"
    with pytest.raises(InvalidBundle):
        import_bundle(uow, json.dumps(bad))
    assert not uow.years.held and uow.committed == 0 and uow.audited == []


def test_year_wide_writes_are_refused_to_a_scoped_principal() -> None:
    uow = fake(SCOPED)
    with pytest.raises(Forbidden):
        import_bundle(uow, json.dumps(spec_bundle()))
    with pytest.raises(Forbidden):
        score_year(uow, 2018)
    assert uow.committed == 0 and uow.audited == [] and uow.runs.stored == []


def test_scores_of_a_year_not_held_are_not_found() -> None:
    with pytest.raises(NotFound, match="no data is held for the year 2018"):
        compute(fake(), 2018, as_of=None)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.bundle.json")))
def test_the_worked_examples_through_the_services(name: str) -> None:
    """The spec's worked examples give their expected rows and alerts, in memory."""
    bundle = EXAMPLES / name
    expected = json.loads(
        (EXAMPLES / name.replace(".bundle.json", ".expected.json")).read_text(encoding="utf-8")
    )
    uow = fake()
    year = import_bundle(uow, bundle.read_bytes()).year
    for case in expected:
        as_of = date.fromisoformat(case["as_of"])
        assessment, revision = compute(uow, year, as_of=as_of)
        assert json.loads(json.dumps(assessment.rows(), default=str)) == case["rows"]
        assert revision == 1
        day, alerts = year_alerts(uow, year, as_of=as_of)
        assert day == as_of
        assert sorted(a.type for a in alerts) == sorted(a["type"] for a in case["alerts"])
