"""Who the command line acts as, and a principal's name as people read it.

The roles, their permissions and the principal themselves are plain values of
``domain.principals``.
"""

from __future__ import annotations

import getpass
import os

from scoring_service.domain.principals import Principal, Role
from scoring_service.i18n import gettext as _


def command_line() -> Principal:
    """Who the command line acts as: an unscoped admin named for the operating-system user,
    so the audit log says who ran a command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown user"
    return Principal(None, f"{user}{COMMAND_LINE}", Role.ADMIN)


# How the command line's principal is named in what it writes (audit entries, accounts,
# versions): stored as written, read in the language in force by display_name.
COMMAND_LINE = " (command line)"


def display_name(name: str) -> str:
    """A principal's name as people read it: the command line's mark in their language."""
    if name.endswith(COMMAND_LINE):
        return _("%(user)s (command line)", user=name.removesuffix(COMMAND_LINE))
    return name
