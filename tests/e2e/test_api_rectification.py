"""The rectification loop over HTTP (spec section 10): a responsible unit reports and asks for
more time, an inspector decides, and a positive decision changes the score exactly as the
event posted by hand would."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.test_api_inspections import inspection
from tests.helpers.api import Api, make_api, problem
from tests.helpers.bundles import spec_bundle

F1 = "2018-G1-07-01"  # village 441624101201, responsible SZ-NS-001, deadline 2018-08-10
F2 = "2018-G1-07-02"  # town 441624101, major, deadline 2018-08-01
OTHER = "2018-G1-09-01"  # in the other county, 441602
SCORES = "/api/v1/years/2018/scores?as_of=2018-12-31&limit=1000"


def loop_bundle() -> dict[str, Any]:
    """The spec's example with no events (both findings open) and a finding in the other
    county."""
    bundle = spec_bundle()
    bundle["events"] = []
    other = inspection(
        code="2018-G1-09",
        county="441602",
        sample={"towns": [], "villages": [], "households": []},
        findings=[
            {
                "code": OTHER,
                "unit": "441602",
                "criterion": "6.2",
                "severity": "general",
                "description": "台账不全",
                "deadline": "2018-09-15",
            }
        ],
    )
    bundle["inspections"].append(other)
    return bundle


def open_api(db_url: str, files: Path, **config: Any) -> Iterator[Api]:
    for api in make_api(db_url, files_dir=str(files), **config):
        api.load(loop_bundle())
        api.token("heping", "unit", ["441624"])
        api.token("yuancheng", "unit", ["441602"])
        yield api


@pytest.fixture(name="loop")
def loop_fixture(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from open_api(db_url, tmp_path / "files")


def png(size: tuple[int, int] = (32, 24), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def submit(api: Api, code: str, files: list[tuple[bytes, str]] | None = None, **fields: str) -> Any:
    """A report as multipart/form-data, as a unit person's browser or system sends it."""
    data: dict[str, Any] = {"date": "2018-08-08", "text": "已完成整改，补助已发放到位", **fields}
    data["files"] = [(io.BytesIO(content), name) for content, name in files or []]
    return api.client.post(
        f"/api/v1/findings/{code}/reports",
        data=data,
        content_type="multipart/form-data",
        headers=api.headers("heping"),
    )


def scores(api: Api) -> list[dict[str, Any]]:
    response = api.get(SCORES)
    assert response.status_code == 200, response.get_json()
    rows: list[dict[str, Any]] = response.get_json()["items"]
    return rows


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_accepted_report_scores_as_the_rectified_event_posted_by_hand(
    loop: Api, db_url: str, tmp_path: Path
) -> None:
    photo = png()
    made = submit(loop, F1, [(photo, "现场照片.png"), (b"%PDF-1.4\n%%EOF\n", "发放清单.pdf")])
    assert made.status_code == 201, made.get_json()
    report = made.get_json()
    assert report["state"] == "submitted" and report["finding"] == F1
    assert [f["name"] for f in report["files"]] == ["现场照片.png", "发放清单.pdf"]
    download = loop.client.get(report["files"][0]["url"], headers=loop.headers("heping"))
    assert download.status_code == 200 and download.data == photo
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")

    decided = loop.post(
        f"/api/v1/reports/{report['id']}/decision", {"decision": "accepted"}, who="inspector"
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["state"] == "accepted"
    events = loop.get(f"/api/v1/findings/{F1}/events").get_json()["items"]
    assert [(e["type"], e["date"]) for e in events] == [("rectified", "2018-08-08")]

    # The twin: the same data, the event posted by hand.
    twin_url = f"sqlite:///{tmp_path / 'twin.sqlite'}"
    from scoring_service.db import upgrade

    upgrade(twin_url)
    for twin in open_api(twin_url, tmp_path / "twin-files"):
        posted = twin.post(
            f"/api/v1/findings/{F1}/events", {"type": "rectified", "date": "2018-08-08"}
        )
        assert posted.status_code == 201
        assert scores(loop) == scores(twin)


def test_a_returned_report_changes_nothing_scored_and_tells_why(loop: Api) -> None:
    before = scores(loop)
    report = submit(loop, F1).get_json()
    returned = loop.post(
        f"/api/v1/reports/{report['id']}/decision",
        {"decision": "returned", "reason": "缺少发放签收单"},
        who="inspector",
    )
    assert returned.status_code == 200
    seen = loop.get(f"/api/v1/reports/{report['id']}", who="heping").get_json()
    assert seen["state"] == "returned" and seen["decision"]["reason"] == "缺少发放签收单"
    assert scores(loop) == before
    assert loop.get(f"/api/v1/findings/{F1}/events").get_json()["items"] == []
    # Returned, the unit may report again.
    assert submit(loop, F1).status_code == 201


def test_a_return_needs_a_reason_and_a_report_is_decided_once(loop: Api) -> None:
    report = submit(loop, F1).get_json()
    where = f"/api/v1/reports/{report['id']}/decision"
    problem(loop.post(where, {"decision": "returned"}, who="inspector"), 422)
    assert loop.post(where, {"decision": "accepted"}, who="inspector").status_code == 200
    again = problem(loop.post(where, {"decision": "returned", "reason": "x"}, who="inspector"), 409)
    assert "already decided" in again["detail"]


def test_a_second_report_waits_for_the_first_and_none_after_rectified(loop: Api) -> None:
    first = submit(loop, F1).get_json()
    assert "waiting" in problem(submit(loop, F1), 409)["detail"]
    loop.post(f"/api/v1/reports/{first['id']}/decision", {"decision": "accepted"}, who="inspector")
    assert "already rectified" in problem(submit(loop, F1), 409)["detail"]


def test_a_report_dated_before_the_finding_or_after_today_is_refused(loop: Api) -> None:
    assert (
        "before the finding was found"
        in problem(submit(loop, F1, date="2018-07-01"), 422)["detail"]
    )
    assert "after today" in problem(submit(loop, F1, date="2999-01-01"), 422)["detail"]


def test_a_report_as_json_without_files(loop: Api) -> None:
    made = loop.post(
        f"/api/v1/findings/{F2}/reports", {"date": "2018-07-30", "text": "已拨付"}, who="heping"
    )
    assert made.status_code == 201 and made.get_json()["files"] == []
    listed = loop.get(f"/api/v1/findings/{F2}/reports", who="heping").get_json()["items"]
    assert [r["id"] for r in listed] == [made.get_json()["id"]]
    waiting = loop.get("/api/v1/years/2018/reports?state=submitted").get_json()["items"]
    assert [r["finding"] for r in waiting] == [F2]


def test_a_file_of_another_type_is_refused_whatever_its_name_and_nothing_is_stored(
    loop: Api, tmp_path: Path
) -> None:
    page = b"<html><script>alert(1)</script></html>"
    refused = problem(submit(loop, F1, [(png(), "ok.png"), (page, "照片.jpg")]), 422)
    assert "照片.jpg" in refused["detail"] and "content" in refused["detail"]
    assert loop.get(f"/api/v1/findings/{F1}/reports").get_json()["items"] == []
    assert stored_files(tmp_path / "files") == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    db_url: str, tmp_path: Path
) -> None:
    for api in open_api(db_url, tmp_path / "files", evidence_file_bytes=1000):
        big = png((400, 400), "blue") + b"\0" * 2000
        refused = problem(submit(api, F1, [(png(), "a.png"), (big, "big.png")]), 422)
        assert "big.png" in refused["detail"] and "MB" in refused["detail"]
        assert api.get(f"/api/v1/findings/{F1}/reports").get_json()["items"] == []
        assert stored_files(tmp_path / "files") == []
        eleven = [(png(colour=c), f"{i}.png") for i, c in enumerate(["red"] * 11)]
        assert "at most 10 files" in problem(submit(api, F1, eleven), 422)["detail"]


def test_an_approved_request_extends_the_deadline(loop: Api) -> None:
    asked = loop.post(
        f"/api/v1/findings/{F1}/extension-requests",
        {"date": "2018-08-05", "new_deadline": "2018-09-10", "reason": "资金待拨付"},
        who="heping",
    )
    assert asked.status_code == 201, asked.get_json()
    request = asked.get_json()
    decided = loop.post(
        f"/api/v1/extension-requests/{request['id']}/decision",
        {"decision": "approved"},
        who="inspector",
    )
    assert decided.status_code == 200 and decided.get_json()["state"] == "approved"
    finding = loop.get(f"/api/v1/findings/{F1}?as_of=2018-08-20").get_json()
    assert finding["state"]["effective_deadline"] == "2018-09-10"
    assert finding["state"]["outcome"] == "open"


def test_a_refused_request_changes_nothing(loop: Api) -> None:
    before = scores(loop)
    request = loop.post(
        f"/api/v1/findings/{F1}/extension-requests",
        {"date": "2018-08-05", "new_deadline": "2018-09-10", "reason": "资金待拨付"},
        who="heping",
    ).get_json()
    refused = loop.post(
        f"/api/v1/extension-requests/{request['id']}/decision",
        {"decision": "refused", "reason": "理由不充分"},
        who="inspector",
    )
    assert refused.get_json()["decision"]["reason"] == "理由不充分"
    assert loop.get(f"/api/v1/findings/{F1}/events").get_json()["items"] == []
    assert scores(loop) == before


def test_a_request_after_the_deadline_is_refused(loop: Api) -> None:
    late = loop.post(
        f"/api/v1/findings/{F1}/extension-requests",
        {"date": "2018-08-11", "new_deadline": "2018-09-10", "reason": "资金待拨付"},
        who="heping",
    )
    assert "after the deadline" in problem(late, 422)["detail"]


def test_a_request_overtaken_by_another_extension_stays_waiting(loop: Api) -> None:
    # Placed on its date, the request's later deadline would make the hand-given extension
    # (to an earlier day) invalid: the history as it stands refuses it.
    body = {"date": "2018-08-05", "new_deadline": "2018-10-30", "reason": "资金待拨付"}
    first = loop.post(f"/api/v1/findings/{F1}/extension-requests", body, who="heping").get_json()
    loop.post(
        f"/api/v1/findings/{F1}/events",
        {
            "type": "extension",
            "date": "2018-08-06",
            "new_deadline": "2018-09-30",
            "reason": "电话沟通",
        },
    )
    where = f"/api/v1/extension-requests/{first['id']}"
    refused = problem(
        loop.post(f"{where}/decision", {"decision": "approved"}, who="inspector"), 409
    )
    assert "stays waiting" in refused["detail"]
    assert loop.get(where).get_json()["state"] == "submitted"


def test_a_unit_reports_only_on_its_findings_and_decides_nothing(loop: Api) -> None:
    # Another county's finding does not exist for it.
    other = loop.client.post(
        f"/api/v1/findings/{OTHER}/reports",
        json={"date": "2018-08-08", "text": "x"},
        headers=loop.headers("heping"),
    )
    problem(other, 404)
    report = submit(loop, F1).get_json()
    problem(loop.get(f"/api/v1/reports/{report['id']}", who="yuancheng"), 404)
    assert loop.get("/api/v1/years/2018/reports", who="yuancheng").get_json()["items"] == []
    problem(
        loop.post(
            f"/api/v1/reports/{report['id']}/decision", {"decision": "accepted"}, who="heping"
        ),
        403,
    )
    # Readers neither report nor decide.
    problem(
        loop.post(
            f"/api/v1/findings/{F1}/reports", {"date": "2018-08-08", "text": "x"}, who="reader"
        ),
        403,
    )


def test_a_unit_token_needs_a_scope(loop: Api) -> None:
    refused = problem(loop.post("/api/v1/tokens", {"name": "u", "role": "unit"}), 422)
    assert "scope" in refused["detail"]


def test_the_quarterly_archive_holds_the_quarters_reports_and_their_evidence(loop: Api) -> None:
    photo = png()
    report = submit(loop, F1, [(photo, "现场照片.png")]).get_json()
    loop.post(
        f"/api/v1/reports/{report['id']}/decision",
        {"decision": "returned", "reason": "照片不清晰"},
        who="inspector",
    )
    got = loop.client.get("/api/v1/years/2018/documents/archive?quarter=3", headers=loop.headers())
    assert got.status_code == 200, got.get_json()
    with zipfile.ZipFile(io.BytesIO(got.data)) as archive:
        names = archive.namelist()
        listed = json.loads(archive.read("整改报告/reports.json"))
        evidence = archive.read(f"整改报告/{F1}/{report['id']}-0-现场照片.png")
        sums = archive.read("SHA256SUMS").decode()
    assert evidence == photo
    assert [(r["finding"], r["state"], r["reason"]) for r in listed] == [
        (F1, "returned", "照片不清晰")
    ]
    assert f"{hashlib.sha256(photo).hexdigest()}  整改报告/{F1}/" in sums
    # Completed in the third quarter: the fourth quarter's archive has no report.
    other = loop.client.get(
        "/api/v1/years/2018/documents/archive?quarter=4", headers=loop.headers()
    )
    with zipfile.ZipFile(io.BytesIO(other.data)) as archive:
        assert not [n for n in archive.namelist() if n.startswith("整改报告/")]
    assert names
