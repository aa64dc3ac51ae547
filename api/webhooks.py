"""Webhooks: systems told of notices as signed CloudEvents (admins only)."""

from __future__ import annotations

from api.routing import ApiBlueprint
from api.schemas import WebhookCreate, WebhookCreated, WebhookList, WebhookRead
from edge.context import services, uow
from scoring_service.domain.notices import Webhook
from scoring_service.domain.principals import Permission
from scoring_service.notices import webhooks

bp = ApiBlueprint("webhooks", __name__, tag="webhooks")
ADMIN = Permission.ADMIN


def webhook_read(hook: Webhook) -> WebhookRead:
    return WebhookRead(
        id=hook.id,
        url=hook.url,
        event_types=list(hook.event_types),
        scope=None if hook.scope is None else list(hook.scope),
        created_at=hook.created_at,
        created_by=hook.created_by,
        active=hook.active,
    )


@bp.operation(
    "GET",
    "/webhooks",
    summary="List webhooks",
    permission=ADMIN,
    response=WebhookList,
)
def list_webhooks() -> WebhookList:
    """The active webhooks the caller manages (a scoped admin: those inside its scope);
    never their secrets."""
    return WebhookList(items=[webhook_read(h) for h in webhooks.list_webhooks(uow())])


@bp.operation(
    "POST",
    "/webhooks",
    summary="Register a webhook",
    permission=ADMIN,
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    errors=(403, 422),
)
def create_webhook(body: WebhookCreate) -> tuple[WebhookCreated, dict[str, str]]:
    """A webhook for the event types named, at an allowed host; the secret made here is in
    this answer only."""
    secret, hook = webhooks.register_webhook(
        uow(),
        body.url,
        [t.value for t in body.event_types],
        allowed_hosts=services().settings.webhook_hosts,
        secret=body.secret,
        units=body.scope,
    )
    created = WebhookCreated(**webhook_read(hook).model_dump(), secret=secret)
    return created, {"Location": f"/api/v1/webhooks/{hook.id}", "Cache-Control": "no-store"}


@bp.operation(
    "DELETE",
    "/webhooks/<int:hook_id>",
    summary="Delete a webhook",
    permission=ADMIN,
    response=WebhookRead,
    errors=(404,),
)
def delete_webhook(hook_id: int) -> WebhookRead:
    """Stop a webhook: nothing more is sent to it; its waiting deliveries are parked."""
    return webhook_read(webhooks.delete_webhook(uow(), hook_id))
