"""From fired rules to points, caps, grades, measures and ranks (spec section 6)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from scoring_service.domain.ruleset import (
    GRADE_ORDER,
    MEASURE_ORDER,
    Grade,
    Measure,
    MetricValue,
    Rule,
    Ruleset,
)


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule that fired for a unit, with the points it gave before caps."""

    rule: Rule
    bonus: Fraction
    deduction: Fraction


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the fired rules give a unit."""

    fired: tuple[FiredRule, ...]
    bonus_total: Fraction  # before the cap
    deduction_total: Fraction
    bonus: Fraction  # after the cap
    deduction: Fraction
    score: Fraction
    grade: Grade
    band_grade: Grade  # the grade the score alone gives
    measures: tuple[Measure, ...]


def fire(ruleset: Ruleset, fired_ids: Iterable[str], values: Mapping[str, MetricValue]) -> Verdict:
    """Apply the rules that fired (in rule-file order, whatever order they fired in)."""
    ids = set(fired_ids)
    fired = tuple(
        FiredRule(
            rule=rule,
            bonus=rule.bonus.total(values) if rule.bonus else Fraction(0),
            deduction=rule.deduction.total(values) if rule.deduction else Fraction(0),
        )
        for rule in ruleset.rules
        if rule.id in ids
    )
    bonus_total = sum((f.bonus for f in fired), Fraction(0))
    deduction_total = sum((f.deduction for f in fired), Fraction(0))
    bonus = _capped(bonus_total, ruleset.cap_bonus)
    deduction = _capped(deduction_total, ruleset.cap_deduction)
    score = ruleset.base_score + bonus - deduction
    band_grade = grade_for(score, ruleset)
    forced = [f.rule.grade for f in fired if f.rule.grade is not None]
    grade = max(forced, key=GRADE_ORDER.index) if forced else band_grade
    chosen = {m for f in fired for m in f.rule.measures}
    return Verdict(
        fired=fired,
        bonus_total=bonus_total,
        deduction_total=deduction_total,
        bonus=bonus,
        deduction=deduction,
        score=score,
        grade=grade,
        band_grade=band_grade,
        measures=tuple(m for m in MEASURE_ORDER if m in chosen),
    )


def shared_verdicts(
    ruleset: Ruleset,
) -> Callable[[frozenset[str], Mapping[str, MetricValue]], Verdict]:
    """``fire`` for ``ruleset``, computed once per distinct input and shared.

    A verdict depends only on the rules that fired and on the metrics their points are
    counted per (the rule set gives the rest: caps, bands, forced grades, measures); many
    units, or sets of findings, share both, and a verdict is immutable, so they share it.
    """
    per = sorted(
        {p.per for r in ruleset.rules for p in (r.bonus, r.deduction) if p and p.per is not None}
    )
    cache: dict[tuple[object, ...], Verdict] = {}

    def verdict(ids: frozenset[str], values: Mapping[str, MetricValue]) -> Verdict:
        key = (ids, *(values.get(name) for name in per))
        found = cache.get(key)
        if found is None:
            found = cache[key] = fire(ruleset, ids, values)
        return found

    return verdict


def _capped(total: Fraction, cap: Fraction | None) -> Fraction:
    return total if cap is None else min(total, cap)


def grade_for(score: Fraction, ruleset: Ruleset) -> Grade:
    """The highest band whose minimum the score reaches; the last band catches the rest."""
    for band in ruleset.grades:
        if band.min is None or score >= band.min:
            return band.grade
    return ruleset.grades[-1].grade


def ranks(scores: Sequence[Fraction] | Sequence[float]) -> list[int]:
    """Competition ranks, highest score first, equal scores sharing a rank (1, 2, 2, 4)."""
    # Units share few distinct scores: sort those, not every unit's (comparing and hashing
    # a Fraction is slow; its lowest terms, exact for a float too, are a cheap exact key).
    keys = [s.as_integer_ratio() for s in scores]
    tally = Counter(keys)
    first_place: dict[tuple[int, int], int] = {}
    position = 1
    for key in sorted(tally, key=lambda k: Fraction(*k), reverse=True):
        first_place[key] = position
        position += tally[key]
    return [first_place[k] for k in keys]


def json_number(value: Fraction) -> int | float:
    """A whole number as an int, anything else as the nearest float."""
    return value.numerator if value.denominator == 1 else float(value)
