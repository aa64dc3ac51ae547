"""`serve`: gunicorn serves the API, as the README's curl guide uses it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from edge.files import XLSX
from scoring_service.cli.http_api import (
    LIMIT_REQUEST_FIELD_SIZE,
    LIMIT_REQUEST_FIELDS,
    LIMIT_REQUEST_LINE,
)
from tests.helpers.bundles import spec_bundle

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_serve_runs_the_api_under_gunicorn(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'served.sqlite'}"
    cli = [sys.executable, "-m", "scoring_service", "--db", db]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORING_")}
    token = subprocess.run(
        [*cli, "tokens", "create", "--name", "office", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, health = call(f"{base}/health")
                break
            except OSError:
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.2)
        assert status == 200 and health["status"] == "up"
        assert call(f"{base}/years")[0] == 401
        status, doc = call(f"{base}/bundles", token, spec_bundle())
        assert status == 201, doc
        status, doc = call(f"{base}/years/2018/score-runs", token, {})
        assert status == 201 and doc["rows"] == {"county": 2, "town": 1, "helping_unit": 1}
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "Starting gunicorn" in output and "Traceback" not in output


@contextmanager
def served(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """gunicorn serving the API on a free port, and an admin token: (port, token)."""
    db = f"sqlite:///{tmp_path / 'served.sqlite'}"
    cli = [sys.executable, "-m", "scoring_service", "--db", db]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORING_")}
    token = subprocess.run(
        [*cli, "tokens", "create", "--name", "office", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                call(f"http://127.0.0.1:{port}/api/v1/health")
                break
            except OSError:
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.2)
        yield port, token
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output


def raw_get(port: int, target: str, headers: dict[str, str]) -> tuple[int, str, bytes, str]:
    """A GET as sent on the wire: status, Content-Type, body and Content-Disposition."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        disposition = response.getheader("Content-Disposition") or ""
        return response.status, response.getheader("Content-Type") or "", body, disposition
    finally:
        connection.close()


def test_served_downloads_of_any_code_and_the_request_size_limits(tmp_path: Path) -> None:
    with served(tmp_path) as (port, token):
        bundle = spec_bundle()
        bundle["inspections"][0]["code"] = "检查-1"
        status, doc = call(f"http://127.0.0.1:{port}/api/v1/bundles", token, bundle)
        assert status == 201, doc
        auth = {"Authorization": f"Bearer {token}"}

        # A download whose name is not ASCII is sent, named both ways (RFC 6266).
        target = f"/api/v1/years/2018/inspections/{quote('检查-1')}/problems?format=xlsx"
        status, kind, body, disposition = raw_get(port, target, auth)
        assert (status, kind) == (200, XLSX) and body.startswith(b"PK")
        assert disposition == (
            "attachment; filename=\"problems-_-1.xlsx\"; filename*=UTF-8''"
            f"{quote('问题清单-检查-1.xlsx', safe='')}"
        )

        # The limits the README gives: within them the API answers, beyond them gunicorn.
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        for limit in (LIMIT_REQUEST_LINE, LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS):
            assert f"{limit:,} " in readme
        years = "/api/v1/years?q="
        fits = years + "x" * (LIMIT_REQUEST_LINE - len(f"GET {years} HTTP/1.1") - 1)
        status, kind, _, _ = raw_get(port, fits, auth)
        assert (status, kind) == (422, "application/problem+json")  # q is no parameter here
        status, _, _, _ = raw_get(port, years + "x" * LIMIT_REQUEST_LINE, auth)
        assert status == 414
        # A header line is counted with its line end.
        header = "x" * (LIMIT_REQUEST_FIELD_SIZE - len("X-Note: \r\n"))
        status, _, _, _ = raw_get(port, "/api/v1/years", {**auth, "X-Note": header})
        assert status == 200
        status, _, _, _ = raw_get(port, "/api/v1/years", {**auth, "X-Note": header + "x"})
        assert status == 431
        many = {f"X-Note-{i}": "x" for i in range(LIMIT_REQUEST_FIELDS)}
        status, _, _, _ = raw_get(port, "/api/v1/years", {**auth, **many})
        assert status == 431
