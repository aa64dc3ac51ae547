"""What the commands share: exit codes, usage errors, date arguments, JSON output, and the
context a command runs in (the database brought up to date, the rule source, the engine)."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from scoring_service.cli.json_text import json_chunks
from scoring_service.i18n import gettext as _

# Every command imports this module to build the parser, and ``--help`` or a refused
# argument needs nothing more: the settings, the database and the rules are imported by
# the command that uses them (``Context``), not at start-up.
if TYPE_CHECKING:
    from scoring_service.config import Settings
    from scoring_service.domain.assessment import Evaluator
    from scoring_service.domain.principals import Principal
    from scoring_service.unit_of_work import UnitOfWork

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

# A command: its arguments, the settings, standard output and standard error; its exit code.
Command = Callable[[argparse.Namespace, "Settings", TextIO, TextIO], int]


class UsageError(Exception):
    """A bad argument, reported as exit 2."""


def date_arg(text: str) -> date:
    """An argument written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(text)r is not a date written YYYY-MM-DD", text=text)
        ) from None


def print_json(doc: Any, out: TextIO) -> None:
    """A document as indented JSON with Chinese text as it is, and a final newline; written
    a piece at a time (``json_text``)."""
    for chunk in json_chunks(doc):
        out.write(chunk)
    out.write("\n")


class Context:
    """What a command needs, built on first use."""

    def __init__(self, settings: Settings) -> None:
        from scoring_service.bootstrap import bootstrap

        self.settings = settings
        # Every command brings the schema up to date first.
        self.wiring = bootstrap(settings, migrate=True)
        self.engine = self.wiring.engine
        self.db = self.wiring.sessions
        self.rules = self.wiring.rules

    @property
    def actor(self) -> Principal:
        """Who the command acts as in the audit log (the operating-system user)."""
        from scoring_service.access.roles import command_line

        return command_line()

    def uow(self) -> UnitOfWork:
        """The command's unit of work, acting as the operating-system user."""
        return self.wiring.unit_of_work(self.actor)

    @property
    def evaluator(self) -> Evaluator:
        return self.wiring.evaluator

    def close(self) -> None:
        self.wiring.close()


def with_context(
    fn: Callable[[argparse.Namespace, Context, TextIO, TextIO], int],
) -> Command:
    """A command that runs in a ``Context``, closed when it ends."""

    def run(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
        from scoring_service.gc_pause import gc_paused

        # The wiring imports most of what the command runs: objects that live as long as
        # the process, which the collector would walk again and again as they load, and
        # in each of its passes while the command runs. They are loaded with it paused,
        # then left out of its passes (frozen) until the command ends.
        with gc_paused():
            ctx = Context(settings)
            gc.freeze()
        try:
            return fn(args, ctx, out, err)
        finally:
            ctx.close()
            gc.unfreeze()

    return run
