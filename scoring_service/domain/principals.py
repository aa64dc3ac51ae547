"""Who acts, as plain values: roles, their permissions, a caller (``Principal``) and the units
of a year it reaches (``Reach``).

A token or an account has one role. One scoped to units sees and writes only the findings
that count for those units (spec section 4 attribution with the year's rule set); the scope
rule itself is ``access.scope``, the queries that find a reach are ``db.scopes``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

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


# Who a request acts as before anyone is known (no token checked, no one signed in): it
# reads nothing (an empty scope); it only signs in or is authenticated.
NOBODY = Principal(None, "(not signed in)", Role.READER, frozenset())


@dataclass(frozen=True, slots=True)
class Reach:
    """The units of one year a principal may read and write: None means every unit."""

    units: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.units is None

    def has(self, code: str) -> bool:
        return self.units is None or code in self.units

    def has_any(self, codes: Iterable[str]) -> bool:
        return self.units is None or not self.units.isdisjoint(codes)

    def outside(self, codes: Iterable[str]) -> list[str]:
        """The codes among ``codes`` outside the reach, once each, in order."""
        if self.units is None:
            return []
        return [c for c in dict.fromkeys(codes) if c not in self.units]


EVERYTHING = Reach(None)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What is known of an account; the password hash only where a password is checked."""

    id: int
    username: str
    role: Role
    scope: tuple[str, ...] | None
    session_version: int
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    last_sign_in_at: datetime | None
    password_hash: str = ""
    email: str | None = None
    notices_read_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class UsernameTaken(Exception):
    """An account already has the username."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known of a token besides its secret."""

    id: int
    name: str
    role: Role
    scope: tuple[str, ...] | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class NameTaken(Exception):
    """A live token already has the name."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    token: str
    action: str
    record_type: str
    record: str
    year: int | None
    detail: Any
