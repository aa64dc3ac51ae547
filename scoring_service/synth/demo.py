"""The shipped demo data, and ``python -m scoring_service.synth`` that writes it.

The demo bundles are the real counties and groups at a small scale; they are rebuilt
byte for byte by ``write_demo_fixtures`` (``tests/unit/test_synth.py`` checks it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scoring_service.synth.bundle import synth_bundle

# (file, year, scale, seed)
DEMO_FIXTURES: tuple[tuple[str, int, float, int], ...] = (
    ("demo-2018.bundle.json", 2018, 0.25, 2018),
    ("demo-2019.bundle.json", 2019, 0.25, 2019),
)
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"


def dump_bundle(bundle: dict[str, Any], path: Path) -> None:
    """Write a bundle as the fixtures are written (UTF-8, readable Chinese, indent 1)."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(bundle, out, ensure_ascii=False, indent=1)
        out.write("\n")


def write_demo_fixtures(directory: Path | None = None) -> list[Path]:
    """Regenerate fixtures/demo-2018.bundle.json and fixtures/demo-2019.bundle.json."""
    target = directory or FIXTURES_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, year, scale, seed in DEMO_FIXTURES:
        path = target / name
        dump_bundle(synth_bundle(year, scale, seed), path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: write the demo fixtures, or one bundle of a year and scale."""
    parser = argparse.ArgumentParser(
        prog="python -m scoring_service.synth", description="Generate synthetic assessment bundles."
    )
    parser.add_argument("--year", type=int, help="write one bundle of this year")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, help="file to write (with --year)")
    args = parser.parse_args(argv)
    if args.year is None:
        for path in write_demo_fixtures():
            print(path)
        return
    if args.output is None:  # refused before a large bundle is generated for nothing
        parser.error("--output is required with --year")
    dump_bundle(synth_bundle(args.year, args.scale, args.seed), args.output)
