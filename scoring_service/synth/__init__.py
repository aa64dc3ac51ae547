"""Deterministic generator of valid assessment bundles (spec section 8) and the shipped demo data.

``synth_bundle(year, scale, seed)`` returns a JSON-ready bundle dict. Scale 1 is about a
city (the 7 counties of 河源市, ~100 towns, ~1,000 villages, ~2,000 findings a year);
scale 50 is about a province (~20,000 units, ~100,000 findings). The territory (units,
pairings, groups) depends on ``scale`` only, so bundles of different years or seeds at
one scale describe the same counties, towns and villages; the year's activity
(inspections, findings, events) depends on ``year``, ``scale`` and ``seed``.

By job: ``tables`` (the real counties and groups, sizes, problem texts), ``territory``
(units, pairings, groups), ``activity`` (visits and inspections), ``findings`` (problem
lists), ``history`` (events), ``bundle`` (the whole bundle), ``demo`` (the fixtures in
``fixtures/`` and ``python -m scoring_service.synth``).
"""

from scoring_service.synth.bundle import synth_bundle
from scoring_service.synth.demo import (
    DEMO_FIXTURES,
    FIXTURES_DIR,
    dump_bundle,
    main,
    write_demo_fixtures,
)

__all__ = [
    "DEMO_FIXTURES",
    "FIXTURES_DIR",
    "dump_bundle",
    "main",
    "synth_bundle",
    "write_demo_fixtures",
]
