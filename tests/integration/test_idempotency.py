"""Idempotency claims are leases: on SQLite and PostgreSQL, a claim left unanswered past its
lease is taken over, and the request that lost it can no longer answer or free the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import idempotency
from scoring_service.access.idempotency import Answer, Claim, InProgress, KeyReused
from scoring_service.access.roles import command_line
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db.api_models import IdempotencyRow
from scoring_service.unit_of_work import UnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
TTL = timedelta(hours=24)
FINGERPRINT = idempotency.request_hash("POST", "/api/v1/findings/F1/events?", b"{}")


def door(db: sessionmaker[Session]) -> UnitOfWork:
    """A unit of work for one step, as the API gives each (the key's own transactions)."""
    return UnitOfWork(db, RULES, None, command_line())


def take(db: sessionmaker[Session], lease: timedelta) -> Answer | Claim:
    return idempotency.claim(door(db), 7, "k-1", FINGERPRINT, ttl=TTL, lease=lease)


def test_a_live_claim_makes_a_retry_wait(session_factory: sessionmaker[Session]) -> None:
    assert isinstance(take(session_factory, timedelta(minutes=1)), Claim)
    with pytest.raises(InProgress, match="still being served"):
        take(session_factory, timedelta(minutes=1))
    with pytest.raises(KeyReused):
        idempotency.claim(door(session_factory), 7, "k-1", "other", ttl=TTL, lease=timedelta(0))


def test_a_claim_past_its_lease_is_taken_over_and_the_old_one_is_powerless(
    session_factory: sessionmaker[Session],
) -> None:
    first = take(session_factory, timedelta(0))
    second = take(session_factory, timedelta(0))  # the first one's lease has run out
    assert isinstance(first, Claim) and isinstance(second, Claim) and first.id != second.id
    new = Answer(201, "application/json", "/api/v1/findings/F1/events/2", b'{"seq": 2}')
    assert idempotency.complete(door(session_factory), second, new) is True
    # The first request was slow, not dead: it finishes now and must change nothing.
    old = Answer(201, "application/json", "/api/v1/findings/F1/events/1", b'{"seq": 1}')
    assert idempotency.complete(door(session_factory), first, old) is False
    idempotency.release(door(session_factory), first)
    assert take(session_factory, timedelta(0)) == new


def test_release_frees_only_the_claim_that_holds_the_key(
    session_factory: sessionmaker[Session],
) -> None:
    first = take(session_factory, timedelta(0))
    second = take(session_factory, timedelta(0))
    assert isinstance(first, Claim) and isinstance(second, Claim)
    idempotency.release(door(session_factory), first)  # stale: the key is the second's
    with pytest.raises(InProgress):
        take(session_factory, timedelta(minutes=1))
    idempotency.release(door(session_factory), second)
    assert isinstance(take(session_factory, timedelta(minutes=1)), Claim)


def test_a_claim_without_identity_is_taken_over_after_its_lease(
    session_factory: sessionmaker[Session],
) -> None:
    # A key claimed before claims had an identity, by a worker that then died.
    with session_factory.begin() as session:
        session.execute(
            insert(IdempotencyRow).values(
                token_id=7,
                key="k-1",
                request_hash=FINGERPRINT,
                created_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        )
    held = take(session_factory, timedelta(minutes=1))
    assert isinstance(held, Claim)
    answer = Answer(201, "application/json", None, b"{}")
    assert idempotency.complete(door(session_factory), held, answer) is True
    assert take(session_factory, timedelta(minutes=1)) == answer
