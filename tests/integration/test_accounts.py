"""People's accounts on SQLite and PostgreSQL: passwords, the rules on names and scopes,
who may manage whom, and the session key the service keeps for itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scoring_service.access import accounts, passwords
from scoring_service.domain.errors import Conflict, InvalidRequest, NotFound
from scoring_service.domain.principals import Forbidden, Principal, Role
from tests.helpers.bundles import spec_bundle
from tests.helpers.web import PASSWORD, Site, make_site


@pytest.fixture
def small(db_url: str) -> Iterator[Site]:
    made = make_site(db_url, spec_bundle())
    yield made
    made.services.close()


def test_a_password_hash_is_salted_scrypt_and_checks_only_its_password() -> None:
    first, second = passwords.hash_password("a password"), passwords.hash_password("a password")
    assert first.startswith(f"scrypt:{passwords.COST}:8:1$") and first != second
    assert passwords.check_password("a password", first)
    assert passwords.check_password("a password", second)
    assert not passwords.check_password("a Password", first)
    assert not passwords.check_password("a password", "scrypt$broken")
    assert not passwords.check_password("a password", "md5$x$y$z$a$b")


def test_sign_in_gives_the_account_and_records_the_time(small: Site) -> None:
    from scoring_service.domain.principals import NOBODY

    found = accounts.sign_in(small.uow(NOBODY), "heping", PASSWORD)
    assert found is not None and found.scope == ("441624",) and found.password_hash == ""
    assert accounts.principal_of(found) == Principal(
        None, "heping", Role.INSPECTOR, frozenset({"441624"})
    )
    assert accounts.sign_in(small.uow(NOBODY), "heping", "wrong") is None
    assert accounts.sign_in(small.uow(NOBODY), "nobody", PASSWORD) is None
    listed = {a.username: a for a in accounts.list_accounts(small.uow())}
    assert listed["heping"].last_sign_in_at is not None
    assert listed["office"].last_sign_in_at is None


@pytest.mark.parametrize(
    ("username", "role", "password", "scope", "error"),
    [
        ("office", "reader", PASSWORD, None, Conflict),  # taken
        ("has space", "reader", PASSWORD, None, InvalidRequest),
        ("ok", "chief", PASSWORD, None, InvalidRequest),  # no such role
        ("ok", "reader", "short", None, InvalidRequest),
        ("ok", "reader", PASSWORD, [], InvalidRequest),  # an empty scope is not "every unit"
        ("ok", "reader", PASSWORD, ["999999"], InvalidRequest),  # no year holds it
    ],
)
def test_accounts_that_cannot_be_made(
    small: Site,
    username: str,
    role: str,
    password: str,
    scope: list[str] | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        accounts.create_account(small.uow(), username, role, password, scope)
    assert "ok" not in {a.username for a in accounts.list_accounts(small.uow())}


def test_a_scoped_admin_manages_only_people_inside_its_scope(small: Site) -> None:
    county_admin = Principal(None, "county admin", Role.ADMIN, frozenset({"441624"}))
    made = accounts.create_account(
        small.uow(county_admin), "town", "inspector", PASSWORD, ["441624101"]
    )
    assert made.created_by == "county admin"
    with pytest.raises(Forbidden):
        accounts.create_account(small.uow(county_admin), "wide", "reader", PASSWORD)
    with pytest.raises(Forbidden):
        accounts.disable_account(small.uow(county_admin), "office")
    seen = {a.username for a in accounts.list_accounts(small.uow(county_admin))}
    assert seen == {"heping", "town"}
    with pytest.raises(NotFound):
        accounts.reset_password(small.uow(), "nobody", PASSWORD)
    accounts.disable_account(small.uow(), "town")
    with pytest.raises(Conflict):
        accounts.disable_account(small.uow(), "town")


def test_the_session_key_is_made_once_and_kept(small: Site) -> None:
    first = accounts.session_secret(small.uow())
    assert len(first) >= 48
    assert accounts.session_secret(small.uow()) == first
