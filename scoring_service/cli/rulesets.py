"""Command-line parts of the rule editing lifecycle: ``rules draft|diff|publish|new-year|
versions|export`` and ``recompute``.

Rule editors work on a folder of a year's files (``ruleset.yaml``, ``rules.yaml``,
``tests/*.yaml``): ``export`` or ``new-year`` writes one, ``draft`` uploads it (refused
unless it validates), ``diff`` shows what it does to the year's scores, ``publish`` puts
it in force (refused when its rule tests fail).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from scoring_service.cli.context import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    Context,
    UsageError,
    date_arg,
    print_json,
    with_context,
)
from scoring_service.i18n import format_date
from scoring_service.i18n import gettext as _

LIFECYCLE = ("draft", "diff", "publish", "new-year", "versions", "export")


def add_rules_parsers(rules_sub: Any) -> None:
    """Add the lifecycle actions to ``rules``."""
    draft = rules_sub.add_parser(
        "draft", help=_("upload a year's files as a draft (refused unless they validate)")
    )
    draft.add_argument("dir", help=_("the year's folder (or a rules folder holding <year>/)"))
    draft.add_argument("--year", type=int, required=True)
    draft.add_argument("--note", default="", help=_("what the draft changes"))
    draft.add_argument(
        "--check",
        action="store_true",
        help=_("validate and run the tests; store nothing (exit 1 when a test fails)"),
    )
    draft.add_argument("--format", choices=("text", "json"), default="text")

    diff = rules_sub.add_parser(
        "diff", help=_("dry run: the year's scores under the version in force and under a draft")
    )
    diff.add_argument("--year", type=int, required=True)
    diff.add_argument("--draft", required=True, help=_("a stored draft's id, or a year's folder"))
    diff.add_argument(
        "--as-of", type=date_arg, help=_("default: the cutoff of the version in force")
    )
    diff.add_argument("--format", choices=("table", "json"), default="table")

    publish = rules_sub.add_parser(
        "publish", help=_("put a draft in force (refused unless it validates and its tests pass)")
    )
    publish.add_argument("draft", type=int, help=_("the draft's id"))
    publish.add_argument("--year", type=int, required=True)
    publish.add_argument("--note", required=True, help=_("the change note: what and why"))
    publish.add_argument("--format", choices=("text", "json"), default="text")

    new_year = rules_sub.add_parser(
        "new-year", help=_("start a year's rule set from the previous one (a draft and its files)")
    )
    new_year.add_argument("year", type=int)
    new_year.add_argument("--from", dest="from_year", type=int, required=True)
    new_year.add_argument(
        "--out", help=_("where to write the files to edit (default: drafts/<year>)")
    )
    new_year.add_argument("--format", choices=("text", "json"), default="text")

    versions = rules_sub.add_parser("versions", help=_("a year's versions and the one in force"))
    versions.add_argument("--year", type=int, required=True)
    versions.add_argument("--format", choices=("table", "json"), default="table")

    export = rules_sub.add_parser(
        "export", help=_("write a version's files (default: the one in force) to a folder to edit")
    )
    export.add_argument("dir", help=_("an empty or new folder"))
    export.add_argument("--year", type=int, required=True)
    export.add_argument("--version", help=_("its number, or 8+ digits of its content hash"))


def add_recompute_parser(sub: Any) -> None:
    """Add ``recompute`` to the command line's subcommands."""
    recompute = sub.add_parser(
        "recompute", help=_("score a stored run again under the rule set version it recorded")
    )
    recompute.add_argument("run", type=int, help=_("the score run's id"))
    recompute.add_argument("--format", choices=("text", "json"), default="text")


def _year_folder(path: str, year: int) -> Path:
    """The folder of the year's files: ``path`` itself, or ``path/<year>``."""

    folder = Path(path)
    if (folder / "ruleset.yaml").is_file():
        return folder
    if (folder / str(year) / "ruleset.yaml").is_file():
        return folder / str(year)
    raise UsageError(
        _("%(path)s holds no ruleset.yaml (nor %(year)s/ruleset.yaml)", path=path, year=year)
    )


def _read(path: str, year: int) -> tuple[dict[str, str], Callable[[str], str]]:
    """The year's files in the folder given, and how to name them as the editor did."""
    from scoring_service.rules.files import as_given, read_folder

    folder = _year_folder(path, year)
    return read_folder(folder), lambda text: as_given(text, year, folder.as_posix())


def _problems(
    exc: Any,
    err: TextIO,
    what: str,
    *,
    nothing_stored: bool = True,
    named: Callable[[str], str] = str,
) -> int:
    for problem in exc.problems:
        print(named(str(problem)), file=err)
    count = len(exc.problems)
    if nothing_stored:
        print(
            _("%(count)s problem(s) in %(what)s; nothing was stored", count=count, what=what),
            file=err,
        )
    else:
        print(_("%(count)s problem(s) in %(what)s", count=count, what=what), file=err)
    return EXIT_INVALID


def _tests_lines(tests: dict[str, Any] | None) -> list[str]:
    if tests is None:
        return []
    if not tests["cases"]:
        return [_("rule tests: none (add cases under tests/: publishing runs them)")]
    lines = [
        _(
            "rule tests: %(passed)s passed, %(failed)s failed",
            passed=tests["passed"],
            failed=tests["failed"],
        )
    ]
    lines += [f"  {line}" for line in tests["failures"]]
    if tests["failed"]:
        lines.append(_("publishing is refused until every rule test passes"))
    return lines


def _changes_lines(changes: list[dict[str, Any]], against: str | None) -> list[str]:
    if not changes:
        if against:
            return [_("rule changes from %(against)s: none", against=against)]
        return [_("rule changes: none")]
    if against:
        lines = [
            _("rule changes from %(against)s (%(count)s):", against=against, count=len(changes))
        ]
    else:
        lines = [_("rule changes (%(count)s):", count=len(changes))]
    lines += [f"  {c['what']}: {c['old'] or '—'}  →  {c['new'] or '—'}" for c in changes]
    return lines


@with_context
def run_rules(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """Run one lifecycle action of ``rules``."""
    handler = _ACTIONS[args.rules_command]
    return handler(args, ctx, out, err)


def _draft(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """Check or store a folder's files; ``--check`` exits 1 when a rule test fails."""
    from scoring_service.rulesets import service

    files, named = _read(args.dir, args.year)
    try:
        if args.check:
            doc = service.check_draft(ctx.uow(), args.year, files).to_json()
        else:
            doc = service.create_draft(ctx.uow(), args.year, files, note=args.note).to_json()
    except service.RuleProblems as exc:
        return _problems(exc, err, _("the draft of %(year)s", year=args.year), named=named)
    tests = doc["tests"]
    tests["failures"] = [named(line) for line in tests["failures"]]
    # A check is the editor's test run: like `rules test`, it fails when a case fails.
    code = EXIT_FAILED if args.check and tests["failed"] else EXIT_OK
    if args.format == "json":
        print_json(doc, out)
        return code
    if args.check:
        head = _(
            "the files of %(year)s are valid (rules %(rules)s); not stored",
            year=args.year,
            rules=doc["content_hash"][:12],
        )
    else:
        base = (doc["base_hash"] or _("none"))[:12]
        head = _(
            "draft %(id)s of %(year)s stored (rules %(rules)s), made on the version in force "
            "(%(base)s)",
            id=doc["id"],
            year=args.year,
            rules=doc["content_hash"][:12],
            base=base,
        )
    lines = [
        head,
        *_tests_lines(doc["tests"]),
        *_changes_lines(doc["rule_changes"], doc["rule_changes_from"]),
    ]
    if not args.check:
        commands = (
            f"rules diff --year {args.year} --draft {doc['id']}; "
            f'rules publish --year {args.year} {doc["id"]} --note "..."'
        )
        lines.append(_("next: %(commands)s", commands=commands))
    print("\n".join(lines), file=out)
    return code


def _diff(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.rulesets import service
    from scoring_service.rulesets.diff import render_text

    ref: str = args.draft
    draft_id: int | None = None
    files: dict[str, str] | None = None
    named: Callable[[str], str] = str
    if ref.isascii() and ref.isdigit() and not Path(ref).exists():
        draft_id = int(ref)
    else:
        files, named = _read(ref, args.year)
    try:
        result = service.dry_run(
            ctx.uow(), args.year, draft_id=draft_id, files=files, as_of=args.as_of
        )
    except service.RuleProblems as exc:
        what = _("the draft of %(year)s", year=args.year)
        return _problems(exc, err, what, nothing_stored=False, named=named)
    if args.format == "json":
        print_json(result.to_json(), out)
    else:
        print(render_text(result.to_json()), file=out)
    return EXIT_OK


def _publish(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.rulesets import service

    try:
        doc = service.publish_draft(ctx.uow(), args.year, args.draft, note=args.note).to_json()
    except service.PublishRefused as exc:
        print(
            _(
                "error: draft %(draft)s of %(year)s cannot be published:",
                draft=args.draft,
                year=args.year,
            ),
            file=err,
        )
        for reason in exc.reasons:
            print(f"  {reason}", file=err)
        return EXIT_INVALID
    if args.format == "json":
        print_json(doc, out)
        return EXIT_OK
    print(
        _(
            "draft %(draft)s is version %(number)s of %(year)s (rules %(rules)s), in force from "
            "now; published by %(by)s",
            draft=args.draft,
            number=doc["number"],
            year=args.year,
            rules=doc["content_hash"][:12],
            by=doc["published_by"],
        ),
        file=out,
    )
    return EXIT_OK


def _new_year(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.rulesets import service

    folder = Path(args.out) if args.out else Path("drafts") / str(args.year)
    _require_empty(folder, _("choose another folder with --out"))
    draft, files = service.start_new_year(ctx.uow(), args.year, from_year=args.from_year)
    _write(folder, files)
    if args.format == "json":
        print_json({**draft.to_json(), "folder": str(folder)}, out)
        return EXIT_OK
    print(
        _(
            "started %(year)s from %(from_year)s: draft %(draft)s, files in %(folder)s",
            year=args.year,
            from_year=args.from_year,
            draft=draft.id,
            folder=folder,
        ),
        file=out,
    )
    commands = (
        f"rules draft --year {args.year} {folder}; "
        f'rules publish --year {args.year} <draft> --note "..."'
    )
    print(
        _("edit them, then: %(commands)s", commands=commands),
        file=out,
    )
    return EXIT_OK


def _require_empty(folder: Path, advice: str) -> None:
    """A usage error unless the folder is new or empty (nothing of the user's is overwritten)."""
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(_("%(folder)s is not empty; %(advice)s", folder=folder, advice=advice))


def _write(folder: Path, files: Mapping[str, str]) -> None:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _versions(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.i18n.labels import ORIGINS, label
    from scoring_service.reports.text import table
    from scoring_service.rulesets import service

    doc = service.list_versions(ctx.uow(), args.year).to_json()
    if args.format == "json":
        print_json(doc, out)
        return EXIT_OK
    rows = [
        [
            "*" if v["in_force"] else "",
            v["number"] if v["number"] is not None else "—",
            v["content_hash"][:12],
            label(ORIGINS, v["origin"]),
            f"{v['extends']['year']} {(v['extends']['content_hash'] or '')[:12]}"
            if v["extends"]
            else "",
            (v["published_at"] or "")[:19].replace("T", " "),
            *_shipped_words(v, args.year),
        ]
        for v in doc["versions"]
    ]
    headers = (
        "",
        _("version"),
        _("rules"),
        _("origin"),
        _("extends"),
        _("published"),
        _("by"),
        _("note"),
    )
    print(_("rule set versions of %(year)s (* in force)", year=args.year), file=out)
    print(table(headers, rows, right={1}), file=out)
    return EXIT_OK


def _shipped_words(version: dict[str, Any], year: int) -> tuple[str, str]:
    """Who and why of a version; those of the shipped files (stored in English when the
    version was recorded) read in the language in force."""
    if version["origin"] != "shipped":
        return version["published_by"], version["note"]
    return _("shipped files"), _("the rule files of rules/%(year)s/ as shipped", year=year)


def _export(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    from scoring_service.rulesets import service

    folder = Path(args.dir)
    _require_empty(folder, _("export into a new folder"))
    info, files = service.version_files(ctx.uow(), args.year, args.version)
    _write(folder, files)
    number = info.number if info.number is not None else _("shipped")
    print(
        _(
            "wrote version %(number)s of %(year)s (rules %(rules)s): %(count)s files in %(folder)s",
            number=number,
            year=args.year,
            rules=info.content_hash[:12],
            count=len(files),
            folder=folder,
        ),
        file=out,
    )
    return EXIT_OK


@with_context
def run_recompute(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """Recompute a stored run; exit 1 when a row comes out different."""
    from scoring_service.assessment.services import recompute_run
    from scoring_service.rulesets.diff import render_text

    doc = recompute_run(ctx.uow(), args.run)
    if args.format == "json":
        print_json(doc.to_json(), out)
    else:
        verdict = _("every row is the same") if doc.matches else _("some rows differ")
        print(
            _(
                "score run %(run)s of %(year)s as of %(as_of)s, recomputed under its rules "
                "%(rules)s: %(verdict)s; %(note)s",
                run=doc.run,
                year=doc.year,
                as_of=format_date(doc.as_of),
                rules=doc.ruleset_hash[:12],
                verdict=verdict,
                note=doc.note,
            ),
            file=out,
        )
        if not doc.matches:
            title = _("differences (stored run → recomputed):")
            print(
                render_text({"title": title, "summary": doc.summary, "units": doc.differences}),
                file=out,
            )
    return EXIT_OK if doc.matches else EXIT_FAILED


_ACTIONS: dict[str, Callable[[argparse.Namespace, Context, TextIO, TextIO], int]] = {
    "draft": _draft,
    "diff": _diff,
    "publish": _publish,
    "new-year": _new_year,
    "versions": _versions,
    "export": _export,
}
