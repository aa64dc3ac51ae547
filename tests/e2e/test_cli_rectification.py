"""The rectification loop on the command line: an office lists what waits, reads a report and
decides it; and a report with files killed mid-way leaves the whole report or nothing."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from scoring_service.assessment.services import import_bundle
from scoring_service.bootstrap import bootstrap
from scoring_service.cli import main
from scoring_service.config import Settings
from scoring_service.domain.principals import Principal, Role
from scoring_service.records import extensions, reports
from tests.e2e.test_api_rectification import F1, F2, loop_bundle, png

ROOT = Path(__file__).resolve().parents[2]
HEPING = Principal(None, "heping", Role.UNIT, frozenset({"441624"}))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(name="held")
def held_fixture(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The loop's bundle, a report with a photo on F1 and a request on F2, by a unit."""
    monkeypatch.setenv("SCORING_FILES_DIR", str(tmp_path / "files"))
    wiring = bootstrap(Settings.from_env(database_url=db_url))
    try:
        admin = wiring.unit_of_work(Principal(None, "admin", Role.ADMIN))
        import_bundle(admin, json.dumps(loop_bundle()))
        unit = wiring.unit_of_work(HEPING)
        reports.submit_report(
            unit,
            F1,
            day=date(2018, 8, 8),
            text="补助已发放",
            files=[("照片.png", png())],
        )
        extensions.submit_request(
            unit,
            F2,
            day=date(2018, 7, 20),
            new_deadline=date(2018, 8, 31),
            reason="资金待拨付",
        )
    finally:
        wiring.close()
    return db_url


@pytest.mark.language(None)
def test_reports_are_listed_shown_and_decided_in_chinese(held: str) -> None:
    code, out, _ = run("--db", held, "reports", "list", "--year", "2018", "--state", "submitted")
    assert code == 0
    assert "待审核" in out and F1 in out and "提交人" in out
    code, out, _ = run("--db", held, "reports", "show", "1")
    assert code == 0 and "照片.png" in out and "补助已发放" in out
    code, _, err = run("--db", held, "reports", "decide", "1", "returned")
    assert code == 2 and "理由" in err
    code, out, _ = run("--db", held, "reports", "decide", "1", "returned", "--reason", "缺签收单")
    assert code == 0 and "缺签收单" in out
    code, _, err = run("--db", held, "reports", "decide", "1", "accepted")
    assert code == 1 and "已审核" in err


def test_extensions_are_listed_and_decided_as_json(held: str) -> None:
    code, out, _ = run("--db", held, "extensions", "list", "--year", "2018", "--format", "json")
    assert code == 0
    [request] = json.loads(out)
    assert (request["finding"], request["state"], request["new_deadline"]) == (
        F2,
        "submitted",
        "2018-08-31",
    )
    code, out, _ = run("--db", held, "extensions", "decide", "1", "approved", "--format", "json")
    assert code == 0 and json.loads(out)["state"] == "approved"
    code, out, _ = run(
        "--db", held, "reports", "list", "--year", "2018", "--finding", F1, "--format", "json"
    )
    assert [r["files"][0]["name"] for r in json.loads(out)] == ["照片.png"]


# A report with files, in a process that stops for good between writing its files and
# committing them: the parent kills it there (or, with "after", once it committed).
CRASHING = textwrap.dedent(
    """
    import datetime, io, json, os, sys, time
    from PIL import Image
    from scoring_service.domain.principals import Principal, Role
    from scoring_service.bootstrap import bootstrap
    from scoring_service.config import Settings
    from scoring_service.records import reports
    from scoring_service.unit_of_work import UnitOfWork

    url, marker, when = sys.argv[1:4]
    commit = UnitOfWork.commit

    def stop_here() -> None:
        open(marker, "w").close()
        while True:
            time.sleep(1)

    def commit_then_stop(self: UnitOfWork) -> None:
        if when == "before":
            stop_here()
        commit(self)
        stop_here()

    UnitOfWork.commit = commit_then_stop
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "JPEG")
    wiring = bootstrap(Settings.from_env(database_url=url))
    unit = wiring.unit_of_work(Principal(None, "heping", Role.UNIT, frozenset({"441624"})))
    reports.submit_report(
        unit, "2018-G1-07-02", day=datetime.date(2018, 7, 30), text="已拨付",
        files=[("a.jpg", out.getvalue()), ("b.pdf", b"%PDF-1.4 crash")],
    )
    """
)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_report_killed_mid_way_is_whole_or_absent_and_the_sweep_leaves_no_orphan(
    held: str, tmp_path: Path, when: str
) -> None:
    marker = tmp_path / "stopped"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCORING_FILES_DIR": str(tmp_path / "files")}
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING, held, str(marker), when], env=env, cwd=ROOT
    )
    try:
        while not marker.exists():  # the child reaches its stopping point, or fails
            assert child.poll() is None, "the reporting process ended before its stop"
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    code, out, _ = run(
        "--db", held, "reports", "list", "--year", "2018", "--finding", F2, "--format", "json"
    )
    assert code == 0
    listed = json.loads(out)
    if when == "before":
        assert listed == []
    else:
        assert [len(r["files"]) for r in listed] == [2]
    code, out, _ = run("--db", held, "files", "check", "--format", "json")
    assert (code, len(json.loads(out)["orphans"])) == ((1, 2) if when == "before" else (0, 0))
    code, out, _ = run("--db", held, "db", "check")
    assert ("2 no report names" in out) == (when == "before")
    code, _, _ = run("--db", held, "files", "sweep", "--older-than", "0")
    assert code == 0
    code, out, _ = run("--db", held, "files", "check", "--format", "json")
    assert (code, json.loads(out)) == (0, {"orphans": [], "missing": []})
    code, out, _ = run("--db", held, "db", "check")
    assert code == 0 and "evidence files" not in out
    files = sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file())
    expected = 1 + (2 if when == "after" else 0)  # the fixture's photo, and the report's
    assert len(files) == expected
