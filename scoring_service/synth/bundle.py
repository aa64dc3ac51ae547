"""A whole bundle: a scale's territory and a year's activity over it."""

from __future__ import annotations

from typing import Any

from scoring_service.i18n import gettext as _
from scoring_service.synth.activity import year_activity
from scoring_service.synth.tables import FORMAT
from scoring_service.synth.territory import build_territory


def synth_bundle(year: int, scale: float = 1, seed: int = 0) -> dict[str, Any]:
    """Return a valid, deterministic bundle of a year at a scale (1 is a city, 50 a province)."""
    if not 2000 <= year <= 2100:
        raise ValueError(_("year out of range: %(year)s", year=year))
    if not scale > 0:
        raise ValueError(_("scale must be positive: %(scale)s", scale=scale))
    territory = build_territory(scale)
    inspections, events = year_activity(territory, year, scale, seed)
    return {
        "format": FORMAT,
        "year": year,
        "units": territory.units,
        "pairings": territory.pairings,
        "groups": territory.groups,
        "inspections": inspections,
        "events": events,
    }
