"""The service layer: import, score, explain, alerts. Plain functions; commits happen here.

Each takes the caller's unit of work (``uow``): its session, rule source, rule engine and
principal. A write commits once, with its audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import as_of_for, ruleset_of
from scoring_service.cache import missing
from scoring_service.domain.alerts import Alert, process_alerts
from scoring_service.domain.assessment import (
    Assessment,
    FindingFacts,
    assess,
    assess_counts,
    assess_unit,
    rescore,
)
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.explanation import explanation
from scoring_service.domain.model import Unit, YearData
from scoring_service.domain.notices import EventType
from scoring_service.domain.results import (
    Difference,
    IndexCheck,
    Recomputation,
    ScoreRun,
    YearSummary,
)
from scoring_service.domain.ruleset import Catalogue, Ruleset, RuleSource
from scoring_service.domain.standings import empty_standing
from scoring_service.domain.timeline import state_of
from scoring_service.gc_pause import bulk
from scoring_service.i18n import gettext
from scoring_service.i18n.labels import KINDS, label
from scoring_service.rules.words import explanation_in_words
from scoring_service.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from scoring_service.bundle import Source

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    year: int
    replaced: bool
    units: int
    pairings: int
    groups: int
    inspections: int
    findings: int
    events: int

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "replaced": self.replaced,
            "counts": {
                "units": self.units,
                "pairings": self.pairings,
                "groups": self.groups,
                "inspections": self.inspections,
                "findings": self.findings,
                "events": self.events,
            },
        }


def _catalogue_of(rules: RuleSource) -> Callable[[int], Catalogue | None]:
    def catalogue(year: int) -> Catalogue | None:
        ruleset = rules.current(year)
        return ruleset.catalogue if ruleset is not None else None

    return catalogue


@bulk
def import_bundle(
    uow: UnitOfWork,
    raw: Source,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check a bundle (its text, or the path of its file, read as a stream) and store it in
    one transaction with its audit entry; nothing is stored if anything is wrong. A bundle
    holds every unit of a year: a principal scoped to units may not import one."""
    # The bundle's models are imported by the one service that reads a bundle, not by
    # every command that scores.
    from scoring_service.bundle import read_bundle

    scope.require_unscoped(uow.actor, "importing a bundle")
    say = progress or (lambda _stage: None)
    say("checking")
    data = read_bundle(raw, _catalogue_of(uow.rules))
    say("storing")
    with uow:
        exists = uow.years.exists(data.year)
        if exists and not replace:
            raise Conflict(
                gettext(
                    "the year %(year)s already has data; import with replace to swap it whole",
                    year=data.year,
                )
            )
        uow.years.replace(data, existing=exists)
        summary = ImportSummary(
            year=data.year,
            replaced=exists,
            units=len(data.units),
            pairings=len(data.pairings),
            groups=len(data.groups),
            inspections=len(data.inspections),
            findings=len(data.findings),
            events=len(data.events),
        )
        counts = summary.to_json()["counts"]
        uow.audit(
            "bundle.import",
            "year",
            str(data.year),
            year=data.year,
            detail={"replaced": exists, **counts},
        )
        uow.commit()
        uow.settle()
    say("done")
    return summary


def list_years(uow: UnitOfWork) -> list[YearSummary]:
    """The years held, with their counts."""
    with uow:
        return uow.years.summary()


def year_revision(uow: UnitOfWork, year: int) -> int:
    """The year's data revision, raised by every write to its data (0: not held); what a
    remembered answer about the year is keyed by."""
    with uow:
        return uow.years.revision(year)


def _no_data(year: int) -> NotFound:
    return NotFound(
        gettext("no data is held for the year %(year)s; import a bundle first", year=year)
    )


def _year_data(uow: UnitOfWork, year: int) -> YearData:
    data = uow.years.load(year)
    if data is None:
        raise _no_data(year)
    return data


@bulk
def compute(
    uow: UnitOfWork, year: int, *, as_of: date | None, keep_findings: bool = False
) -> tuple[Assessment, int]:
    """Assess a year as of a date (default: the rule set's cutoff); also its data revision.

    The metrics come from one aggregate over the kept timelines (``uow.index``);
    ``keep_findings`` replays the whole year instead, keeping each unit's findings (the
    reference computation, which the aggregate is tested against).
    """
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        if keep_findings:
            data = _year_data(uow, year)
            revision = uow.years.revision(year)
            return assess(data, ruleset, day, uow.evaluator, keep_findings=True), revision
        if not uow.years.exists(year):
            raise _no_data(year)
        revision = uow.years.revision(year)
        return _from_counts(uow, year, day, ruleset, revision), revision


def _from_counts(
    uow: UnitOfWork, year: int, day: date, ruleset: Ruleset, revision: int
) -> Assessment:
    """The year's assessment at ``day`` from the kept counts: the one this process computed
    last at that date, brought up to date by scoring again the units whose counts changed
    since, when few did; else every unit."""
    recent, key = uow.recent, ("assessment", year, day, ruleset.content_hash)
    if recent is not None and not missing(kept := recent.get(key)):
        held, previous = cast(tuple[int, Assessment], kept)
        if held == revision:
            return previous
        changed = uow.index.changed_since(year, held, revision)
        codes = None if changed is None else {u for u, since in changed.items() if since <= day}
        # Past a quarter of the units, one aggregate of them all is cheaper than looking
        # each up.
        if codes is not None and len(codes) <= len(previous.results) // 4:
            counts = uow.index.counts(year, day, ruleset.attribution, ruleset.scored_kinds, codes)
            assessment = rescore(previous, codes, counts, uow.evaluator) if codes else previous
            recent.put(key, (revision, assessment))
            return assessment
    units = uow.index.scored_units(year, ruleset.scored_kinds)
    counts = uow.index.counts(year, day, ruleset.attribution, ruleset.scored_kinds)
    assessment = assess_counts(year, units, counts, ruleset, day, uow.evaluator)
    if recent is not None:
        recent.put(key, (revision, assessment))
    return assessment


@bulk
def score_year(uow: UnitOfWork, year: int, *, as_of: date | None = None) -> ScoreRun:
    """Compute a year's scores and store them as a score run with its audit entry; return
    the stored run. A run holds every unit's row: a scoped principal may not store one."""
    scope.require_unscoped(uow.actor, "storing a score run")
    with uow:
        assessment, revision = compute(uow, year, as_of=as_of)
        rows = assessment.rows()
        run_id = uow.runs.add(
            year=year,
            as_of=assessment.as_of,
            ruleset_hash=assessment.ruleset.content_hash,
            data_revision=revision,
            engine=type(uow.evaluator).__name__,
            rows=rows,
        )
        # The run names its rule set by hash: keep that version findable for recomputing.
        uow.rulesets.record(assessment.ruleset)
        uow.audit(
            "score_run.create",
            "score_run",
            str(run_id),
            year=year,
            detail={"as_of": assessment.as_of, "rows": len(assessment.results)},
        )
        uow.notify(
            EventType.SCORE_RUN_CREATED,
            year=year,
            subject=str(run_id),
            data={
                "run": run_id,
                "as_of": assessment.as_of.isoformat(),
                "ruleset_hash": assessment.ruleset.content_hash,
                "rows": len(assessment.results),
            },
        )
        uow.commit()
        # The rows stored are these (JSON of ints, floats and text reads back equal): only
        # the run's own fields are read back, not its thousands of rows.
        info = uow.runs.info(run_id)
    assert info is not None
    return ScoreRun.of(info, rows)


def explain_unit(
    uow: UnitOfWork, year: int, unit: str, *, as_of: date | None = None
) -> dict[str, Any]:
    """Why a unit scored what it did: metrics, fired rules and the findings behind them.

    Reads only the unit's counted findings and their kept spans at the date. Its rank
    comes from the latest stored run at that date when that run is current (same data
    revision and rule set), else from scoring the year by the aggregate. A unit outside
    the caller's scope is not found, as a unit that does not exist."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        if not uow.reach(year).has(unit):
            raise scope.hidden("unit", unit, year)
        revision = uow.years.revision(year)  # 0 exactly when the year is not held
        if not revision:
            raise _no_data(year)
        held = uow.index.unit(year, unit)
        if held is None or held.kind not in ruleset.scored_kinds:
            kinds = gettext(", ").join(label(KINDS, k.value) for k in ruleset.scored_kinds)
            raise NotFound(
                gettext(
                    "unit %(unit)r is not a scored unit of %(year)s (scored kinds: %(kinds)s)",
                    unit=unit,
                    year=year,
                    kinds=kinds,
                )
            )
        counted = [
            (FindingFacts(finding, state_of(span), span.outcome, repeat_of), reasons)
            for finding, span, repeat_of, reasons in uow.index.counted(
                year, unit, day, ruleset.attribution
            )
        ]
        one = assess_unit(year, held, counted, ruleset, day, uow.evaluator, rank=0)
        result = one.results[0]
        rank = _stored_rank(uow, year, unit, day, ruleset, revision)
        if rank is None and uow.standings.current(year, ruleset, revision):
            rank = _kept_rank(uow, year, held, day, ruleset, result.verdict.score)
        if rank is None:
            rank = _rank_among_kind(uow, year, held, day, ruleset)
        result.rank = rank
    return explanation_in_words(explanation(one, unit), ruleset)


def _kept_rank(
    uow: UnitOfWork, year: int, held: Unit, day: date, ruleset: Ruleset, score: Fraction
) -> int:
    """The unit's rank at ``day`` among its kind (spec section 6) from the kept standings:
    one more than the units of its kind scoring higher then, those without kept standings
    standing as units with no findings do."""
    mine = float(score)  # as the kept scores are held
    kept, higher, units = uow.standings.above(year, held.kind, day, mine)
    if empty_standing(ruleset, uow.evaluator, held.kind.value).score > mine:
        higher += units - kept
    return 1 + higher


def _rank_among_kind(uow: UnitOfWork, year: int, held: Unit, day: date, ruleset: Ruleset) -> int:
    """The unit's rank at ``day`` scored afresh: ranks are among units of the same kind
    (spec section 6), so only theirs are counted and scored."""
    kind = [held.kind]
    peers = uow.index.scored_units(year, kind)
    counts = uow.index.counts(year, day, ruleset.attribution, kind)
    ranked = assess_counts(year, peers, counts, ruleset, day, uow.evaluator)
    return next(r.rank for r in ranked.results if r.unit.code == held.code)


def _stored_rank(
    uow: UnitOfWork, year: int, unit: str, day: date, ruleset: Ruleset, revision: int
) -> int | None:
    """The unit's rank in the latest run at ``day`` if that run is current (made from the
    data at ``revision`` under ``ruleset``), else None."""
    run = uow.runs.latest_info(year, day)
    if (
        run is None
        or run.id is None
        or run.data_revision != revision
        or run.ruleset_hash != ruleset.content_hash
    ):
        return None
    return uow.runs.rank(run.id, unit)


@bulk
def year_alerts(
    uow: UnitOfWork, year: int, *, as_of: date | None = None
) -> tuple[date, list[Alert]]:
    """The process alerts of a year as of a date (default: the rule set's cutoff), those
    the caller reads when it is scoped."""
    day, grouped = year_alerts_by_group(uow, year, as_of=as_of)
    return day, [g.alert for g in grouped]


@dataclass(frozen=True, slots=True)
class GroupedAlert:
    """An alert with the inspection group answerable for it: the group itself, the group
    of the inspection, or the group of the inspection that found the finding."""

    alert: Alert
    group: str | None


@bulk
def year_alerts_by_group(
    uow: UnitOfWork, year: int, *, as_of: date | None = None
) -> tuple[date, list[GroupedAlert]]:
    """``year_alerts`` with each alert's responsible group."""
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        every = _every_alert(uow, year, day, ruleset)
        if uow.actor.scope is None:
            return day, list(every)  # the caller's own: the one remembered stays as it is
        seen = scope.alerts_in_reach(uow, year, ruleset.attribution, [g.alert for g in every])
        kept = {id(alert) for alert in seen}
        return day, [g for g in every if id(g.alert) in kept]


def _every_alert(uow: UnitOfWork, year: int, day: date, ruleset: Ruleset) -> list[GroupedAlert]:
    """Every process alert of the year at ``day`` with its group: those this process
    computed last, while no write since changed what they read (most writes are events,
    which leave the alerts as they were unless they escalate). Only the alerts are kept,
    not the year's data they were read from."""
    revision = uow.years.process_revision(year)  # 0 exactly when the year is not held
    if not revision:
        raise _no_data(year)
    recent, key = uow.recent, ("alerts", year, revision, day, ruleset.content_hash)
    if recent is not None and not missing(kept := recent.get(key)):
        return cast(list[GroupedAlert], kept)
    data = uow.years.load_for_alerts(year, day)
    if data is None:
        raise _no_data(year)
    group_of = {i.code: i.group for i in data.inspections}
    inspection_of = {f.code: f.inspection for f in data.findings}
    computed = []
    for alert in process_alerts(data, ruleset.alerts, day):
        inspection = alert.inspection or inspection_of.get(alert.finding or "")
        computed.append(GroupedAlert(alert, alert.group or group_of.get(inspection or "")))
    if recent is not None:
        recent.put(key, computed)
    return computed


def check_index(uow: UnitOfWork, year: int | None = None) -> list[IndexCheck]:
    """Replay every finding of each year held (or of ``year``) from its events, rebuild the
    unit tree's closure, and compare both with the rows kept on write; then the standings
    kept from the counts with those the counts give."""

    def _standings(held: int) -> list[Difference]:
        ruleset = uow.rules.current(held)
        return [] if ruleset is None else uow.standings.check(held, ruleset, uow.evaluator)

    with uow:
        held = [y for y in uow.years.summary() if year is None or y.year == year]
        if year is not None and not held:
            raise _no_data(year)
        return [
            IndexCheck(y.year, y.findings, y.units, uow.index.check(y.year) + _standings(y.year))
            for y in held
        ]


def recompute_run(uow: UnitOfWork, run_id: int) -> Recomputation:
    """Score a stored run again under the rule set version it recorded, on the data held now.

    ``matches`` says whether every row comes out the same. The data is the year's current
    data: when its revision differs from the run's (``data_changed``), differences may come
    from the data rather than the rules.
    """
    from scoring_service.rulesets.diff import compare_rows

    with uow:
        run = uow.runs.get(run_id)
        if run is None:
            raise NotFound(gettext("there is no score run %(run_id)s", run_id=run_id))
        if not uow.years.exists(run.year):
            raise _no_data(run.year)
        ruleset = uow.rules.by_hash(run.year, run.ruleset_hash)
        if ruleset is None:
            raise NotFound(
                gettext(
                    "score run %(run_id)s used rules %(rules)s of %(year)s, which are not recorded",
                    run_id=run_id,
                    rules=run.ruleset_hash[:12],
                    year=run.year,
                )
            )
        revision = uow.years.revision(run.year)
        where = uow.reach(run.year)
        units = uow.index.scored_units(run.year, ruleset.scored_kinds)
        counts = uow.index.counts(run.year, run.as_of, ruleset.attribution, ruleset.scored_kinds)
    stored = run.rows
    rows = assess_counts(run.year, units, counts, ruleset, run.as_of, uow.evaluator).rows()
    if not where.everything:  # the comparison of the caller's units only
        stored = [r for r in stored if where.has(str(r["unit"]))]
        rows = [r for r in rows if where.has(str(r["unit"]))]
    diff = compare_rows(stored, rows, ruleset, ruleset)
    data_changed = revision != run.data_revision
    return Recomputation(
        run=run_id,
        year=run.year,
        as_of=run.as_of,
        ruleset_hash=run.ruleset_hash,
        data_revision=run.data_revision,
        current_data_revision=revision,
        data_changed=data_changed,
        matches=not diff.changes,
        note=(
            gettext(
                "the year's data changed since the run (revision %(then)s then, %(now)s now): "
                "differences may come from the data, not the rules",
                then=run.data_revision,
                now=revision,
            )
            if data_changed
            else gettext("same data revision as the run")
        ),
        summary=diff.summary(),
        differences=[change.to_json() for change in diff.changes],
        rows=rows,
    )
