"""``/admin`` with Flask's test client: administrators only; accounts and tokens listed,
created, disabled, reset and revoked through the services, audited with the person's
name; a scoped administrator only inside its scope."""

from __future__ import annotations

from typing import Any

import pytest

from scoring_service.access import accounts, audit, tokens
from tests.helpers.html import attrs, parse, texts
from tests.helpers.web import PASSWORD, Site, csrf_token, sign_in


def post(client: Any, path: str, data: dict[str, str]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client.get("/admin").text)})


@pytest.mark.parametrize("who", ["reader", "inspector", "heping"])
def test_only_administrators(demo: Site, who: str) -> None:
    client = demo.client(who)
    assert client.get("/admin").status_code == 403
    token = csrf_token(client.get("/").text)
    made = client.post("/admin/tokens", data={"name": "x", "role": "admin", "csrf_token": token})
    assert made.status_code == 403
    assert all(t.name != "x" for t in tokens.list_tokens(demo.uow()))


def test_people_and_tokens_are_listed(demo: Site) -> None:
    page = demo.client("office").get("/admin").text
    assert attrs(page, "data-account", "tr") == [
        a.username for a in accounts.list_accounts(demo.uow())
    ]
    heping = parse(page).xpath("//tr[@data-account='heping']")[0]
    assert "441624" in heping.text_content()


def test_an_account_made_reset_and_disabled(site: Site) -> None:
    client = site.client("office")
    form = {
        "username": "clerk",
        "role": "reader",
        "scope": "",
        "password": "short",
        "password_again": "short",
    }
    refused = post(client, "/admin/accounts", form)
    assert refused.status_code == 422
    assert texts(refused.text, "//div[@class='error-summary']//li")
    assert 'value="clerk"' in refused.text and 'value="short"' not in refused.text
    differ = post(client, "/admin/accounts", {**form, "password": PASSWORD})
    assert differ.status_code == 422 and "两次输入的密码不一致" in differ.text
    made = post(
        client, "/admin/accounts", {**form, "password": PASSWORD, "password_again": PASSWORD}
    )
    assert made.status_code == 302
    assert "clerk" in attrs(client.get("/admin").text, "data-account", "tr")
    assert (
        post(
            client, "/admin/accounts", {**form, "password": PASSWORD, "password_again": PASSWORD}
        ).status_code
        == 409
    )

    clerk = site.app.test_client()
    assert sign_in(clerk, "clerk", PASSWORD).status_code == 302
    new = "a different long password"
    reset = post(client, "/admin/accounts/clerk/password", {"password": new, "password_again": new})
    assert reset.status_code == 302
    assert clerk.get("/").status_code == 302  # the session ended
    assert sign_in(clerk, "clerk", new).status_code == 302
    disabled = post(client, "/admin/accounts/clerk/disable", {})
    assert disabled.status_code == 302
    row = parse(client.get("/admin").text).xpath("//tr[@data-account='clerk']")[0]
    assert row.get("data-active") == "false"
    assert sign_in(site.app.test_client(), "clerk", new).status_code == 401
    again = post(client, "/admin/accounts/clerk/disable", {})
    assert again.status_code == 409
    done = audit.entries(site.uow(), limit=10, record_type="account", record_key="clerk").items
    by_office = {e.action for e in done if e.token == "office"}
    assert {"account.create", "account.reset_password", "account.disable"} <= by_office


def test_a_token_shown_once_and_revoked(site: Site) -> None:
    client = site.client("office")
    forged = client.post("/admin/tokens", data={"name": "x", "role": "admin"})
    assert forged.status_code == 400  # no CSRF token
    assert all(t.name != "x" for t in tokens.list_tokens(site.uow()))
    made = post(
        client, "/admin/tokens", {"name": "county-441624", "role": "inspector", "scope": "441624"}
    )
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = parse(made.text).xpath("//code[@class='token-secret']")[0].text_content()
    assert secret.startswith("sst_")
    assert secret not in client.get("/admin").text  # shown this once
    api = site.app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/years/2018/units/441624", headers=headers).status_code == 200
    row = parse(client.get("/admin").text).xpath("//tr[@data-token='county-441624']")[0]
    revoked = post(client, f"/admin/tokens/{row.get('data-token-id')}/revoke", {})
    assert revoked.status_code == 302
    assert api.get("/api/v1/years/2018/units/441624", headers=headers).status_code == 401
    unknown = post(client, "/admin/tokens", {"name": "x", "role": "admin", "scope": "nowhere"})
    assert unknown.status_code == 422 and "nowhere" in unknown.text
    entry = audit.entries(site.uow(), limit=1, action="token.revoke").items[0]
    assert (entry.token, entry.record) == ("office", "county-441624")


def test_a_scoped_administrator_only_inside_its_scope(site: Site) -> None:
    site.add_person("heping-admin", "admin", ["441624"])
    client = site.client("heping-admin")
    page = client.get("/admin").text
    assert attrs(page, "data-account", "tr") == ["heping", "heping-admin"]
    wide = post(client, "/admin/tokens", {"name": "everything", "role": "reader", "scope": ""})
    assert wide.status_code == 403
    outside = post(client, "/admin/tokens", {"name": "other", "role": "reader", "scope": "441602"})
    assert outside.status_code == 403
    inside = post(client, "/admin/tokens", {"name": "mine", "role": "reader", "scope": "441624"})
    assert inside.status_code == 200
    assert post(client, "/admin/accounts/office/disable", {}).status_code == 403
    assert accounts.list_accounts(site.uow())[0].active  # office still active
    tokens.create_token(site.uow(), "office-system", "admin")
    wide_id = next(t.id for t in tokens.list_tokens(site.uow()) if t.name == "office-system")
    assert post(client, f"/admin/tokens/{wide_id}/revoke", {}).status_code == 403
    refusals = audit.entries(site.uow(), limit=10, action="security.refused").items
    assert refusals and all(e.token == "heping-admin" for e in refusals)
