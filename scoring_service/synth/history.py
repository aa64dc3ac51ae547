"""The events of findings: escalation, extensions, rectification, look-backs.

Each finding's chain of events follows what spec section 3 allows, so a bundle always
imports; events later than the export horizon are dropped as not yet known.
"""

from __future__ import annotations

import random
from datetime import date
from operator import itemgetter
from typing import Any

from scoring_service.synth.tables import (
    ESCALATE_TO,
    EVENT_HORIZON_DAYS,
    LOOKBACK_NOTES,
    REASONS,
    RECTIFY_NOTES,
)

Event = dict[str, Any]


class Dates:
    """ISO dates of ordinals, cached so that equal dates share one string."""

    __slots__ = ("_text",)

    def __init__(self) -> None:
        self._text: dict[int, str] = {}

    def iso(self, ordinal: int) -> str:
        """The ISO date of an ordinal."""
        s = self._text.get(ordinal)
        if s is None:
            s = self._text[ordinal] = date.fromordinal(ordinal).isoformat()
        return s


class _Chain:
    """The events of one finding, each with its date's ordinal, in intended order."""

    __slots__ = ("events", "finding", "iso", "rng")

    def __init__(self, finding: str, rng: random.Random, iso: Dates) -> None:
        self.finding = finding
        self.rng = rng
        self.iso = iso.iso
        self.events: list[tuple[int, Event]] = []

    def add(self, day: int, kind: str, **extra: str) -> None:
        self.events.append(
            (day, {"finding": self.finding, "type": kind, "date": self.iso(day), **extra})
        )

    def rectify(self, day: int) -> None:
        if self.rng.random() < 0.3:
            self.add(day, "rectified", note=self.rng.choice(RECTIFY_NOTES))
        else:
            self.add(day, "rectified")

    def extend(self, day: int, deadline: int, longer: int) -> int:
        """Give an extension on ``day``; return the new deadline."""
        new = deadline + longer
        self.add(day, "extension", new_deadline=self.iso(new), reason=self.rng.choice(REASONS))
        return new


class History:
    """The events of one year's findings, drawn from the year's random stream."""

    def __init__(self, rng: random.Random, dates: Dates, year: int) -> None:
        self.rng = rng
        self.dates = dates
        self.horizon = date(year, 12, 31).toordinal() + EVENT_HORIZON_DAYS
        self._events: list[tuple[int, Event]] = []

    def record(self, finding: str, f: int, d: int, major: bool, lax: float) -> int | None:
        """Add a finding's events; return the date of its first rectification, if any.

        ``f`` is the day it was found, ``d`` its deadline (ordinals); ``lax`` how badly its
        unit rectifies (1 is average).
        """
        chain = _Chain(finding, self.rng, self.dates)
        if major:
            self._escalate(chain, f)
        final = self._outcome(chain, f, d, lax)
        if final is not None:
            self._look_back(chain, final)
        return self._keep(chain)

    def in_date_order(self) -> list[Event]:
        """Every event kept, in date order like a log."""
        # The sort is stable, so same-date events of one finding stay in their intended order.
        self._events.sort(key=itemgetter(0))
        return [event for _, event in self._events]

    def _escalate(self, chain: _Chain, f: int) -> None:
        """Majors are reported at once (within a day), some late, a few never."""
        rng = self.rng
        r = rng.random()
        day = f + rng.randint(0, 1) if r < 0.85 else f + rng.randint(2, 10) if r < 0.95 else None
        if day is not None:
            if rng.random() < 0.8:
                chain.add(day, "escalated", to=rng.choice(ESCALATE_TO))
            else:
                chain.add(day, "escalated")

    def _outcome(self, chain: _Chain, f: int, d: int, lax: float) -> int | None:
        """Extensions and rectifications; return the last rectification, if any."""
        rng = self.rng
        eff = d
        final: int | None = None  # the last rectification, followed by look-backs
        # Outcome odds at average laxity: late 0.08, extended 0.12, never rectified 0.06,
        # fake 0.03, else on time; lax units are likelier to go wrong.
        p_late, p_never, p_fake = (min(0.3, p * lax) for p in (0.08, 0.06, 0.03))
        r = rng.random()
        if r < p_late:  # late
            final = eff + rng.randint(1, 40)
            chain.rectify(final)
        elif r < p_late + 0.12:  # extended before the deadline, then mostly in time
            x = rng.randint(max(f, eff - 20), eff)
            eff = chain.extend(x, eff, rng.randint(15, 45))
            if rng.random() < 0.15:
                x = rng.randint(x + 1, eff)
                eff = chain.extend(x, eff, rng.randint(10, 30))
            s = rng.random()
            if s < 1 - 0.3 * min(2.0, lax):
                final = rng.randint(x + 1, eff)
            elif s < 1 - 0.15 * min(2.0, lax):
                final = eff + rng.randint(1, 30)
            if final is not None:
                chain.rectify(final)
        elif r < p_late + 0.12 + p_never:  # never rectified: overdue, or open at the year end
            pass
        elif r < p_late + 0.12 + p_never + p_fake:  # a look-back finds it not really fixed
            final = self._fake(chain, f, eff)
        else:  # on time
            final = rng.randint(f + 2, eff)
            chain.rectify(final)
        return final

    def _fake(self, chain: _Chain, f: int, eff: int) -> int | None:
        """A rectification a look-back finds false, then maybe a real one."""
        rng = self.rng
        first = rng.randint(f + 2, max(f + 2, eff - 5))
        chain.rectify(first)
        failed = first + rng.randint(5, 40)
        chain.add(failed, "lookback_failed", note=rng.choice(LOOKBACK_NOTES))
        s = rng.random()
        if s < 0.2 and failed <= eff:
            x = rng.randint(failed, min(failed + 5, eff))
            eff = chain.extend(x, eff, rng.randint(15, 30))
            final = rng.randint(x + 1, eff)
            chain.rectify(final)
            return final
        if s < 0.65:
            final = failed + rng.randint(3, 30)
            chain.rectify(final)
            return final
        return None

    def _look_back(self, chain: _Chain, final: int) -> None:
        """Look-back visits after the last rectification, most of them passed."""
        rng = self.rng
        if rng.random() < 0.75:
            passed = final + rng.randint(10, 60)
            chain.add(passed, "lookback_passed")
            if rng.random() < 0.55:
                chain.add(passed + rng.randint(20, 90), "lookback_passed")

    def _keep(self, chain: _Chain) -> int | None:
        """Keep the events known at export; return the date of the first rectification."""
        # The chain is in intended order with non-decreasing dates, except the
        # escalation, which any state allows; a stable sort keeps same-date order.
        chain.events.sort(key=itemgetter(0))
        first_rect: int | None = None
        for day, event in chain.events:
            if day > self.horizon:
                break  # not yet known at export; dropping a suffix keeps the chain valid
            if first_rect is None and event["type"] == "rectified":
                first_rect = day
            self._events.append((day, event))
        return first_rect
