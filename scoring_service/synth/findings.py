"""The problem lists of inspections: which unit, which criterion, new or found again.

``Findings`` remembers what was found and rectified earlier in the year, so that problems
come back (repeats) where rectification is lax, and look-back visits return to villages
where something was found.
"""

from __future__ import annotations

import random
from typing import Any

from scoring_service.synth.history import Dates, History
from scoring_service.synth.tables import CRITERIA_BY_KIND, DESCRIPTIONS, RESPONSIBLE_CATEGORIES
from scoring_service.synth.territory import Territory

Pick = tuple[str, str, str]  # unit, its kind, criterion


class Findings:
    """Generates the findings of one year's inspections and their events."""

    def __init__(
        self,
        t: Territory,
        rng: random.Random,
        dates: Dates,
        history: History,
        laxity: dict[str, float],
    ) -> None:
        self.t = t
        self.rng = rng
        self.iso = dates.iso
        self.history = history
        self.laxity = laxity
        # (unit, criterion) -> earliest date a finding there was rectified (repeats).
        self.first_rectified: dict[tuple[str, str], int] = {}
        # county -> [(unit, criterion, rectified ordinal)] for deliberate repeats.
        self.county_rectified: dict[str, list[tuple[str, str, int]]] = {}
        # county -> villages where something was found, for look-back visits (a dict
        # as an insertion-ordered set, so that choices stay deterministic).
        self.county_problem_villages: dict[str, dict[str, None]] = {}

    def problem_villages(self, county: str) -> dict[str, None] | None:
        """The county's villages where something was found so far, if any."""
        return self.county_problem_villages.get(county)

    def problem_list(
        self,
        inspection: str,
        county: str,
        towns: list[str],
        villages: list[str],
        found_on: int,
        n: int,
    ) -> list[dict[str, Any]]:
        """The problem list of one inspection, with each finding's events."""
        rng = self.rng
        t = self.t
        helpers = [h for v in villages for h in t.helpers.get(v, ())]
        pool = {county, *towns, *villages, *helpers}
        used: set[tuple[str, str]] = set()
        out: list[dict[str, Any]] = []
        problem_villages = self.county_problem_villages.setdefault(county, {})
        for k in range(1, n + 1):
            # Problems come back more where rectification is lax.
            comeback = 0.02 * self.laxity[county]
            pick = self._repeat(county, pool, used, found_on) if rng.random() < comeback else None
            if pick is None:
                pick = self._fresh(county, towns, villages, helpers, used, found_on)
            if pick is None:
                continue
            unit, kind, criterion = pick
            used.add((unit, criterion))
            out.append(self._finding(f"{inspection}-{k:02d}", county, pick, found_on))
            if kind == "village":
                problem_villages[unit] = None
        return out

    def _finding(self, code: str, county: str, pick: Pick, found_on: int) -> dict[str, Any]:
        """One finding, its events recorded and its rectification remembered."""
        rng = self.rng
        unit, kind, criterion = pick
        major = rng.random() < 0.10
        deadline = found_on + rng.choice(
            (15, 15, 20, 30) if major else (15, 20, 30, 30, 30, 45, 60)
        )
        finding: dict[str, Any] = {
            "code": code,
            "unit": unit,
            "criterion": criterion,
            "severity": "major" if major else "general",
            "description": rng.choice(DESCRIPTIONS[criterion]),
            "deadline": self.iso(deadline),
        }
        responsible = self._responsible(unit, kind, criterion)
        if responsible:
            finding["responsible"] = responsible
        lax = self.laxity[self.t.village_town[unit] if kind == "village" else unit]
        rectified = self.history.record(code, found_on, deadline, major, lax)
        if rectified is not None:
            key = (unit, criterion)
            if rectified < self.first_rectified.get(key, rectified + 1):
                self.first_rectified[key] = rectified
            self.county_rectified.setdefault(county, []).append((unit, criterion, rectified))
        return finding

    def _repeat(
        self, county: str, pool: set[str], used: set[tuple[str, str]], found_on: int
    ) -> Pick | None:
        """A problem that was rectified at a visited unit and is found again."""
        rng = self.rng
        done = self.county_rectified.get(county)
        if not done:
            return None
        start = rng.randrange(len(done))
        for i in range(len(done)):
            unit, criterion, when = done[(start + i) % len(done)]
            if when < found_on and unit in pool and (unit, criterion) not in used:
                return unit, self._kind(unit, county), criterion
        return None

    def _kind(self, unit: str, county: str) -> str:
        """The kind of a unit of the county's pool."""
        if unit == county:
            return "county"
        if unit in self.t.town_villages:
            return "town"
        return "village" if unit in self.t.village_town else "helping_unit"

    def _fresh(
        self,
        county: str,
        towns: list[str],
        villages: list[str],
        helpers: list[str],
        used: set[tuple[str, str]],
        found_on: int,
    ) -> Pick | None:
        """A new problem at a visited unit, mostly not one rectified there before."""
        rng = self.rng
        for _ in range(6):
            r = rng.random()
            if r < 0.10:
                kind, unit = "county", county
            elif r < 0.35:
                kind, unit = "town", rng.choice(towns)
            elif r < 0.42 and helpers:
                kind, unit = "helping_unit", rng.choice(helpers)
            else:
                kind, unit = "village", rng.choice(villages)
            criterion = rng.choice(CRITERIA_BY_KIND[kind])
            if (unit, criterion) in used:
                continue
            # Inspectors mostly report new problems; deliberate repeats come from _repeat.
            earlier = self.first_rectified.get((unit, criterion))
            if earlier is not None and earlier < found_on and rng.random() < 0.9:
                continue
            return unit, kind, criterion
        return None

    def _responsible(self, unit: str, kind: str, criterion: str) -> list[str]:
        """Extra units that answer for a finding: a paired helping unit or a department."""
        rng = self.rng
        category = criterion.split(".", 1)[0]
        if kind == "village" and category in RESPONSIBLE_CATEGORIES:
            paired = self.t.helpers.get(unit)
            if paired and rng.random() < 0.2:
                return [rng.choice(paired)]
        if kind in ("county", "town") and category == "2" and rng.random() < 0.1:
            return [rng.choice(self.t.departments)]
        return []
