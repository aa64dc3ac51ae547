"""The records services' rules with a fake unit of work: what is stored, audited and
committed, what is refused (scope, validation, conflicts), with no database. Their
database-bound twins (``tests/e2e/test_api_structure.py``, ``test_api_inspections.py``,
``test_api_scopes.py``) keep what only the database shows: SQL, positions, both backends."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from scoring_service.assessment.services import import_bundle
from scoring_service.bundle.schema import FindingIn, GroupIn, InspectionIn, PairingIn, UnitIn
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.documents.letter import letter_number
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import FindingFilter, Pairing
from scoring_service.domain.principals import Forbidden, Principal, Role
from scoring_service.engine import PythonEngine
from scoring_service.records.findings import get_finding, list_findings, tally_findings
from scoring_service.records.groups import create_group, update_group
from scoring_service.records.inspections import (
    add_finding,
    create_inspection,
    get_inspection,
    list_inspections,
    update_inspection,
)
from scoring_service.records.pairings import create_pairing, delete_pairing, get_pairing
from scoring_service.records.structure import year_structure
from scoring_service.records.units import create_unit, get_unit, list_units, update_unit
from scoring_service.records.year import InvalidRecord
from tests.helpers.bundles import spec_bundle
from tests.unit.fakes import FakeUnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
M = TypeVar("M", bound=BaseModel)
SCOPED = Principal(7, "county-441624", Role.ADMIN, frozenset({"441624"}))


def loaded(actor: Principal | None = None) -> FakeUnitOfWork:
    """The spec's example year held, then acting as ``actor``, with nothing committed yet."""
    uow = FakeUnitOfWork(RULES, PythonEngine())
    import_bundle(uow, json.dumps(spec_bundle()))
    if actor is not None:
        uow.actor = actor
    uow.committed, uow.audited = 0, []
    return uow


def parsed(model: type[M], raw: dict[str, Any]) -> M:
    """``raw`` as the edge reads a JSON body (the models are strict about dates)."""
    return model.model_validate_json(json.dumps(raw))


def other_inspection(**changes: Any) -> InspectionIn:
    """An inspection of 源城区 (441602), outside SCOPED's reach."""
    raw: dict[str, Any] = {
        "code": "2018-G1-08",
        "group": "G1",
        "county": "441602",
        "start_date": "2018-08-01",
        "end_date": "2018-08-02",
        "letter_date": None,
        "sample": {"towns": [], "villages": [], "households": []},
        "findings": [],
    }
    return parsed(InspectionIn, raw | changes)


def test_a_new_unit_is_stored_with_its_audit_entry_and_a_second_is_a_conflict() -> None:
    uow = loaded()
    town = parsed(
        UnitIn, {"code": "441624102", "name": "彭寨镇", "kind": "town", "parent": "441624"}
    )
    create_unit(uow, 2018, town)
    assert get_unit(uow, 2018, "441624102").name == "彭寨镇"
    assert uow.audited == [("unit.create", "unit", "2018/441624102")] and uow.committed == 1
    with pytest.raises(Conflict):
        create_unit(uow, 2018, town)
    assert uow.committed == 1 and len(uow.audited) == 1


def test_only_a_village_has_a_village_type() -> None:
    uow = loaded()
    with pytest.raises(InvalidRecord) as refused:
        update_unit(uow, 2018, "441624", {"village_type": "poor"})
    assert [p.pointer for p in refused.value.problems] == ["/village_type"]
    with pytest.raises(InvalidRecord):
        update_unit(uow, 2018, "441624101201", {"village_type": None})
    assert uow.committed == 0 and uow.audited == []
    assert update_unit(uow, 2018, "441624", {"name": "和平"}).name == "和平"


def test_a_scoped_caller_reads_and_writes_units_inside_its_scope_only() -> None:
    uow = loaded(SCOPED)
    with pytest.raises(Forbidden):
        create_unit(
            uow,
            2018,
            parsed(
                UnitIn, {"code": "441602101", "name": "东埔", "kind": "town", "parent": "441602"}
            ),
        )
    with pytest.raises(NotFound):
        get_unit(uow, 2018, "441602")
    with pytest.raises(Forbidden):
        update_unit(uow, 2018, "441602", {"name": "x"})
    listed = list_units(uow, 2018, limit=10, cursor=None)
    assert [u.code for u in listed.items] == [
        "441624",
        "441624101",
        "441624101201",
        "441624101202",
    ]
    assert [u.code for u in year_structure(uow, 2018).units] == ["441624"]  # no tree in fakes
    assert uow.committed == 0 and uow.audited == []


def test_records_of_a_year_not_held_are_not_found() -> None:
    uow = loaded()
    with pytest.raises(NotFound):
        list_units(uow, 2019, limit=10, cursor=None)
    with pytest.raises(NotFound):
        update_unit(uow, 2019, "441624", {"name": "x"})


def test_the_first_record_of_a_year_with_a_rule_set_creates_it() -> None:
    uow = loaded()
    county = parsed(UnitIn, {"code": "441624", "name": "和平县", "kind": "county"})
    create_unit(uow, 2019, county)
    assert uow.years.exists(2019) and uow.years.revision(2019) == 1
    assert [u.code for u in list_units(uow, 2019, limit=10, cursor=None).items] == ["441624"]


def test_a_pairing_is_made_once_and_ended_once() -> None:
    uow = loaded()
    pairing = parsed(PairingIn, {"helping_unit": "SZ-NS-001", "village": "441624101202"})
    assert create_pairing(uow, 2018, pairing) == Pairing("SZ-NS-001", "441624101202")
    with pytest.raises(Conflict):
        create_pairing(uow, 2018, pairing)
    delete_pairing(uow, 2018, "SZ-NS-001", "441624101202")
    with pytest.raises(NotFound):
        delete_pairing(uow, 2018, "SZ-NS-001", "441624101202")
    with pytest.raises(NotFound):
        get_pairing(uow, 2018, "SZ-NS-001", "441624101202")
    assert [a for a, _, _ in uow.audited] == ["pairing.create", "pairing.delete"]


def test_a_pairing_naming_a_unit_outside_the_scope_is_refused() -> None:
    uow = loaded(SCOPED)
    pairing = parsed(PairingIn, {"helping_unit": "SZ-NS-001", "village": "441624101202"})
    with pytest.raises(Forbidden):
        create_pairing(uow, 2018, pairing)
    with pytest.raises(Forbidden):
        delete_pairing(uow, 2018, "SZ-NS-001", "441624101201")
    assert uow.committed == 0


def test_a_group_keeps_the_counties_it_has_inspections_in() -> None:
    uow = loaded()
    with pytest.raises(Conflict, match="2018-G1-07"):
        update_group(uow, 2018, "G1", {"counties": ["441602"]})
    assert update_group(uow, 2018, "G1", {"counties": ["441624"]}).counties == ("441624",)
    group = parsed(
        GroupIn, {"code": "G1", "name": "第二组", "leader": "李", "counties": ["441602"]}
    )
    with pytest.raises(Conflict):
        create_group(uow, 2018, group)
    assert [a for a, _, _ in uow.audited] == ["group.update"]


def test_an_inspection_is_stored_whole_and_its_codes_stay_unique() -> None:
    uow = loaded()
    finding = {
        "code": "2018-G1-08-01",
        "unit": "441602",
        "criterion": "2.3",
        "severity": "general",
        "description": "台账不全",
        "deadline": "2018-09-01",
    }
    inspection, findings = create_inspection(uow, 2018, other_inspection(findings=[finding]))
    assert inspection.county == "441602" and [f.code for f in findings] == ["2018-G1-08-01"]
    with pytest.raises(Conflict):
        create_inspection(uow, 2018, other_inspection(code="2018-G1-09", findings=[finding]))
    with pytest.raises(Conflict):
        add_finding(uow, 2018, "2018-G1-07", parsed(FindingIn, finding))
    assert uow.audited == [("inspection.create", "inspection", "2018/2018-G1-08")]
    assert letter_number(uow, 2018, "2018-G1-08") == 2


def test_a_scoped_caller_sees_the_inspections_of_its_county_only() -> None:
    uow = loaded()
    create_inspection(uow, 2018, other_inspection())
    uow.actor = SCOPED
    with pytest.raises(NotFound):
        get_inspection(uow, 2018, "2018-G1-08")
    with pytest.raises(Forbidden):
        update_inspection(uow, 2018, "2018-G1-08", {"letter_date": date(2018, 8, 3)})
    listed = list_inspections(uow, 2018, limit=10, cursor=None)
    assert [(i.code, i.findings) for i in listed.items] == [("2018-G1-07", 2)]
    with pytest.raises(Forbidden):
        create_inspection(uow, 2018, other_inspection(code="2018-G1-09"))


def test_the_letter_date_is_set_and_audited() -> None:
    uow = loaded()
    updated = update_inspection(uow, 2018, "2018-G1-07", {"letter_date": date(2018, 7, 12)})
    assert updated.letter_date == date(2018, 7, 12)
    assert get_inspection(uow, 2018, "2018-G1-07")[0].letter_date == date(2018, 7, 12)
    assert uow.audited == [("inspection.update", "inspection", "2018/2018-G1-07")]


def test_a_finding_counts_for_the_helping_unit_paired_with_its_village() -> None:
    uow = loaded()
    detail = get_finding(uow, "2018-G1-07-01", as_of=date(2018, 12, 31))
    assert {"441624101201", "441624101", "441624", "SZ-NS-001"} <= set(detail.counts_for)
    assert detail.facts is not None and detail.facts.outcome.value == "on_time"
    assert [e.type.value for e in detail.events] == ["extension", "rectified"]


def test_findings_list_and_tally_by_the_caller_s_scope() -> None:
    uow = loaded(Principal(8, "helper", Role.ADMIN, frozenset({"SZ-NS-001"})))
    day, page = list_findings(uow, 2018, FindingFilter(), as_of=None, limit=10, cursor=None)
    assert day == date(2018, 12, 31) and [v.finding.code for v in page.items] == ["2018-G1-07-01"]
    _, counted = tally_findings(uow, 2018, as_of=None)
    assert sum(counted.values()) == 1
