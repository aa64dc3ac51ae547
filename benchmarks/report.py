"""The figures and the one table the benchmarks print, with the machine they ran on."""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.backends import Backend
from benchmarks.common import MIB, YEAR


@dataclass
class Figure:
    """One measured quantity: its samples, and its floor's when it has one."""

    measure: str
    unit: str
    samples: list[float]
    floor: list[float] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)  # (target, met), scale 50
    note: str = ""
    ratio: bool = True  # print the value's median over the floor's (times, not rates)


@dataclass
class Section:
    scale: float
    backend: str
    findings: int = 0
    figures: list[Figure] = field(default_factory=list)


def fmt(value: float) -> str:
    """Three significant figures, thousands separated."""
    if value != value:  # NaN: nothing measured
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:#.3g}".rstrip(".")


def _span(samples: Sequence[float]) -> str:
    """Median, and the range when there is more than one sample."""
    if not samples:
        return "-"
    mid = statistics.median(samples)
    if len(samples) == 1:
        return fmt(mid)
    return f"{fmt(mid)} ({fmt(min(samples))}-{fmt(max(samples))})"


def _ratio(figure: Figure) -> str:
    if not figure.ratio or not figure.samples or not figure.floor:
        return ""
    return f"{statistics.median(figure.samples) / statistics.median(figure.floor):.2f}x"


def render(sections: Sequence[Section]) -> str:
    """One table: a row per measure, scale and backend."""
    header = (
        "scale",
        "backend",
        "measure",
        "unit",
        "median (range)",
        "floor",
        "x floor",
        "target",
        "note",
    )
    lines: list[tuple[str, ...]] = [header]
    for s in sections:
        for f in s.figures:
            target = "; ".join(f"{t}: {'ok' if met else 'MISSED'}" for t, met in f.targets)
            lines.append(
                (
                    f"{s.scale:g}",
                    s.backend,
                    f.measure,
                    f.unit,
                    _span(f.samples),
                    _span(f.floor),
                    _ratio(f),
                    target,
                    f.note,
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {4, 5, 6}
    out = []
    for n, line in enumerate(lines):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def machine(backends: Sequence[Backend]) -> str:
    """nproc, CPU, RAM, Python and the databases' versions."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kib / MIB:.0f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    versions = ", ".join(f"{b.name} {b.version()}" for b in backends)
    load1, load5, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, Python {sys.version.split()[0]}, {versions}; "
        f"load average {load1:.1f} (1 min), {load5:.1f} (5 min) at the start"
    )


def report(sections: Sequence[Section], header: str, *, seed: int, repeat: int) -> str:
    """What the benchmarks print: the machine, the findings of each scale, the table."""
    first = sections[0].backend if sections else ""
    findings = ", ".join(
        f"scale {s.scale:g} {s.findings:,}" for s in sections if s.backend == first
    )
    return "\n".join(
        (
            f"Benchmarks, year {YEAR}, seed {seed}, {repeat} repeat(s): {header}",
            f"findings: {findings}",
            "",
            render(sections),
        )
    )


def samples_json(sections: Sequence[Section], header: str) -> str:
    """Every sample of every figure, with the machine they were measured on."""
    return json.dumps(
        {
            "machine": header,
            "sections": [
                {
                    "scale": s.scale,
                    "backend": s.backend,
                    "findings": s.findings,
                    "figures": [f.__dict__ for f in s.figures],
                }
                for s in sections
            ],
        },
        indent=1,
    )
