"""Command-line parts of the HTTP API: ``serve`` (gunicorn) and ``tokens``.

``serve`` runs the app of ``server:create_app()`` under gunicorn, named by string like any
WSGI server would: the service layer does not import the HTTP layer.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
from typing import TYPE_CHECKING, Any, TextIO

from scoring_service.cli.context import EXIT_OK, Command, Context, print_json, with_context
from scoring_service.i18n import gettext as _

# A name for annotations only: ``--help`` does without the settings (``cli.main``).
if TYPE_CHECKING:
    from scoring_service.config import Settings


APP = "server:create_app()"
# gunicorn's limits on the request line (method, address with its query, version) and on each
# header line, in bytes. gunicorn answers beyond them itself, before the app, with a short
# HTML page: 414 URI Too Long, 431 Request Header Fields Too Large. They are set here so the
# README's figures are the served ones.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELD_SIZE = 8190
LIMIT_REQUEST_FIELDS = 100


def add_parsers(sub: Any) -> None:
    """Add ``serve`` and ``tokens`` to the command line's subcommands."""
    serve = sub.add_parser("serve", help=_("run the HTTP API under gunicorn"))
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help=_("worker processes"))
    serve.add_argument("--threads", type=int, default=4, help=_("threads per worker"))
    serve.add_argument(
        "--timeout", type=int, default=300, help=_("seconds a request may take (large imports)")
    )

    tokens = sub.add_parser("tokens", help=_("API tokens: create, list, revoke"))
    actions = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help=_("create a token; it is shown once"))
    create.add_argument("--name", required=True, help=_("who uses it, e.g. county-441624"))
    create.add_argument(
        "--role",
        required=True,
        choices=("reader", "inspector", "assessor", "rule_editor", "admin", "unit"),
    )
    create.add_argument(
        "--scope", nargs="+", metavar="UNIT", help=_("unit codes the token is limited to")
    )
    create.add_argument("--format", choices=("text", "json"), default="text")
    listing = actions.add_parser("list", help=_("the tokens (never their secrets)"))
    listing.add_argument("--all", action="store_true", help=_("include revoked tokens"))
    listing.add_argument("--format", choices=("table", "json"), default="table")
    revoke = actions.add_parser("revoke", help=_("revoke a token by name or id"))
    revoke.add_argument("token", help=_("the token's name or id"))


def _leave_loaded_out(worker: Any) -> None:
    """Once a worker has built the app: what it loaded (modules, app, templates, rule sets)
    lives as long as the worker, so it is left out of the collector's passes (frozen). A
    full pass, which every request in the worker waits through, then walks only what the
    requests made and kept."""
    gc.collect()
    gc.freeze()


def serve(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Migrate the database, then run gunicorn until it is stopped."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.util import import_app

    from scoring_service.bootstrap import migrate

    migrate(settings.database_url)
    # The workers build the app from the environment (SCORING_*), as any deployment would.
    os.environ["SCORING_DATABASE_URL"] = settings.database_url
    os.environ["SCORING_RULES_DIR"] = str(settings.rules_dir)
    os.environ["SCORING_LANGUAGE"] = settings.language  # answers with no Accept-Language
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread" if args.threads > 1 else "sync",
        "timeout": args.timeout,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "scoring-service",
        "control_socket_disable": True,  # no runtime control socket in the home folder
        "post_worker_init": _leave_loaded_out,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return import_app(APP)

    address = f"http://{args.host}:{args.port}/api/v1/docs"
    print(_("serving the API on %(address)s", address=address), file=err)
    Server().run()
    return EXIT_OK


@with_context
def tokens(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """Create, list or revoke tokens, acting as the operating-system user."""
    from scoring_service.access.tokens import create_token, list_tokens, revoke_token

    if args.tokens_command == "create":
        secret, info = create_token(ctx.uow(), args.name, args.role, args.scope)
        if args.format == "json":
            doc = {
                "id": info.id,
                "name": info.name,
                "role": info.role.value,
                "scope": info.scope,
                "token": secret,
            }
            print(json.dumps(doc, ensure_ascii=False), file=out)
        else:
            scope = ", ".join(info.scope) if info.scope else _("every unit")
            print(
                _(
                    "token %(id)s %(name)r, role %(role)s, scope %(scope)s",
                    id=info.id,
                    name=info.name,
                    role=info.role.value,
                    scope=scope,
                ),
                file=err,
            )
            print(_("the token (shown this once; only its hash is stored):"), file=err)
            print(secret, file=out)
        return EXIT_OK
    if args.tokens_command == "revoke":
        info = revoke_token(ctx.uow(), args.token)
        print(_("revoked token %(id)s %(name)r", id=info.id, name=info.name), file=out)
        return EXIT_OK
    found = list_tokens(ctx.uow(), include_revoked=args.all)
    if args.format == "json":
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "role": t.role.value,
                "scope": t.scope,
                "created_at": t.created_at.isoformat(),
                "created_by": t.created_by,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in found
        ]
        print_json(rows, out)
        return EXIT_OK
    from scoring_service.reports.text import table

    print(
        table(
            (_("id"), _("name"), _("role"), _("scope"), _("created"), _("revoked")),
            [
                [
                    t.id,
                    t.name,
                    t.role.value,
                    " ".join(t.scope) if t.scope else _("(all)"),
                    t.created_at.strftime("%Y-%m-%d %H:%M"),
                    t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "",
                ]
                for t in found
            ],
        ),
        file=out,
    )
    return EXIT_OK


COMMANDS: dict[str, Command] = {"serve": serve, "tokens": tokens}
