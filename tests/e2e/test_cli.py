"""The command line as the assessment office uses it: import, years, score, explain, alerts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from scoring_service.cli import main
from scoring_service.db import make_engine
from tests.helpers.bundles import spec_bundle

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
DEMO_2018 = FIXTURES / "demo-2018.bundle.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def write(tmp_path: Path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def test_import_then_years_then_refusal_without_replace(sqlite_url: str, tmp_path: Path) -> None:
    bundle = write(tmp_path, "b.json", json.dumps(spec_bundle(), ensure_ascii=False))
    code, out, _ = run("--db", sqlite_url, "import", bundle, "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert summary["stored"] is True and summary["year"] == 2018
    assert summary["counts"] == {
        "units": 6,
        "pairings": 1,
        "groups": 1,
        "inspections": 1,
        "findings": 2,
        "events": 7,
    }
    code, out, _ = run("--db", sqlite_url, "years")
    assert code == 0 and "2018" in out
    code, _, err = run("--db", sqlite_url, "import", bundle)
    assert code == 1 and "already has data" in err
    code, out, _ = run("--db", sqlite_url, "import", bundle, "--replace")
    assert code == 0 and out.startswith("replaced the year 2018")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (
            b'{"format": "assessment-bundle/1", "year": 2018, "units": [], "events": 5}',
            "must be a list",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message_and_stores_nothing(
    sqlite_url: str, tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = write(tmp_path, "bad.json", content)
    code, _, err = run("--db", sqlite_url, "import", path)
    assert code == 2 and fragment in err and "Traceback" not in err
    code, out, _ = run("--db", sqlite_url, "years")
    assert "no year is held" in out


def test_import_errors_as_json_carry_pointers(sqlite_url: str, tmp_path: Path) -> None:
    bundle = spec_bundle()
    bundle["inspections"][0]["findings"][0]["deadline"] = "2018-07-01"
    path = write(tmp_path, "bad.json", json.dumps(bundle))
    code, out, _ = run("--db", sqlite_url, "import", path, "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc["stored"] is False
    assert doc["errors"][0]["pointer"] == "/inspections/0/findings/0/deadline"


def test_missing_file_and_bad_arguments_exit_2(sqlite_url: str) -> None:
    assert run("--db", sqlite_url, "import", "/no/such/file.json")[0] == 2
    assert run("--db", sqlite_url, "score", "--year", "2018", "--as-of", "2018-02-30")[0] == 2
    assert run("--db", sqlite_url, "frobnicate")[0] == 2


def test_score_before_import_and_before_the_year_are_clear(sqlite_url: str) -> None:
    code, _, err = run("--db", sqlite_url, "score", "--year", "2018")
    assert code == 1 and "import a bundle first" in err
    code, _, err = run("--db", sqlite_url, "score", "--year", "2017")
    assert code == 1 and "no rule set" in err


@pytest.mark.language(None)  # what a user who sets nothing reads: Chinese
def test_demo_scores_table_json_csv_explain_and_alerts(sqlite_url: str) -> None:
    assert run("--db", sqlite_url, "import", str(DEMO_2018))[0] == 0
    code, out, _ = run("--db", sqlite_url, "score", "--year", "2018")
    assert code == 0 and "【县区】" in out and "和平县" in out
    code, out, _ = run(
        "--db", sqlite_url, "score", "--year", "2018", "--format", "json", "--kind", "county"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 7 and {r["kind"] for r in rows} == {"county"}
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    code, out, _ = run("--db", sqlite_url, "score", "--year", "2018", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("\ufeff类别,名次")
    worst = rows[-1]["unit"]
    code, out, _ = run("--db", sqlite_url, "explain", "--year", "2018", worst, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["row"] == rows[-1]
    assert len(doc["findings"]) == rows[-1]["metrics"]["findings"]
    assert {r["rule"] for r in doc["rules"] if r["fired"]} == {f["rule"] for f in rows[-1]["fired"]}
    code, out, _ = run("--db", sqlite_url, "explain", "--year", "2018", worst)
    assert code == 0 and "计入的问题" in out
    code, _, err = run("--db", sqlite_url, "explain", "--year", "2018", "NO-SUCH-UNIT")
    assert code == 1 and "NO-SUCH-UNIT" in err
    code, out, _ = run("--db", sqlite_url, "alerts", "--year", "2018", "--format", "json")
    assert code == 0 and all({"type", "detail"} <= set(a) for a in json.loads(out))
    code, _, err = run("--db", sqlite_url, "alerts", "--year", "2018", "--as-of", "2017-12-31")
    assert code == 2 and "截至日期 2017-12-31 早于 2018 年度开始" in err


def test_json_output_is_the_standard_librarys_indented_json(db_url: str, tmp_path: Path) -> None:
    """What the commands print as JSON is, byte for byte, ``json.dumps(..., indent=1,
    ensure_ascii=False)`` of what it says, to standard output and to ``-o FILE`` alike."""
    for fixture in (DEMO_2018, FIXTURES / "demo-2019.bundle.json"):
        code, out, _ = run("--db", db_url, "import", str(fixture), "--format", "json")
        assert code == 0 and out == json.dumps(json.loads(out), ensure_ascii=False, indent=1) + "\n"
    commands = [
        ("score", "--year", "2018", "--format", "json"),
        ("score", "--year", "2019", "--format", "json", "--kind", "town"),
        ("trend", "--year", "2018", "--format", "json"),
        ("trend", "--year", "2019", "--format", "json", "--kind", "county"),
        ("explain", "--year", "2018", "441624", "--format", "json"),
        ("alerts", "--year", "2019", "--format", "json"),
        ("db", "check", "--format", "json"),
    ]
    for argv in commands:
        code, out, err = run("--db", db_url, *argv)
        assert code == 0, err
        doc = json.loads(out)
        assert doc, argv
        assert out == json.dumps(doc, ensure_ascii=False, indent=1) + "\n", argv
    for argv in commands[:1] + commands[4:6]:
        path = tmp_path / "out.json"
        code, out, _ = run("--db", db_url, *argv, "-o", str(path))
        printed = run("--db", db_url, *argv)[1]
        assert code == 0 and out == "" and path.read_text(encoding="utf-8") == printed


def test_a_command_run_in_process_leaves_the_collector_as_it_found_it(sqlite_url: str) -> None:
    """The command line pauses and freezes the garbage collector while it loads: a caller
    running commands in its own process (a test, a script) gets it back running, with
    nothing frozen, whether the command succeeds or fails."""
    import gc

    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert run("--db", sqlite_url, "years")[0] == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert run("--db", sqlite_url, "explain", "--year", "2018", "NO-SUCH-UNIT")[0] != 0
    assert gc.isenabled() and gc.get_freeze_count() == 0


# What a score run has no use for: the web stack, the documents' and spreadsheets'
# libraries, the bundle's and the rule files' readers, and the schema's migrations.
NOT_FOR_SCORING = {"flask", "werkzeug", "jinja2", "docx", "docxtpl", "openpyxl", "ijson"}
NOT_FOR_SCORING |= {"pydantic", "pydantic_settings", "yaml", "alembic", "api", "web", "edge"}


def test_scoring_commands_import_nothing_they_do_not_use(sqlite_url: str) -> None:
    """``score``, ``explain`` and ``trend``, each its own process: once a command has loaded
    the year's rule files, the next needs neither them nor what other commands use (each
    import costs every run)."""
    assert run("--db", sqlite_url, "import", str(DEMO_2018))[0] == 0
    script = (
        "import json, sys\n"
        "from scoring_service.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    commands = [
        ["score", "--year", "2018"],  # keeps the rule set, if no command of this run did yet
        ["score", "--year", "2018"],
        ["score", "--year", "2018", "--format", "json"],
        ["explain", "--year", "2018", "441624"],
        ["trend", "--year", "2018"],
    ]
    for index, command in enumerate(commands):
        done = subprocess.run(
            [sys.executable, "-c", script, "--db", sqlite_url, *command],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        loaded = set(json.loads(done.stderr.splitlines()[-1]))
        assert {"sqlalchemy", "durable_rules_engine"} <= loaded
        if index:
            assert loaded & NOT_FOR_SCORING == set(), command


def test_score_kind_must_be_a_scored_kind(sqlite_url: str) -> None:
    run("--db", sqlite_url, "import", str(DEMO_2018))
    code, _, err = run("--db", sqlite_url, "score", "--year", "2018", "--kind", "village")
    assert code == 2 and "not a scored kind" in err


def test_command_line_writes_are_audited_with_the_user(db_url: str, tmp_path: Path) -> None:
    """An import and a score run each leave one audit entry naming the operating-system
    user, written with the change; a refused import leaves none."""
    import getpass

    from scoring_service.access import audit
    from scoring_service.access.roles import command_line
    from scoring_service.config import REPO_RULES_DIR, FileRuleSource
    from scoring_service.db import make_engine, make_session_factory
    from scoring_service.unit_of_work import UnitOfWork

    bundle = write(tmp_path, "b.json", json.dumps(spec_bundle(), ensure_ascii=False))
    bad = spec_bundle()
    bad["units"][0]["kind"] = "province"
    broken = write(tmp_path, "bad.json", json.dumps(bad, ensure_ascii=False))
    assert run("--db", db_url, "import", bundle)[0] == 0
    assert run("--db", db_url, "import", broken, "--replace")[0] == 2
    assert run("--db", db_url, "score", "--year", "2018", "--format", "json")[0] == 0
    engine = make_engine(db_url)
    try:
        sessions = make_session_factory(engine)
        uow = UnitOfWork(sessions, FileRuleSource(REPO_RULES_DIR), None, command_line())
        page = audit.entries(uow, limit=100)
    finally:
        engine.dispose()
    actions = [(e.action, e.record_type, e.record) for e in reversed(page.items)]
    assert actions[0] == ("bundle.import", "year", "2018")
    assert [a for a, _, _ in actions].count("bundle.import") == 1  # the refused one left none
    assert [a for a, _, _ in actions].count("score_run.create") == 1
    assert all(getpass.getuser() in e.token for e in page.items)
    assert page.items[-1].detail["replaced"] is False


def test_a_refused_kind_stores_no_score_run(sqlite_url: str) -> None:
    run("--db", sqlite_url, "import", str(DEMO_2018))
    code, out, err = run("--db", sqlite_url, "score", "--year", "2018", "--kind", "xyz")
    assert code == 2 and out == ""
    assert err == "error: 'xyz' is not a scored kind; choose from county, helping_unit, town\n"
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM score_runs")).scalar() == 0
    finally:
        engine.dispose()


def test_make_demo_loads_the_database_the_commands_read(tmp_path: Path) -> None:
    # A fresh checkout: the Makefile and what it reads, the venv taken as installed.
    for name in ("Makefile", "fixtures", "rules", "scoring_service"):
        (tmp_path / name).symlink_to(REPO / name)
    unset = ("SCORING_DATABASE_URL", "SCORING_RULES_DIR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    demo = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "demo", f"PY={sys.executable}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "和平县" in demo.stdout
    years = subprocess.run(
        [sys.executable, "-m", "scoring_service", "years"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert years.returncode == 0, years.stderr
    held = [line.split()[0] for line in years.stdout.splitlines()[2:]]
    assert held == ["2018", "2019"], years.stdout


@pytest.mark.parametrize(
    "command", [("score", "--year", "2018"), ("synth", "--year", "2018", "--scale", "0.1")]
)
def test_a_reader_that_stops_early_ends_the_command_quietly(
    sqlite_url: str, command: tuple[str, ...]
) -> None:
    assert run("--db", sqlite_url, "import", str(DEMO_2018))[0] == 0
    # `... | head`: the reader has gone before the command writes, so every write fails.
    with subprocess.Popen(
        [sys.executable, "-m", "scoring_service", "--db", sqlite_url, *command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait() == 1
    assert err == ""


def test_tokens_create_refuses_a_live_name_and_reuses_a_revoked_one(db_url: str) -> None:
    create = ("--db", db_url, "tokens", "create", "--name", "office", "--role", "admin")
    assert run(*create)[0] == 0
    code, out, err = run(*create)
    assert code == 1 and out == ""
    assert err == "error: a live token is already named 'office'; revoke it or pick another name\n"
    assert run("--db", db_url, "tokens", "revoke", "office")[0] == 0
    code, out, _ = run(*create)
    assert code == 0 and out.startswith("sst_")
    code, out, _ = run("--db", db_url, "tokens", "list")
    assert code == 0 and sum(" office " in line for line in out.splitlines()) == 1


def test_a_setting_that_cannot_work_is_refused_in_words(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line reads the same settings as the API, and checks them the same way."""
    monkeypatch.setenv("SCORING_ENGINE", "fast")
    code, _, err = run("--db", sqlite_url, "years")
    assert code == 2 and err == "error: SCORING_ENGINE must be 'durable' or 'python'\n"
