"""The assessment office's commands: ``db upgrade``, ``import``, ``years``, ``score``,
``explain``, ``alerts``, and ``synth`` (a synthetic bundle for benchmarks and demos)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoring_service.cli.context import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    Command,
    Context,
    UsageError,
    date_arg,
    print_json,
    with_context,
)
from scoring_service.cli.json_text import dumps, json_items
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _

# A name for annotations only: ``--help`` does without the settings (``cli.main``).
if TYPE_CHECKING:
    from scoring_service.config import Settings


MAX_BUNDLE_BYTES = 2 * 1024**3  # a province's year is a few hundred MB at most


def add_parsers(sub: Any) -> None:
    """Add ``db``, ``import``, ``years``, ``score``, ``explain`` and ``alerts``."""
    db = sub.add_parser("db", help=_("database schema"))
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help=_("bring the database schema up to date"))
    check = db_sub.add_parser(
        "check",
        help=_(
            "replay every finding's events and compare with the timelines kept on write; "
            "exit 1 on a difference"
        ),
    )
    check.add_argument("--year", type=int, help=_("only this year (default: every year held)"))
    check.add_argument("--format", choices=("text", "json"), default="text")

    imp = sub.add_parser(
        "import", help=_("load a year of data from a bundle file (all or nothing)")
    )
    imp.add_argument("file", help=_("the bundle (JSON, UTF-8); - reads standard input"))
    imp.add_argument("--replace", action="store_true", help=_("swap the year's data if it is held"))
    imp.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("years", help=_("the years held, with their counts"))

    score = sub.add_parser("score", help=_("compute a year's scores and store the run"))
    score.add_argument("--year", type=int, required=True)
    score.add_argument(
        "--as-of", type=date_arg, help=_("the date scores are computed at (default: cutoff)")
    )
    score.add_argument("--kind", help=_("only units of this kind (county, town, helping_unit)"))
    score.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table")
    _add_output_arguments(score)

    explain = sub.add_parser("explain", help=_("why a unit scored what it did"))
    explain.add_argument("unit", help=_("the unit's code"))
    explain.add_argument("--year", type=int, required=True)
    explain.add_argument("--as-of", type=date_arg)
    explain.add_argument("--format", choices=("text", "json", "csv", "xlsx"), default="text")
    _add_output_arguments(explain)

    trend = sub.add_parser(
        "trend", help=_("every scored unit's rate, score and grade at each month end of a year")
    )
    trend.add_argument("--year", type=int, required=True)
    trend.add_argument("--kind", help=_("only units of this scored kind (county, town, ...)"))
    trend.add_argument("--format", choices=("table", "json"), default="table")

    alerts = sub.add_parser(
        "alerts", help=_("process alerts: letters, samples, months, escalations")
    )
    alerts.add_argument("--year", type=int, required=True)
    alerts.add_argument("--as-of", type=date_arg)
    alerts.add_argument("--format", choices=("table", "json", "csv", "xlsx"), default="table")
    _add_output_arguments(alerts)


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """``-o FILE`` and ``--encoding`` of the commands that write CSV and XLSX."""
    from scoring_service.reports.cells import CSV_ENCODINGS

    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_(
            "file to write (default: standard output; XLSX needs it unless standard output "
            "is redirected)"
        ),
    )
    parser.add_argument(
        "--encoding",
        choices=CSV_ENCODINGS,
        help=_(
            "of --format csv: utf-8 (default, with a byte-order mark) or gb18030 "
            "(older Chinese Excel and WPS)"
        ),
    )


def _check_output(args: argparse.Namespace, out: TextIO) -> None:
    """Refuse an output that cannot be written before anything is computed or stored."""
    if args.encoding is not None and args.format != "csv":
        raise UsageError(_("--encoding applies to --format csv only"))
    if args.output is not None:
        path = Path(args.output)
        if path.is_dir():
            raise UsageError(_("%(path)s is a folder; give a file name", path=args.output))
        if not path.parent.is_dir():
            raise UsageError(_("no such folder: %(path)s", path=path.parent))
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise UsageError(_("%(path)s cannot be written (permission denied)", path=args.output))
        return
    if args.format == "xlsx":
        # A workbook is binary: on a terminal it would show as garbage and could upset it.
        if out.isatty():
            raise UsageError(_("XLSX is a binary file: give -o FILE or redirect standard output"))
        if getattr(out, "buffer", None) is None:
            raise UsageError(_("XLSX is a binary file: give -o FILE"))


def _emit(args: argparse.Namespace, out: TextIO, content: str | bytes) -> None:
    """Write a command's output to ``-o FILE`` whole (never a part of it), or to standard
    output: text as text, a file's bytes (CSV, XLSX) as they are."""
    if args.output is not None:
        _write_file(Path(args.output), content.encode() if isinstance(content, str) else content)
    elif isinstance(content, str):
        out.write(content)
    else:
        buffer = getattr(out, "buffer", None)
        if buffer is None:  # a text stream only (CSV checked by _check_output)
            out.write(content.decode("gb18030" if args.encoding == "gb18030" else "utf-8"))
            return
        out.flush()  # what was written as text goes first
        buffer.write(content)
        buffer.flush()


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a file next to ``path``, then rename it over ``path``: a reader never
    sees a half-written file, and a failure leaves what was there before."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(
            _("%(path)s cannot be written: %(reason)s", path=path, reason=exc.strerror)
        ) from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a file name too long
            raise UsageError(
                _("%(path)s cannot be written: %(reason)s", path=path, reason=exc.strerror or exc)
            ) from None
        raise


def add_synth_parser(sub: Any) -> None:
    """Add ``synth``."""
    synth = sub.add_parser("synth", help=_("write a synthetic, valid bundle (benchmarks, demos)"))
    synth.add_argument("--year", type=int, required=True)
    synth.add_argument("--scale", type=float, default=1.0, help=_("1 is a city, 50 a province"))
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("-o", "--output", metavar="FILE", help=_("file to write (default: stdout)"))


def _db(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    from scoring_service.bootstrap import migrate

    if args.db_command == "check":
        return _db_check(args, settings, out, err)
    migrate(settings.database_url)
    print(_("the database schema is up to date"), file=out)
    return EXIT_OK


# How many differences a year's text report lists; JSON lists every one.
SHOWN_DIFFERENCES = 20


@with_context
def _db_check(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``db check``: the kept timelines and closure against a replay; 1 on a difference."""
    from scoring_service.assessment.services import check_index

    checks = check_index(ctx.uow(), args.year)
    if args.format == "json":
        print_json([c.to_json() for c in checks], out)
    elif not checks:
        print(_("no year is held yet; nothing to check"), file=out)
    for check in checks if args.format == "text" else ():
        found = len(check.differences)
        differ = f"{found:,}"
        result = _("%(count)s differ", count=differ) if found else _("no difference")
        print(
            _(
                "%(year)s: %(findings)s findings and %(units)s units checked: %(result)s",
                year=check.year,
                findings=format(check.findings, ","),
                units=format(check.units, ","),
                result=result,
            ),
            file=out,
        )
        for difference in check.differences[:SHOWN_DIFFERENCES]:
            print(
                "  "
                + _(
                    "%(table)s %(key)s: kept %(kept)s, replayed %(expected)s",
                    table=difference.table,
                    key=difference.key,
                    kept=difference.to_json()["kept"],
                    expected=difference.to_json()["expected"],
                ),
                file=out,
            )
        if found > SHOWN_DIFFERENCES:
            more = f"{found - SHOWN_DIFFERENCES:,}"
            print("  " + _("... and %(count)s more", count=more), file=out)
    if args.format == "text":
        # The evidence files against their rows, said only when they differ (``files
        # check`` lists them).
        from scoring_service.cli.rectification import evidence_line
        from scoring_service.records.evidence import check_evidence

        evidence = check_evidence(ctx.uow())
        if evidence.orphans or evidence.missing:
            print(evidence_line(evidence.orphans, evidence.missing), file=out)
    return EXIT_FAILED if any(c.differences for c in checks) else EXIT_OK


def _read_input(name: str) -> bytes | Path:
    """The bundle to import: a file's path (it is read as a stream), or standard input's
    bytes."""
    if name == "-":
        data = sys.stdin.buffer.read(MAX_BUNDLE_BYTES + 1)
        if len(data) > MAX_BUNDLE_BYTES:
            raise UsageError(
                _("the input is larger than %(mib)s MiB", mib=MAX_BUNDLE_BYTES // 1024**2)
            )
        return data
    path = Path(name)
    if not path.is_file():
        raise UsageError(_("no such file: %(path)s", path=name))
    if path.stat().st_size > MAX_BUNDLE_BYTES:
        raise UsageError(
            _("%(path)s is larger than %(mib)s MiB", path=name, mib=MAX_BUNDLE_BYTES // 1024**2)
        )
    return path


@with_context
def _import(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.services import import_bundle
    from scoring_service.bundle import InvalidBundle

    raw = _read_input(args.file)
    progress = _Progress(err) if err.isatty() else None
    try:
        summary = import_bundle(ctx.uow(), raw, replace=args.replace, progress=progress)
    except InvalidBundle as exc:
        if args.format == "json":
            body: dict[str, Any] = {"stored": False, "errors": [p.to_json() for p in exc.problems]}
            if exc.more:
                body["more_errors"] = exc.more
            print_json(body, out)
        else:
            print(_("error: %(problem)s", problem=exc), file=err)
            for problem in exc.problems:
                print(f"  {problem.pointer or '/'}: {problem.message}", file=err)
            if exc.more:
                more = format(exc.more, ",")
                print("  " + _("... and %(count)s more problems, not listed", count=more), file=err)
        return EXIT_INVALID
    if args.format == "json":
        print_json({"stored": True, **summary.to_json()}, out)
    else:
        counts = {"year": summary.year, **summary.to_json()["counts"]}
        message = (
            _(
                "replaced the year %(year)s: %(units)s units, %(pairings)s pairings, "
                "%(groups)s groups, %(inspections)s inspections, %(findings)s findings, "
                "%(events)s events",
                **counts,
            )
            if summary.replaced
            else _(
                "stored the year %(year)s: %(units)s units, %(pairings)s pairings, "
                "%(groups)s groups, %(inspections)s inspections, %(findings)s findings, "
                "%(events)s events",
                **counts,
            )
        )
        print(message, file=out)
    return EXIT_OK


class _Progress:
    """A one-line progress display on a terminal."""

    STAGES = ("checking", "storing", "done")

    def __init__(self, err: TextIO) -> None:
        self.err = err

    def __call__(self, stage: str) -> None:
        from scoring_service.i18n.labels import STAGES, label
        from scoring_service.reports.text import pad

        step = self.STAGES.index(stage) + 1 if stage in self.STAGES else 0
        bar = "#" * (10 * step // len(self.STAGES))
        end = "\n" if stage == "done" else ""
        self.err.write(f"\r[{bar:<10}] {pad(label(STAGES, stage), 10)}{end}")
        self.err.flush()


@with_context
def _years(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.services import list_years
    from scoring_service.reports.text import table

    rows = list_years(ctx.uow())
    if not rows:
        print(_("no year is held yet; import a bundle first"), file=out)
        return EXIT_OK
    keys = ("year", "units", "inspections", "findings", "events")
    headers = (_("year"), _("units"), _("inspections"), _("findings"), _("events"))
    cells = [[getattr(r, k) for k in keys] for r in rows]
    print(table(headers, cells, right={1, 2, 3, 4}), file=out)
    return EXIT_OK


@with_context
def _score(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.services import score_year

    _check_output(args, out)
    if args.kind:
        # Refuse a bad kind before the run is computed and stored: a refused command
        # must leave nothing behind. A year without rules is reported by score_year.
        ruleset = ctx.rules.current(args.year)
        kinds = {k.value for k in ruleset.scored_kinds} if ruleset else set()
        if ruleset is not None and args.kind not in kinds:
            raise UsageError(
                _(
                    "%(kind)r is not a scored kind; choose from %(kinds)s",
                    kind=args.kind,
                    kinds=", ".join(sorted(kinds)),
                )
            )
    run = score_year(ctx.uow(), args.year, as_of=args.as_of)
    rows = run.rows
    if args.kind:
        rows = [r for r in rows if r["kind"] == args.kind]
    # To standard output, JSON and CSV are written a row at a time as they are formatted;
    # a file (-o) is written whole or not at all.
    if args.format == "json" and args.output is None:
        _write_lines(out, json_items(rows), "\n")
        return EXIT_OK
    # The files' module (and the bundle's models under its records) for a file's format.
    if args.format in ("csv", "xlsx"):
        from scoring_service.reports import exports
    if args.format == "csv" and args.output is None:
        _write_bytes(args, out, exports.scores_csv_lines(rows, args.encoding or "utf-8"))
        return EXIT_OK
    content: str | bytes
    if args.format == "json":
        content = _json(rows)
    elif args.format == "csv":
        content = exports.scores_csv(rows, args.encoding or "utf-8")
    elif args.format == "xlsx":
        content = exports.scores_xlsx(
            rows,
            year=args.year,
            as_of=run.as_of,
            ruleset_hash=run.ruleset_hash,
            run_id=run.id,
        )
    else:
        from scoring_service.assessment.rules_in_force import version_label
        from scoring_service.reports.text import score_table

        title = _(
            "%(year)s assessment of rectification after inspections, as of %(as_of)s "
            "(score run %(run)s, rules %(rules)s)",
            year=args.year,
            as_of=format_date(run.as_of),
            run=run.id,
            rules=version_label(ctx.uow(), args.year, run.ruleset_hash),
        )
        content = score_table(rows, title) + "\n"
    _emit(args, out, content)
    return EXIT_OK


def _write_lines(out: TextIO, chunks: Iterable[str], end: str = "") -> None:
    """Text written to standard output as it is made (``cli.main`` flushes at the end)."""
    for chunk in chunks:
        out.write(chunk)
    out.write(end)


def _write_bytes(args: argparse.Namespace, out: TextIO, chunks: Iterable[bytes]) -> None:
    """A file's bytes (CSV) written to standard output as they are made, as ``_emit`` writes
    them whole."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text stream only
        codec = "gb18030" if args.encoding == "gb18030" else "utf-8"
        for chunk in chunks:
            out.write(chunk.decode(codec))
        return
    out.flush()  # what was written as text goes first
    for chunk in chunks:
        buffer.write(chunk)
    buffer.flush()


def _json(doc: Any) -> str:
    """A document as ``print_json`` writes it, whole (for ``-o FILE``)."""
    return dumps(doc) + "\n"


@with_context
def _explain(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.services import explain_unit
    from scoring_service.reports.text import explanation_text

    _check_output(args, out)
    doc = explain_unit(ctx.uow(), args.year, args.unit, as_of=args.as_of)
    if args.format in ("csv", "xlsx"):
        from scoring_service.reports import exports
    content: str | bytes
    if args.format == "json":
        content = _json(doc)
    elif args.format == "csv":
        content = exports.explanation_csv(doc, args.encoding or "utf-8")
    elif args.format == "xlsx":
        content = exports.explanation_xlsx(doc)
    else:
        content = explanation_text(doc) + "\n"
    _emit(args, out, content)
    return EXIT_OK


@with_context
def _trend(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``trend``: one line per unit, its score and grade at each month end (JSON: every
    point with rate, findings, overdue and rank)."""
    from dataclasses import fields
    from datetime import date

    from scoring_service.assessment.trend import year_trend
    from scoring_service.domain.model import UnitKind
    from scoring_service.domain.results import TrendPoint, TrendSeries
    from scoring_service.i18n.labels import GRADES, KINDS, label
    from scoring_service.reports.text import table_lines

    kinds = {k.value: k for k in UnitKind}
    if args.kind is not None and args.kind not in kinds:
        raise UsageError(
            _(
                "%(kind)r is not a unit kind; choose from %(kinds)s",
                kind=args.kind,
                kinds=", ".join(kinds),
            )
        )
    found = year_trend(ctx.uow(), args.year, kind=kinds.get(args.kind))
    if args.format == "json":
        # As ``asdict`` would give the trend, without copying each of its values: a series
        # and a point as their fields, dates as ISO text, as in every JSON document this
        # command line prints.
        names = {kind: [f.name for f in fields(kind)] for kind in (TrendSeries, TrendPoint)}

        def plain(value: Any) -> Any:
            kind = type(value)
            if kind in names:
                return {name: getattr(value, name) for name in names[kind]}
            return date.isoformat(value)

        # The series (the last field) written one unit at a time as each is formatted.
        head = {f.name: getattr(found, f.name) for f in fields(found) if f.name != "series"}
        opening = dumps(head, default=plain)
        out.write(opening.removesuffix("\n}") + ',\n "series": ')
        _write_lines(out, json_items(found.series, depth=1, default=plain), "\n}\n")
        return EXIT_OK
    from scoring_service.assessment.rules_in_force import version_label

    headers = [_("unit"), _("name"), _("kind"), *(f"{d.month:02d}" for d in found.months)]
    # Each grade and kind translated once, not once per cell (a province has 45,000);
    # an unknown one reads as itself, as ``label`` has it.
    grades = {grade: label(GRADES, grade) for grade in GRADES}
    kinds_shown = {kind: label(KINDS, kind) for kind in KINDS}
    rows = [
        [
            s.unit,
            s.name,
            kinds_shown.get(s.kind, s.kind),
            *(f"{p.score} {grades.get(p.grade, p.grade)}" for p in s.points),
        ]
        for s in found.series
    ]
    print(
        _(
            "%(year)s month by month (score and grade at each month end; rules %(rules)s, "
            "data revision %(revision)s)",
            year=args.year,
            rules=version_label(ctx.uow(), args.year, found.ruleset_hash),
            revision=found.data_revision,
        ),
        file=out,
    )
    _write_lines(out, (line + "\n" for line in table_lines(headers, rows)))
    return EXIT_OK


@with_context
def _alerts(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.assessment.services import year_alerts
    from scoring_service.i18n.labels import ALERT_TYPES, label
    from scoring_service.reports import exports
    from scoring_service.reports.text import table

    _check_output(args, out)
    day, alerts = year_alerts(ctx.uow(), args.year, as_of=args.as_of)
    found = [a.to_json() for a in alerts]
    content: str | bytes
    if args.format == "json":
        content = _json(found)
    elif args.format == "csv":
        content = exports.alerts_csv(
            found, year=args.year, as_of=day, encoding=args.encoding or "utf-8"
        )
    elif args.format == "xlsx":
        content = exports.alerts_xlsx(found, year=args.year, as_of=day)
    else:
        content = (
            _(
                "%(year)s process alerts as of %(as_of)s: %(count)s",
                year=args.year,
                as_of=format_date(day),
                count=len(alerts),
            )
            + "\n"
        )
        if alerts:
            rows = [
                [
                    label(ALERT_TYPES, a.type),
                    a.inspection or a.finding or f"{a.group} {a.month}",
                    a.detail,
                ]
                for a in alerts
            ]
            content += table((_("alert"), _("subject"), _("detail")), rows) + "\n"
    _emit(args, out, content)
    return EXIT_OK


def _synth(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Write a synthetic bundle of a year and scale (no database is touched)."""
    from scoring_service.synth import dump_bundle, synth_bundle

    try:
        bundle = synth_bundle(args.year, args.scale, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.output:
        dump_bundle(bundle, Path(args.output))
    else:
        print_json(bundle, out)
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "db": _db,
    "import": _import,
    "years": _years,
    "score": _score,
    "explain": _explain,
    "alerts": _alerts,
    "trend": _trend,
    "synth": _synth,
}
