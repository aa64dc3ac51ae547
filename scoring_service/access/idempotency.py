"""Idempotency keys: a retried POST gets the first answer, and nothing is stored twice.

A key belongs to one token. The first request claims the key (a row with no answer
yet) in a transaction of its own, so a concurrent retry sees the claim and is told
to wait; the answer is stored once given. A key's answer is kept ``ttl`` long.

A claim is a lease: a worker killed mid-request never answers, so a claim left unanswered
``lease`` long is taken over by the next retry, which runs the request again. Each claim
has its own identity, and only the current claim may store an answer or let the key go:
a first request that was merely slow and finishes after the takeover changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scoring_service.domain.errors import Conflict, DomainError
from scoring_service.i18n import gettext
from scoring_service.unit_of_work import UnitOfWork


class KeyReused(DomainError):
    """The key was used before for another request (another body, method or path)."""


class InProgress(Conflict):
    """The first request with this key is still being served."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    location: str | None
    body: bytes


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path with query, and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """A request's hold on a key: only the holder may answer it or let it go."""

    token_id: int
    key: str
    id: str  # random: tells this claim from a later one on the same key


def claim(
    uow: UnitOfWork,
    token_id: int,
    key: str,
    fingerprint: str,
    *,
    ttl: timedelta,
    lease: timedelta,
) -> Answer | Claim:
    """Claim the key for a request to run (a Claim), or the stored answer of the first one.

    Give a unit of work not in use: each step commits in a transaction of its own, so a
    claim is seen by concurrent requests before the request's work runs. Raises KeyReused
    when the key came with another request, InProgress when the first request is not
    answered yet and its claim is younger than ``lease``.
    """
    now = datetime.now(UTC)
    mine = Claim(token_id, key, secrets.token_hex(16))
    for _ in range(3):  # again after clearing an expired key or losing a race for it
        with uow:
            keys = uow.idempotency
            row = keys.get(token_id, key)
            if row is not None and row.created_at < now - ttl:
                keys.delete(token_id, key)
                row = None
            if row is not None:
                if row.request_hash != fingerprint:
                    raise KeyReused(
                        gettext(
                            "this Idempotency-Key was used for another request; "
                            "use a new key for a new request"
                        )
                    )
                if row.status is not None:
                    return Answer(row.status, row.content_type or "", row.location, row.body or b"")
                if row.created_at >= now - lease:
                    raise InProgress(
                        gettext(
                            "a request with this Idempotency-Key is still being served; retry later"
                        )
                    )
                # Unanswered past its lease: the request holding it died. Take the claim
                # over unless another retry did so first (then its claim is read again).
                taken = keys.take_over(token_id, key, row.claim, mine.id, now)
                uow.commit()
                if taken:
                    return mine
                continue
            uow.commit()  # an expired key's deletion
        with uow:
            added = uow.idempotency.add_claim(token_id, key, fingerprint, mine.id, now)
            uow.commit()
            if added:
                return mine
        # Another request claimed it meanwhile: read its claim.
    raise InProgress(
        gettext("a request with this Idempotency-Key is still being served; retry later")
    )


def complete(uow: UnitOfWork, held: Claim, answer: Answer) -> bool:
    """Store the answer of the request holding ``held``, in a transaction of its own; False
    when the claim was taken over (its lease ran out), and the answer of the request that
    took it over stands."""
    with uow:
        stored = uow.idempotency.answer(
            held.token_id,
            held.key,
            held.id,
            status=answer.status,
            content_type=answer.content_type,
            location=answer.location,
            body=answer.body,
        )
        uow.commit()
        return stored


def release(uow: UnitOfWork, held: Claim) -> None:
    """Forget a claim whose request failed on the server's side, so a retry runs again
    (a claim taken over meanwhile is the new request's, and stays)."""
    with uow:
        uow.idempotency.release(held.token_id, held.key, held.id)
        uow.commit()
