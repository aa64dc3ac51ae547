"""The counts kept on write as dated deltas against a fresh replay of the year, on SQLite and
PostgreSQL: after random sequences of imports, events, pairings made and ended, and score
runs stored and recomputed, every unit's counts at any date under every attribution setting
are the replay's, the standings kept from them are those they give, and ``db check`` finds
no difference."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.assessment.services import import_bundle, recompute_run, score_year
from scoring_service.bundle.schema import PairingIn
from scoring_service.db import years
from scoring_service.db.count_deltas import month_end
from scoring_service.db.counts import monthly_counts, unit_counts
from scoring_service.db.standings import StandingRepository
from scoring_service.db.timelines import check_year
from scoring_service.domain.assessment import replayed_counts
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import EventType
from scoring_service.engine import PythonEngine
from scoring_service.records.events import EventRefused, NewEvent, append_event
from scoring_service.records.pairings import create_pairing, delete_pairing
from tests.helpers.histories import as_of_dates, bundles
from tests.integration.test_kept_timelines import (
    EVERY_KIND,
    PROPERTY,
    RULES,
    SETTINGS,
    ordered,
    uow,
)

KINDS = (EventType.RECTIFIED, EventType.LOOKBACK_FAILED, EventType.ESCALATED, EventType.EXTENSION)
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("event"), st.integers(0, 20), st.integers(0, 200), st.sampled_from(KINDS)
        ),
        st.tuples(st.just("pair"), st.integers(0, 20), st.integers(0, 20)),
        st.tuples(st.just("unpair"), st.integers(0, 20)),
        st.tuples(st.just("import")),
        st.tuples(st.just("recompute")),
    ),
    min_size=1,
    max_size=8,
)


def step(factory: sessionmaker[Session], bundle: dict[str, Any], action: tuple[Any, ...]) -> None:
    """One write (or a refused one, which must change nothing)."""
    with factory() as session:
        data = years.load_year(session, 2018)
    assert data is not None
    kind = action[0]
    if kind == "import":
        import_bundle(uow(factory), json.dumps(bundle), replace=True)
    elif kind == "recompute":
        run = score_year(uow(factory), 2018)
        assert recompute_run(uow(factory), run.id).matches
    elif kind == "event":
        _, which, offset, event_type = action
        finding = sorted(data.findings, key=lambda f: f.code)[which % len(data.findings)]
        day = date.fromordinal(finding.found_on.toordinal() + offset)
        event = NewEvent(
            event_type,
            day,
            note="x",
            reason="理由" if event_type is EventType.EXTENSION else None,
            new_deadline=date.fromordinal(day.toordinal() + 30)
            if event_type is EventType.EXTENSION
            else None,
        )
        with contextlib.suppress(EventRefused):
            append_event(uow(factory), finding.code, event, year=2018)
    elif kind == "pair":
        helpers = [u.code for u in data.units if u.kind.value == "helping_unit"]
        villages = [u.code for u in data.units if u.kind.value == "village"]
        pairing = PairingIn(
            helping_unit=helpers[action[1] % len(helpers)],
            village=villages[action[2] % len(villages)],
        )
        with contextlib.suppress(Conflict):
            create_pairing(uow(factory), 2018, pairing)
    elif data.pairings:
        gone = data.pairings[action[1] % len(data.pairings)]
        with contextlib.suppress(NotFound):
            delete_pairing(uow(factory), 2018, gone.helping_unit, gone.village)


@PROPERTY
@given(bundle=bundles(max_findings=6), steps=STEPS, days=as_of_dates())
def test_the_kept_counts_equal_a_fresh_replay_after_any_writes(
    session_factory: sessionmaker[Session],
    bundle: dict[str, Any],
    steps: list[tuple[Any, ...]],
    days: list[date],
) -> None:
    import_bundle(uow(session_factory), json.dumps(bundle), replace=True)
    for action in steps:
        step(session_factory, bundle, action)
    with session_factory() as session:
        data = years.load_year(session, 2018)
        assert data is not None
        assert check_year(session, 2018) == []
        # The standings kept from the counts are those the counts give now.
        ruleset = RULES.current(2018)
        assert ruleset is not None
        standings = StandingRepository(session)
        assert standings.current(2018, ruleset)
        assert standings.check(2018, ruleset, PythonEngine()) == []
        ascending = sorted(set(days))
        for attribution in SETTINGS:
            want = [ordered(replayed_counts(data, attribution, EVERY_KIND, d)) for d in ascending]
            got = [
                ordered(unit_counts(session, 2018, d, attribution, EVERY_KIND)) for d in ascending
            ]
            assert got == want
            # The trend reads month ends, from the month rows.
            ends = sorted({month_end(d) for d in days})
            held: dict[str, Any] = {}
            monthly = []
            for changed in monthly_counts(session, 2018, ends, attribution, EVERY_KIND):
                held |= changed
                monthly.append(ordered([c for counts in held.values() for c in counts]))
            assert monthly == [
                ordered(replayed_counts(data, attribution, EVERY_KIND, d)) for d in ends
            ]
