"""The channels a notice leaves by. A channel names who should get a notice (fan-out, in the
deliverer's transaction), reads a target by its key when a delivery is claimed, and sends
one notice to one target or raises ``DeliveryFailed``: the deliverer does the rest (claims,
retries, parking), the same for every channel. Webhooks are here; another channel (email)
is one more class with these three methods."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Sequence
from typing import Protocol
from urllib.parse import urlsplit
from uuid import UUID

from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.notices import (
    DeliveryFailed,
    Notice,
    TargetGone,
    Webhook,
    event_body,
    signature,
)
from scoring_service.domain.principals import Principal, Reach, Role
from scoring_service.i18n import gettext as _
from scoring_service.unit_of_work import UnitOfWork


class Channel(Protocol):
    """A way notices leave the service."""

    @property
    def name(self) -> str:
        """The channel's name, kept on each delivery ("webhook", "email"...)."""
        ...

    def targets(self, uow: UnitOfWork, notices: Sequence[Notice]) -> list[tuple[UUID, str]]:
        """Who gets each notice, as (notice id, target key), under the scope rule."""
        ...

    def target(self, uow: UnitOfWork, key: str) -> object:
        """The target of ``key`` as it is now, or raise TargetGone saying what is gone (the
        delivery parks with that as its last error)."""
        ...

    def send(self, notice: Notice, target: object) -> None:
        """Send the notice to the target, or raise DeliveryFailed saying why."""
        ...


def check_url(url: str, allowed: Collection[str], *, field: str = "url") -> str:
    """An http(s) address at an allowed host ("host" any port, or "host:port"), else
    InvalidRequest in words naming the field: the service calls nothing else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            _("%(field)s must be an http or https address: %(url)r", field=field, url=url)
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest(_("%(field)s may not hold a user name or password", field=field))
    host = parts.hostname.lower()
    port = port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    if host not in allowed and where not in allowed:
        raise InvalidRequest(
            _(
                "%(field)s: the host %(host)s is not one webhooks may call "
                "(SCORING_WEBHOOK_ALLOWED_HOSTS: %(allowed)s)",
                field=field,
                host=where,
                allowed=", ".join(sorted(allowed)) or _("none"),
            )
        )
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following one could reach a host not allowed."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class WebhookChannel:
    """Notices posted to registered webhooks as signed CloudEvents."""

    name = "webhook"

    def __init__(
        self,
        *,
        source: str,
        allowed_hosts: Collection[str],
        timeout: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.allowed_hosts = frozenset(allowed_hosts)
        self.timeout = timeout
        self.clock = clock

    def targets(self, uow: UnitOfWork, notices: Sequence[Notice]) -> list[tuple[UUID, str]]:
        hooks = uow.webhooks.active()
        reaches: dict[tuple[int | None, int], Reach] = {}
        found = []
        for notice in notices:
            for hook in hooks:
                key = (notice.year, hook.id)
                if key not in reaches:
                    reaches[key] = _reach(uow, notice.year, hook)
                if hook.wants(notice, reaches[key]):
                    found.append((notice.id, str(hook.id)))
        return found

    def target(self, uow: UnitOfWork, key: str) -> object:
        hook = uow.webhooks.get(int(key))
        if hook is None or not hook.active:
            raise TargetGone(_("not sent: the webhook was deleted"))
        return hook

    def send(self, notice: Notice, target: object) -> None:
        assert isinstance(target, Webhook)
        try:
            check_url(target.url, self.allowed_hosts)
        except InvalidRequest as refused:
            raise DeliveryFailed(str(refused)) from None
        body = event_body(notice, self.source)
        stamp = int(self.clock())
        request = urllib.request.Request(
            target.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                "User-Agent": "scoring-service-notices",
                "X-Signature": signature(target.secret, stamp, body),
                "X-Signature-Timestamp": str(stamp),
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            raise DeliveryFailed(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryFailed(f"{type(error).__name__}: {reason}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


def _reach(uow: UnitOfWork, year: int | None, hook: Webhook) -> Reach:
    """A hook's reach in ``year``: the units of its scope and every unit under them, by the
    same query as a token's (a notice of no year reaches the scope's own units)."""
    if hook.scope is None:
        return Reach(None)
    scope = frozenset(hook.scope)
    if year is None:
        return Reach(scope)
    return uow.scopes.reach(year, Principal(None, f"webhook {hook.id}", Role.READER, scope))
