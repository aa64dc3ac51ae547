"""Names a person types for a unit, a criterion or a group, read as codes.

A clerk knows 示例镇013, not 441624103: every field that asks for a unit, a criterion or a
group accepts the name or the code. A name two records share cannot say which is meant,
so it is refused with both codes; an entry that is neither is refused with the closest
names (difflib), so a typo is put right without leaving the form.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scoring_service.i18n import N_, gettext

CLOSEST = 3  # suggestions given for an unknown entry
CUTOFF = 0.5  # difflib's ratio below which a name is not suggested

# The messages per kind of record (translated where they are used).
UNKNOWN = {
    "unit": N_("no unit is named or coded '%(typed)s'"),
    "criterion": N_("no criterion is named or coded '%(typed)s'"),
    "group": N_("no group is named or coded '%(typed)s'"),
}
SHARED = {
    "unit": N_(
        "%(count)s units are named '%(typed)s' (%(choices)s): type the code of the one meant"
    ),
    "criterion": N_(
        "%(count)s criteria are named '%(typed)s' (%(choices)s): type the code of the one meant"
    ),
    "group": N_(
        "%(count)s groups are named '%(typed)s' (%(choices)s): type the code of the one meant"
    ),
}


class Unresolved(ValueError):
    """An entry that names no record, or more than one; the message says which to type."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A record as a list of suggestions offers it."""

    code: str
    name: str
    shared: bool  # another record has the same name: the code must be typed

    @property
    def shown(self) -> str:
        """The record as a page shows it: its name, with the code only when it is needed."""
        return f"{self.name}（{self.code}）" if self.shared else self.name


@dataclass(frozen=True)
class Names:
    """The records of one kind a person may type, by code and by name."""

    kind: str  # "unit", "criterion" or "group"
    names: Mapping[str, str]  # code -> name
    # Codes read as themselves though not offered (units outside the caller's scope: the
    # service answers for those as for any code, Forbidden on a write).
    others: frozenset[str] = frozenset()
    _codes: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes: dict[str, list[str]] = defaultdict(list)
        for code, name in self.names.items():
            codes[name].append(code)
        object.__setattr__(self, "_codes", dict(codes))

    @classmethod
    def of(cls, kind: str, pairs: Iterable[tuple[str, str]]) -> Names:
        return cls(kind, dict(pairs))

    def choices(self) -> list[Choice]:
        """Every record, by code, as a ``<datalist>`` offers it."""
        return [
            Choice(code, name, len(self._codes.get(name, ())) > 1)
            for code, name in sorted(self.names.items())
        ]

    def shown(self, code: str) -> str:
        """The record's name (with its code where another shares the name); the code
        itself when there is no such record."""
        name = self.names.get(code)
        if name is None:
            return code
        return f"{name}（{code}）" if len(self._codes[name]) > 1 else name

    def resolve(self, typed: str) -> str:
        """The code ``typed`` means: a code, or a name only one record has."""
        typed = typed.strip()
        if typed in self.names or typed in self.others:
            return typed
        codes = self._codes.get(typed, [])
        if len(codes) == 1:
            return codes[0]
        if codes:
            raise Unresolved(
                gettext(
                    SHARED[self.kind],
                    count=len(codes),
                    typed=typed,
                    choices="、".join(sorted(codes)),
                )
            )
        message = gettext(UNKNOWN[self.kind], typed=typed)
        closest = self.closest(typed)
        if closest:
            message += gettext("; the closest: %(names)s", names="、".join(closest))
        raise Unresolved(message)

    def closest(self, typed: str) -> list[str]:
        """The records nearest to ``typed`` by name or by code, as ``name（code）``."""
        found: list[str] = []
        for near in difflib.get_close_matches(
            typed, [*self._codes, *self.names], n=CLOSEST, cutoff=CUTOFF
        ):
            for code in self._codes.get(near, [near] if near in self.names else []):
                entry = f"{self.names[code]}（{code}）"
                if entry not in found:
                    found.append(entry)
        return found[:CLOSEST]


def shown_names(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each unit's name as a page or a message shows it, by code: the name alone, or
    ``name（code）`` where two units share it."""
    names = Names.of("unit", pairs)
    return {code: names.shown(code) for code in names.names}
