"""Fixtures and helpers for the HTTP API's end-to-end tests (the Flask test client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.context import EXTENSION
from scoring_service.access.roles import command_line
from scoring_service.access.tokens import create_token
from scoring_service.bootstrap import Wiring
from scoring_service.domain.principals import Role
from scoring_service.unit_of_work import UnitOfWork
from server import create_app
from tests.helpers.bundles import spec_bundle


@dataclass
class Api:
    """An app on a migrated database, its test client and a token per role."""

    app: Flask
    client: FlaskClient
    tokens: dict[str, str]

    @property
    def services(self) -> Wiring:
        found: Wiring = self.app.extensions[EXTENSION]
        return found

    def token(self, name: str, role: str, scope: list[str] | None = None) -> str:
        s = self.services
        uow = UnitOfWork(s.sessions, s.rules, s.evaluator, command_line())
        secret, _ = create_token(uow, name, role, scope)
        self.tokens[name] = secret
        return secret

    def headers(self, who: str = "admin", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def get(self, path: str, who: str = "admin", **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kw)

    def post(self, path: str, body: Any = None, who: str = "admin", **kw: Any) -> Any:
        headers = self.headers(who, **kw.pop("headers", {}))
        return self.client.post(path, json=body, headers=headers, **kw)

    def patch(self, path: str, body: Any, who: str = "admin") -> Any:
        return self.client.patch(path, json=body, headers=self.headers(who))

    def delete(self, path: str, who: str = "admin") -> Any:
        return self.client.delete(path, headers=self.headers(who))

    def load(self, bundle: dict[str, Any] | None = None) -> Any:
        """Import a bundle (the spec's example by default) as admin."""
        response = self.post("/api/v1/bundles", bundle or spec_bundle())
        assert response.status_code == 201, response.get_json()
        return response


def make_api(db_url: str, **config: Any) -> Iterator[Api]:
    app = create_app({"database_url": db_url, **config})
    api = Api(app, app.test_client(), {})
    for role in Role:
        if role is not Role.UNIT:  # always scoped: tests make its tokens with their scope
            api.token(role.value, role.value)
    api.tokens["admin"] = api.tokens["admin"]
    try:
        yield api
    finally:
        api.services.close()


@pytest.fixture(name="api")
def api_fixture(db_url: str) -> Iterator[Api]:
    """The API on an empty migrated database (SQLite and PostgreSQL), tokens for each role."""
    yield from make_api(db_url)


@pytest.fixture(name="loaded")
def loaded_fixture(api: Api) -> Api:
    """The API with the spec's example bundle (2018) loaded."""
    api.load()
    return api


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem document of an error response, checked for RFC 9457's members."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.headers["Content-Type"].startswith("application/problem+json")
    doc: dict[str, Any] = json.loads(response.get_data(as_text=True))
    assert doc["status"] == status
    assert doc["title"] and doc["detail"] and doc["type"]
    return doc
