"""The command line for the assessment office: import, score, explain, alerts, rules.

Exit codes: 0 done; 1 the request could not be served (no such year, a conflict);
2 invalid input (a bad bundle, a bad rule file, a bad argument).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from scoring_service.config import Settings, make_rule_source, normalise_url

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
MAX_BUNDLE_BYTES = 2 * 1024**3  # a province's year is a few hundred MB at most


class UsageError(Exception):
    """A bad argument, reported as exit 2."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring_service",
        description="Rectification assessment scoring service (督查整改考核评分服务).",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $SCORING_DATABASE_URL, else a SQLite file var/scoring.sqlite)",
    )
    parser.add_argument(
        "--rules-dir",
        metavar="DIR",
        help="rule files folder (default: $SCORING_RULES_DIR or rules/)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="bring the database schema up to date")

    imp = sub.add_parser("import", help="load a year of data from a bundle file (all or nothing)")
    imp.add_argument("file", help="the bundle (JSON, UTF-8); - reads standard input")
    imp.add_argument("--replace", action="store_true", help="swap the year's data if it is held")
    imp.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("years", help="the years held, with their counts")

    score = sub.add_parser("score", help="compute a year's scores and store the run")
    score.add_argument("--year", type=int, required=True)
    score.add_argument(
        "--as-of", type=_date, help="the date scores are computed at (default: cutoff)"
    )
    score.add_argument("--kind", help="only units of this kind (county, town, helping_unit)")
    score.add_argument("--format", choices=("table", "json", "csv"), default="table")

    explain = sub.add_parser("explain", help="why a unit scored what it did")
    explain.add_argument("unit", help="the unit's code")
    explain.add_argument("--year", type=int, required=True)
    explain.add_argument("--as-of", type=_date)
    explain.add_argument("--format", choices=("text", "json"), default="text")

    alerts = sub.add_parser("alerts", help="process alerts: letters, samples, months, escalations")
    alerts.add_argument("--year", type=int, required=True)
    alerts.add_argument("--as-of", type=_date)
    alerts.add_argument("--format", choices=("table", "json"), default="table")

    rules = sub.add_parser(
        "rules", help="rule files: validate, test; drafts, dry runs, versions, publishing"
    )
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    validate = rules_sub.add_parser("validate", help="check rule files; name every problem's place")
    validate.add_argument("dir", nargs="?", help="the rules folder (default: the one in use)")
    test = rules_sub.add_parser(
        "test", help="run the rule cases in <year>/tests/*.yaml; name each failing case's place"
    )
    test.add_argument("dir", nargs="?", help="the rules folder (default: the one in use)")
    test.add_argument("--year", type=int, help="only this year's cases")

    synth = sub.add_parser("synth", help="write a synthetic, valid bundle (benchmarks, demos)")
    synth.add_argument("--year", type=int, required=True)
    synth.add_argument("--scale", type=float, default=1.0, help="1 is a city, 50 a province")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")

    from scoring_service import cli_api, cli_rulesets

    cli_rulesets.add_rules_parsers(rules_sub)  # draft, diff, publish, new-year, versions...
    cli_rulesets.add_recompute_parser(sub)
    cli_api.add_parsers(sub)  # serve, tokens: the HTTP API's commands
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one command; return its exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return EXIT_INVALID if exc.code else EXIT_OK
    settings = Settings.from_env(
        database_url=args.db, rules_dir=args.rules_dir and Path(args.rules_dir)
    )
    handler = _HANDLERS[args.command]
    try:
        return handler(args, settings, out, err)
    except Exception as exc:  # every error the service knows becomes a message and an exit code
        return _report(exc, err)


def _report(exc: Exception, err: TextIO) -> int:
    from scoring_service.bundle import InvalidBundle
    from scoring_service.domain.errors import DomainError, InvalidRequest
    from scoring_service.rules import RuleFileError

    if isinstance(exc, InvalidBundle):
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    if isinstance(exc, RuleFileError):
        print(f"error: the rule files have problems:\n{exc}", file=err)
        return EXIT_INVALID
    if isinstance(exc, (UsageError, InvalidRequest)):
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    if isinstance(exc, DomainError):
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        print(f"error: the database cannot be used: {exc.orig}", file=err)
        return EXIT_FAILED
    raise exc


class _Context:
    """What a command needs, built on first use."""

    def __init__(self, settings: Settings) -> None:
        from scoring_service import db

        self.settings = settings
        url = normalise_url(settings.database_url)
        db.upgrade(url)  # every command brings the schema up to date first
        self.engine = db.make_engine(url)
        self.db = db.make_session_factory(self.engine)
        # Published versions in the database, else the shipped files of rules/<year>/.
        self.rules = make_rule_source(settings, self.db)

    @property
    def evaluator(self) -> Any:
        from scoring_service.engine import DurableRulesEngine

        return DurableRulesEngine()

    def close(self) -> None:
        self.engine.dispose()


def _with_context(
    fn: Callable[[argparse.Namespace, _Context, TextIO, TextIO], int],
) -> Callable[[argparse.Namespace, Settings, TextIO, TextIO], int]:
    def run(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
        ctx = _Context(settings)
        try:
            return fn(args, ctx, out, err)
        finally:
            ctx.close()

    return run


def _db(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    from scoring_service import db

    db.upgrade(normalise_url(settings.database_url))
    print("the database schema is up to date", file=out)
    return EXIT_OK


def _read_input(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_BUNDLE_BYTES + 1)
    else:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise UsageError(f"{name} is larger than {MAX_BUNDLE_BYTES // 1024**2} MiB")
        data = path.read_bytes()
    if len(data) > MAX_BUNDLE_BYTES:
        raise UsageError(f"the input is larger than {MAX_BUNDLE_BYTES // 1024**2} MiB")
    return data


@_with_context
def _import(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.bundle import InvalidBundle
    from scoring_service.services import import_bundle

    raw = _read_input(args.file)
    progress = _Progress(err) if err.isatty() else None
    try:
        summary = import_bundle(
            raw, db=ctx.db, rules=ctx.rules, replace=args.replace, progress=progress
        )
    except InvalidBundle as exc:
        if args.format == "json":
            doc = {"stored": False, "errors": [p.to_json() for p in exc.problems]}
            json.dump(doc, out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            print(f"error: {exc}", file=err)
            for problem in exc.problems:
                print(f"  {problem.pointer or '/'}: {problem.message}", file=err)
        return EXIT_INVALID
    if args.format == "json":
        json.dump({"stored": True, **summary.to_json()}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        verb = "replaced" if summary.replaced else "stored"
        print(
            f"{verb} the year {summary.year}: {summary.units} units, {summary.pairings} pairings, "
            f"{summary.groups} groups, {summary.inspections} inspections, "
            f"{summary.findings} findings, {summary.events} events",
            file=out,
        )
    return EXIT_OK


class _Progress:
    """A one-line progress display on a terminal."""

    STAGES = ("checking", "storing", "done")

    def __init__(self, err: TextIO) -> None:
        self.err = err

    def __call__(self, stage: str) -> None:
        step = self.STAGES.index(stage) + 1 if stage in self.STAGES else 0
        bar = "#" * (10 * step // len(self.STAGES))
        end = "\n" if stage == "done" else ""
        self.err.write(f"\r[{bar:<10}] {stage:<10}{end}")
        self.err.flush()


@_with_context
def _years(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.formats import table
    from scoring_service.services import list_years

    rows = list_years(db=ctx.db)
    if not rows:
        print("no year is held yet; import a bundle first", file=out)
        return EXIT_OK
    keys = ("year", "units", "inspections", "findings", "events")
    print(table(keys, [[r.get(k) for k in keys] for r in rows], right={1, 2, 3, 4}), file=out)
    return EXIT_OK


@_with_context
def _score(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.formats import score_csv, score_table
    from scoring_service.services import score_year

    run = score_year(
        args.year, as_of=args.as_of, db=ctx.db, rules=ctx.rules, evaluator=ctx.evaluator
    )
    rows = run["rows"]
    if args.kind:
        known = {r["kind"] for r in rows}
        ruleset = ctx.rules.current(args.year)
        kinds = {k.value for k in ruleset.scored_kinds} if ruleset else known
        if args.kind not in kinds:
            raise UsageError(
                f"{args.kind!r} is not a scored kind; choose from {', '.join(sorted(kinds))}"
            )
        rows = [r for r in rows if r["kind"] == args.kind]
    if args.format == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif args.format == "csv":
        out.write(score_csv(rows))
    else:
        title = (
            f"{args.year} 年度督查整改考核评分  截至 {run['as_of']}  "
            f"(score run {run['id']}, rules {run['ruleset_hash'][:12]})"
        )
        print(score_table(rows, title), file=out)
    return EXIT_OK


@_with_context
def _explain(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.formats import explanation_text
    from scoring_service.services import explain_unit

    doc = explain_unit(
        args.year, args.unit, as_of=args.as_of, db=ctx.db, rules=ctx.rules, evaluator=ctx.evaluator
    )
    if args.format == "json":
        json.dump(doc, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        print(explanation_text(doc), file=out)
    return EXIT_OK


@_with_context
def _alerts(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.formats import table
    from scoring_service.services import year_alerts

    day, alerts = year_alerts(args.year, as_of=args.as_of, db=ctx.db, rules=ctx.rules)
    if args.format == "json":
        json.dump([a.to_json() for a in alerts], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return EXIT_OK
    print(f"{args.year} process alerts as of {day}: {len(alerts)}", file=out)
    if alerts:
        rows = [
            [a.type, a.inspection or a.finding or f"{a.group} {a.month}", a.detail] for a in alerts
        ]
        print(table(("alert", "subject", "detail"), rows), file=out)
    return EXIT_OK


def _rules(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    from scoring_service import cli_rulesets
    from scoring_service.rules import available_years, validate_rules_dir

    if args.rules_command == "test":
        return _rules_test(args, settings, out, err)
    if args.rules_command in cli_rulesets.LIFECYCLE:
        return _rules_lifecycle(args, settings, out, err)
    folder = Path(args.dir) if args.dir else settings.rules_dir
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    problems = validate_rules_dir(folder)
    if problems:
        for problem in problems:
            print(problem, file=err)
        print(f"{len(problems)} problem(s) in {folder}", file=err)
        return EXIT_INVALID
    years = available_years(folder)
    print(f"{folder}: the rule sets of {', '.join(map(str, years))} are valid", file=out)
    return EXIT_OK


def _rules_test(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run the rule cases: a line per failing case, then ``N passed, M failed``."""
    from scoring_service.engine import DurableRulesEngine
    from scoring_service.rules import RuleProblem, available_years
    from scoring_service.rules.cases import CaseFileError, run_year

    folder = Path(args.dir) if args.dir else settings.rules_dir
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    years = available_years(folder)
    if args.year is not None:
        if args.year not in years:
            raise UsageError(f"no rule set for {args.year} in {folder}")
        years = [args.year]
    evaluator = DurableRulesEngine()
    passed = failed = 0
    problems: list[RuleProblem] = []
    for year in years:
        try:
            report = run_year(year, folder, evaluator)
        except CaseFileError as exc:  # the other years still run
            problems += exc.problems
            continue
        for result in report.failures:
            print(result.summary(), file=out)
        passed, failed = passed + report.passed, failed + report.failed
    print(f"{passed} passed, {failed} failed", file=out)
    if problems:
        for problem in problems:
            print(problem, file=err)
        print(f"{len(problems)} problem(s) in the case files: they did not run", file=err)
        return EXIT_INVALID
    return EXIT_FAILED if failed else EXIT_OK


_HANDLERS: dict[str, Callable[[argparse.Namespace, Settings, TextIO, TextIO], int]] = {
    "db": _db,
    "import": _import,
    "years": _years,
    "score": _score,
    "explain": _explain,
    "alerts": _alerts,
    "rules": _rules,
    "synth": lambda *a: _synth(*a),
    "recompute": lambda *a: _recompute(*a),
    "serve": lambda *a: _api_command("serve", *a),
    "tokens": lambda *a: _api_command("tokens", *a),
}


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
        json.dump(bundle, out, ensure_ascii=False, indent=1)
        out.write("\n")
    return EXIT_OK


def _api_command(name: str, *args: Any) -> int:
    from scoring_service import cli_api

    handler: Callable[..., int] = getattr(cli_api, name)
    return handler(*args)


@_with_context
def _rules_lifecycle(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service import cli_rulesets

    return cli_rulesets.run_rules(args, ctx, out, err)


@_with_context
def _recompute(args: argparse.Namespace, ctx: _Context, out: TextIO, err: TextIO) -> int:
    from scoring_service import cli_rulesets

    return cli_rulesets.run_recompute(args, ctx, out, err)
