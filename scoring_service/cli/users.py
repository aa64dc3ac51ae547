"""``users``: the people who sign in to the web pages (create, list, disable, reset-password).

A password is read from standard input, never from the command line (where ``ps`` and the
shell history would show it): typed twice at a terminal, else the first line of the input
(``printf '%s\\n' "$PASSWORD" | ... users create ...``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, TextIO

from scoring_service.cli.context import (
    EXIT_OK,
    Command,
    Context,
    UsageError,
    print_json,
    with_context,
)
from scoring_service.i18n import _


def add_parsers(sub: Any) -> None:
    """Add ``users`` to the command line's subcommands."""
    users = sub.add_parser(
        "users", help=_("web accounts: create, list, set-email, disable, reset-password")
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help=_("create an account; the password from stdin"))
    create.add_argument("--username", required=True)
    create.add_argument(
        "--role",
        required=True,
        choices=("reader", "inspector", "assessor", "rule_editor", "admin", "unit"),
    )
    create.add_argument(
        "--scope", nargs="+", metavar="CODE", help=_("unit codes the account is limited to")
    )
    create.add_argument("--email", help=_("the address the account's notices are mailed to"))
    email = actions.add_parser(
        "set-email", help=_("the address an account's notices are mailed to (blank: none)")
    )
    email.add_argument("username")
    email.add_argument("email")
    listing = actions.add_parser("list", help=_("the accounts"))
    listing.add_argument("--format", choices=("table", "json"), default="table")
    disable = actions.add_parser("disable", help=_("disable an account; its sessions end"))
    disable.add_argument("username")
    reset = actions.add_parser("reset-password", help=_("a new password from stdin; sessions end"))
    reset.add_argument("username")


def read_password(err: TextIO) -> str:
    """The new password: typed twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(_("Password: "))
        if getpass.getpass(_("Password again: ")) != first:
            raise UsageError(_("the two passwords differ"))
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError(_("give the password on standard input (one line)"))
    return line.rstrip("\r\n")


@with_context
def users(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """Manage web accounts, acting as the operating-system user."""
    from scoring_service.access import accounts

    command = args.users_command
    if command == "create":
        info = accounts.create_account(
            ctx.uow(), args.username, args.role, read_password(err), args.scope, args.email
        )
        scope = ", ".join(info.scope) if info.scope else _("every unit")
        print(
            _(
                "account %(name)r created: role %(role)s, scope %(scope)s",
                name=info.username,
                role=info.role.value,
                scope=scope,
            ),
            file=out,
        )
        return EXIT_OK
    if command == "set-email":
        info = accounts.set_email(ctx.uow(), args.username, args.email)
        print(
            _(
                "notices of %(name)r are mailed to %(email)s",
                name=info.username,
                email=info.email or _("nobody"),
            ),
            file=out,
        )
        return EXIT_OK
    if command == "disable":
        info = accounts.disable_account(ctx.uow(), args.username)
        print(_("account %(name)r disabled", name=info.username), file=out)
        return EXIT_OK
    if command == "reset-password":
        info = accounts.reset_password(ctx.uow(), args.username, read_password(err))
        print(_("password of %(name)r replaced; its sessions ended", name=info.username), file=out)
        return EXIT_OK
    found = accounts.list_accounts(ctx.uow())
    if args.format == "json":
        rows = [
            {
                "username": a.username,
                "role": a.role.value,
                "scope": a.scope,
                "email": a.email,
                "disabled": not a.active,
                "created_at": a.created_at.isoformat(),
                "created_by": a.created_by,
                "last_sign_in_at": a.last_sign_in_at.isoformat() if a.last_sign_in_at else None,
            }
            for a in found
        ]
        print_json(rows, out)
        return EXIT_OK
    from scoring_service.reports.text import table

    def when(moment: Any) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else ""

    print(
        table(
            (
                _("username"),
                _("role"),
                _("scope"),
                _("created"),
                _("last sign-in"),
                _("disabled"),
            ),
            [
                [
                    a.username,
                    a.role.value,
                    " ".join(a.scope) if a.scope else _("every unit"),
                    when(a.created_at),
                    when(a.last_sign_in_at),
                    when(a.disabled_at),
                ]
                for a in found
            ],
        ),
        file=out,
    )
    return EXIT_OK


COMMANDS: dict[str, Command] = {"users": users}
