"""The measured steps, each run in a child process of its own so that its peak memory is its own.

``spawn`` (in the parent) runs ``python -m benchmarks.children NAME URL [ARG]``; the child
runs one step and prints its figures as one JSON line on standard output.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, YEAR, child_env, peak_mib
from benchmarks.floors import child_floor_import, child_floor_score
from benchmarks.report import Figure, fmt
from scoring_service.access.roles import command_line
from scoring_service.unit_of_work import UnitOfWork


def _service(url: str) -> tuple[Any, Any]:
    """A session factory and the shipped rule files' source on ``url``, schema up to date."""
    from scoring_service import db
    from scoring_service.config import REPO_RULES_DIR, FileRuleSource, normalise_url

    url = normalise_url(url)
    db.upgrade(url)
    return db.make_session_factory(db.make_engine(url)), FileRuleSource(REPO_RULES_DIR)


def child_import(url: str, bundle: Path) -> dict[str, Any]:
    """Import the bundle file into an empty database, as the command line does (its path)."""
    from scoring_service.assessment.services import import_bundle
    from scoring_service.engine import DurableRulesEngine

    factory, rules = _service(url)
    rules.current(YEAR)  # the rule files are read once per process, not per import
    engine = DurableRulesEngine()  # as the command line's: the import scores the standings
    start = time.perf_counter()
    summary = import_bundle(UnitOfWork(factory, rules, engine, command_line()), bundle)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "findings": summary.findings, "peak_mib": peak_mib()}


def child_score(url: str) -> dict[str, Any]:
    """A stored score run; then, apart, its aggregate and scoring steps, the rule engine
    alone, and the reference computation (the whole year loaded and replayed)."""
    from scoring_service.assessment.services import score_year
    from scoring_service.db import counts, years
    from scoring_service.domain.assessment import assess, assess_counts
    from scoring_service.engine import DurableRulesEngine
    from scoring_service.engine.durable_engine import forget_evaluations
    from scoring_service.gc_pause import gc_paused

    factory, rules = _service(url)
    ruleset = rules.current(YEAR)
    engine = DurableRulesEngine()
    start = time.perf_counter()
    run = score_year(UnitOfWork(factory, rules, engine, command_line()), YEAR)
    seconds = time.perf_counter() - start
    peak = peak_mib()
    del run
    day, kinds = ruleset.cutoff, ruleset.scored_kinds
    # The steps apart, as compute() runs them (after the peak was read).
    with gc_paused():
        start = time.perf_counter()
        with factory() as session:
            units = counts.scored_units(session, YEAR, kinds)
            found = counts.unit_counts(session, YEAR, day, ruleset.attribution, kinds)
        counts_s = time.perf_counter() - start
        # Each step asks the engine itself, not what it remembers of the score run.
        forget_evaluations()
        start = time.perf_counter()
        assessment = assess_counts(YEAR, units, found, ruleset, day, engine)
        scoring_s = time.perf_counter() - start
        values = [r.metrics.values() for r in assessment.results]
        forget_evaluations()
        start = time.perf_counter()
        engine.evaluate(ruleset, values)
        rules_s = time.perf_counter() - start
        forget_evaluations()
        start = time.perf_counter()
        with factory() as session:
            data = years.load_year(session, YEAR)
        assert data is not None
        reference = assess(data, ruleset, day, engine)
        reference_s = time.perf_counter() - start
    assert reference.rows() == assessment.rows(), "the aggregate and the replay disagree"
    from scoring_service.engine.durable_compile import compile_ruleset
    from scoring_service.engine.port import group_inputs

    _, distinct = group_inputs(values, compile_ruleset(ruleset).metrics)
    return {
        "seconds": seconds,
        "peak_mib": peak,
        "counts_s": counts_s,
        "scoring_s": scoring_s,
        "reference_s": reference_s,
        "units": len(values),
        "distinct": len(distinct),
        "rules_s": rules_s,
    }


def child_explain(url: str) -> dict[str, Any]:
    """Explain the unit that counts the most findings (in the latest stored run)."""
    from scoring_service.assessment.services import explain_unit
    from scoring_service.db import score_runs as runs
    from scoring_service.engine import DurableRulesEngine

    factory, rules = _service(url)
    with factory() as session:
        run = runs.latest_score_run(session, YEAR)
    assert run is not None, "score the year before explaining"
    unit = max(run.rows, key=lambda r: (r["metrics"]["findings"], r["unit"]))["unit"]
    del run
    uow = UnitOfWork(factory, rules, DurableRulesEngine(), command_line())
    explain_unit(uow, YEAR, unit)  # the rule set's compiled form is cached from here on
    start = time.perf_counter()
    doc = explain_unit(uow, YEAR, unit)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "unit": unit, "findings": len(doc.get("findings", ()))}


def child_trend(url: str) -> dict[str, Any]:
    """Every scored unit at each month end of the year."""
    from scoring_service.assessment.trend import year_trend
    from scoring_service.engine import DurableRulesEngine

    factory, rules = _service(url)
    rules.current(YEAR)
    start = time.perf_counter()
    trend = year_trend(UnitOfWork(factory, rules, DurableRulesEngine(), command_line()), YEAR)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "units": len(trend.series), "peak_mib": peak_mib()}


def child_diff(url: str) -> dict[str, Any]:
    """A dry run of a draft that raises R1's and R2's 0.95 to 0.97, against the rules in force."""
    from scoring_service.bootstrap import bootstrap
    from scoring_service.config import REPO_RULES_DIR, Settings, normalise_url
    from scoring_service.rulesets.service import dry_run

    wiring = bootstrap(Settings.from_env(database_url=normalise_url(url)), migrate=True)
    files = {
        p.name: p.read_text(encoding="utf-8") for p in (REPO_RULES_DIR / str(YEAR)).glob("*.yaml")
    }
    files["rules.yaml"] = files["rules.yaml"].replace("rate >= 0.95", "rate >= 0.97")
    files["rules.yaml"] = files["rules.yaml"].replace("rate < 0.95", "rate < 0.97")
    wiring.rules.current(YEAR)
    start = time.perf_counter()
    diff = dry_run(wiring.unit_of_work(command_line()), YEAR, files=files)
    seconds = time.perf_counter() - start
    wiring.close()
    return {"seconds": seconds, "changed": len(diff.diff.changes)}


def command_seconds(url: str, *args: str) -> float:
    """The wall time of one whole ``python -m scoring_service --db URL ARGS`` process, its
    output read and dropped, as a person running the command waits for it."""
    env = child_env()
    # An installed service runs from byte-code compiled once; a set PYTHONDONTWRITEBYTECODE
    # would add compiling every module to each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "scoring_service", "--db", url, *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, timeout=600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"scoring_service {' '.join(args)} failed ({done.returncode})")
    return seconds


def command_figures(url: str, repeat: int) -> list[Figure]:
    """``score --format json`` as a whole process, and the start-up every command pays
    (``--help``: the interpreter, the imports, the parser), measured apart."""
    command_seconds(url, "--help")  # byte-code written, if it was not yet
    starts = [command_seconds(url, "--help") for _ in range(max(3, repeat))]
    scores = [
        command_seconds(url, "score", "--year", str(YEAR), "--format", "json")
        for _ in range(max(3, repeat))
    ]
    less = statistics.median(scores) - statistics.median(starts)
    return [
        Figure(
            "score command, whole process",
            "s",
            scores,
            note=f"score --format json; less start-up: {fmt(less)} s",
        ),
        Figure("  command start-up (--help)", "s", starts, ratio=False),
    ]


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "import": child_import,
    "score": child_score,
    "explain": child_explain,
    "trend": child_trend,
    "diff": child_diff,
    "floor-import": child_floor_import,
    "floor-score": child_floor_score,
}


def run_child(argv: Sequence[str]) -> None:
    """``NAME URL [ARG]``: run one step and print its figures as JSON."""
    name, url, *rest = argv
    args: list[Any] = [url]
    if name in ("import", "floor-import"):
        args.append(Path(rest[0]))
    elif name == "floor-score":
        args.append(int(rest[0]))
    print(json.dumps(CHILDREN[name](*args)))


def spawn(name: str, url: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run one child step and return its figures."""
    command = [sys.executable, "-m", "benchmarks.children", name, url, *args]
    done = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {name} step failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    run_child(sys.argv[1:])
