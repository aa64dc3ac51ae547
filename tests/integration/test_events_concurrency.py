"""Concurrent events on one finding: of posts that only one may pass, exactly one passes.

The check is slowed down so that, without the finding's lock, every thread would read the
history before any of them stored its event; with it, the later ones see the first event.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

import scoring_service.records.events as events_module
from scoring_service.domain.model import Event, Finding
from scoring_service.domain.timeline import Refusal, check_history
from tests.helpers.api import Api, api_fixture, loaded_fixture  # noqa: F401

URL = "/api/v1/findings/2018-G1-07-02/events"


@pytest.fixture
def slow_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(finding: Finding, history: Sequence[Event]) -> list[Refusal]:
        time.sleep(0.15)
        return check_history(finding, history)

    monkeypatch.setattr(events_module, "check_history", slow)


def race(api: Api, bodies: list[dict[str, Any]]) -> list[int]:
    """Post the bodies at once, each from its own thread and client; their statuses."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def post(i: int) -> None:
        client = api.app.test_client()
        barrier.wait()
        response = client.post(URL, json=bodies[i], headers=api.headers("inspector"))
        statuses[i] = response.status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.usefixtures("slow_check")
def test_concurrent_rectifications_only_one_passes(loaded: Api) -> None:
    # 2018-G1-07-02 ends rectified; a failed look-back reopens it for the next round.
    for round_ in range(3):
        day = f"2018-10-{21 + 2 * round_:02d}"
        reopen = {"type": "lookback_failed", "date": day, "note": "整改不实"}
        assert loaded.post(URL, reopen, who="inspector").status_code == 201
        rectified = {"type": "rectified", "date": f"2018-10-{22 + 2 * round_:02d}"}
        statuses = race(loaded, [rectified] * 3)
        assert Counter(statuses) == Counter({201: 1, 409: 2}), statuses
    history = loaded.get("/api/v1/findings/2018-G1-07-02").get_json()["events"]
    assert [e["type"] for e in history[-6:]] == ["lookback_failed", "rectified"] * 3


@pytest.mark.usefixtures("slow_check")
def test_concurrent_different_events_are_checked_one_after_the_other(loaded: Api) -> None:
    # A look-back can follow a rectification but not precede it: whichever comes first,
    # the history stored is valid.
    reopen = {"type": "lookback_failed", "date": "2018-10-21", "note": "整改不实"}
    assert loaded.post(URL, reopen, who="inspector").status_code == 201
    statuses = race(
        loaded,
        [
            {"type": "rectified", "date": "2018-10-22"},
            {"type": "lookback_failed", "date": "2018-10-22", "note": "again"},
        ],
    )
    assert sorted(statuses) in ([201, 201], [201, 409])
    detail = loaded.get("/api/v1/findings/2018-G1-07-02").get_json()
    types = [e["type"] for e in detail["events"]]
    assert types[-1] in ("rectified", "lookback_failed")
    assert types.count("lookback_failed") in (2, 3)
