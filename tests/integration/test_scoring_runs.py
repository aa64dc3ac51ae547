"""Score runs stored and read back; rule files steer the scores without code changes."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import compute, import_bundle, score_year
from scoring_service.cli import main
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import score_runs as runs
from scoring_service.engine import DurableRulesEngine, PythonEngine
from scoring_service.unit_of_work import UnitOfWork

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-2018.bundle.json"


def test_a_stored_run_reads_back_with_the_same_rows(session_factory: sessionmaker[Session]) -> None:
    rules = FileRuleSource(REPO_RULES_DIR)
    import_bundle(UnitOfWork(session_factory, rules, None, command_line()), DEMO.read_bytes())
    run = score_year(UnitOfWork(session_factory, rules, DurableRulesEngine(), command_line()), 2018)
    assert run.as_of.isoformat() == "2018-12-31"
    assert run.ruleset_hash == rules.current(2018).content_hash  # type: ignore[union-attr]
    with session_factory() as session:
        again = runs.get_score_run(session, run.id)
        latest = runs.latest_score_run(session, 2018)
    assert again is not None and latest is not None
    assert again.rows == run.rows == latest.rows
    assert len(run.rows) > 0 and all("fired" in r for r in run.rows)


def test_engine_and_exact_evaluator_agree_on_the_demo_year(
    session_factory: sessionmaker[Session],
) -> None:
    rules = FileRuleSource(REPO_RULES_DIR)
    import_bundle(UnitOfWork(session_factory, rules, None, command_line()), DEMO.read_bytes())
    for day in (None, date(2018, 9, 30)):
        durable, _ = compute(
            UnitOfWork(session_factory, rules, DurableRulesEngine(), command_line()),
            2018,
            as_of=day,
        )
        exact, _ = compute(
            UnitOfWork(session_factory, rules, PythonEngine(), command_line()), 2018, as_of=day
        )
        assert durable.rows() == exact.rows()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_a_changed_threshold_changes_scores_and_a_broken_file_names_its_place(
    tmp_path: Path,
) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(REPO_RULES_DIR, rules_dir)
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    base = ("--db", db, "--rules-dir", str(rules_dir))
    assert run(*base, "import", str(DEMO))[0] == 0
    code, out, _ = run(*base, "score", "--year", "2018", "--format", "json")
    before = {r["unit"]: r for r in json.loads(out)}
    commended = {u for u, r in before.items() if "commendation" in r["measures"]}
    assert commended
    rules_file = rules_dir / "2018" / "rules.yaml"
    text = rules_file.read_text(encoding="utf-8")
    rules_file.write_text(text.replace("rate >= 0.95 and", "rate >= 1.01 and"), encoding="utf-8")
    code, out, _ = run(*base, "score", "--year", "2018", "--format", "json")
    after = {r["unit"]: r for r in json.loads(out)}
    assert code == 0
    assert not any("commendation" in r["measures"] for r in after.values())
    assert all(after[u]["bonus"] < before[u]["bonus"] for u in commended)
    rules_file.write_text(text.replace("rate >= 0.95 and", "rate >= and"), encoding="utf-8")
    code, _, err = run(*base, "score", "--year", "2018")
    assert code == 2
    assert "rules.yaml:" in err and "when" in err
