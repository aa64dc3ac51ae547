"""The HTTP API under load: ``python -m scoring_service serve`` (gunicorn) on a loopback port.

Every series is bounded in count and time and sends requests to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, YEAR, child_env, cli, plain_connection, say
from benchmarks.report import Figure

WARM_UP = 16  # unmeasured API requests before each measured series


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str, log: Path, workers: int = 2, threads: int = 4) -> Iterator[int]:
    """``python -m scoring_service serve`` on a free loopback port; stopped on exit."""
    port = _free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scoring_service",
                "--db",
                url,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the API server stopped; see {log}")
            try:
                status, _ = _request(port, "GET", "/api/v1/health", None, None)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not answer within 60 s; see {log}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()  # gunicorn stops its workers on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _request(
    port: int, method: str, path: str, token: str | None, body: dict[str, Any] | None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        return _send(connection, method, path, token, body)
    finally:
        connection.close()


def _send(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str | None,
    body: dict[str, Any] | None,
) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


@dataclass
class LoadResult:
    latencies_ms: list[float]
    seconds: float
    errors: int
    first_error: str = ""

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(
    port: int,
    requests: Callable[[int], tuple[str, str, dict[str, Any] | None]],
    token: str,
    *,
    count: int,
    seconds: float,
    clients: int,
    expect: int,
) -> LoadResult:
    """``count`` requests (at most ``seconds``) from ``clients`` keep-alive connections."""
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def client() -> None:
        nonlocal issued
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            while True:
                with lock:
                    if issued >= count or time.monotonic() > stop_at:
                        return
                    n = issued
                    issued += 1
                method, path, body = requests(n)
                start = time.perf_counter()
                try:
                    status, text = _send(connection, method, path, token, body)
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    with lock:
                        errors.append(f"{method} {path}: {exc!r}")
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    if status == expect:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"{method} {path}: {status} {text[:300]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return LoadResult(latencies, wall, len(errors), errors[0] if errors else "")


def _major_findings(url: str, limit: int) -> list[str]:
    connection = plain_connection(url)
    try:
        rows = connection.execute(
            f"SELECT code FROM findings WHERE year = {YEAR} AND severity = 'major' "
            f"ORDER BY code LIMIT {limit}"
        ).fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


def _unrectified(url: str, limit: int) -> list[tuple[str, str]]:
    """Findings not rectified by their last event, each with the day a rectification can be
    recorded on (the year's last day, or its last event's when later)."""
    connection = plain_connection(url)
    try:
        rows = connection.execute(
            "SELECT t.finding, MAX(e.date) FROM finding_timelines t "
            "JOIN events e ON e.year = t.year AND e.finding = t.finding "
            f"WHERE t.year = {YEAR} AND t.valid_until IS NULL AND t.completed_on IS NULL "
            f"GROUP BY t.finding ORDER BY t.finding LIMIT {limit}"
        ).fetchall()
    finally:
        connection.close()
    last = f"{YEAR}-12-31"
    return [(code, max(str(day), last)) for code, day in rows]


def _scored_units(url: str, count: int) -> list[str]:
    """``count`` units of the year's scored kinds (as its shipped rule set names them),
    spread evenly over their codes."""
    from scoring_service.config import REPO_RULES_DIR, FileRuleSource

    kinds = ", ".join(
        f"'{k.value}'" for k in FileRuleSource(REPO_RULES_DIR).current(YEAR).scored_kinds
    )
    connection = plain_connection(url)
    try:
        rows = connection.execute(
            f"SELECT code FROM units WHERE year = {YEAR} AND kind IN ({kinds}) ORDER BY code"
        ).fetchall()
    finally:
        connection.close()
    step = max(1, len(rows) // count)
    return [row[0] for row in rows[::step]][:count]


def bench_api(
    url: str,
    workdir: Path,
    *,
    explain: str,
    count: int,
    seconds: float,
    clients: int,
    repeat: int,
    series: Sequence[str] = ("get", "explain", "post"),
) -> list[Figure]:
    """GET a page of 100 score rows, GET explanations at any date (of ``explain`` and 99
    other scored units), then POST events (escalations of major findings and rectifications
    of open ones, in turn), on gunicorn (those of ``series``: get, explain, post).

    Each series of ``count`` requests runs ``repeat`` times; p50, p99 and throughput are
    taken per series, so they get a range like the other figures.
    """
    token = json.loads(
        cli(url, "tokens", "create", "--name", "bench", "--role", "admin", "--format", "json")
    )["token"]
    findings = _major_findings(url, 500)
    if not findings:
        raise RuntimeError("no major finding to post events on")
    scores = f"/api/v1/years/{YEAR}/scores?limit=100"

    def get(n: int) -> tuple[str, str, None]:
        return "GET", scores, None

    units = [explain, *_scored_units(url, 99)]

    def explanation(n: int) -> tuple[str, str, None]:
        # A unit of a hundred (one the unit with most findings) at a date of 365, each
        # pair once in the series: no stored run is at that date, so the rank is
        # computed, and no answer is remembered.
        day = date(YEAR, 1, 1) + timedelta(days=(n * 37) % 365)
        unit = units[n % len(units)]
        path = f"/api/v1/years/{YEAR}/units/{unit}/explanation?as_of={day.isoformat()}"
        return "GET", path, None

    open_findings = _unrectified(url, count * repeat + WARM_UP)

    def post(n: int) -> tuple[str, str, dict[str, Any]]:
        # Every other event a rectification, which changes the counts (and the standings
        # kept from them) of every unit its finding counts for; each finding once (a small
        # year runs out of them: escalations then).
        if n % 2 and n // 2 < len(open_findings):
            code, day = open_findings[n // 2]
            body = {"type": "rectified", "date": day, "note": f"bench {n}"}
        else:
            code = findings[n % len(findings)]
            body = {"type": "escalated", "date": f"{YEAR}-12-31", "note": f"bench {n}"}
        return "POST", f"/api/v1/findings/{code}/events?year={YEAR}", body

    results: dict[str, list[LoadResult]] = {"get": [], "explain": [], "post": []}
    with served(url, workdir / "api.log") as port:
        # GETs first: every POST changes the data revision, after which the scores are
        # computed on each request instead of read from the stored run.
        steps = (("get", get, 200), ("explain", explanation, 200), ("post", post, 201))
        for name, requests, expect in steps:
            if name not in series:
                continue
            # Unmeasured requests first: each worker thread's first request loads the rule
            # set and opens its database connection.
            done = WARM_UP
            load(port, requests, token, count=done, seconds=seconds, clients=clients, expect=expect)
            for _ in range(repeat):
                result = load(
                    port,
                    lambda n, r=requests, d=done: r(d + n),
                    token,
                    count=count,
                    seconds=seconds,
                    clients=clients,
                    expect=expect,
                )
                results[name].append(result)
                done += count
    figures: list[Figure] = []
    # The production server's targets (spec of the workbench): PostgreSQL for the pages.
    page_target = 50.0 if url.startswith("postgresql") else None
    # Events with 4 writers: SQLite serialises its writers, PostgreSQL does not.
    post_target = 100.0 if url.startswith("postgresql") else 200.0
    for label, name, p50_target, target in (
        ("API GET 100 score rows", "get", None, page_target),
        ("API GET explanation, any date", "explain", 50.0, 150.0),
        ("API POST event", "post", None, post_target),
    ):
        if name not in series:
            continue
        runs = results[name]
        errors = sum(r.errors for r in runs)
        if errors:
            first = next(r.first_error for r in runs if r.errors)
            say(f"{label}: {errors} errors; first: {first}")
        sizes = sorted({len(r.latencies_ms) for r in runs})
        note = f"{len(runs)} x {'/'.join(map(str, sizes))} requests, {clients} clients"
        if errors:
            note += f", {errors} errors"
        p50 = [r.pct(0.50) for r in runs]
        p99 = [r.pct(0.99) for r in runs]
        figures += [
            Figure(
                f"{label} p50",
                "ms",
                p50,
                targets=[(f"< {p50_target:g} ms", statistics.median(p50) < p50_target)]
                if p50_target
                else [],
                note=note,
            ),
            Figure(
                f"{label} p99",
                "ms",
                p99,
                targets=[(f"< {target:g} ms", statistics.median(p99) < target)] if target else [],
            ),
            Figure(f"{label} throughput", "req/s", [r.rps for r in runs]),
        ]
    return figures
