"""The year month by month: every scored unit's rate, score, grade and rank at each month
end, for charts. The kept standings (``db.standings``) give every unit's at any date in
one read; when they are not current, one aggregate gives the counts at every month end
(``db.counts``) and the rules are evaluated once for all twelve."""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import date

from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.domain.assessment import Assessment, Evaluator, assess_days
from scoring_service.domain.errors import InvalidRequest, NotFound
from scoring_service.domain.metrics import round_rate
from scoring_service.domain.model import Unit, UnitKind
from scoring_service.domain.results import Trend, TrendPoint, TrendSeries
from scoring_service.domain.ruleset import Ruleset
from scoring_service.domain.scoring import json_number, ranks
from scoring_service.domain.standings import Standing, empty_standing
from scoring_service.gc_pause import bulk
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork


def month_ends(year: int) -> list[date]:
    """The last day of each month of ``year``."""
    return [date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]


@bulk
def year_trend(uow: UnitOfWork, year: int, *, kind: UnitKind | None = None) -> Trend:
    """Each scored unit (of ``kind`` when given) at every month end of the year, as the
    score rows at those dates say; a scoped caller gets its units' series only (ranks
    stay the year's). Read from the kept standings while they are current, else from
    the month rows of the kept counts, scored afresh."""
    ruleset = ruleset_of(uow.rules, year)
    if kind is not None and kind not in ruleset.scored_kinds:
        kinds = ", ".join(k.value for k in ruleset.scored_kinds)
        raise InvalidRequest(
            _(
                "%(kind)r is not a scored kind of %(year)s (scored kinds: %(kinds)s)",
                kind=kind.value,
                year=year,
                kinds=kinds,
            )
        )
    days = month_ends(year)
    with uow:
        if not uow.years.exists(year):
            raise NotFound(
                _("no data is held for the year %(year)s; import a bundle first", year=year)
            )
        revision = uow.years.revision(year)
        # Ranks are within a kind: one kind's series read that kind's units alone.
        read = ruleset.scored_kinds if kind is None else (kind,)
        units = uow.index.scored_units(year, read)
        where = uow.reach(year)
        if uow.standings.current(year, ruleset, revision):
            kept = uow.standings.in_force(year, read, days)
            series = _kept_series(units, kept, days, ruleset, uow.evaluator)
        else:
            monthly = uow.index.monthly(year, days, ruleset.attribution, read)
            series = _series(assess_days(year, units, monthly, days, ruleset, uow.evaluator))
    wanted = [s for s in series if where.has(s.unit)]
    return Trend(year, ruleset.content_hash, revision, days, wanted)


def _series(assessments: list[Assessment]) -> list[TrendSeries]:
    """Every unit's points from its score rows at each day, in the last day's row order."""
    points: dict[str, list[TrendPoint]] = {}
    for assessment in assessments:
        for r in assessment.results:
            v = r.verdict
            points.setdefault(r.unit.code, []).append(
                TrendPoint(
                    as_of=assessment.as_of,
                    findings=r.metrics.findings,
                    overdue=r.metrics.overdue,
                    rate=round_rate(r.metrics.rate),
                    score=json_number(v.score),
                    grade=v.grade.value,
                    rank=r.rank,
                )
            )
    return [
        TrendSeries(r.unit.code, r.unit.name, r.unit.kind.value, points[r.unit.code])
        for r in assessments[-1].results
    ]


def _kept_series(
    units: Sequence[Unit],
    kept: Iterable[Standing],
    days: Sequence[date],
    ruleset: Ruleset,
    evaluator: Evaluator,
) -> list[TrendSeries]:
    """Every unit's points from its kept standings at each day (a unit without any stands
    as one with no findings), ranked within its kind each day; in the last day's row
    order, as ``_series`` gives them."""
    empty = {k: empty_standing(ruleset, evaluator, k.value) for k in ruleset.scored_kinds}
    at: dict[str, list[Standing]] = {u.code: [empty[u.kind]] * len(days) for u in units}
    for s in kept:
        held = at.get(s.unit)
        if held is not None:
            for i in range(bisect_left(days, s.since), bisect_left(days, s.until)):
                held[i] = s
    rank_at: dict[str, list[int]] = {u.code: [] for u in units}
    of_kind = [[u.code for u in units if u.kind is kind] for kind in ruleset.scored_kinds]
    for i in range(len(days)):
        for codes in of_kind:
            for code, rank in zip(codes, ranks([at[c][i].score for c in codes]), strict=True):
                rank_at[code].append(rank)
    order = {kind: n for n, kind in enumerate(ruleset.scored_kinds)}
    last = len(days) - 1
    return [
        TrendSeries(
            u.code,
            u.name,
            u.kind.value,
            [
                TrendPoint(
                    as_of=day,
                    findings=s.findings,
                    overdue=s.overdue,
                    rate=s.rate,
                    score=int(s.score) if s.score.is_integer() else s.score,
                    grade=s.grade,
                    rank=rank,
                )
                for day, s, rank in zip(days, at[u.code], rank_at[u.code], strict=True)
            ],
        )
        for u in sorted(units, key=lambda u: (order[u.kind], rank_at[u.code][last], u.code))
    ]
