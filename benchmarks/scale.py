"""One scale on one backend: the bundle, then every step measured beside its floor."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks.api_load import bench_api
from benchmarks.backends import Backend
from benchmarks.children import command_figures, spawn
from benchmarks.common import YEAR, cli, say
from benchmarks.report import Figure, Section, fmt

TARGET_SCALE = 50.0  # a province: most targets
LARGE_SCALE = 200.0  # four provinces' worth in one year: how the cost grows


def bench(
    scale: float, backend: Backend, bundle: Path, workdir: Path, options: argparse.Namespace
) -> Section:
    """Every figure of one scale on one backend."""
    section = Section(scale, backend.name)
    if options.api_only:
        return _api_only(scale, backend, bundle, workdir, options, section)
    at_target = scale == TARGET_SCALE
    large = scale >= LARGE_SCALE
    repeat = options.repeat

    imports, floors = [], []
    for n in range(repeat):
        say(f"  import {n + 1}/{repeat}")
        backend.reset()
        imports.append(spawn("import", backend.url, str(bundle)))
        floors.append(spawn("floor-import", backend.url, str(bundle)))
    section.findings = imports[0]["findings"]
    import_s = [r["seconds"] for r in imports]
    floor_s = [r["seconds"] for r in floors]
    ratio = statistics.median(import_s) / statistics.median(floor_s)
    section.figures += [
        Figure(
            "import",
            "s",
            import_s,
            floor_s,
            targets=[("<= 3x floor", ratio <= 3)] if at_target or large else [],
            note=f"floor's json.load: {fmt(statistics.median(r['json_s'] for r in floors))} s",
        ),
        Figure(
            "import",
            "findings/s",
            [section.findings / s for s in import_s],
            [section.findings / s for s in floor_s],
            ratio=False,
        ),
        Figure(
            "import peak memory",
            "MiB",
            [r["peak_mib"] for r in imports],
            [r["peak_mib"] for r in floors],
            targets=[("< 1 GiB", max(r["peak_mib"] for r in imports) < 1024)]
            if at_target or large
            else [],
            ratio=False,
        ),
    ]

    scores = []
    for n in range(repeat):
        say(f"  score {n + 1}/{repeat}")
        scores.append(spawn("score", backend.url))
    floor = spawn("floor-score", backend.url, str(max(3, repeat)))
    score_s = [r["seconds"] for r in scores]
    ratio = statistics.median(score_s) / statistics.median(floor["times"])
    last = scores[-1]
    score_targets = []
    if at_target:
        score_targets = [("<= 2x floor", ratio <= 2), ("< 1 s", max(score_s) < 1)]
    elif large:
        score_targets = [("< 4 s", max(score_s) < 4)]
    section.figures += [
        Figure("score run", "s", score_s, floor["times"], targets=score_targets),
        Figure(
            "  of which the aggregate",
            "s",
            [r["counts_s"] for r in scores],
            note="measured apart: one SQL statement",
        ),
        Figure(
            "  of which scoring",
            "s",
            [r["scoring_s"] for r in scores],
            note="measured apart: rates, rules, caps, grades, ranks",
        ),
        Figure(
            "reference: replay the year",
            "s",
            [r["reference_s"] for r in scores],
            note="load_year + assess, as before; rows equal",
        ),
        Figure(
            "durable_rules alone",
            "units/s",
            [r["units"] / r["rules_s"] for r in scores],
            note=f"{last['units']:,} units, {last['distinct']:,} distinct metric sets",
        ),
        Figure(
            "score peak memory",
            "MiB",
            [r["peak_mib"] for r in scores],
            targets=[("< 1 GiB", max(r["peak_mib"] for r in scores) < 1024)]
            if at_target or large
            else [],
        ),
    ]

    say("  score command, whole process")
    section.figures += command_figures(backend.url, repeat)

    explains = []
    for n in range(repeat):
        say(f"  explain {n + 1}/{repeat}")
        explains.append(spawn("explain", backend.url))
    explain_ms = [r["seconds"] * 1000 for r in explains]
    section.figures.append(
        Figure(
            "explain (unit with most findings)",
            "ms",
            explain_ms,
            targets=[("< 50 ms", statistics.median(explain_ms) < 50)] if at_target else [],
            note=f"unit {explains[0]['unit']}, {explains[0]['findings']:,} findings",
        )
    )
    limits = {"trend": 0.5, "diff": 3.0}  # seconds, at the target scale
    for name, measure in (("trend", "trend: every unit, 12 month ends"), ("diff", "draft diff")):
        runs = []
        for n in range(repeat):
            say(f"  {name} {n + 1}/{repeat}")
            runs.append(spawn(name, backend.url))
        times = [r["seconds"] for r in runs]
        note = (
            f"{runs[0]['units']:,} units"
            if name == "trend"
            else f"R1/R2 0.95 -> 0.97: {runs[0]['changed']:,} units change"
        )
        section.figures.append(
            Figure(
                measure,
                "s",
                times,
                targets=[(f"< {limits[name]:g} s", statistics.median(times) < limits[name])]
                if at_target
                else [],
                note=note,
            )
        )

    if options.api:
        section.figures += _api(scale, backend, workdir, options, str(explains[0]["unit"]))
    return section


def _api(
    scale: float, backend: Backend, workdir: Path, options: argparse.Namespace, explain: str
) -> list[Figure]:
    """The API load's figures, with their targets at the target scale only."""
    say("  API")
    figures = bench_api(
        backend.url,
        workdir,
        explain=explain,
        count=options.api_requests,
        seconds=options.api_seconds,
        clients=options.api_clients,
        repeat=options.repeat,
        series=options.api_series,
    )
    if scale != TARGET_SCALE:
        for f in figures:
            f.targets = []
    return figures


def _api_only(
    scale: float,
    backend: Backend,
    bundle: Path,
    workdir: Path,
    options: argparse.Namespace,
    section: Section,
) -> Section:
    """``--api-only``: the data the API serves (one import, one stored score run, the unit
    explained), unmeasured, then the API load alone."""
    say("  import (unmeasured)")
    backend.reset()
    section.findings = spawn("import", backend.url, str(bundle))["findings"]
    say("  score (unmeasured)")
    spawn("score", backend.url)
    explain = str(spawn("explain", backend.url)["unit"])
    section.figures += _api(scale, backend, workdir, options, explain)
    return section


def make_bundle(scale: float, seed: int, workdir: Path) -> Path:
    """The bundle of the scale, written by the ``synth`` command (kept in ``workdir``)."""
    path = workdir / f"bundle-{YEAR}-{scale:g}-{seed}.json"
    if not path.exists():
        say(f"generating scale {scale:g}")
        part = path.with_suffix(".part")
        cli(
            "sqlite://",
            "synth",
            "--year",
            str(YEAR),
            "--scale",
            f"{scale:g}",
            "--seed",
            str(seed),
            "-o",
            str(part),
        )
        part.rename(path)
    return path
