"""argparse's own words (``usage:``, ``options``, its error messages) from the catalogue.

argparse looks its messages up with the module-level ``_`` and ``ngettext`` it imported
from :mod:`gettext`, in the process's locale, with no hook to give it a catalogue. The
command line replaces those two names so that ``--help`` and argument errors follow
``--lang`` like every other message; the messages are listed here so that ``make
messages`` gathers them.
"""

from __future__ import annotations

import argparse

from . import N_, current_language, translations

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def _gettext(message: str) -> str:
    # Formatting stays argparse's: it applies its own arguments to what this returns.
    return translations(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, number: int) -> str:
    return translations(current_language()).ngettext(singular, plural, number)


def translate_argparse() -> None:
    """Make argparse read its messages in the language in force (idempotent)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
