"""The access services with the fake unit of work: accounts, tokens, the audit log's
entries and the grant rules (scope refusals, validation, state rules), in memory. What
only a database shows (password hashing cost aside: uniqueness under concurrency, the
session key kept across processes, idempotency claims in their own transactions) stays in
tests/integration/test_accounts.py and test_idempotency.py."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from scoring_service.access import accounts, tokens
from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import NOBODY, Forbidden, Principal, Role
from tests.helpers.bundles import spec_bundle
from tests.unit.fakes import FakeUnitOfWork

RULES = FileRuleSource(REPO_RULES_DIR)
PASSWORD = "a long enough password"
COUNTY_ADMIN = Principal(None, "county admin", Role.ADMIN, frozenset({"441624"}))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """A year held (its units may be named in scopes), an office account and a county one."""
    made = FakeUnitOfWork(RULES)
    import_bundle(made, json.dumps(spec_bundle()))
    accounts.create_account(made, "office", "reader", PASSWORD)
    accounts.create_account(made, "heping", "inspector", PASSWORD, ["441624"])
    return made


def acting(uow: FakeUnitOfWork, actor: Principal) -> FakeUnitOfWork:
    uow.actor = actor
    return uow


def test_sign_in_gives_the_account_and_audits_every_attempt(uow: FakeUnitOfWork) -> None:
    uow.actor = NOBODY
    found = accounts.sign_in(uow, "heping", PASSWORD)
    assert found is not None and found.scope == ("441624",) and found.password_hash == ""
    assert accounts.principal_of(found) == Principal(
        None, "heping", Role.INSPECTOR, frozenset({"441624"})
    )
    assert accounts.sign_in(uow, "heping", "wrong") is None
    assert accounts.sign_in(uow, "nobody", PASSWORD) is None
    assert [a for a in uow.audited if a[0].startswith("account.sign_in")] == [
        ("account.sign_in", "account", "heping"),
        ("account.sign_in_failed", "account", "heping"),
        ("account.sign_in_failed", "account", "nobody"),
    ]
    assert uow.audit_log.actors[-3:] == ["heping", "heping", "nobody"]
    listed = {a.username: a for a in accounts.list_accounts(acting(uow, command_line()))}
    assert listed["heping"].last_sign_in_at is not None
    assert listed["office"].last_sign_in_at is None


def test_a_disabled_account_cannot_sign_in(uow: FakeUnitOfWork) -> None:
    accounts.disable_account(uow, "office")
    with pytest.raises(Conflict):
        accounts.disable_account(uow, "office")
    assert accounts.sign_in(acting(uow, NOBODY), "office", PASSWORD) is None


@pytest.mark.parametrize(
    ("username", "role", "password", "scope", "error"),
    [
        ("office", "reader", PASSWORD, None, Conflict),  # taken
        ("has space", "reader", PASSWORD, None, InvalidRequest),
        ("ok", "chief", PASSWORD, None, InvalidRequest),  # no such role
        ("ok", "reader", "short", None, InvalidRequest),
        ("ok", "reader", PASSWORD, [], InvalidRequest),  # an empty scope is not "every unit"
        ("ok", "reader", PASSWORD, ["999999"], InvalidRequest),  # no year holds it
        ("ok", "unit", PASSWORD, None, InvalidRequest),  # the unit role needs a scope
    ],
)
def test_accounts_that_cannot_be_made(
    uow: FakeUnitOfWork,
    username: str,
    role: str,
    password: str,
    scope: list[str] | None,
    error: type[Exception],
) -> None:
    committed = uow.committed
    with pytest.raises(error):
        accounts.create_account(uow, username, role, password, scope)
    assert "ok" not in {a.username for a in accounts.list_accounts(uow)}
    assert uow.committed == committed


def test_a_scoped_admin_manages_only_people_inside_its_scope(uow: FakeUnitOfWork) -> None:
    made = accounts.create_account(
        acting(uow, COUNTY_ADMIN), "town", "reader", PASSWORD, ["441624"]
    )
    assert made.created_by == "county admin"
    with pytest.raises(Forbidden):
        accounts.create_account(uow, "wide", "reader", PASSWORD)
    with pytest.raises(Forbidden):
        accounts.disable_account(uow, "office")
    assert {a.username for a in accounts.list_accounts(uow)} == {"heping", "town"}
    with pytest.raises(NotFound):
        accounts.reset_password(uow, "nobody", PASSWORD)


def test_a_password_reset_and_a_sign_out_end_the_sessions(uow: FakeUnitOfWork) -> None:
    first = accounts.sign_in(acting(uow, NOBODY), "office", PASSWORD)
    assert first is not None
    reset = accounts.reset_password(acting(uow, command_line()), "office", "another password")
    assert reset.session_version == first.session_version + 1
    assert accounts.sign_in(acting(uow, NOBODY), "office", PASSWORD) is None
    accounts.sign_out(uow, first.id)
    found = accounts.sign_in(uow, "office", "another password")
    assert found is not None and found.session_version == reset.session_version + 1


# "a long enough password" hashed in the service's first format (scrypt$N$r$p$salt$key).
FIRST_FORMAT = "scrypt$32768$8$1$AAECAwQFBgcICQoLDA0ODw==${key}"


def test_a_hash_of_the_first_format_signs_in_and_is_stored_anew(uow: FakeUnitOfWork) -> None:
    import base64
    import hashlib

    from scoring_service.access import passwords

    # The password hashed in the service's first format: scrypt$N$r$p$salt$key in base64.
    salt = bytes(range(16))
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**15, r=8, p=1, maxmem=2**27, dklen=32)
    old = f"scrypt$32768$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    office = next(a for a in uow.accounts.held.values() if a.username == "office")
    uow.accounts.held[office.id] = replace(office, password_hash=old)
    assert accounts.sign_in(acting(uow, NOBODY), "office", "another password") is None
    assert uow.accounts.held[office.id].password_hash == old  # a failure changes nothing
    found = accounts.sign_in(uow, "office", PASSWORD)
    assert found is not None and found.session_version == office.session_version
    renewed = uow.accounts.held[office.id].password_hash
    assert renewed.startswith(f"{passwords.METHOD}$") and not passwords.needs_rehash(renewed)
    assert accounts.sign_in(uow, "office", PASSWORD) is not None  # the new hash checks
    assert uow.accounts.held[office.id].password_hash == renewed  # and is kept


def test_tokens_are_made_listed_and_revoked_within_the_actor_scope(uow: FakeUnitOfWork) -> None:
    secret, made = tokens.create_token(uow, "  ci  ", "assessor")
    assert secret.startswith(tokens.PREFIX) and made.name == "ci"
    assert tokens.authenticate(uow, secret) == Principal(made.id, "ci", Role.ASSESSOR, None)
    assert tokens.authenticate(uow, "sst_unknown") is None
    with pytest.raises(Conflict):
        tokens.create_token(uow, "ci", "reader")
    with pytest.raises(InvalidRequest):
        tokens.create_token(uow, "", "reader")
    _, county = tokens.create_token(uow, "county", "reader", ["441624"])
    acting(uow, COUNTY_ADMIN)
    assert [t.name for t in tokens.list_tokens(uow)] == ["county"]
    with pytest.raises(Forbidden):
        tokens.revoke_token(uow, "ci")
    assert not tokens.revoke_token(uow, str(county.id)).active
    with pytest.raises(NotFound):
        tokens.revoke_token(uow, "county")
    assert tokens.authenticate(uow, secret) is not None
    assert [t.name for t in tokens.list_tokens(uow, include_revoked=True)] == ["county"]
    assert ("token.revoke", "token", "county") in uow.audited
