"""`serve`: gunicorn serves the API, as the README's curl guide uses it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

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
