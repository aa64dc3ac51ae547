"""Benchmarks at city to province scale, each beside the floor it could at best reach.

    .venv/bin/python benchmarks/run.py [--scales 1,10,50] [--backends sqlite,postgresql]
                                       [--quick] [--repeat N] [--no-api | --api-only]
                                       [--api-series get,explain,post] [--json FILE]

For each scale and backend it generates a bundle (``python -m scoring_service synth``),
then measures, each in a child process of its own so peak memory is that step's alone:

- import: ``import_bundle`` of the file into an empty database; the floor is ``json.load``
  of the same file plus a plain ``executemany`` of the same rows (units, pairings, groups,
  inspections, samples, findings, responsible units, events) into bare tables (no keys,
  no indexes) on the same backend;
- score run: ``score_year`` (load, metrics, rules, caps, grades, ranks, stored run), timed
  inside the process (not the interpreter's start); the floor is one SQL GROUP BY counting
  each unit's findings with and without a rectified event, on the stored data;
- durable_rules alone: ``DurableRulesEngine.evaluate`` over the year's metric values;
- explain of the unit with the most findings;
- the HTTP API under load on 127.0.0.1, served by ``python -m scoring_service serve``
  (gunicorn): GET a page of 100 score rows, POST an event; bounded in count and time.

Figures are the median of the repeats with their range (min-max); "x floor" divides the
medians. Targets apply at scale 50: ratios and API latencies are judged on medians, the
score run's time and peak memory on the worst repeat. Nothing here asserts a time: the
output is a table for people to read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts this folder first on the path: put the project's root there
# instead, so that the benchmarks' modules are imported as the package ``benchmarks`` only.
if sys.path and Path(sys.path[0] or ".").resolve() == ROOT / "benchmarks":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# After the path is set:
from benchmarks.backends import DEFAULT_POSTGRES_URL, PostgresBackend, SqliteBackend  # noqa: E402
from benchmarks.common import say  # noqa: E402
from benchmarks.report import Section, machine, report, samples_json  # noqa: E402
from benchmarks.scale import bench, make_bundle  # noqa: E402


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options, with the defaults that depend on --quick filled in."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,50", help="comma-separated (default 1,10,50)")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="sqlite and/or postgresql (default both)"
    )
    parser.add_argument("--quick", action="store_true", help="one repeat, a short API load")
    parser.add_argument("--repeat", type=int, help="repeats of each step (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-api", dest="api", action="store_false", help="skip the API load")
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="only the API load: one import and one score run (unmeasured) before it",
    )
    parser.add_argument(
        "--api-series",
        default="get,explain,post",
        help="the API series to run, of get, explain and post (default all three)",
    )
    parser.add_argument(
        "--api-requests",
        type=int,
        help="requests per series (default 400, quick 40); each series runs --repeat times",
    )
    parser.add_argument("--api-seconds", type=float, help="time limit per series (default 30)")
    parser.add_argument("--api-clients", type=int, default=4, help="concurrent connections")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SCORING_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the benchmark's own PostgreSQL database, created when missing "
        f"(default $SCORING_BENCH_POSTGRES_URL or {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--workdir", type=Path, help="keep bundles and SQLite files here")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    options = parser.parse_args(argv)
    options.repeat = options.repeat or (1 if options.quick else 3)
    options.api_requests = options.api_requests or (40 if options.quick else 400)
    options.api_seconds = options.api_seconds or (10.0 if options.quick else 30.0)
    options.api_series = [s.strip() for s in options.api_series.split(",") if s.strip()]
    unknown = set(options.api_series) - {"get", "explain", "post"}
    if unknown or not options.api_series:
        parser.error(f"--api-series: unknown series {', '.join(sorted(unknown)) or '(none)'}")
    if options.api_only and not options.api:
        parser.error("--api-only and --no-api exclude each other")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every scale on every backend; print the table."""
    options = parse_args(argv)
    scales = [float(s) for s in options.scales.split(",") if s.strip()]
    names = [b.strip() for b in options.backends.split(",") if b.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="scoring-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = PostgresBackend(options.postgres_url) if "postgresql" in names else None
    sections: list[Section] = []
    started = time.perf_counter()
    try:
        header = machine([SqliteBackend(workdir, 0)] + ([postgres] if postgres else []))
        for scale in scales:
            bundle = make_bundle(scale, options.seed, workdir)
            for name in names:
                backend = SqliteBackend(workdir, scale) if name == "sqlite" else postgres
                assert backend is not None
                say(f"scale {scale:g} on {name}")
                sections.append(bench(scale, backend, bundle, workdir, options))
    finally:
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report(sections, header, seed=options.seed, repeat=options.repeat))
    print()
    print(f"done in {time.perf_counter() - started:.0f} s")
    if options.json:
        options.json.write_text(samples_json(sections, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
