"""Administration: tokens and the audit log (admin role only)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.routing import ApiBlueprint
from api.schemas import (
    AuditPage,
    AuditQuery,
    AuditRead,
    TokenCreate,
    TokenCreated,
    TokenList,
    TokenQuery,
    TokenRead,
)
from edge.context import current, uow
from scoring_service.access import audit, tokens
from scoring_service.access.scope import require_unscoped
from scoring_service.domain.principals import Permission

bp = ApiBlueprint("admin", __name__, tag="tokens")
ADMIN = Permission.ADMIN


def token_read(info: tokens.TokenInfo) -> TokenRead:
    return TokenRead.model_validate(info, from_attributes=True)


@bp.operation(
    "GET",
    "/tokens",
    summary="List tokens",
    permission=ADMIN,
    query=TokenQuery,
    response=TokenList,
)
def list_tokens(query: TokenQuery) -> TokenList:
    """Live tokens (and revoked ones when asked); never their secrets."""
    found = tokens.list_tokens(uow(), include_revoked=query.include_revoked)
    return TokenList(items=[token_read(t) for t in found])


@bp.operation(
    "POST",
    "/tokens",
    summary="Create a token",
    permission=ADMIN,
    body=TokenCreate,
    response=TokenCreated,
    status=201,
    errors=(409, 422),
)
def create_token(body: TokenCreate) -> tuple[TokenCreated, dict[str, str]]:
    """A new bearer token, shown in this answer only (only its hash is stored). An
    Idempotency-Key is not honoured here: a replay would have to store the secret."""
    secret, info = tokens.create_token(uow(), body.name, body.role, body.scope)
    created = TokenCreated(**token_read(info).model_dump(), token=secret)
    # The answer carries the secret: no cache on the way or in the client may keep it.
    return created, {"Location": f"/api/v1/tokens/{info.id}", "Cache-Control": "no-store"}


@bp.operation(
    "DELETE",
    "/tokens/<int:token_id>",
    summary="Revoke a token",
    permission=ADMIN,
    response=TokenRead,
    errors=(404,),
)
def revoke_token(token_id: int) -> TokenRead:
    """Revoke a live token: requests with it get 401 from now on."""
    return token_read(tokens.revoke_token(uow(), token_id))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@bp.operation(
    "GET",
    "/audit",
    summary="The audit log",
    permission=ADMIN,
    query=AuditQuery,
    response=AuditPage,
    tag="audit",
)
def audit_log(query: AuditQuery) -> AuditPage:
    """Every write, newest first: token name, time, action, record. Filters: ``token``,
    ``action`` (e.g. ``event.create``), ``record_type``, ``record`` (e.g. ``2018/F-1``),
    ``year``, ``since`` and ``until`` (times; UTC when no offset is given). The log
    covers the whole service: a token scoped to units may not read it."""
    require_unscoped(current(), "the audit log")
    page = audit.entries(
        uow(),
        token=query.token,
        action=query.action,
        record_type=query.record_type,
        record_key=query.record,
        year=query.year,
        since=_utc(query.since),
        until=_utc(query.until),
        limit=query.limit,
        cursor=query.cursor,
    )
    return AuditPage.of(
        page, lambda e: AuditRead.model_validate(e, from_attributes=True), limit=query.limit
    )
