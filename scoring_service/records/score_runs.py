"""Score runs: stored runs, and the current scores of a year at a date.

Every function reads through the caller's unit of work; a scoped caller gets the rows of
the units inside its scope only, with the year's ranks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from scoring_service.assessment.rules_in_force import as_of_for, held_year, ruleset_of
from scoring_service.assessment.services import compute
from scoring_service.domain.assessment import Assessment
from scoring_service.domain.errors import NotFound
from scoring_service.domain.pages import Page, list_page, position_page
from scoring_service.domain.results import ScoreRun, ScoreRunInfo
from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork

Rows = list[dict[str, Any]]


def get_run(uow: UnitOfWork, year: int, run_id: int) -> ScoreRun:
    """A stored run of the year with its rows (those of the caller's units when scoped)."""
    with uow:
        run = uow.runs.get(run_id)
        if run is None or run.year != year:
            raise NotFound(
                _("the year %(year)s has no score run %(run_id)s", year=year, run_id=run_id)
            )
        return run.with_rows(in_reach(uow, year, run.rows))


def in_reach(uow: UnitOfWork, year: int, rows: Rows) -> Rows:
    """The score rows of units inside the caller's scope, in order; ranks stay the year's."""
    where = uow.reach(year)
    return rows if where.everything else [r for r in rows if where.has(r["unit"])]


def _of_kind(rows: Rows, kind: str | None) -> Rows:
    return [r for r in rows if kind is None or r["kind"] == kind]


def get_run_page(
    uow: UnitOfWork, year: int, run_id: int, *, kind: str | None, limit: int, cursor: str | None
) -> tuple[ScoreRunInfo, Page[dict[str, Any]]]:
    """A stored run of the year without its rows, and one page of them (of one ``kind``)."""
    tag = f"run:{run_id}"
    with uow:
        if uow.actor.scope is not None:
            whole = get_run(uow, year, run_id)
            rows = _of_kind(whole.rows, kind)
            return whole.info, list_page(rows, tag=tag, limit=limit, cursor=cursor)
        run = uow.runs.info(run_id)
        if run is None or run.year != year:
            raise NotFound(
                _("the year %(year)s has no score run %(run_id)s", year=year, run_id=run_id)
            )

        def fetch(start: int, count: int) -> tuple[Rows, int]:
            return uow.runs.rows(run_id, kind=kind, start=start, count=count)

        return run, position_page(fetch, tag=tag, limit=limit, cursor=cursor)


def latest_run(uow: UnitOfWork, year: int, *, as_of: date | None) -> ScoreRun:
    """The year's most recent run (at ``as_of`` when given), rows limited to the scope."""
    with uow:
        run = uow.runs.latest(year, as_of)
        if run is None:
            at = f" as of {as_of}" if as_of else ""
            raise NotFound(_("the year %(year)s has no score run%(at)s", year=year, at=at))
        return run.with_rows(in_reach(uow, year, run.rows))


def list_runs(
    uow: UnitOfWork, year: int, *, as_of: date | None, limit: int, cursor: str | None
) -> Page[ScoreRunInfo]:
    """The year's runs, newest first: each run's metadata and its rows per kind."""
    with uow:
        return uow.runs.page(year, as_of=as_of, limit=limit, cursor=cursor)


def current_scores(uow: UnitOfWork, year: int, *, as_of: date | None) -> ScoreRun:
    """The year's scores at a date: the latest run at that date while it is current, else
    computed now (not stored); a scoped caller gets its units' rows only.

    A run is current when it was computed from the data revision held now and the rule
    set in force now; an older one would show scores the data no longer gives.
    """
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    with uow:
        info = _current_run(uow, year, day, ruleset)
        if info is None or info.id is None:
            run = _computed(uow, year, day)
        else:
            run = ScoreRun.of(info, uow.runs.rows(info.id)[0])
        return run.with_rows(in_reach(uow, year, run.rows))


def current_scores_page(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: date | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[ScoreRunInfo, Page[dict[str, Any]]]:
    """``current_scores`` without its rows, and one page of them (of one ``kind`` when given).

    A current stored run is read one page at a time: a province's run has thousands of rows.
    """
    ruleset = ruleset_of(uow.rules, year)
    day = as_of_for(ruleset, year, as_of)
    tag = f"scores:{year}:{day}"
    with uow:
        if uow.actor.scope is not None:
            whole = current_scores(uow, year, as_of=day)
            rows = _of_kind(whole.rows, kind)
            return whole.info, list_page(rows, tag=tag, limit=limit, cursor=cursor)
        run = _current_run(uow, year, day, ruleset)
        if run is not None and run.id is not None:
            run_id = run.id

            def fetch(start: int, count: int) -> tuple[Rows, int]:
                return uow.runs.rows(run_id, kind=kind, start=start, count=count)

            return run, position_page(fetch, tag=tag, limit=limit, cursor=cursor)
        assessment, revision = compute(uow, year, as_of=day)
    # Only the page's rows are written out: a province has thousands.
    results = [r for r in assessment.results if kind is None or r.unit.kind.value == kind]
    order = list(assessment.ruleset.catalogue.categories)
    page = list_page(results, tag=tag, limit=limit, cursor=cursor)
    return _computed_info(uow, assessment, revision), page.map(lambda r: r.to_row(order))


def _current_run(uow: UnitOfWork, year: int, day: date, ruleset: Ruleset) -> ScoreRunInfo | None:
    """The latest stored run at ``day`` (without rows) if it is current, else None."""
    # The revision is 0 exactly when the year is not held: one query answers both.
    revision = uow.years.revision(year)
    if not revision:
        held_year(uow, year)
    run = uow.runs.latest_info(year, day)
    if (
        run is not None
        and run.data_revision == revision
        and run.ruleset_hash == ruleset.content_hash
    ):
        return run
    return None


def _computed(uow: UnitOfWork, year: int, day: date) -> ScoreRun:
    """The scores at ``day`` computed now, as a run that was not stored (no id)."""
    assessment, revision = compute(uow, year, as_of=day)
    return ScoreRun.of(_computed_info(uow, assessment, revision), assessment.rows())


def _computed_info(uow: UnitOfWork, assessment: Assessment, revision: int) -> ScoreRunInfo:
    """An assessment computed now as a run that was not stored (no id), without its rows."""
    return ScoreRunInfo(
        id=None,
        year=assessment.year,
        as_of=assessment.as_of,
        ruleset_hash=assessment.ruleset.content_hash,
        data_revision=revision,
        engine=type(uow.evaluator).__name__,
        created_at=None,
    )
