"""Webhooks: administrators register a system's address for some event types, list and
delete them. A scoped administrator registers only hooks scoped inside its own scope and
sees only those; each change has its audit entry."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from scoring_service.access import grants, scope
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.notices import EventType, Webhook, event_types
from scoring_service.domain.principals import Permission
from scoring_service.i18n import gettext as _
from scoring_service.notices.channels import check_url
from scoring_service.unit_of_work import UnitOfWork

SECRET_MIN, SECRET_MAX = 16, 200


def _types(names: Sequence[str]) -> tuple[EventType, ...]:
    unknown = [n for n in names if n not in {t.value for t in EventType}]
    if unknown or not names:
        raise InvalidRequest(
            _(
                "event_types must name at least one of %(choices)s; unknown: %(unknown)s",
                choices=", ".join(t.value for t in EventType),
                unknown=", ".join(unknown) or "-",
            )
        )
    return event_types(names)


def _secret(given: str | None) -> tuple[str, bool]:
    """The hook's secret and whether it was made here (then shown once)."""
    if given is None:
        return secrets.token_urlsafe(32), True
    if not SECRET_MIN <= len(given) <= SECRET_MAX or not given.isprintable():
        raise InvalidRequest(
            _(
                "secret must be %(least)s to %(most)s printable characters",
                least=SECRET_MIN,
                most=SECRET_MAX,
            )
        )
    return given, False


def _sees(uow: UnitOfWork, hook: Webhook) -> bool:
    """Whether the acting administrator manages the hook: inside its own scope."""
    return not grants.outside_of(grants.covered_by_actor(uow), hook.scope)


def register_webhook(
    uow: UnitOfWork,
    url: str,
    types: Sequence[str],
    *,
    allowed_hosts: Collection[str],
    secret: str | None = None,
    units: Sequence[str] | None = None,
) -> tuple[str | None, Webhook]:
    """A new webhook: the secret when it was made here (shown this once), and the hook.
    Refused in words when the host is not allowed or a field is wrong."""
    uow.actor.require(Permission.ADMIN)
    check_url(url, allowed_hosts)
    wanted = _types(types)
    key, made = _secret(secret)
    scope_units = grants.scope_units(units)
    with uow:
        grants.require_grantable(uow, scope_units)
        hook = uow.webhooks.add(
            url=url,
            event_types=wanted,
            secret=key,
            scope=scope_units,
            created_by=uow.actor.name,
            created_at=datetime.now(UTC),
        )
        uow.audit(
            "webhook.create",
            "webhook",
            str(hook.id),
            detail={"url": url, "event_types": list(wanted), "scope": scope_units},
        )
        uow.commit()
    return (key if made else None), hook


def list_webhooks(uow: UnitOfWork) -> list[Webhook]:
    """The active webhooks the acting administrator manages."""
    uow.actor.require(Permission.ADMIN)
    with uow:
        return [h for h in uow.webhooks.active() if _sees(uow, h)]


def delete_webhook(uow: UnitOfWork, hook_id: int) -> Webhook:
    """Stop a webhook: nothing more is sent to it, and its waiting deliveries park."""
    uow.actor.require(Permission.ADMIN)
    with uow:
        hook = uow.webhooks.get(hook_id)
        if hook is None or not hook.active or not _sees(uow, hook):
            raise scope.hidden("webhook", str(hook_id))
        uow.webhooks.deactivate(hook_id)
        uow.audit("webhook.delete", "webhook", str(hook_id), detail={"url": hook.url})
        uow.commit()
    return replace(hook, active=False)
