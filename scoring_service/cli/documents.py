"""``documents letter|circular|monthly|ledger|archive``: the documents of the work plan as
files: Word (or PDF through LibreOffice), a workbook for the ledger, a zip for the archive.

Each writes its file whole to ``-o FILE`` (under a temporary name, then renamed); the
folder is checked before anything is read, so a bad path costs nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from scoring_service.cli.context import EXIT_OK, Context, UsageError, date_arg, with_context
from scoring_service.i18n import _

KINDS = ("letter", "circular", "monthly", "ledger", "archive")


def add_parsers(sub: Any) -> None:
    """Add ``documents`` and its five kinds."""
    documents = sub.add_parser(
        "documents", help=_("rectification letters, circulars, monthly reports, ledger, archive")
    )
    kinds = documents.add_subparsers(dest="document", required=True, metavar="KIND")

    letter = kinds.add_parser(
        "letter", help=_("the rectification letter of an inspection, with its problem list")
    )
    letter.add_argument("inspection", help=_("the inspection's code"))
    letter.add_argument("--year", type=int, required=True)
    letter.add_argument(
        "--date",
        type=date_arg,
        help=_("the letter's date (default: its letter date, else the last day allowed)"),
    )
    letter.add_argument("--number", help=_("the document number (default: its place in the year)"))
    _word_arguments(letter)

    circular = kinds.add_parser("circular", help=_("the circular of a year's results"))
    circular.add_argument("--year", type=int, required=True)
    circular.add_argument("--as-of", type=date_arg, help=_("the data as of (default: cutoff)"))
    circular.add_argument("--date", type=date_arg, help=_("the circular's date (default: as-of)"))
    circular.add_argument("--number", default="", help=_("the document number (default: blank)"))
    _word_arguments(circular)

    monthly = kinds.add_parser("monthly", help=_("the monthly report to the leading group"))
    monthly.add_argument("--year", type=int, required=True)
    monthly.add_argument("--month", type=int, required=True, help=_("the month, 1 to 12"))
    monthly.add_argument(
        "--date", type=date_arg, help=_("the report's date (default: the month's last day)")
    )
    monthly.add_argument("--number", default="", help=_("the issue number (default: blank)"))
    _word_arguments(monthly)

    ledger = kinds.add_parser("ledger", help=_("the rectification ledger of a year (XLSX)"))
    ledger.add_argument("--year", type=int, required=True)
    ledger.add_argument("--as-of", type=date_arg, help=_("the data as of (default: cutoff)"))
    _output_argument(ledger)

    archive = kinds.add_parser(
        "archive", help=_("the quarter's letters, problem lists, ledger and bundle (zip)")
    )
    archive.add_argument("--year", type=int, required=True)
    archive.add_argument("--quarter", type=int, required=True, help=_("the quarter, 1 to 4"))
    _output_argument(archive)


def _word_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("docx", "pdf"),
        default="docx",
        help=_("docx (default), or pdf where LibreOffice is installed"),
    )
    _output_argument(parser)


def _output_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", required=True, help=_("file to write"))


def _check_output(name: str) -> Path:
    """Refuse an output that cannot be written before anything is read."""
    path = Path(name)
    if path.is_dir():
        raise UsageError(_("%(path)s is a folder; give a file name", path=name))
    if not path.parent.is_dir():
        raise UsageError(_("no such folder: %(folder)s", folder=str(path.parent)))
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(_("%(path)s cannot be written (permission denied)", path=name))
    return path


@with_context
def run(args: argparse.Namespace, ctx: Context, out: TextIO, err: TextIO) -> int:
    """``documents KIND ...``: build the document and write it to ``-o FILE``."""
    from scoring_service import documents
    from scoring_service.cli.assessment import _write_file
    from scoring_service.documents import pdf

    path = _check_output(args.output)
    if getattr(args, "format", None) == "pdf" and not pdf.available():
        raise documents.PdfUnavailable(
            _("PDF needs LibreOffice (soffice), which is not installed here; use --format docx")
        )
    templates = ctx.settings.templates_dir
    uow = ctx.uow()
    if args.document == "letter":
        doc = documents.rectification_letter(
            uow, args.year, args.inspection, on=args.date, number=args.number, templates=templates
        )
    elif args.document == "circular":
        doc = documents.circular(
            uow, args.year, as_of=args.as_of, on=args.date, number=args.number, templates=templates
        )
    elif args.document == "monthly":
        doc = documents.monthly_report(
            uow, args.year, args.month, on=args.date, number=args.number, templates=templates
        )
    elif args.document == "ledger":
        doc = documents.rectification_ledger(uow, args.year, as_of=args.as_of)
    else:
        doc = documents.quarterly_archive(uow, args.year, args.quarter, templates=templates)
    if getattr(args, "format", None) == "pdf":
        doc = doc.as_pdf()
    _write_file(path, doc.content)
    print(
        _(
            "wrote %(path)s (%(name)s, %(size)s bytes)",
            path=str(path),
            name=doc.name,
            size=len(doc.content),
        ),
        file=out,
    )
    return EXIT_OK


COMMANDS = {"documents": run}
