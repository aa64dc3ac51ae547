"""Commands on rule files as they are on disk: ``rules validate`` and ``rules test``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoring_service.cli.context import EXIT_FAILED, EXIT_INVALID, EXIT_OK, Command, UsageError
from scoring_service.i18n import gettext as _

# A name for annotations only: ``--help`` does without the settings (``cli.main``).
if TYPE_CHECKING:
    from scoring_service.config import Settings


def add_parsers(sub: Any) -> Any:
    """Add ``rules`` with ``validate`` and ``test``; return its actions for further ones."""
    rules = sub.add_parser(
        "rules", help=_("rule files: validate, test; drafts, dry runs, versions, publishing")
    )
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    validate = rules_sub.add_parser(
        "validate", help=_("check rule files; name every problem's place")
    )
    validate.add_argument("dir", nargs="?", help=_("the rules folder (default: the one in use)"))
    test = rules_sub.add_parser(
        "test", help=_("run the rule cases in <year>/tests/*.yaml; name each failing case's place")
    )
    test.add_argument("dir", nargs="?", help=_("the rules folder (default: the one in use)"))
    test.add_argument("--year", type=int, help=_("only this year's cases"))
    return rules_sub


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    """The rules folder named, else the one in use; a usage error when it is missing."""
    folder = Path(args.dir) if args.dir else settings.rules_dir
    if not folder.is_dir():
        raise UsageError(_("no such folder: %(folder)s", folder=folder))
    return folder


def _validate(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    from scoring_service.rules import available_years, validate_rules_dir

    folder = _folder(args, settings)
    problems = validate_rules_dir(folder)
    if problems:
        for problem in problems:
            print(problem, file=err)
        print(_("%(count)s problem(s) in %(folder)s", count=len(problems), folder=folder), file=err)
        return EXIT_INVALID
    years = available_years(folder)
    listed = ", ".join(map(str, years))
    print(
        _("%(folder)s: the rule sets of %(years)s are valid", folder=folder, years=listed), file=out
    )
    return EXIT_OK


def _test(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run the rule cases: a line per failing case, then ``N passed, M failed``."""
    from scoring_service.engine import DurableRulesEngine
    from scoring_service.rules import RuleProblem, available_years
    from scoring_service.rules.cases.run import run_year
    from scoring_service.rules.cases.schema import CaseFileError

    folder = _folder(args, settings)
    years = available_years(folder)
    if args.year is not None:
        if args.year not in years:
            raise UsageError(
                _("no rule set for %(year)s in %(folder)s", year=args.year, folder=folder)
            )
        years = [args.year]
    evaluator = DurableRulesEngine(settings.rule_time_limit)
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
    print(_("%(passed)s passed, %(failed)s failed", passed=passed, failed=failed), file=out)
    if problems:
        for problem in problems:
            print(problem, file=err)
        print(
            _("%(count)s problem(s) in the case files: they did not run", count=len(problems)),
            file=err,
        )
        return EXIT_INVALID
    return EXIT_FAILED if failed else EXIT_OK


ACTIONS: dict[str, Command] = {"validate": _validate, "test": _test}
