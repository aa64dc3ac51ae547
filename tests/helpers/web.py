"""The pages' test harness: an app on a database holding a year, people with accounts, a
signed-in Flask test client, and the app served to a real browser (Playwright driving
Debian's Chromium).

``make_site(db_url, bundle)`` builds the app and imports the bundle; ``site.client(who)``
is a test client signed in through the sign-in form (CSRF token and all); ``serve(app)``
(shared with ``make screenshots``) runs it on a free port in a thread for the browser;
``launch_browser()`` starts Chromium with the flags this machine needs (no sandbox as
root, nothing fetched from outside).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.context import EXTENSION
from scoring_service.access import accounts
from scoring_service.access.roles import command_line
from scoring_service.assessment import services
from scoring_service.bootstrap import Wiring
from scoring_service.unit_of_work import UnitOfWork
from server import create_app
from server.screenshots import CHROMIUM, CHROMIUM_ARGS, serve

__all__ = ["PASSWORD", "Site", "csrf_token", "launch_browser", "make_site", "serve", "sign_in"]

ROOT = Path(__file__).resolve().parents[2]
DEMO_2018 = ROOT / "fixtures" / "demo-2018.bundle.json"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Who signs in, in the tests: role and scope.
PEOPLE: dict[str, tuple[str, list[str] | None]] = {
    "office": ("admin", None),
    "reader": ("reader", None),
    "inspector": ("inspector", None),
    "heping": ("inspector", ["441624"]),
}


@dataclass
class Site:
    app: Flask
    people: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> Wiring:
        found: Wiring = self.app.extensions[EXTENSION]
        return found

    def uow(self, actor: Any = None) -> UnitOfWork:
        s = self.services
        return UnitOfWork(s.sessions, s.rules, s.evaluator, actor or command_line())

    def add_person(self, username: str, role: str, scope: list[str] | None = None) -> None:
        accounts.create_account(self.uow(), username, role, PASSWORD, scope)
        self.people[username] = PASSWORD

    def client(self, who: str | None = None) -> FlaskClient:
        """A test client, signed in as ``who`` when given."""
        client = self.app.test_client()
        if who is not None:
            response = sign_in(client, who, self.people[who])
            assert response.status_code == 302, response.text
        return client


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str, next_: str = "/") -> Any:
    """Sign in through the form, as a browser does."""
    token = csrf_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_},
    )


def make_site(db_url: str, bundle: bytes | dict[str, Any] | None = None, **config: Any) -> Site:
    """The app on a migrated database, ``bundle`` imported (the 2018 demo data by default),
    and one account per person of ``PEOPLE``."""
    app = create_app({"database_url": db_url, **config})
    site = Site(app)
    raw = DEMO_2018.read_bytes() if bundle is None else bundle
    if isinstance(raw, dict):
        raw = json.dumps(raw, ensure_ascii=False).encode("utf-8")
    services.import_bundle(site.uow(), raw)
    for username, (role, scope) in PEOPLE.items():
        site.add_person(username, role, scope)
    return site


def require_chromium() -> None:
    """Skip without Chromium, except under CI, where the browser tests must run."""
    if Path(CHROMIUM).exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launch_browser() -> Iterator[Any]:
    """Chromium driven by Playwright; closed on leaving."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
