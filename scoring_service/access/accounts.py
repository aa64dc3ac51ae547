"""People's accounts for the web pages: created, listed, disabled, their passwords reset,
and signing in.

An account has the roles and unit scopes of a token and is held to the same scope rule;
its password is stored only as a scrypt hash (``passwords.py``). Every change and every
sign-in, failed or not, is in the audit log under the person's username.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import replace

from scoring_service.access import grants, passwords
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import AccountInfo, Principal, Role, UsernameTaken
from scoring_service.i18n import _
from scoring_service.unit_of_work import UnitOfWork

__all__ = [
    "AccountInfo",
    "create_account",
    "disable_account",
    "list_accounts",
    "principal_of",
    "reset_password",
    "session_secret",
    "set_email",
    "sign_in",
    "sign_out",
    "signed_in_account",
]

# Letters, digits and . _ - (no spaces, nothing a log or an address would mangle).
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# One address, nothing a mail header could be made to carry besides it (no spaces, no
# line breaks, no second address, no display name).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})")


def principal_of(account: AccountInfo) -> Principal:
    """Who a signed-in person acts as: their username, role and scope."""
    scope = None if account.scope is None else frozenset(account.scope)
    return Principal(None, account.username, account.role, scope)


def check_password_rules(password: str) -> None:
    """InvalidRequest unless the password is long enough to resist guessing."""
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidRequest(
            _("a password has at least %(count)s characters", count=passwords.MIN_LENGTH)
        )
    if len(password) > passwords.MAX_LENGTH or "\x00" in password:
        raise InvalidRequest(
            _("a password has at most %(count)s characters", count=passwords.MAX_LENGTH)
        )


def _check_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise InvalidRequest(
            _(
                "a username is 1 to 64 letters, digits, dots, underscores or hyphens, "
                "starting with a letter or digit: %(name)r",
                name=username,
            )
        )
    return username


def check_email(email: str | None) -> str | None:
    """The address, stripped (None or blank: none), else InvalidRequest naming the field."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email) or "." not in email.rpartition("@")[2]:
        raise InvalidRequest(_("email: not an email address: %(email)r", email=email))
    return email


def create_account(
    uow: UnitOfWork,
    username: str,
    role: Role | str,
    password: str,
    scope: Sequence[str] | None = None,
    email: str | None = None,
) -> AccountInfo:
    """A new account, made by ``uow.actor``, with the role and scope given (None: every
    unit; a scope names units held in some year) and the address its notices are mailed
    to (None: none are)."""
    _check_username(username)
    email = check_email(email)
    role, units = grants.role_and_scope(role, scope)
    check_password_rules(password)
    stored = passwords.hash_password(password)
    with uow:
        grants.require_grantable(uow, units)
        try:
            info = uow.accounts.add(
                username=username,
                password_hash=stored,
                role=role,
                scope=units,
                created_by=uow.actor.name,
                email=email,
            )
        except UsernameTaken:
            raise Conflict(_("an account is already named %(name)r", name=username)) from None
        uow.audit(
            "account.create",
            "account",
            username,
            detail={"id": info.id, "role": role.value, "scope": units, "email": email},
        )
        uow.commit()
    return info


def list_accounts(uow: UnitOfWork) -> list[AccountInfo]:
    """Accounts by username (a scoped actor's: those scoped inside its scope)."""
    with uow:
        found = uow.accounts.listed()
        if uow.actor.scope is not None:
            covered = grants.covered_by_actor(uow)
            found = [a for a in found if not grants.outside_of(covered, a.scope)]
        return found


def _held(uow: UnitOfWork, username: str) -> AccountInfo:
    found = uow.accounts.by_username(username)
    if found is None:
        raise NotFound(_("no account is named %(name)r", name=username))
    grants.require_within(uow, found.scope)
    return found


def disable_account(uow: UnitOfWork, username: str) -> AccountInfo:
    """Disable an account: it cannot sign in, and its open sessions stop at their next
    request. The account stays, for the audit log."""
    with uow:
        found = _held(uow, username)
        if not found.active:
            raise Conflict(_("the account %(name)r is already disabled", name=username))
        info = uow.accounts.disable(found.id)
        uow.audit("account.disable", "account", username, detail={"id": info.id})
        uow.commit()
        return info


def reset_password(uow: UnitOfWork, username: str, password: str) -> AccountInfo:
    """Give an account a new password; its open sessions end."""
    check_password_rules(password)
    stored = passwords.hash_password(password)
    with uow:
        found = _held(uow, username)
        info = uow.accounts.set_password(found.id, stored)
        uow.audit("account.reset_password", "account", username, detail={"id": info.id})
        uow.commit()
        return info


def set_email(uow: UnitOfWork, username: str, email: str | None) -> AccountInfo:
    """Give an account the address its notices are mailed to (None or blank: none)."""
    email = check_email(email)
    with uow:
        found = _held(uow, username)
        info = uow.accounts.set_email(found.id, email)
        uow.audit("account.set_email", "account", username, detail={"id": info.id, "email": email})
        uow.commit()
        return info


def sign_in(uow: UnitOfWork, username: str, password: str) -> AccountInfo | None:
    """The account when the password is its own and it is not disabled, else None.

    ``uow`` acts as nobody yet (the entrance's anonymous principal): the sign-in is
    audited under the account's username, a failure under the username tried."""
    attempted = username[:64]
    with uow:
        found = uow.accounts.by_username(attempted, with_hash=True)
        if found is None:
            passwords.check_nothing(password)
            ok = False
        else:
            ok = passwords.check_password(password[: passwords.MAX_LENGTH], found.password_hash)
        if found is None or not ok or not found.active:
            reason = "unknown" if found is None else "disabled" if ok else "wrong password"
            who = Principal(None, attempted or "(empty)", Role.READER, frozenset())
            uow.audit_log.add(
                who,
                "account.sign_in_failed",
                "account",
                attempted,
                detail={"reason": reason},
            )
            uow.commit()
            return None
        # A hash of an older format or cost is replaced while the password is at hand.
        renewed = (
            passwords.hash_password(password[: passwords.MAX_LENGTH])
            if passwords.needs_rehash(found.password_hash)
            else None
        )
        uow.accounts.signed_in(found.id, renewed)
        uow.audit_log.add(principal_of(found), "account.sign_in", "account", attempted)
        uow.commit()
    return replace(found, password_hash="")  # the hash goes no further than the check


def sign_out(uow: UnitOfWork, account_id: int) -> None:
    """Sign ``uow.actor`` out on the server: every session of the account ends (a copy of
    the cookie is worth nothing after), and the sign-out is audited."""
    with uow:
        uow.accounts.end_sessions(account_id)
        uow.audit("account.sign_out", "account", uow.actor.name)
        uow.commit()


def signed_in_account(uow: UnitOfWork, account_id: int, session_version: int) -> AccountInfo | None:
    """The account a session cookie names, while the session is still good: the account
    is there, not disabled, and its password has not been reset since. Give a unit of work
    acting as nobody (no one is known to act for yet) and not in use."""
    with uow:
        found = uow.accounts.by_id(account_id)
    if found is None or not found.active or found.session_version != session_version:
        return None
    return found


def session_secret(uow: UnitOfWork) -> str:
    """The key that signs session cookies when no ``SCORING_SECRET_KEY`` is set: made once
    and kept in the database, so every worker and every restart agree. Give a unit of work
    not in use: the key commits in a transaction of its own."""
    with uow:
        value = uow.accounts.secret("session_key", secrets.token_urlsafe(48))
        uow.commit()
    return value
