"""The rectification loop's state machine and services on a fake unit of work: what a unit
may submit, what a decision records, and what is refused before anything is written."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scoring_service.assessment.services import import_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.model import EventType
from scoring_service.domain.principals import Forbidden, Principal, Role
from scoring_service.domain.rectification import ReportState, RequestState
from scoring_service.evidence.files import DOCX, JPEG, PDF, PNG, XLSX, Limits, media_type_of
from scoring_service.records import extensions, reports
from tests.helpers.bundles import spec_bundle
from tests.unit.fakes import FakeUnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
UNIT = Principal(None, "heping", Role.UNIT, frozenset({"441624101201"}))
INSPECTOR = Principal(None, "inspector", Role.INSPECTOR)
F1 = "2018-G1-07-01"  # at village 441624101201, found 2018-07-11, deadline 2018-08-10
TODAY = date(2018, 12, 31)


def held() -> FakeUnitOfWork:
    """The spec's example with no events, read by a fake unit of work acting as a unit."""
    uow = FakeUnitOfWork(RULES)
    bundle = spec_bundle()
    bundle["events"] = []
    import_bundle(uow, json.dumps(bundle))
    uow.actor = UNIT
    return uow


def acting(uow: FakeUnitOfWork, who: Principal) -> FakeUnitOfWork:
    uow.actor = who
    return uow


def test_an_accepted_report_records_its_rectified_event_in_the_same_commit() -> None:
    uow = held()
    report = reports.submit_report(uow, F1, day=date(2018, 8, 8), text="已发放", today=TODAY)
    assert report.state is ReportState.SUBMITTED and uow.committed == 2  # import, report
    decided = reports.decide(acting(uow, INSPECTOR), report.id, decision=ReportState.ACCEPTED)
    assert decided.state is ReportState.ACCEPTED and decided.decision is not None
    [event] = uow.findings.events(2018, F1)
    assert (event.type, event.date) == (EventType.RECTIFIED, date(2018, 8, 8))
    assert uow.committed == 3
    assert uow.audited[-2:] == [
        ("event.create", "finding", f"2018/{F1}"),
        ("report.decide", "report", str(report.id)),
    ]
    with pytest.raises(Conflict):
        reports.decide(uow, report.id, decision=ReportState.RETURNED, reason="再看看")


def test_a_returned_report_records_nothing_and_needs_a_reason() -> None:
    uow = held()
    report = reports.submit_report(uow, F1, day=date(2018, 8, 8), text="已发放", today=TODAY)
    acting(uow, INSPECTOR)
    with pytest.raises(InvalidRequest, match="reason"):
        reports.decide(uow, report.id, decision=ReportState.RETURNED)
    decided = reports.decide(uow, report.id, decision=ReportState.RETURNED, reason="缺签收单")
    assert decided.decision is not None and decided.decision.reason == "缺签收单"
    assert uow.findings.events(2018, F1) == []


def test_a_unit_cannot_decide_and_a_reader_cannot_report() -> None:
    uow = held()
    report = reports.submit_report(uow, F1, day=date(2018, 8, 8), text="已发放", today=TODAY)
    with pytest.raises(Forbidden):
        reports.decide(uow, report.id, decision=ReportState.ACCEPTED)
    with pytest.raises(Forbidden):
        reports.submit_report(
            acting(uow, Principal(None, "r", Role.READER)), F1, day=date(2018, 8, 8), text="x"
        )


def test_a_finding_outside_the_units_scope_is_not_found() -> None:
    uow = held()
    with pytest.raises(NotFound):
        reports.submit_report(uow, "2018-G1-07-02", day=date(2018, 7, 30), text="x", today=TODAY)


def test_a_file_not_accepted_stores_nothing() -> None:
    uow = held()
    with pytest.raises(InvalidRequest, match=r"evil\.pdf"):
        reports.submit_report(
            uow, F1, day=date(2018, 8, 8), text="x", files=[("evil.pdf", b"MZ\x90")], today=TODAY
        )
    with pytest.raises(InvalidRequest, match="at most 1 files"):
        reports.submit_report(
            uow,
            F1,
            day=date(2018, 8, 8),
            text="x",
            files=[("a.pdf", b"%PDF-1"), ("b.pdf", b"%PDF-2")],
            limits=Limits(files=1),
            today=TODAY,
        )
    assert uow.reports.held == {} and uow.evidence.files == {} and uow.committed == 1


def test_a_request_is_checked_against_the_deadline_in_force_and_approval_extends_it() -> None:
    uow = held()
    with pytest.raises(InvalidRequest, match="after the deadline"):
        extensions.submit_request(
            uow, F1, day=date(2018, 8, 11), new_deadline=date(2018, 9, 1), reason="r", today=TODAY
        )
    with pytest.raises(InvalidRequest, match="later than"):
        extensions.submit_request(
            uow, F1, day=date(2018, 8, 5), new_deadline=date(2018, 8, 10), reason="r", today=TODAY
        )
    request = extensions.submit_request(
        uow, F1, day=date(2018, 8, 5), new_deadline=date(2018, 9, 1), reason="资金", today=TODAY
    )
    extensions.decide(acting(uow, INSPECTOR), request.id, decision=RequestState.APPROVED)
    [event] = uow.findings.events(2018, F1)
    assert (event.type, event.date, event.new_deadline) == (
        EventType.EXTENSION,
        date(2018, 8, 5),
        date(2018, 9, 1),
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7 ...", PDF),
        (b"\xff\xd8\xff\xe0....", JPEG),
        (b"\x89PNG\r\n\x1a\n....", PNG),
        (b"<html>", None),
        (b"PK\x03\x04 not really a zip", None),
    ],
)
def test_types_are_read_from_the_bytes(content: bytes, expected: str | None) -> None:
    assert media_type_of(content) == expected


def test_office_files_are_told_apart_by_their_parts() -> None:
    import io
    import zipfile

    def zipped(*names: str) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in names:
                z.writestr(name, "x")
        return out.getvalue()

    assert media_type_of(zipped("[Content_Types].xml", "word/document.xml")) == DOCX
    assert media_type_of(zipped("[Content_Types].xml", "xl/workbook.xml")) == XLSX
    assert media_type_of(zipped("word/document.xml")) is None
