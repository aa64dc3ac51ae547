"""Idempotent retries, the audit log and tokens through the HTTP API."""

from __future__ import annotations

import time

import pytest

from api import routing
from tests.helpers.api import Api, api_fixture, loaded_fixture, make_api, problem  # noqa: F401

Y = "/api/v1/years/2018"
EVENT = {"type": "escalated", "date": "2018-07-12", "to": "领导小组"}


def test_a_retry_with_the_same_key_returns_the_first_answer(loaded: Api) -> None:
    url = "/api/v1/findings/2018-G1-07-02/events"
    key = {"Idempotency-Key": "county-7f3a-0001"}
    first = loaded.post(url, EVENT, who="inspector", headers=key)
    assert first.status_code == 201
    again = loaded.post(
        url,
        {"to": "领导小组", "date": "2018-07-12", "type": "escalated"},
        who="inspector",
        headers=key,
    )
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    history = loaded.get("/api/v1/findings/2018-G1-07-02").get_json()["events"]
    assert sum(e["type"] == "escalated" for e in history) == 2  # the bundle's and one more
    audited = loaded.get("/api/v1/audit?action=event.create").get_json()
    assert audited["total"] == 1
    # The same key with another body: 422; with no key, a new event is stored.
    other = loaded.post(url, {**EVENT, "date": "2018-07-13"}, who="inspector", headers=key)
    assert problem(other, 422)["type"].endswith("#problem-idempotency-key-reused")
    assert loaded.post(url, EVENT, who="inspector").status_code == 201
    # Keys belong to a token: another token's same key is a new request.
    assert loaded.post(url, EVENT, who="admin", headers=key).status_code == 201


def test_a_key_left_by_a_killed_worker_is_served_again_after_its_lease(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "/api/v1/findings/2018-G1-07-02/events"
    key = {"Idempotency-Key": "county-7f3a-0002"}
    for api in make_api(db_url, idempotency_lease_seconds=1):
        api.load()
        served = routing._call

        def killed(*args: object) -> object:
            raise SystemExit(1)  # the worker dies mid-request: no answer, no release

        monkeypatch.setattr(routing, "_call", killed)
        with pytest.raises(SystemExit):
            api.post(url, EVENT, who="inspector", headers=key)
        monkeypatch.setattr(routing, "_call", served)
        waiting = problem(api.post(url, EVENT, who="inspector", headers=key), 409)
        assert waiting["type"].endswith("#problem-idempotency-in-progress")
        time.sleep(1.2)  # the claim's lease runs out
        retried = api.post(url, EVENT, who="inspector", headers=key)
        assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
        again = api.post(url, EVENT, who="inspector", headers=key)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.get_json() == retried.get_json()
        history = api.get("/api/v1/findings/2018-G1-07-02").get_json()["events"]
        assert sum(e["type"] == "escalated" for e in history) == 2  # the bundle's and one more


def test_a_first_answer_that_was_an_error_is_replayed_too(loaded: Api) -> None:
    url = "/api/v1/findings/2018-G1-07-01/events"
    key = {"Idempotency-Key": "k-2"}
    body = {"type": "rectified", "date": "2018-09-01"}
    first = problem(loaded.post(url, body, who="inspector", headers=key), 409)
    again = problem(loaded.post(url, body, who="inspector", headers=key), 409)
    assert again == first


def test_idempotent_creates_store_nothing_twice(api: Api) -> None:
    key = {"Idempotency-Key": "unit-1"}
    body = {"code": "441624", "name": "和平县", "kind": "county"}
    first = api.post("/api/v1/years/2018/units", body, headers=key)
    again = api.post("/api/v1/years/2018/units", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert api.get("/api/v1/years/2018").get_json()["units"] == 1
    bad_key = {"Idempotency-Key": "é" * 3}
    problem(api.post("/api/v1/years/2018/units", body, headers=bad_key), 422)
    run_key = {"Idempotency-Key": "run-1"}
    one = api.post("/api/v1/years/2018/score-runs", {}, who="assessor", headers=run_key)
    two = api.post("/api/v1/years/2018/score-runs", {}, who="assessor", headers=run_key)
    assert one.get_json()["id"] == two.get_json()["id"]
    assert api.get("/api/v1/years/2018/score-runs").get_json()["total"] == 1


def test_the_audit_log_records_every_write(loaded: Api) -> None:
    loaded.post("/api/v1/findings/2018-G1-07-02/events", EVENT, who="inspector")
    loaded.post(f"{Y}/units", {"code": "T2", "name": "新镇", "kind": "town", "parent": "441624"})
    loaded.post(f"{Y}/score-runs", {}, who="assessor")
    entries = loaded.get("/api/v1/audit").get_json()
    assert [(e["token"], e["action"], e["record"]) for e in entries["items"][:4]] == [
        ("assessor", "score_run.create", entries["items"][0]["record"]),
        ("admin", "unit.create", "2018/T2"),
        ("inspector", "event.create", "2018/2018-G1-07-02"),
        ("admin", "bundle.import", "2018"),
    ]
    assert entries["items"][2]["detail"]["type"] == "escalated"
    assert all(e["at"].endswith("Z") or "+00:00" in e["at"] for e in entries["items"])
    by_token = loaded.get("/api/v1/audit?token=inspector").get_json()
    assert [e["action"] for e in by_token["items"]] == ["event.create"]
    by_record = loaded.get("/api/v1/audit?record=2018/T2&record_type=unit").get_json()
    assert by_record["total"] == 1
    assert loaded.get("/api/v1/audit?year=2019").get_json()["total"] == 0
    assert loaded.get("/api/v1/audit?since=2000-01-01T00:00:00").get_json()["total"] >= 4
    assert loaded.get("/api/v1/audit?until=2000-01-01T00:00:00Z").get_json()["total"] == 0
    page = loaded.get("/api/v1/audit?limit=2").get_json()
    rest = loaded.get(f"/api/v1/audit?limit=100&cursor={page['next_cursor']}").get_json()
    ids = [e["id"] for e in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == page["total"]
    problem(loaded.get("/api/v1/audit?since=yesterday"), 422)
    problem(loaded.get("/api/v1/audit", who="reader"), 403)


def test_tokens_through_the_api(loaded: Api) -> None:
    api = loaded  # a scope names units held
    created = api.post(
        "/api/v1/tokens", {"name": "county-441624", "role": "inspector", "scope": ["441624"]}
    )
    assert created.status_code == 201
    token = created.get_json()
    assert token["token"].startswith("sst_") and token["scope"] == ["441624"]
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert api.client.get("/api/v1/years", headers=headers).status_code == 200
    listed = api.get("/api/v1/tokens").get_json()["items"]
    assert "county-441624" in {t["name"] for t in listed}
    assert all("token" not in t for t in listed)
    problem(api.post("/api/v1/tokens", {"name": "county-441624", "role": "reader"}), 409)
    problem(api.post("/api/v1/tokens", {"name": "x", "role": "superuser"}), 422)
    revoked = api.delete(f"/api/v1/tokens/{token['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    problem(api.client.get("/api/v1/years", headers=headers), 401)
    problem(api.delete(f"/api/v1/tokens/{token['id']}"), 404)
    everyone = api.get("/api/v1/tokens?include_revoked=true").get_json()["items"]
    assert any(t["name"] == "county-441624" and not t["active"] for t in everyone)
    actions = [e["action"] for e in api.get("/api/v1/audit?record_type=token").get_json()["items"]]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_a_token_name_names_one_live_token(loaded: Api) -> None:
    api = loaded  # a scope names units held
    body = {"name": "county-441624", "role": "inspector", "scope": ["441624"]}
    first = api.post("/api/v1/tokens", body).get_json()
    twin = problem(api.post("/api/v1/tokens", {**body, "name": " county-441624 "}), 409)
    assert twin["detail"] == (
        "a live token is already named 'county-441624'; revoke it or pick another name"
    )
    # Revoked, the name is free again; the revoked token keeps it in the list and the log.
    assert api.delete(f"/api/v1/tokens/{first['id']}").status_code == 200
    again = api.post("/api/v1/tokens", body)
    assert again.status_code == 201 and again.get_json()["id"] != first["id"]
    everyone = api.get("/api/v1/tokens?include_revoked=true").get_json()["items"]
    named = [(t["id"], t["active"]) for t in everyone if t["name"] == "county-441624"]
    assert named == [(first["id"], False), (again.get_json()["id"], True)]
    problem(api.post("/api/v1/tokens", body), 409)
