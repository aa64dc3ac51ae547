"""The territory of a scale: counties, towns, villages, helping units, pairings and groups.

It depends on the scale only (its random stream is seeded by the scale), so bundles of
different years or seeds at one scale describe the same units.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from scoring_service.synth.tables import (
    POOR_SHARE,
    REAL_COUNTIES,
    REAL_GROUPS,
    SECOND_HELPER_SHARE,
    TOWNS_AT_SCALE_1,
    UNIT_EXPONENT,
    VILLAGES_PER_HELPING_UNIT,
    cn_number,
)

County = tuple[str, str, int]  # code, name, town weight


@dataclass(slots=True)
class Territory:
    """Units, pairings and groups of one scale, plus the look-ups the activity needs."""

    units: list[dict[str, Any]] = field(default_factory=list)
    pairings: list[dict[str, str]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    county_towns: dict[str, list[str]] = field(default_factory=dict)
    town_villages: dict[str, list[str]] = field(default_factory=dict)
    village_town: dict[str, str] = field(default_factory=dict)
    poor: dict[str, bool] = field(default_factory=dict)
    # village -> helping units paired with it
    helpers: dict[str, list[str]] = field(default_factory=dict)
    # city departments: helping units with no pairing
    departments: list[str] = field(default_factory=list)


def build_territory(scale: float) -> Territory:
    """Build the counties, towns, villages, helping units, pairings and groups of a scale."""
    # One random stream, drawn in this order: counties, places, helping units, groups.
    rng = random.Random(f"territory/{scale!r}")
    t = Territory()
    size = scale**UNIT_EXPONENT
    counties = _counties(rng, scale, size)
    places, poor_by_county = _places(t, rng, counties, size)
    helping_units = _helping_units(t, rng, counties, poor_by_county)
    t.units = places + helping_units + _departments(t, size)
    _groups(t, rng, counties)
    return t


def _counties(rng: random.Random, scale: float, size: float) -> list[County]:
    """The real counties, and at scales above a city's, synthetic ones after them."""
    counties = list(REAL_COUNTIES)
    if scale <= 1:
        return counties
    n_extra = max(0, round(len(REAL_COUNTIES) * size) - len(REAL_COUNTIES))
    # Synthetic counties get codes under the unused prefix 49 so they never clash
    # with a real division code.
    return counties + [
        (f"49{i:04d}", f"示例县{i:03d}", rng.randint(8, 22)) for i in range(1, n_extra + 1)
    ]


def _places(
    t: Territory, rng: random.Random, counties: list[County], size: float
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The units of the counties, their towns and villages; and each county's poor villages."""
    total_weight = sum(w for _, _, w in counties)
    n_towns_target = max(len(counties), round(TOWNS_AT_SCALE_1 * size))
    county_units: list[dict[str, Any]] = []
    town_units: list[dict[str, Any]] = []
    village_units: list[dict[str, Any]] = []
    poor_by_county: dict[str, list[str]] = {}
    for code, name, weight in counties:
        county_units.append({"code": code, "name": name, "kind": "county"})
        n_towns = max(1, round(weight * n_towns_target / total_weight))
        towns = [f"{code}{101 + ti:03d}" for ti in range(n_towns)]
        for town in towns:
            number = len(town_units) + 1  # towns are numbered across counties
            town_units.append(
                {"code": town, "name": f"示例镇{number:03d}", "kind": "town", "parent": code}
            )
            village_units += _villages(t, rng, town, len(village_units))
        poor_by_county[code] = _poor_and_ordinary(t, rng, towns)
        t.county_towns[code] = towns
    for row in village_units:
        row["village_type"] = "poor" if t.poor[row["code"]] else "ordinary"
    return county_units + town_units + village_units, poor_by_county


def _villages(t: Territory, rng: random.Random, town: str, before: int) -> list[dict[str, Any]]:
    """The villages of a town, numbered after the ``before`` villages of earlier towns."""
    rows: list[dict[str, Any]] = []
    villages: list[str] = []
    for vi in range(rng.randint(5, 15)):
        village = f"{town}{201 + vi:03d}"
        is_poor = rng.random() < POOR_SHARE
        villages.append(village)
        t.village_town[village] = town
        t.poor[village] = is_poor
        rows.append(
            {
                "code": village,
                "name": f"示例村{before + vi + 1:04d}",
                "kind": "village",
                "parent": town,
                "village_type": "poor" if is_poor else "ordinary",
            }
        )
    t.town_villages[town] = villages
    return rows


def _poor_and_ordinary(t: Territory, rng: random.Random, towns: list[str]) -> list[str]:
    """Make sure a county has a poor and an ordinary village; return its poor villages."""
    # A complete sample needs both kinds (a town has at least 5 villages, so one flip
    # cannot remove the other kind).
    all_villages = [v for town in towns for v in t.town_villages[town]]
    for want in (True, False):
        if not any(t.poor[v] == want for v in all_villages):
            t.poor[rng.choice(all_villages)] = want
    return [v for v in all_villages if t.poor[v]]


def _helping_units(
    t: Territory, rng: random.Random, counties: list[County], poor_by_county: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Helping units paired with the poor villages of one county, about three each."""
    rows: list[dict[str, Any]] = []
    for code, _, _ in counties:
        poor_here = poor_by_county[code][:]
        rng.shuffle(poor_here)
        n_helpers = max(1, round(len(poor_here) / VILLAGES_PER_HELPING_UNIT))
        local: list[str] = []
        for _ in range(n_helpers):
            number = len(rows) + 1  # helping units are numbered across counties
            hu = f"BF{number:04d}"
            local.append(hu)
            rows.append({"code": hu, "name": f"示例帮扶单位{number:03d}", "kind": "helping_unit"})
        # Some villages get a second helping unit of the same county.
        for i, village in enumerate(poor_here):
            first = local[i % n_helpers]
            t.helpers[village] = [first]
            if n_helpers > 1 and rng.random() < SECOND_HELPER_SHARE:
                second = rng.choice([h for h in local if h != first])
                t.helpers[village].append(second)
        for village in sorted(poor_here):
            for hu in t.helpers[village]:
                t.pairings.append({"helping_unit": hu, "village": village})
    return rows


def _departments(t: Territory, size: float) -> list[dict[str, Any]]:
    """City departments: helping units paired with no village."""
    rows: list[dict[str, Any]] = []
    for i in range(1, max(3, round(10 * size)) + 1):
        dept = f"BM{i:03d}"
        t.departments.append(dept)
        rows.append({"code": dept, "name": f"示例市直部门{i:03d}", "kind": "helping_unit"})
    return rows


def _groups(t: Territory, rng: random.Random, counties: list[County]) -> None:
    """The real five groups for the real counties, then groups of 1-3 synthetic counties."""
    for code, name, leader, covered in REAL_GROUPS:
        t.groups.append({"code": code, "name": name, "leader": leader, "counties": list(covered)})
    extra = [code for code, _, _ in counties[len(REAL_COUNTIES) :]]
    i = 0
    while i < len(extra):
        n = len(t.groups) + 1
        take = rng.choice((1, 2, 2, 2, 3))
        t.groups.append(
            {
                "code": f"G{n}",
                "name": f"第{cn_number(n)}组",
                "leader": f"示例组长{n:03d}",
                "counties": extra[i : i + take],
            }
        )
        i += take
