"""One year's activity over a territory: the groups' monthly visits and their inspections.

The activity depends on the year, the scale and the seed. Everything is drawn from one
random stream in a fixed order (the schedule, then each visit's sample, findings and
events, visit by visit), so the same year, scale and seed give the same bundle.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from scoring_service.synth.findings import Findings
from scoring_service.synth.history import Dates, Event, History
from scoring_service.synth.tables import FINDINGS_PER_YEAR_AT_SCALE_1
from scoring_service.synth.territory import Territory

Visit = tuple[str, str, int, date, date]  # group, county, month, first and last day


def year_activity(
    t: Territory, year: int, scale: float, seed: int
) -> tuple[list[dict[str, Any]], list[Event]]:
    """The inspections (with their findings) of a year, and every event in date order."""
    rng = random.Random(f"activity/{year}/{scale!r}/{seed}")
    dates = Dates()
    history = History(rng, dates, year)
    findings = Findings(t, rng, dates, history, laxity(t, year, scale, seed))
    months = list(range(7 if year == 2018 else 1, 13))
    n_visits = sum(len(g["counties"]) for g in t.groups) * len(months)
    # Missed visits thin the schedule; correct for them so the yearly total holds.
    mean_findings = FINDINGS_PER_YEAR_AT_SCALE_1 * scale / (n_visits * 0.95)
    inspector = _Inspector(t, rng, dates, findings, mean_findings)
    # The schedule draws from the same stream as the visits: each visit is generated
    # before the schedule draws the next one (never collect the schedule first).
    inspections = [
        inspector.visit(f"{year}-{group}-{county}-{month:02d}", group, county, start, end)
        for group, county, month, start, end in _schedule(rng, year, months, t.groups)
    ]
    return inspections, history.in_date_order()


def laxity(t: Territory, year: int, scale: float, seed: int) -> dict[str, float]:
    """How badly each unit rectifies: multiplies the odds of late, overdue and fake rectification.

    Counties differ a lot and towns vary around their county, so scores spread over every
    grade instead of bunching at the average.
    """
    quality = random.Random(f"quality/{year}/{scale!r}/{seed}")
    lax_of: dict[str, float] = {}
    for county, towns in t.county_towns.items():
        lax = quality.choice((0.15, 0.3, 0.5, 0.8, 1.0, 1.3, 1.8, 2.5))
        lax_of[county] = lax
        for town in towns:
            lax_of[town] = lax * quality.uniform(0.6, 1.6)
    for hu in sorted({h for hs in t.helpers.values() for h in hs}) + t.departments:
        lax_of[hu] = quality.choice((0.3, 0.6, 1.0, 1.0, 1.5, 2.0))
    return lax_of


def _schedule(
    rng: random.Random, year: int, months: list[int], groups: list[dict[str, Any]]
) -> Iterator[Visit]:
    """Every group's monthly visits to its counties, in date order."""
    for month in months:
        for group in groups:
            # Now and then a whole group misses a month (the missed_month alert).
            if rng.random() < 0.03:
                continue
            counties = group["counties"][:]
            rng.shuffle(counties)
            last = (
                date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
            )
            # Avoid the first week of October (national holiday).
            cursor = date(year, month, rng.randint(8, 12) if month == 10 else rng.randint(2, 8))
            for county in counties:
                start = cursor + timedelta(days=rng.randint(0, 3))
                while start.weekday() >= 5:  # inspections start on working days
                    start += timedelta(days=1)
                r = rng.random()
                days = 1 if r < 0.35 else 2 if r < 0.95 else 3
                end = start + timedelta(days=days - 1)
                if end > last:
                    end = last
                    start = min(start, end)
                cursor = end + timedelta(days=2)
                # A single county visit is skipped now and then.
                if rng.random() < 0.02:
                    continue
                yield group["code"], county, month, start, end


class _Inspector:
    """Turns a year's visits into inspections: letter, sample and problem list."""

    def __init__(
        self,
        t: Territory,
        rng: random.Random,
        dates: Dates,
        findings: Findings,
        mean_findings: float,
    ) -> None:
        self.t = t
        self.rng = rng
        self.dates = dates
        self.findings = findings
        self.mean_findings = mean_findings

    def visit(self, code: str, group: str, county: str, start: date, end: date) -> dict[str, Any]:
        """One visit: letter, sample, problem list and each finding's history."""
        t, rng, dates, findings = self.t, self.rng, self.dates, self.findings
        mean_findings = self.mean_findings
        r = rng.random()
        if r < 0.89:
            letter: date | None = end + timedelta(days=rng.randint(0, 3))
        elif r < 0.97:
            letter = end + timedelta(days=rng.randint(4, 10))
        else:
            letter = None
        n_findings = max(0, round(rng.gauss(mean_findings, mean_findings * 0.3)))
        villages = _sample_villages(t, rng, county, n_findings, findings.problem_villages(county))
        incomplete = rng.random() < 0.06
        if incomplete and rng.random() < 0.4:
            # A visit that never reached an ordinary village.
            kept = [v for v in villages if t.poor[v]]
            villages = kept or villages
            incomplete = False
        towns: list[str] = []
        for v in villages:
            town = t.village_town[v]
            if town not in towns:
                towns.append(town)
        households = _households(rng, villages, incomplete)
        found_on = end.toordinal()
        problems = findings.problem_list(code, county, towns, villages, found_on, n_findings)
        return {
            "code": code,
            "group": group,
            "county": county,
            "start_date": dates.iso(start.toordinal()),
            "end_date": dates.iso(found_on),
            "letter_date": None if letter is None else dates.iso(letter.toordinal()),
            "sample": {"towns": towns, "villages": villages, "households": households},
            "findings": problems,
        }


def _sample_villages(
    t: Territory,
    rng: random.Random,
    county: str,
    n_findings: int,
    earlier: dict[str, None] | None,
) -> list[str]:
    """At least one poor and one ordinary village, more for long problem lists.

    ``earlier``: the county's villages where problems were found before (look-backs).
    """
    towns = t.county_towns[county]
    # Visits concentrate on one or two towns, as groups travel by car.
    focus = rng.sample(towns, min(len(towns), rng.choice((1, 2, 2, 3))))
    near = [v for town in focus for v in t.town_villages[town]]
    every = [v for town in towns for v in t.town_villages[town]]
    want = max(2, min(8, round(n_findings / 8))) + rng.randint(0, 1)
    chosen: list[str] = []
    for poor in (True, False):
        pool = [v for v in near if t.poor[v] == poor] or [v for v in every if t.poor[v] == poor]
        chosen.append(rng.choice(pool))
    spare = [v for v in near if v not in chosen]
    rng.shuffle(spare)
    chosen += spare[: max(0, want - len(chosen))]
    # Look-back visits: go back to a village where problems were found before.
    if earlier and rng.random() < 0.35:
        v = rng.choice(list(earlier))
        if v not in chosen:
            chosen.append(v)
    return chosen


def _households(rng: random.Random, villages: list[str], incomplete: bool) -> list[dict[str, str]]:
    """The sampled households: pre-exit and not-exited ones of each village.

    An ``incomplete`` sample is one household short in one village.
    """
    households: list[dict[str, str]] = []
    short_village = rng.choice(villages) if incomplete else None
    for v in villages:
        n_pre = 2 + (rng.random() < 0.1)
        n_not = 1 + (rng.random() < 0.05)
        if v == short_village:
            if rng.random() < 0.5:
                n_pre = 1
            else:
                n_not = 0
        numbers = rng.sample(range(1, 400), n_pre + n_not)
        for i, num in enumerate(numbers):
            households.append(
                {
                    "code": f"{v}-{num:03d}",
                    "village": v,
                    "status": "pre_exit" if i < n_pre else "not_exited",
                }
            )
    return households
