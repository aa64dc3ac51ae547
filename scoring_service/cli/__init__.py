"""The command line for the assessment office: import, score, explain, alerts, rules.

Exit codes: 0 done; 1 the request could not be served (no such year, a conflict);
2 invalid input (a bad bundle, a bad rule file, a bad argument).

- ``context``: what the commands share: exit codes, usage errors, the database and rules;
- ``assessment``: ``db upgrade``, ``import``, ``years``, ``score``, ``explain``, ``alerts``,
  ``synth``;
- ``rules``: ``rules validate`` and ``rules test`` on the rule files of a folder;
- ``rulesets``: the rule editing lifecycle (``rules draft|diff|publish|...``), ``recompute``;
- ``http_api``: the HTTP API's ``serve`` and ``tokens``;
- ``documents``: ``documents letter|circular|monthly|ledger|archive``, the work plan's documents.
- ``users``: the web pages' accounts.
- ``rectification``: ``reports``, ``extensions`` and ``files sweep``, the rectification loop;
- ``due``: ``due`` and ``path``, what is due at a date and a unit's way up.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from scoring_service.cli import (
    assessment,
    documents,
    due,
    http_api,
    notices,
    rectification,
    rules,
    rulesets,
    users,
)
from scoring_service.cli.context import EXIT_FAILED, EXIT_INVALID, EXIT_OK, Command, UsageError
from scoring_service.i18n import LANGUAGES, UnknownLanguage, normalize, use_language
from scoring_service.i18n import gettext as _
from scoring_service.i18n.argparse_text import translate_argparse

# The settings are read once the arguments parse: ``--help`` and a
# refused argument do without them.
if TYPE_CHECKING:
    from scoring_service.config import Settings

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, its help in the language in force (build it after
    choosing the language)."""
    translate_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m scoring_service",
        description=_("Rectification assessment scoring service (督查整改考核评分服务)."),
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=_(
            "database URL (default: $SCORING_DATABASE_URL, else a SQLite file var/scoring.sqlite)"
        ),
    )
    parser.add_argument(
        "--rules-dir",
        metavar="DIR",
        help=_("rule files folder (default: $SCORING_RULES_DIR or rules/)"),
    )
    parser.add_argument(
        "--lang",
        metavar="{" + ",".join(LANGUAGES) + "}",
        type=normalize,  # zh-CN and en_GB name a language too (main() chose it already)
        help=_("the language of messages, tables and help (default: $SCORING_LANGUAGE, else zh)"),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    assessment.add_parsers(sub)  # db, import, years, score, explain, alerts
    due.add_parsers(sub)  # due, path: what is due, a unit's way up
    rules_sub = rules.add_parsers(sub)  # rules validate, rules test
    assessment.add_synth_parser(sub)
    rulesets.add_rules_parsers(rules_sub)  # draft, diff, publish, new-year, versions...
    rulesets.add_recompute_parser(sub)
    http_api.add_parsers(sub)  # serve, tokens: the HTTP API's commands
    documents.add_parsers(sub)  # documents letter|circular|monthly|ledger|archive
    users.add_parsers(sub)  # users: the web pages' accounts
    rectification.add_parsers(sub)  # reports, extensions, files: the rectification loop
    notices.add_parsers(sub)  # remind, deliver: notices to systems
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one command in the language chosen; return its exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        language = _chosen_language(argv)
    except UnknownLanguage as exc:
        print(_("error: %(problem)s", problem=exc), file=err)
        return EXIT_INVALID
    with use_language(language):
        return _run(argv, out, err)


def _chosen_language(argv: list[str]) -> str:
    """``--lang``, else ``SCORING_LANGUAGE``, else Chinese: read before the parser is built,
    so that its help and its errors are in that language."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    known, _rest = early.parse_known_args(argv)
    chosen = known.lang or os.environ.get("SCORING_LANGUAGE") or LANGUAGES[0]
    return normalize(chosen)


def _run(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return EXIT_INVALID if exc.code else EXIT_OK
    from scoring_service.config import Settings

    try:
        settings = Settings.from_env(
            database_url=args.db,
            rules_dir=args.rules_dir and Path(args.rules_dir),
            language=args.lang,
        )
    except ValueError as exc:  # a SCORING_* variable that cannot work
        print(_("error: %(problem)s", problem=exc), file=err)
        return EXIT_INVALID
    handler = _COMMANDS[args.command]
    try:
        code = handler(args, settings, out, err)
        out.flush()  # a reader gone away shows here rather than at the interpreter's exit
    except BrokenPipeError:
        return _reader_gone(out)
    except Exception as exc:  # every error the service knows becomes a message and an exit code
        return _report(exc, err)
    return code


def _reader_gone(out: TextIO) -> int:
    """Standard output's reader closed the pipe (``score ... | head``): stop without a word."""
    # Python flushes standard output once more at exit; what is still buffered would fail
    # there again and print "Exception ignored ...", so the stream now writes to devnull.
    try:
        fd = out.fileno()
    except OSError:  # not a file (a test's StringIO): nothing is flushed at exit
        return EXIT_FAILED
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return EXIT_FAILED


def _report(exc: Exception, err: TextIO) -> int:
    from scoring_service.bundle import InvalidBundle
    from scoring_service.domain.errors import DomainError, InvalidRequest
    from scoring_service.rules import RuleFileError

    if isinstance(exc, (InvalidBundle, UsageError, InvalidRequest)):
        print(_("error: %(problem)s", problem=exc), file=err)
        return EXIT_INVALID
    if isinstance(exc, RuleFileError):
        print(_("error: the rule files have problems:\n%(problems)s", problems=exc), file=err)
        return EXIT_INVALID
    if isinstance(exc, DomainError):
        print(_("error: %(problem)s", problem=exc), file=err)
        return EXIT_FAILED
    from scoring_service.bootstrap import DatabaseUnavailable

    if isinstance(exc, DatabaseUnavailable):
        print(_("error: the database cannot be used: %(reason)s", reason=exc.orig), file=err)
        return EXIT_FAILED
    raise exc


def _rules(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """``rules ACTION``: on the files of a folder, or a step of the editing lifecycle."""
    if args.rules_command in rulesets.LIFECYCLE:
        return rulesets.run_rules(args, settings, out, err)
    return rules.ACTIONS[args.rules_command](args, settings, out, err)


_COMMANDS: dict[str, Command] = {
    **assessment.COMMANDS,
    **due.COMMANDS,
    "rules": _rules,
    "recompute": rulesets.run_recompute,
    **http_api.COMMANDS,
    **documents.COMMANDS,
    **users.COMMANDS,
    **rectification.COMMANDS,
    **notices.COMMANDS,
}
