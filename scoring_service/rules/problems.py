"""Problems found in rule files, each named by file, line and key path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scoring_service.i18n import gettext as _
from scoring_service.i18n import ngettext


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One problem: ``file`` as shown to editors (``rules/2019/rules.yaml``), 1-based ``line``."""

    file: str
    line: int
    key: str  # key path inside the file, e.g. ``rules[2].when``; "" for the whole file
    message: str

    def __str__(self) -> str:
        # File, line and key in words ("rules/2018/rules.yaml 第 12 行，键 rules[0].when：...").
        where = _("%(file)s:%(line)s", file=self.file, line=self.line) if self.line else self.file
        if self.key:
            return _(
                "%(where)s: %(key)s: %(message)s", where=where, key=self.key, message=self.message
            )
        return _("%(where)s: %(message)s", where=where, message=self.message)


class RuleFileError(Exception):
    """Rule files that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[RuleProblem]) -> None:
        self.problems: tuple[RuleProblem, ...] = tuple(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        count = len(self.problems)
        head = ngettext("%(num)s problem in rule files:", "%(num)s problems in rule files:", count)
        return "\n  ".join([head, *(str(problem) for problem in self.problems)])


class UnknownRulesetYear(RuleFileError, LookupError):
    """No rule set exists for the year asked for."""

    def __init__(self, year: int, problems: Iterable[RuleProblem]) -> None:
        self.year = year
        super().__init__(problems)


def unique(problems: Iterable[RuleProblem]) -> list[RuleProblem]:
    """Problems once each, by file and line."""
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.key, p.message))
