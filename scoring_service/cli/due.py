"""``due`` (what is due at a date: red overdue, yellow due soon) and ``path`` (a unit's way
up), on the services of ``scoring_service.assessment.due`` and
``scoring_service.assessment.way_up``."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from scoring_service.cli.assessment import _add_output_arguments, _check_output, _emit, _json
from scoring_service.cli.context import Context, date_arg, with_context
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import LIGHTS, label


def add_parsers(sub: Any) -> None:
    """Add ``due`` and ``path``."""
    due = sub.add_parser(
        "due", help=_("what is due: overdue findings (red) and those due within days (yellow)")
    )
    due.add_argument("--year", type=int, required=True)
    due.add_argument("--as-of", type=date_arg)
    due.add_argument(
        "--within",
        type=int,
        help=_("days ahead that count as due soon (default: the rule set's due_within_days)"),
    )
    due.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table")
    _add_output_arguments(due)
    path = sub.add_parser(
        "path", help=_("a unit's way up: which findings, rectified by when, lift it")
    )
    path.add_argument("--year", type=int, required=True)
    path.add_argument("unit")
    path.add_argument("--as-of", type=date_arg)
    path.add_argument("--format", choices=("text", "json"), default="text")


@with_context
def _due(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.due import due
    from scoring_service.reports.exports import due_csv, due_xlsx
    from scoring_service.reports.text import table

    _check_output(args, out)
    found = due(ctx.uow(), args.year, as_of=args.as_of, within=args.within)
    content: str | bytes
    if args.format == "json":
        content = _json(
            {
                "year": found.year,
                "as_of": found.as_of.isoformat(),
                "within": found.within,
                "items": [i.to_json() for i in found.items],
            }
        )
    elif args.format == "csv":
        content = due_csv(found, args.encoding or "utf-8")
    elif args.format == "xlsx":
        content = due_xlsx(found)
    else:
        content = (
            _(
                "%(year)s as of %(as_of)s: %(red)s overdue (red), %(yellow)s due within "
                "%(within)s days (yellow)",
                year=found.year,
                as_of=format_date(found.as_of),
                red=found.red,
                yellow=found.yellow,
                within=found.within,
            )
            + "\n"
        )
        if found.items:
            rows = [
                [
                    label(LIGHTS, i.light),
                    i.finding,
                    i.unit_name,
                    format_date(i.deadline),
                    i.days_left,
                ]
                for i in found.items
            ]
            headers = (_("light"), _("finding"), _("found at"), _("deadline"), _("days left"))
            content += table(headers, rows) + "\n"
    _emit(args, out, content)
    return 0


@with_context
def _path(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.way_up import way_up
    from scoring_service.i18n.labels import GRADES, label

    found = way_up(ctx.uow(), args.year, args.unit, as_of=args.as_of)
    if args.format == "json":
        out.write(_json(found.to_json()))
        return 0
    start = found.start
    print(
        _(
            "%(unit)s at the cutoff %(cutoff)s as things stand: score %(score)s, grade %(grade)s",
            unit=args.unit,
            cutoff=format_date(found.cutoff),
            score=start.to_json()["score"],
            grade=label(GRADES, start.grade.value),
        ),
        file=out,
    )
    if found.to is None:
        print(_("no set of its open findings lifts it"), file=out)
        return 0
    print(
        _(
            "rectifying these lifts it to score %(score)s, grade %(grade)s:",
            score=found.to.to_json()["score"],
            grade=label(GRADES, found.to.grade.value),
        ),
        file=out,
    )
    for step in found.steps:
        print(
            "  "
            + _(
                "%(finding)s by %(day)s: %(description)s",
                finding=step.finding,
                day=format_date(step.rectify_by),
                description=step.description,
            ),
            file=out,
        )
    return 0


COMMANDS = {"due": _due, "path": _path}
