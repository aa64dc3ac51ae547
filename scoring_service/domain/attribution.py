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
        reasons: dict[str, list[Reason]] = defaultdict(list)
        reasons[finding.unit].append(Reason.FOUND)
        if self._rules.territorial:
            for code in self.ancestors(finding.unit):
                reasons[code].append(Reason.TERRITORIAL)
        if finding.category in self._rules.helping_unit_categories:
            for code in self._helpers.get(finding.unit, ()):
                reasons[code].append(Reason.PAIRED)
        for code in finding.responsible:
            reasons[code].append(Reason.RESPONSIBLE)
        return {code: tuple(dict.fromkeys(rs)) for code, rs in reasons.items()}
