"""The pages' security with Flask's test client, on SQLite and PostgreSQL: sign-in and its
throttling, CSRF, cookies, headers, sessions that end, scope, escaping and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scoring_service.access import accounts, audit
from tests.helpers.bundles import spec_bundle
from tests.helpers.routes import odd_paths
from tests.helpers.web import PASSWORD, Site, csrf_token, make_site, sign_in

NASTY = "<script>alert(1)</script>\"'"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;"
FINDING = "2018-G1-07-02"


@pytest.fixture
def small(db_url: str) -> Iterator[Site]:
    """The spec's example year, a unit and a finding named to break out of markup."""
    bundle = spec_bundle()
    bundle["units"][1]["name"] = NASTY  # the county 441624
    bundle["inspections"][0]["findings"][1]["description"] = NASTY
    made = make_site(db_url, bundle)
    yield made
    made.services.close()


def actions(site: Site, **filters: Any) -> list[tuple[str, str, str]]:
    page = audit.entries(site.uow(), limit=100, **filters)
    return [(e.token, e.action, e.record) for e in page.items]


def test_pages_need_a_signed_in_person(small: Site) -> None:
    client = small.client()
    response = client.get("/years/2018/scores?kind=town")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/years/2018/scores?kind%3Dtown"
    assert client.get("/").status_code == 302


def test_sign_in_and_out_are_audited_with_the_person_s_name(small: Site) -> None:
    client = small.client()
    assert sign_in(client, "office", "wrong password").status_code == 401
    response = sign_in(client, "office", PASSWORD, next_="/years/2018/scores")
    assert response.status_code == 302
    assert response.headers["Location"] == "/years/2018/scores"
    assert client.get("/years/2018/scores").status_code == 200
    token = csrf_token(client.get("/years/2018/scores").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/years/2018/scores").status_code == 302  # signed out
    assert actions(small, record_type="account", record_key="office")[:3] == [
        ("office", "account.sign_out", "office"),
        ("office", "account.sign_in", "office"),
        ("office", "account.sign_in_failed", "office"),
    ]


# ``next=`` as a query string holds it (percent-encoded) and as the form sends it (decoded).
ELSEWHERE = {
    "//evil.example/x": "//evil.example/x",
    "/%5Cevil.example": "/\\evil.example",
    "/%09/evil.example": "/\t/evil.example",
    "/%2509/evil.example": "/%09/evil.example",
    "/%252F/evil.example": "/%2F/evil.example",
    "https://evil.example": "https://evil.example",
    "/%0d%0aSet-Cookie:x": "/\r\nSet-Cookie:x",
    "%0d%0aSet-Cookie:x": "\r\nSet-Cookie:x",
    "javascript:alert(1)": "javascript:alert(1)",
    "/%E2%80%A8/evil.example": "/\u2028/evil.example",
    "evil.example": "evil.example",
}
OWN = ["/years/2018/overview?kind=county", "/years/2018/scores", "/"]


def test_a_redirect_after_sign_in_stays_on_this_site(small: Site) -> None:
    for sent in ELSEWHERE.values():
        response = sign_in(small.client(), "office", PASSWORD, next_=sent)
        assert (response.status_code, response.headers["Location"]) == (302, "/"), repr(sent)
    for own in OWN:
        response = sign_in(small.client(), "office", PASSWORD, next_=own)
        assert (response.status_code, response.headers["Location"]) == (302, own), own
    # Signed in, the sign-in page sends one on at once: the same rule.
    client = small.client("office")
    for query in ELSEWHERE:
        response = client.get(f"/login?next={query}")
        assert (response.status_code, response.headers["Location"]) == (302, "/"), query
    for own in OWN:
        response = client.get("/login", query_string={"next": own})
        assert (response.status_code, response.headers["Location"]) == (302, own), own


def test_the_sign_in_form_carries_only_a_path_of_this_site(small: Site) -> None:
    client = small.client()
    for query in ELSEWHERE:
        page = client.get(f"/login?next={query}")
        assert page.status_code == 200, query
        assert 'name="next" value="/"' in page.text, query


def test_every_id_of_a_page_in_other_digits_is_not_found(small: Site) -> None:
    client = small.client("office")
    tried = [(m, p) for m, p in odd_paths(small.app, "/") if not p.startswith("/api/")]
    assert len(tried) > 50
    for method, path in tried:
        response = client.open(path, method=method)
        assert response.status_code == 404, (method, path, response.status_code)
    # Nor is a number no database column holds.
    assert client.get("/years/99999999999999999999/scores").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(small: Site) -> None:
    client = small.client()
    refused = client.post("/login", data={"username": "office", "password": PASSWORD})
    assert refused.status_code == 400
    assert "表单已失效" in refused.text
    assert client.get("/").status_code == 302  # not signed in
    signed = small.client("inspector")
    event = {"type": "rectified", "date": "2018-12-01"}
    assert signed.post(f"/years/2018/findings/{FINDING}/events", data=event).status_code == 400
    event["csrf_token"] = "forged"
    assert signed.post(f"/years/2018/findings/{FINDING}/events", data=event).status_code == 400
    page = signed.get(f"/years/2018/findings/{FINDING}").text
    assert page.count("data-event=") == 5  # nothing stored


def test_the_api_takes_no_csrf_token(small: Site) -> None:
    from scoring_service.access.tokens import create_token

    secret, _ = create_token(small.uow(), "system", "inspector")
    response = small.app.test_client().post(
        f"/api/v1/findings/{FINDING}/events",
        json={"type": "lookback_passed", "date": "2018-11-01"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code in (201, 409), response.text  # judged, not refused for CSRF


def test_wrong_passwords_are_throttled(db_url: str) -> None:
    site = make_site(db_url, spec_bundle(), auth_failure_limit=3, auth_failure_window_seconds=60)
    try:
        client = site.client()
        for _ in range(3):
            assert sign_in(client, "office", "not the password").status_code == 401
        blocked = sign_in(client, "office", PASSWORD)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert "登录失败次数过多" in blocked.text
        assert client.get("/").status_code == 302  # the right password did not sign in
        # The username is throttled from any address, too.
        other = site.app.test_client()
        token = csrf_token(other.get("/login").text)
        response = other.post(
            "/login",
            data={"username": "office", "password": PASSWORD, "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert response.status_code == 429
    finally:
        site.services.close()


def test_session_cookie_flags(db_url: str) -> None:
    for secure, config in ((False, {}), (True, {"secure_cookies": "true"})):
        site = make_site(db_url, spec_bundle() if not secure else None, **config)
        try:
            response = sign_in(site.app.test_client(), "office", PASSWORD)
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
            assert ("Secure" in cookie) is secure
        finally:
            site.services.close()
        if not secure:
            # a second site on the same database for the Secure case: start afresh
            from scoring_service.db import downgrade, upgrade

            downgrade(db_url, "base")
            upgrade(db_url)


def test_every_page_has_the_security_headers(small: Site) -> None:
    client = small.client("office")
    for path in (
        "/login",
        "/",
        "/years/2018/scores",
        "/years/2018/units/441624",
        "/years/2018/units/nowhere",
        "/assets/app.css",
    ):
        with client.get(path) as response:  # a file's answer holds it open until closed
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
            assert "'unsafe-inline'" not in policy
            assert response.headers["X-Frame-Options"] == "DENY"
    page = client.get("/years/2018/scores").text
    assert "<script" not in page and "style=" not in page  # nothing inline for the policy to block


def test_nothing_from_data_is_rendered_as_markup(small: Site) -> None:
    client = small.client("office")
    for path in (
        "/years/2018/scores",
        "/years/2018/units/441624",
        "/years/2018/units/441624101",
        f"/years/2018/findings/{FINDING}",
        "/years/2018/findings",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
    assert ESCAPED in client.get("/years/2018/scores").text
    assert ESCAPED in client.get(f"/years/2018/findings/{FINDING}").text


def test_a_disabled_account_or_a_reset_password_ends_its_sessions(small: Site) -> None:
    client = small.client("reader")
    assert client.get("/").status_code == 200
    accounts.reset_password(small.uow(), "reader", "another long password")
    assert client.get("/").status_code == 302
    assert sign_in(client, "reader", "another long password").status_code == 302
    assert client.get("/").status_code == 200
    accounts.disable_account(small.uow(), "reader")
    assert client.get("/").status_code == 302
    assert sign_in(client, "reader", "another long password").status_code == 401


def test_signing_out_ends_the_session_a_copied_cookie_holds(small: Site) -> None:
    client = small.client("reader")
    other = small.client("reader")  # the same person signed in elsewhere
    cookie = client.get_cookie("scoring_session")
    assert cookie is not None
    copy = small.client()
    copy.set_cookie("scoring_session", cookie.value)
    assert copy.get("/").status_code == 200
    token = csrf_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    for signed_out in (copy, other):
        response = signed_out.get("/years/2018/scores")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert sign_in(small.client(), "reader", PASSWORD).status_code == 302


def test_an_idle_session_must_sign_in_again(small: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from web import security

    client = small.client("office")
    assert client.get("/").status_code == 200
    later = time.time() + 31 * 60
    monkeypatch.setattr(security.time, "time", lambda: later)
    response = client.get("/")
    assert response.status_code == 302
    assert "长时间未操作" in client.get(response.headers["Location"]).text


def test_a_scoped_person_reads_and_writes_only_inside(small: Site) -> None:
    client = small.client("heping")
    assert client.get("/years/2018/units/441602").status_code == 404
    assert client.get("/years/2018/units/441624").status_code == 200
    # Found in 和平县 but with a helping unit outside it among the responsible: readable,
    # not writable.
    shared = "2018-G1-07-01"
    page = client.get(f"/years/2018/findings/{shared}")
    assert page.status_code == 200
    refused = client.post(
        f"/years/2018/findings/{shared}/events",
        data={"type": "lookback_passed", "date": "2018-11-01", "csrf_token": csrf_token(page.text)},
    )
    assert refused.status_code == 403
    assert "SZ-NS-001" in refused.text
    assert actions(small, action=audit.REFUSED)[0][0] == "heping"
    # A reader cannot record at all; the refusal is a security event.
    reader = small.client("reader")
    token = csrf_token(reader.get(f"/years/2018/findings/{FINDING}").text)
    refused = reader.post(
        f"/years/2018/findings/{FINDING}/events",
        data={"type": "lookback_passed", "date": "2018-11-01", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert actions(small, action=audit.REFUSED)[0][0] == "reader"


def test_a_refused_event_is_said_in_words_and_nothing_is_stored(small: Site) -> None:
    client = small.client("inspector")
    page = client.get(f"/years/2018/findings/{FINDING}").text
    response = client.post(
        f"/years/2018/findings/{FINDING}/events",
        data={
            "type": "extension",
            "date": "2018-11-01",
            "new_deadline": "2018-12-01",
            "reason": "资金待拨付",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 409
    assert "存在以下问题" in response.text
    assert "已整改的问题不能延期" in response.text  # the state machine's refusal, in words
    missing = client.post(
        f"/years/2018/findings/{FINDING}/events",
        data={"type": "extension", "date": "2018-11-01", "csrf_token": csrf_token(page)},
    )
    assert missing.status_code == 422
    assert 'href="#field-new_deadline"' in missing.text and 'href="#field-reason"' in missing.text
    assert client.get(f"/years/2018/findings/{FINDING}").text.count("data-event=") == 5
    assert not [a for a in actions(small, action="event.create")]


def test_command_line_users(small: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from scoring_service.cli import main

    url = small.services.settings.database_url
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "--db",
            url,
            "users",
            "create",
            "--username",
            "liaison",
            "--role",
            "inspector",
            "--scope",
            "441624",
        ],
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    assert sign_in(small.app.test_client(), "liaison", "a long enough password").status_code == 302
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    err = io.StringIO()
    assert (
        main(
            ["--db", url, "users", "create", "--username", "x", "--role", "reader"],
            out=io.StringIO(),
            err=err,
        )
        == 2
    )
    assert "至少" in err.getvalue() or "at least" in err.getvalue()
    out = io.StringIO()
    assert main(["--db", url, "users", "list", "--format", "json"], out=out) == 0
    assert "liaison" in out.getvalue()
    assert main(["--db", url, "users", "disable", "liaison"], out=io.StringIO()) == 0
    assert sign_in(small.app.test_client(), "liaison", "a long enough password").status_code == 401


def test_a_recorded_event_is_audited_with_the_person_s_name(small: Site) -> None:
    client = small.client("inspector")
    page = client.get("/years/2018/findings/2018-G1-07-01").text
    response = client.post(
        "/years/2018/findings/2018-G1-07-01/events",
        data={
            "type": "lookback_passed",
            "date": "2018-11-01",
            "note": "回头看无反弹",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).text
    assert "已登记" in shown and "回头看无反弹" in shown
    assert actions(small, action="event.create") == [
        ("inspector", "event.create", "2018/2018-G1-07-01")
    ]
