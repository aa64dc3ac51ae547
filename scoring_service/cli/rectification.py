"""The rectification loop on the command line: ``reports list|show|decide``,
``extensions list|decide`` and ``files sweep`` (evidence files no row names)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from scoring_service.cli.context import EXIT_FAILED, EXIT_OK, Context, print_json, with_context
from scoring_service.domain.rectification import ExtensionRequest, Report, ReportState, RequestState
from scoring_service.i18n import N_, format_date
from scoring_service.i18n import gettext as _

STATES: dict[str, str] = {
    "submitted": N_("waiting"),
    "accepted": N_("accepted"),
    "returned": N_("returned"),
    "approved": N_("approved"),
    "refused": N_("refused"),
}


def add_parsers(sub: Any) -> None:
    """Add ``reports``, ``extensions`` and ``files`` to the command line's subcommands."""
    rep = sub.add_parser("reports", help=_("rectification reports: list, show, decide"))
    actions = rep.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=_("a year's reports, or a finding's"))
    listing.add_argument("--year", type=int, required=True)
    listing.add_argument("--finding", help=_("only this finding's reports"))
    listing.add_argument("--state", choices=[s.value for s in ReportState])
    listing.add_argument("--format", choices=("table", "json"), default="table")
    show = actions.add_parser("show", help=_("one report with its files and decision"))
    show.add_argument("id", type=int)
    show.add_argument("--format", choices=("text", "json"), default="text")
    decide = actions.add_parser("decide", help=_("accept or return a report"))
    decide.add_argument("id", type=int)
    decide.add_argument("decision", choices=("accepted", "returned"))
    decide.add_argument("--reason", help=_("why (required when returned)"))
    decide.add_argument("--format", choices=("text", "json"), default="text")

    ext = sub.add_parser("extensions", help=_("extension requests: list, decide"))
    actions = ext.add_subparsers(dest="extensions_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=_("a year's extension requests, or a finding's"))
    listing.add_argument("--year", type=int, required=True)
    listing.add_argument("--finding", help=_("only this finding's requests"))
    listing.add_argument("--state", choices=[s.value for s in RequestState])
    listing.add_argument("--format", choices=("table", "json"), default="table")
    decide = actions.add_parser("decide", help=_("approve or refuse an extension request"))
    decide.add_argument("id", type=int)
    decide.add_argument("decision", choices=("approved", "refused"))
    decide.add_argument("--reason", help=_("why (required when refused)"))
    decide.add_argument("--format", choices=("text", "json"), default="text")

    files = sub.add_parser("files", help=_("evidence files: remove those no report names"))
    actions = files.add_subparsers(dest="files_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help=_("list evidence files no row names and rows without their file")
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    sweep = actions.add_parser("sweep", help=_("remove evidence files no row names"))
    sweep.add_argument(
        "--older-than",
        type=int,
        default=60,
        metavar="MINUTES",
        help=_("only files written this many minutes ago or more (default 60)"),
    )


def _state(value: str) -> str:
    return _(STATES[value])


def report_doc(r: Report) -> dict[str, Any]:
    """A report as the JSON output shows it (the API's fields, without addresses)."""
    return {
        "id": r.id,
        "year": r.year,
        "finding": r.finding,
        "state": r.state.value,
        "date": r.date.isoformat(),
        "text": r.text,
        "files": [
            {"name": f.name, "size": f.size, "media_type": f.media_type, "sha256": f.sha256}
            for f in r.files
        ],
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at.isoformat(),
        "decision": None
        if r.decision is None
        else {
            "by": r.decision.by,
            "at": r.decision.at.isoformat(),
            "reason": r.decision.reason,
        },
    }


def request_doc(r: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "year": r.year,
        "finding": r.finding,
        "state": r.state.value,
        "date": r.date.isoformat(),
        "new_deadline": r.new_deadline.isoformat(),
        "reason": r.reason,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at.isoformat(),
        "decision": None
        if r.decision is None
        else {
            "by": r.decision.by,
            "at": r.decision.at.isoformat(),
            "reason": r.decision.reason,
        },
    }


def _report_lines(r: Report) -> str:
    lines = [
        _(
            "rectification report %(id)s on finding %(finding)s (%(year)s)",
            id=r.id,
            finding=r.finding,
            year=r.year,
        ),
        _("state: %(state)s", state=_state(r.state.value)),
        _("completed on: %(day)s", day=format_date(r.date)),
        _("submitted by %(who)s", who=r.submitted_by),
        _("measures: %(text)s", text=r.text),
    ]
    for f in r.files:
        lines.append(
            _(
                "evidence: %(name)s (%(size)s bytes, %(sha256)s)",
                name=f.name,
                size=f.size,
                sha256=f.sha256,
            )
        )
    if r.decision is not None:
        lines.append(_("decided by %(who)s", who=r.decision.by))
        if r.decision.reason:
            lines.append(_("reason: %(reason)s", reason=r.decision.reason))
    return "\n".join(lines)


@with_context
def run_reports(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``reports list|show|decide``, acting as the operating-system user."""
    # The services (and the scope rule's queries under them) are imported by their
    # commands: building the parser for any other command does without them.
    from scoring_service.records import reports
    from scoring_service.reports.text import table

    command = args.reports_command
    if command == "list":
        if args.finding:
            _year, found = reports.reports_of_finding(ctx.uow(), args.finding, year=args.year)
            if args.state:
                found = [r for r in found if r.state.value == args.state]
        else:
            state = ReportState(args.state) if args.state else None
            found = reports.reports_of_year(ctx.uow(), args.year, state=state)
        if args.format == "json":
            print_json([report_doc(r) for r in found], out)
            return EXIT_OK
        headers = (
            _("id"),
            _("finding"),
            _("state"),
            _("completed on"),
            _("files"),
            _("submitted by"),
            _("reason"),
        )
        rows = [
            [
                r.id,
                r.finding,
                _state(r.state.value),
                format_date(r.date),
                len(r.files),
                r.submitted_by,
                (r.decision.reason or "") if r.decision else "",
            ]
            for r in found
        ]
        print(table(headers, rows, right={0, 4}), file=out)
        return EXIT_OK
    if command == "show":
        report = reports.get_report(ctx.uow(), args.id)
    else:
        report = reports.decide(
            ctx.uow(), args.id, decision=ReportState(args.decision), reason=args.reason
        )
    if args.format == "json":
        print_json(report_doc(report), out)
    else:
        print(_report_lines(report), file=out)
    return EXIT_OK


@with_context
def run_extensions(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``extensions list|decide``, acting as the operating-system user."""
    from scoring_service.records import extensions
    from scoring_service.reports.text import table

    if args.extensions_command == "list":
        if args.finding:
            _year, found = extensions.requests_of_finding(ctx.uow(), args.finding, year=args.year)
            if args.state:
                found = [r for r in found if r.state.value == args.state]
        else:
            state = RequestState(args.state) if args.state else None
            found = extensions.requests_of_year(ctx.uow(), args.year, state=state)
        if args.format == "json":
            print_json([request_doc(r) for r in found], out)
            return EXIT_OK
        headers = (
            _("id"),
            _("finding"),
            _("state"),
            _("asked on"),
            _("new deadline"),
            _("reason"),
            _("decision reason"),
        )
        rows = [
            [
                r.id,
                r.finding,
                _state(r.state.value),
                format_date(r.date),
                format_date(r.new_deadline),
                r.reason,
                (r.decision.reason or "") if r.decision else "",
            ]
            for r in found
        ]
        print(table(headers, rows, right={0}), file=out)
        return EXIT_OK
    request = extensions.decide(
        ctx.uow(), args.id, decision=RequestState(args.decision), reason=args.reason
    )
    if args.format == "json":
        print_json(request_doc(request), out)
    else:
        print(
            _(
                "extension request %(id)s on finding %(finding)s: %(state)s",
                id=request.id,
                finding=request.finding,
                state=_state(request.state.value),
            ),
            file=out,
        )
    return EXIT_OK


def evidence_line(orphans: list[str], missing: list[str]) -> str:
    """One line on the evidence files: how many no row names, how many rows lack theirs."""
    return _(
        "evidence files: %(orphans)s no report names (files sweep removes them), %(missing)s "
        "missing",
        orphans=len(orphans),
        missing=len(missing),
    )


@with_context
def run_files(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``files check``: the store against its rows (exit 1 on a difference); ``files
    sweep``: remove evidence files no row names (a crash between writing a file and
    committing its report), written at least ``--older-than`` minutes ago."""
    from scoring_service.records.evidence import check_evidence, sweep

    if args.files_command == "check":
        found = check_evidence(ctx.uow())
        if args.format == "json":
            print_json({"orphans": found.orphans, "missing": found.missing}, out)
        else:
            print(evidence_line(found.orphans, found.missing), file=out)
        return EXIT_FAILED if found.missing or found.orphans else EXIT_OK

    before = datetime.now(UTC) - timedelta(minutes=args.older_than)
    removed = sweep(ctx.uow(), older_than=before)
    print(_("removed %(count)s evidence file(s) no report names", count=len(removed)), file=out)
    return EXIT_OK


COMMANDS = {"reports": run_reports, "extensions": run_extensions, "files": run_files}
