"""The benchmark runner and the ``synth`` command it uses, end to end at a tiny scale.

No figure is checked: times depend on the machine. What is checked is that the runner
measures every step, prints its one table and exits 0.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from scoring_service.cli import main
from scoring_service.synth import synth_bundle

ROOT = Path(__file__).resolve().parents[2]


def test_synth_command_writes_the_generator_s_bundle(tmp_path: Path) -> None:
    args = ["synth", "--year", "2019", "--scale", "0.05", "--seed", "7"]
    out = io.StringIO()
    assert main(args, out=out) == 0
    assert json.loads(out.getvalue()) == synth_bundle(2019, 0.05, 7)
    target = tmp_path / "bundle.json"
    assert main([*args, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == out.getvalue()


def test_synth_command_refuses_a_bad_scale() -> None:
    err = io.StringIO()
    assert main(["synth", "--year", "2019", "--scale", "0"], out=io.StringIO(), err=err) == 2
    assert "scale" in err.getvalue()


def test_benchmark_runner_prints_its_table(tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--scales",
        "0.05",
        "--backends",
        "sqlite",
        "--quick",
        "--api-requests",
        "8",
        "--workdir",
        str(tmp_path),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("scale"))
    for column in ("backend", "measure", "median (range)", "floor", "x floor", "target"):
        assert column in header
    measures = [line for line in lines if line.startswith("0.05 ")]
    for measure in (
        "import",
        "import peak memory",
        "score run",
        "durable_rules alone",
        "score peak memory",
        "score command, whole process",
        "command start-up (--help)",
        "explain (unit with most findings)",
        "trend: every unit, 12 month ends",
        "draft diff",
        "reference: replay the year",
        "API GET 100 score rows p99",
        "API GET explanation, any date p99",
        "API POST event p99",
    ):
        assert any(f"  {measure}  " in line for line in measures), measure
    assert not any("errors" in line for line in measures), done.stdout
