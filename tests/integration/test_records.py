"""Single records written and read through a unit of work: each write commits with its
one audit entry, and a refused or failed write leaves neither the change nor an entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.bundle.schema import GroupIn, UnitIn
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import years
from scoring_service.db.api_models import AuditRow
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import UnitKind
from scoring_service.records import groups, pairings, units
from scoring_service.reports.exports import problem_list
from scoring_service.unit_of_work import UnitOfWork

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"
RULES = FileRuleSource(REPO_RULES_DIR)
TOWN = UnitIn(code="441602999", name="新设镇", kind=UnitKind.TOWN, parent="441602")


def uow(db: sessionmaker[Session]) -> UnitOfWork:
    return UnitOfWork(db, RULES, None, command_line())


def audit_log(db: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with db() as session:
        rows = session.execute(
            select(AuditRow.token_name, AuditRow.action, AuditRow.record_key).order_by(AuditRow.id)
        )
        return [(name, action, key) for name, action, key in rows]


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    import_bundle(uow(session_factory), DEMO.read_bytes())
    return session_factory


def test_each_record_write_commits_with_one_audit_entry(demo: sessionmaker[Session]) -> None:
    units.create_unit(uow(demo), 2018, TOWN)
    units.update_unit(uow(demo), 2018, TOWN.code, {"name": "新设镇二"})
    group = GroupIn(code="G9", name="第九组", leader="李明", counties=["441625"])
    groups.create_group(uow(demo), 2018, group)
    pairings.delete_pairing(uow(demo), 2018, "BF0002", "441602101201")

    assert units.get_unit(uow(demo), 2018, TOWN.code).name == "新设镇二"
    assert groups.get_group(uow(demo), 2018, "G9").counties == ("441625",)
    with pytest.raises(NotFound):
        pairings.get_pairing(uow(demo), 2018, "BF0002", "441602101201")
    me = command_line().name
    assert audit_log(demo) == [
        (me, "bundle.import", "2018"),
        (me, "unit.create", "2018/441602999"),
        (me, "unit.update", "2018/441602999"),
        (me, "group.create", "2018/G9"),
        (me, "pairing.delete", "2018/BF0002/441602101201"),
    ]


def test_a_refused_record_write_changes_nothing_and_is_not_audited(
    demo: sessionmaker[Session],
) -> None:
    with demo() as session:
        revision = years.get_revision(session, 2018)
    with pytest.raises(Conflict, match="already has a unit '441602'"):
        units.create_unit(uow(demo), 2018, TOWN.model_copy(update={"code": "441602"}))
    with pytest.raises(Conflict, match="has inspections in the counties it would drop"):
        groups.update_group(uow(demo), 2018, "G1", {"counties": ["441602"]})

    with demo() as session:
        assert years.get_revision(session, 2018) == revision
    assert groups.get_group(uow(demo), 2018, "G1").counties == ("441602", "441624")
    assert [action for _, action, _ in audit_log(demo)] == ["bundle.import"]


def test_a_write_whose_audit_entry_fails_stores_nothing(
    demo: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kw: object) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(UnitOfWork, "audit", fail)
    with pytest.raises(RuntimeError, match="audit log is unavailable"):
        units.create_unit(uow(demo), 2018, TOWN)
    monkeypatch.undo()

    with pytest.raises(NotFound, match="has no unit '441602999'"):
        units.get_unit(uow(demo), 2018, TOWN.code)


def test_the_problem_list_reads_through_one_unit_of_work(demo: sessionmaker[Session]) -> None:
    opened = 0

    def counting() -> Session:
        nonlocal opened
        opened += 1
        return demo()

    work = UnitOfWork(counting, RULES, None, command_line())  # type: ignore[arg-type]
    doc = problem_list(work, 2018, "2018-G1-441624-07")

    assert opened == 1
    assert (doc.county_name, doc.group_name) == ("和平县", "第一组")
    assert doc.rows[0]["finding"] == "2018-G1-441624-07-01"
    assert doc.rows[0]["unit"] == "441624103" and doc.rows[0]["unit_name"]
