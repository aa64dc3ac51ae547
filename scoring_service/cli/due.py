"""``due`` (what is due at a date: red overdue, yellow due soon) and ``path`` (a unit's way
up), on the services of ``scoring_service.due`` and ``scoring_service.way_up``."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from scoring_service.cli.assessment import _add_output_arguments, _check_output, _emit, _json
from scoring_service.cli.context import Context, date_arg, with_context
from scoring_service.due import DueList
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _
from scoring_service.reports.sheets import Column, Table, tables_csv, tables_xlsx

# Files are read in the office's words whatever the language (as every CSV and workbook).
LIGHT_WORDS = {"red": "已逾期（红灯）", "yellow": "临近到期（黄灯）"}
SEVERITY_WORDS = {"general": "一般问题", "major": "重大问题"}
DUE_COLUMNS = (
    Column("提醒"),
    Column("问题编号", "code"),
    Column("问题描述"),
    Column("问题所在单位", "code"),
    Column("单位名称"),
    Column("严重程度"),
    Column("现行整改期限", "date"),
    Column("剩余天数", "int"),
    Column("计入单位"),
)


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


def due_table(found: DueList) -> Table:
    """The due list as one table (CSV and XLSX)."""
    rows = [
        [
            LIGHT_WORDS[i.light],
            i.finding,
            i.description,
            i.unit,
            i.unit_name,
            SEVERITY_WORDS.get(i.severity, i.severity),
            i.deadline,
            i.days_left,
            "、".join(f"{u.name}（{u.code}）" for u in i.counts_for),
        ]
        for i in found.items
    ]
    title = f"{found.year}年度整改到期提醒（截至{found.as_of.isoformat()}，{found.within}天内到期）"
    return Table("到期提醒", title, DUE_COLUMNS, rows)


@with_context
def _due(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.due import due
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
        content = tables_csv([due_table(found)], args.encoding or "utf-8")
    elif args.format == "xlsx":
        content = tables_xlsx([due_table(found)])
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
            words = {"red": _("overdue (red)"), "yellow": _("due soon (yellow)")}
            rows = [
                [words[i.light], i.finding, i.unit_name, format_date(i.deadline), i.days_left]
                for i in found.items
            ]
            headers = (_("light"), _("finding"), _("found at"), _("deadline"), _("days left"))
            content += table(headers, rows) + "\n"
    _emit(args, out, content)
    return 0


@with_context
def _path(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.i18n.labels import GRADES, label
    from scoring_service.way_up import way_up

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
