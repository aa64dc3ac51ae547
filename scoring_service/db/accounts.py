"""People's accounts and the service's own secrets: their rows are read and written only here.

Callers own the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring_service.db.account_models import AccountRow, ServiceSecretRow
from scoring_service.domain.principals import AccountInfo, Role, UsernameTaken


def _info(row: AccountRow, *, with_hash: bool = False) -> AccountInfo:
    return AccountInfo(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        scope=None if row.scope is None else tuple(json.loads(row.scope)),
        session_version=row.session_version,
        created_at=row.created_at,
        created_by=row.created_by,
        disabled_at=row.disabled_at,
        last_sign_in_at=row.last_sign_in_at,
        password_hash=row.password_hash if with_hash else "",
        email=row.email,
        notices_read_at=row.notices_read_at,
    )


def add_account(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: Role,
    scope: Collection[str] | None,
    created_by: str,
    email: str | None = None,
) -> AccountInfo:
    """Store an account; ``UsernameTaken`` when the username is in use (disabled or not)."""
    try:
        # A savepoint, so a clash leaves the caller's transaction usable.
        with session.begin_nested():
            account_id = session.execute(
                insert(AccountRow)
                .values(
                    username=username,
                    password_hash=password_hash,
                    role=role.value,
                    scope=None if scope is None else json.dumps(list(scope)),
                    session_version=1,
                    created_at=datetime.now(UTC),
                    created_by=created_by,
                    email=email,
                )
                .returning(AccountRow.id)
            ).scalar_one()
    except IntegrityError:
        raise UsernameTaken(username) from None
    return _info(session.get_one(AccountRow, account_id))


def account_by_username(
    session: Session, username: str, *, with_hash: bool = False
) -> AccountInfo | None:
    row = session.scalars(select(AccountRow).where(AccountRow.username == username)).first()
    return None if row is None else _info(row, with_hash=with_hash)


def account_by_id(session: Session, account_id: int) -> AccountInfo | None:
    row = session.get(AccountRow, account_id)
    return None if row is None else _info(row)


def list_accounts(session: Session) -> list[AccountInfo]:
    """Every account by username."""
    return [_info(r) for r in session.scalars(select(AccountRow).order_by(AccountRow.username))]


def _changed(session: Session, account_id: int) -> AccountInfo:
    row = session.get_one(AccountRow, account_id)
    session.refresh(row)
    return _info(row)


def disable(session: Session, account_id: int) -> AccountInfo:
    """Mark the account disabled now and end its sessions."""
    session.execute(
        update(AccountRow)
        .where(AccountRow.id == account_id)
        .values(disabled_at=datetime.now(UTC), session_version=AccountRow.session_version + 1)
    )
    return _changed(session, account_id)


def set_password(session: Session, account_id: int, password_hash: str) -> AccountInfo:
    """Replace the password hash and end the account's sessions."""
    session.execute(
        update(AccountRow)
        .where(AccountRow.id == account_id)
        .values(password_hash=password_hash, session_version=AccountRow.session_version + 1)
    )
    return _changed(session, account_id)


def set_email(session: Session, account_id: int, email: str | None) -> AccountInfo:
    """Replace the account's email address (None: no notices by mail)."""
    session.execute(update(AccountRow).where(AccountRow.id == account_id).values(email=email))
    return _changed(session, account_id)


def mark_notices_read(session: Session, account_id: int, at: datetime) -> None:
    """The account has read its notices up to ``at``."""
    session.execute(
        update(AccountRow).where(AccountRow.id == account_id).values(notices_read_at=at)
    )


def with_email(session: Session) -> list[AccountInfo]:
    """Accounts not disabled that have an email address, by id."""
    statement = (
        select(AccountRow)
        .where(AccountRow.email.is_not(None), AccountRow.disabled_at.is_(None))
        .order_by(AccountRow.id)
    )
    return [_info(r) for r in session.scalars(statement)]


def end_sessions(session: Session, account_id: int) -> None:
    """End every session of the account: the cookies hold the version before this one."""
    session.execute(
        update(AccountRow)
        .where(AccountRow.id == account_id)
        .values(session_version=AccountRow.session_version + 1)
    )


def signed_in(session: Session, account_id: int, password_hash: str | None = None) -> None:
    """Record the sign-in's time, and the password's new hash when one is given (its
    sessions go on: the password is the same)."""
    changes: dict[str, object] = {"last_sign_in_at": datetime.now(UTC)}
    if password_hash is not None:
        changes["password_hash"] = password_hash
    session.execute(update(AccountRow).where(AccountRow.id == account_id).values(**changes))


def secret(session: Session, name: str, make: str) -> str:
    """The stored secret ``name``; stored as ``make`` first when there is none. Of two
    processes storing one at once, both end up with the first stored."""
    found = session.get(ServiceSecretRow, name)
    if found is not None:
        return found.value
    try:
        with session.begin_nested():
            session.execute(
                insert(ServiceSecretRow).values(name=name, value=make, created_at=datetime.now(UTC))
            )
    except IntegrityError:
        pass  # another process stored it first: read theirs
    return session.get_one(ServiceSecretRow, name, populate_existing=True).value


class AccountRepository:
    """People's accounts and the service's own secrets (``uow.accounts``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        username: str,
        password_hash: str,
        role: Role,
        scope: Collection[str] | None,
        created_by: str,
        email: str | None = None,
    ) -> AccountInfo:
        """Store an account; ``UsernameTaken`` when the username is in use."""
        return add_account(
            self.session,
            username=username,
            password_hash=password_hash,
            role=role,
            scope=scope,
            created_by=created_by,
            email=email,
        )

    def by_username(self, username: str, *, with_hash: bool = False) -> AccountInfo | None:
        return account_by_username(self.session, username, with_hash=with_hash)

    def by_id(self, account_id: int) -> AccountInfo | None:
        return account_by_id(self.session, account_id)

    def listed(self) -> list[AccountInfo]:
        return list_accounts(self.session)

    def disable(self, account_id: int) -> AccountInfo:
        return disable(self.session, account_id)

    def set_password(self, account_id: int, password_hash: str) -> AccountInfo:
        return set_password(self.session, account_id, password_hash)

    def set_email(self, account_id: int, email: str | None) -> AccountInfo:
        return set_email(self.session, account_id, email)

    def mark_notices_read(self, account_id: int, at: datetime) -> None:
        mark_notices_read(self.session, account_id, at)

    def with_email(self) -> list[AccountInfo]:
        return with_email(self.session)

    def end_sessions(self, account_id: int) -> None:
        end_sessions(self.session, account_id)

    def signed_in(self, account_id: int, password_hash: str | None = None) -> None:
        signed_in(self.session, account_id, password_hash)

    def secret(self, name: str, make: str) -> str:
        return secret(self.session, name, make)
