"""``remind`` (the reminders of a date: due soon, overdue, new alerts, into the outbox) and
``deliver`` (send the outbox's notices to the webhooks; ``--status`` what waits, what was
delivered and what is parked), on the services of ``scoring_service.notices``."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from scoring_service.cli.context import Context, date_arg, print_json, with_context
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _

# A name for annotations only: ``--help`` does without the settings (``cli.main``).
if TYPE_CHECKING:
    from scoring_service.config import Settings


def add_parsers(sub: Any) -> None:
    """Add ``remind`` and ``deliver``."""
    remind = sub.add_parser(
        "remind",
        help=_("notices of findings due soon or overdue and of new alerts at a date (daily)"),
    )
    remind.add_argument("--as-of", type=date_arg, help=_("the date (default: today)"))
    remind.add_argument("--format", choices=("text", "json"), default="text")
    deliver = sub.add_parser(
        "deliver",
        help=_("send waiting notices to the webhooks and by mail (runs until stopped)"),
    )
    deliver.add_argument("--once", action="store_true", help=_("one pass, then stop"))
    deliver.add_argument(
        "--status",
        action="store_true",
        help=_("print waiting, delivered and parked notices per channel, then stop"),
    )


@with_context
def _remind(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.notices.remind import remind

    done = remind(ctx.uow(), args.as_of or date.today())
    if args.format == "json":
        print_json(
            {
                "as_of": done.as_of.isoformat(),
                "overdue": done.overdue,
                "due_soon": done.due_soon,
                "alerts": done.alerts,
            },
            out,
        )
        return 0
    print(
        _(
            "reminders for %(as_of)s: %(overdue)s overdue, %(due_soon)s due soon, "
            "%(alerts)s new alerts",
            as_of=format_date(done.as_of),
            overdue=done.overdue,
            due_soon=done.due_soon,
            alerts=done.alerts,
        ),
        file=out,
    )
    return 0


def channels_of(settings: Settings) -> dict[str, Any]:
    """The channels notices leave by, as the settings make them."""
    from scoring_service.notices.channels import WebhookChannel
    from scoring_service.notices.deliver import notice_source

    hooks = WebhookChannel(
        source=notice_source(settings.public_url),
        allowed_hosts=settings.webhook_hosts,
        timeout=settings.webhook_timeout_seconds,
    )
    found: dict[str, Any] = {hooks.name: hooks}
    if settings.smtp_url:
        from scoring_service.domain.notices import smtp_server
        from scoring_service.notices.mail import EmailChannel

        mail = EmailChannel(
            server=smtp_server(settings.smtp_url),
            sender=settings.mail_from,
            timeout=settings.smtp_timeout_seconds,
            public_url=settings.public_url,
            ca_file=settings.smtp_ca_file or None,
        )
        found[mail.name] = mail
    return found


@with_context
def _deliver(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.domain.notices import Retry
    from scoring_service.i18n.labels import DELIVERY_STATES, label
    from scoring_service.notices.deliver import deliver_forever, deliver_once, delivery_status
    from scoring_service.reports.text import table

    settings = ctx.settings
    if args.status:
        rows = [
            [s.channel, label(DELIVERY_STATES, s.state.value), s.count, s.last_error or ""]
            for s in delivery_status(ctx.uow())
        ]
        headers = (_("channel"), _("state"), _("notices"), _("last error"))
        print(table(headers, rows), file=out)
        return 0
    channels = channels_of(settings)
    retry = Retry(
        base=timedelta(seconds=settings.deliver_retry_seconds),
        most=timedelta(seconds=settings.deliver_retry_max_seconds),
        park_after=timedelta(seconds=settings.deliver_park_after_seconds),
    )
    # A claimed delivery is not claimed again before every send of a batch could time out.
    lease = timedelta(seconds=(settings.webhook_timeout_seconds + 5) * 10)
    if args.once:
        done = deliver_once(ctx.uow(), channels, retry, lease=lease)
        print(
            _(
                "%(routed)s new notices; %(delivered)s delivered, %(failed)s to try again, "
                "%(parked)s parked",
                routed=done.routed,
                delivered=done.delivered,
                failed=done.failed,
                parked=done.parked,
            ),
            file=out,
        )
        return 0
    deliver_forever(ctx.uow(), channels, retry, lease=lease, poll=settings.deliver_poll_seconds)
    return 0  # pragma: no cover - runs until stopped


COMMANDS = {"remind": _remind, "deliver": _deliver}
