"""Which units a finding counts for, and why (spec section 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from enum import StrEnum

from scoring_service.domain.model import Finding, Pairing, Unit
from scoring_service.domain.ruleset import Attribution


class Reason(StrEnum):
    """Why a finding counts for a unit."""

    FOUND = "found"  # found at the unit itself
    TERRITORIAL = "territorial"  # found at a unit under it
    PAIRED = "paired"  # found at a village the helping unit is paired with
    RESPONSIBLE = "responsible"  # listed among the finding's responsible units


class Attributor:
    """Attributes findings to units for one year's structure and one rule set."""

    def __init__(
        self, units: Iterable[Unit], pairings: Iterable[Pairing], attribution: Attribution
    ) -> None:
        self._parent: dict[str, str | None] = {u.code: u.parent for u in units}
        self._helpers: dict[str, list[str]] = defaultdict(list)
        for pairing in pairings:
            self._helpers[pairing.village].append(pairing.helping_unit)
        self._rules = attribution
        self._cache: dict[tuple[str, bool], dict[str, tuple[Reason, ...]]] = {}

    def ancestors(self, code: str) -> list[str]:
        """The unit's parent, its parent's parent, and so on."""
        chain: list[str] = []
        parent = self._parent.get(code)
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self._parent.get(parent)
        return chain

    def attribute(self, finding: Finding) -> Mapping[str, tuple[Reason, ...]]:
        """Unit code -> the reasons the finding counts for it; each unit once."""
        paired = finding.category in self._rules.helping_unit_categories
        base = self._by_place(finding.unit, paired)
        if not finding.responsible:
            return base
        reasons = dict(base)
        for code in finding.responsible:
            if Reason.RESPONSIBLE not in reasons.get(code, ()):
                reasons[code] = (*reasons.get(code, ()), Reason.RESPONSIBLE)
        return reasons

    def _by_place(self, unit: str, paired: bool) -> Mapping[str, tuple[Reason, ...]]:
        """Attribution by where a finding was found; the same for every finding there."""
        key = (unit, paired)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        reasons: dict[str, list[Reason]] = defaultdict(list)
        reasons[unit].append(Reason.FOUND)
        if self._rules.territorial:
            for code in self.ancestors(unit):
                reasons[code].append(Reason.TERRITORIAL)
        if paired:
            for code in self._helpers.get(unit, ()):
                reasons[code].append(Reason.PAIRED)
        result = {code: tuple(dict.fromkeys(rs)) for code, rs in reasons.items()}
        self._cache[key] = result
        return result
