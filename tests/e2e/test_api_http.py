"""HTTP behaviours at the edge: caching, paging links, request ids, CORS, compression,
content negotiation and the brake on failed authentication."""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from typing import Any

import pytest
from openpyxl import load_workbook

from edge.context import EXTENSION
from edge.files import XLSX
from edge.request_id import LOG_FORMAT
from server import create_app
from tests.helpers.api import Api, api_fixture, loaded_fixture, make_api, problem  # noqa: F401

Y = "/api/v1/years/2018"
PORTAL = "https://portal.example.gov.cn"
YEARS = "/api/v1/years"


def test_a_repeated_get_with_the_etag_is_304_without_a_body(loaded: Api) -> None:
    run = loaded.post(f"{Y}/score-runs", {}).get_json()
    for path, cache in [
        (f"{Y}/score-runs/{run['id']}", "private, max-age=31536000, immutable"),
        (f"{Y}/score-runs/{run['id']}/rows", "private, max-age=31536000, immutable"),
        (f"{Y}/scores", "private, max-age=0, must-revalidate"),
        (f"{Y}/units/441624/explanation", "private, max-age=0, must-revalidate"),
        (f"{Y}/alerts", "private, max-age=0, must-revalidate"),
        ("/api/v1/rulesets/2018/versions", "private, max-age=0, must-revalidate"),
        ("/api/v1/rulesets/2018/versions/current", "private, max-age=0, must-revalidate"),
    ]:
        first = loaded.get(path)
        assert first.status_code == 200, path
        etag = first.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), path  # strong
        assert first.headers["Cache-Control"] == cache, path
        assert "Authorization" in first.headers["Vary"], path  # scoped tokens see other bodies
        again = loaded.client.get(path, headers=loaded.headers(**{"If-None-Match": etag}))
        assert again.status_code == 304, path
        assert again.get_data() == b"" and again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == cache
        other = loaded.client.get(path, headers=loaded.headers(**{"If-None-Match": '"other"'}))
        assert other.status_code == 200 and other.get_data() == first.get_data()
    stored = loaded.get(f"{Y}/score-runs/{run['id']}")
    assert stored.headers["Last-Modified"]  # the run's created_at
    since = stored.headers["Last-Modified"]
    unchanged = loaded.client.get(
        f"{Y}/score-runs/{run['id']}", headers=loaded.headers(**{"If-Modified-Since": since})
    )
    assert unchanged.status_code == 304


def test_the_etag_changes_with_the_data(loaded: Api) -> None:
    before = loaded.get(f"{Y}/scores").headers["ETag"]
    loaded.post(
        "/api/v1/findings/2018-G1-07-02/events",
        {"type": "escalated", "date": "2018-07-11", "to": "领导小组"},
        who="inspector",
    )
    after = loaded.client.get(f"{Y}/scores", headers=loaded.headers(**{"If-None-Match": before}))
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_the_link_header_walks_every_page(loaded: Api) -> None:
    whole = loaded.get(f"{Y}/scores?kind=county&limit=1000").get_json()["items"]
    assert len(whole) >= 2
    seen: list[dict[str, Any]] = []
    url: str | None = f"{Y}/scores?kind=county&limit=1"
    while url is not None:
        response = loaded.get(url)
        assert response.status_code == 200
        page = response.get_json()
        seen += page["items"]
        link = response.headers.get("Link")
        if page["next_cursor"] is None:
            assert link is None
            url = None
        else:
            assert link.startswith("</api/v1/years/2018/scores?") and link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
            assert "kind=county" in url and "limit=1" in url  # the same query, a new cursor
    assert seen == whole
    findings = loaded.get("/api/v1/findings?year=2018&limit=1")
    assert findings.headers["Link"].startswith("</api/v1/findings?year=2018&limit=1&cursor=")


def test_a_request_id_is_echoed_logged_and_in_problem_bodies(api: Api) -> None:
    response = api.client.get("/api/v1/years/1999", headers=api.headers(**{"X-Request-Id": "s-42"}))
    doc = problem(response, 404)
    assert response.headers["X-Request-Id"] == "s-42" and doc["request_id"] == "s-42"
    made = api.client.get("/api/v1/health")
    assert len(made.headers["X-Request-Id"]) == 32  # generated: uuid4 hex
    # Not 1-200 visible ASCII characters: a new id is made.
    for bad in ("a b", "x" * 201, "编号"):
        response = api.client.get("/api/v1/health", headers={"X-Request-Id": bad})
        assert response.headers["X-Request-Id"] != bad


def test_the_request_id_is_in_the_log_lines_of_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app({"database_url": "postgresql://postgres@127.0.0.1:9/none"})
    try:
        with caplog.at_level(logging.ERROR, logger="api"):
            response = app.test_client().get(
                "/api/v1/years",
                headers={"Authorization": "Bearer sst_x", "X-Request-Id": "support-7"},
            )
        assert problem(response, 503)["request_id"] == "support-7"
        lines = [logging.Formatter(LOG_FORMAT).format(r) for r in caplog.records]
        assert lines and all("[request support-7]" in line for line in lines)
    finally:
        app.extensions[EXTENSION].close()


def test_cors_preflight_for_configured_origins_only(db_url: str) -> None:
    for api in make_api(db_url, cors_origins=f"{PORTAL}, https://other.example"):
        preflight = {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = api.client.options(f"{Y}/scores", headers={"Origin": PORTAL, **preflight})
        assert allowed.status_code == 204
        assert allowed.headers["Access-Control-Allow-Origin"] == PORTAL
        assert "GET" in allowed.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
        assert int(allowed.headers["Access-Control-Max-Age"]) > 0
        refused = api.client.options(
            f"{Y}/scores", headers={"Origin": "https://evil.example", **preflight}
        )
        assert not any(h.startswith("Access-Control-") for h, _ in refused.headers.items())
        answer = api.client.get("/api/v1/years", headers=api.headers(Origin=PORTAL))
        assert answer.headers["Access-Control-Allow-Origin"] == PORTAL
        exposed = answer.headers["Access-Control-Expose-Headers"]
        for name in ("ETag", "Link", "X-Request-Id", "Location", "Retry-After"):
            assert name in exposed
        other = api.client.get("/api/v1/years", headers=api.headers(Origin="https://evil.example"))
        assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def test_no_cors_without_configured_origins(api: Api) -> None:
    preflight = {"Origin": PORTAL, "Access-Control-Request-Method": "GET"}
    response = api.client.options(f"{Y}/scores", headers=preflight)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in api.get("/api/v1/years").headers


def test_large_answers_are_gzipped_when_accepted(loaded: Api) -> None:
    plain = loaded.get(f"{Y}/scores")
    assert len(plain.get_data()) >= 1024 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    zipped = loaded.client.get(f"{Y}/scores", headers=loaded.headers(**{"Accept-Encoding": "gzip"}))
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    # Another representation, another strong tag: the plain one with the encoding appended.
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'
    # The compressed variant's tag revalidates too.
    again = loaded.client.get(
        f"{Y}/scores",
        headers=loaded.headers(
            **{"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
        ),
    )
    assert again.status_code == 304 and again.get_data() == b""
    small = loaded.client.get(
        "/api/v1/years", headers=loaded.headers(**{"Accept-Encoding": "gzip"})
    )
    assert "Content-Encoding" not in small.headers  # under 1 KiB
    xlsx = loaded.client.get(
        f"{Y}/scores?format=xlsx", headers=loaded.headers(**{"Accept-Encoding": "gzip"})
    )
    assert xlsx.mimetype == XLSX and "Content-Encoding" not in xlsx.headers  # a zip already


def test_accept_selects_csv_and_xlsx_and_format_wins(loaded: Api) -> None:
    as_csv = loaded.client.get(f"{Y}/scores", headers=loaded.headers(Accept="text/csv"))
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + len(loaded.get(f"{Y}/scores").get_json()["items"])
    assert "Accept" in as_csv.headers["Vary"]
    as_xlsx = loaded.client.get(
        f"{Y}/inspections/2018-G1-07/problems", headers=loaded.headers(Accept=XLSX)
    )
    assert as_xlsx.mimetype == XLSX
    load_workbook(io.BytesIO(as_xlsx.get_data()))
    run = loaded.post(f"{Y}/score-runs", {}).get_json()
    rows_csv = loaded.client.get(
        f"{Y}/score-runs/{run['id']}/rows", headers=loaded.headers(Accept="text/csv;q=0.9")
    )
    assert rows_csv.mimetype == "text/csv"
    wins = loaded.client.get(f"{Y}/scores?format=json", headers=loaded.headers(Accept="text/csv"))
    assert wins.mimetype == "application/json" and json.loads(wins.get_data())["items"]
    either = loaded.client.get(f"{Y}/scores", headers=loaded.headers(Accept="*/*"))
    assert either.mimetype == "application/json"
    # The file routes give the same files.
    routed = loaded.get(f"{Y}/scores.csv")
    assert routed.mimetype == "text/csv" and routed.get_data() == as_csv.get_data()
    octets = loaded.client.get(
        f"{Y}/scores.xlsx", headers=loaded.headers(Accept="application/octet-stream")
    )
    assert octets.mimetype == "application/octet-stream" and octets.get_data()[:2] == b"PK"
    assert problem(loaded.get(f"{Y}/scores.csv?limit=5"), 422)["errors"][0]["pointer"] == "/limit"


def test_repeated_failed_authentication_gets_429(db_url: str) -> None:
    for api in make_api(db_url, auth_failure_limit=3, auth_failure_window_seconds=60):
        wrong = {"Authorization": "Bearer sst_wrong"}
        for _ in range(3):
            problem(api.client.get("/api/v1/years", headers=wrong), 401)
        refused = problem(api.client.get("/api/v1/years", headers=wrong), 429)
        assert refused["type"].endswith("#problem-too-many-failures")
        response = api.client.get("/api/v1/years", headers=api.headers())
        assert response.status_code == 429  # the address, whatever the token
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        # Another address is not held back.
        other = api.client.get(
            "/api/v1/years", headers=api.headers(), environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert other.status_code == 200
        # No token at all is no attempt.
        problem(api.client.get("/api/v1/years", environ_base={"REMOTE_ADDR": "10.0.0.8"}), 401)


def test_failed_authentications_are_forgotten_after_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    import limits.storage.memory
    from limits.storage import MemoryStorage

    import edge.throttle
    from edge.throttle import FailedAuthentications

    now = [1000.0]
    clock = SimpleNamespace(time=lambda: now[0])  # the storage's clock and the counter's
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(edge.throttle, "time", clock)
    counter = FailedAuthentications(MemoryStorage(), "test", 2, 60)
    counter.failed("a")
    now[0] += 30
    counter.failed("a")
    assert counter.retry_after("a") == 30
    assert counter.retry_after("b") is None
    now[0] += 30.5
    assert counter.retry_after("a") is None


def test_failures_counted_in_redis_hold_back_every_app_sharing_it(db_url: str) -> None:
    """Two apps (two workers) on one Redis see each other's failures."""
    import secrets

    import redis

    url = "redis://127.0.0.1:6379"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    wrong = {"Authorization": "Bearer sst_wrong"}
    config = {"auth_failure_limit": 2, "rate_limit_storage": url}
    environ = {"REMOTE_ADDR": address}
    for api in make_api(db_url, **config):
        other = create_app({"database_url": db_url, **config})  # another worker
        try:
            for _ in range(2):
                problem(api.client.get(YEARS, headers=wrong, environ_base=environ), 401)
            held = other.test_client().get(YEARS, headers=api.headers(), environ_base=environ)
            assert problem(held, 429)["type"].endswith("#problem-too-many-failures")
        finally:
            other.extensions[EXTENSION].close()
