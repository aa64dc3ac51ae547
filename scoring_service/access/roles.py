"""Who may do what: roles, their permissions, and a caller's unit scope.

A token has one role. A token scoped to units sees and writes only the findings
that count for those units (spec section 4 attribution with the year's rule set).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from scoring_service.domain.errors import DomainError
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import PERMISSIONS, ROLES, label, labels


class Forbidden(DomainError):
    """The caller's role or unit scope does not allow the request."""


class Role(StrEnum):
    READER = "reader"
    INSPECTOR = "inspector"
    ASSESSOR = "assessor"
    RULE_EDITOR = "rule_editor"
    ADMIN = "admin"
    # 承办单位: a responsible unit's person, always scoped to its units.
    UNIT = "unit"


class Permission(StrEnum):
    READ = "read"  # every GET but the audit log and tokens
    INSPECT = "inspect"  # inspections, findings, events
    ASSESS = "assess"  # score runs
    EDIT_RULES = "edit_rules"  # rule sets
    ADMIN = "admin"  # structure, bundles, tokens, audit
    REPORT = "report"  # rectification reports and extension requests (spec section 10)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.READER: frozenset({Permission.READ}),
    Role.INSPECTOR: frozenset({Permission.READ, Permission.INSPECT}),
    Role.ASSESSOR: frozenset({Permission.READ, Permission.ASSESS}),
    Role.RULE_EDITOR: frozenset({Permission.READ, Permission.EDIT_RULES}),
    Role.ADMIN: frozenset(Permission),
    Role.UNIT: frozenset({Permission.READ, Permission.REPORT}),
}

# Roles that speak for their own units only: never given without a scope.
SCOPED_ROLES = frozenset({Role.UNIT})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a token's id, name, role and unit scope (None: every unit)."""

    token_id: int | None
    name: str
    role: Role
    scope: frozenset[str] | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise Forbidden unless the role has the permission."""
        if not self.can(permission):
            # The role and the permission in words of the language in force, never their
            # identifiers: a Chinese sentence holds no English word.
            holders = [r.value for r in Role if permission in ROLE_PERMISSIONS[r]]
            raise Forbidden(
                _(
                    "%(name)r (%(role)s) may not do this: it needs the permission of "
                    "%(permission)s, which these roles have: %(roles)s",
                    name=self.name,
                    role=label(ROLES, self.role.value),
                    permission=label(PERMISSIONS, permission.value),
                    roles=labels(ROLES, holders, separator=_(", ")),
                )
            )

    def sees(self, units: Iterable[str]) -> bool:
        """Whether something counting for ``units`` is within the scope."""
        return self.scope is None or not self.scope.isdisjoint(units)

    def require_finding(self, code: str, counts_for: Collection[str]) -> None:
        """Raise Forbidden unless the finding counts for a unit of the scope."""
        if not self.sees(counts_for):
            raise Forbidden(
                _(
                    "finding %(code)r does not count for any unit of token %(name)r's scope "
                    "(%(scope)s)",
                    code=code,
                    name=self.name,
                    scope=", ".join(sorted(self.scope or ())),
                )
            )


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
