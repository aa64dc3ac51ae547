"""Benchmarks at city to province scale, each beside the floor it could at best reach.

    .venv/bin/python benchmarks/run.py [--scales 1,10,50] [--backends sqlite,postgresql]
                                       [--quick] [--repeat N] [--no-api] [--json FILE]

For each scale and backend it generates a bundle (``python -m scoring_service synth``),
then measures, each in a child process of its own so peak memory is that step's alone:

- import: ``import_bundle`` of the file into an empty database; the floor is ``json.load``
  of the same file plus a plain ``executemany`` of the same rows (units, pairings, groups,
  inspections, samples, findings, responsible units, events) into bare tables (no keys,
  no indexes) on the same backend;
- score run: ``score_year`` (load, metrics, rules, caps, grades, ranks, stored run), timed
  inside the process (not the interpreter's start); the floor is one SQL GROUP BY counting
  each unit's findings with and without a rectified event, on the stored data;
- durable_rules alone: ``DurableRulesEngine.evaluate`` over the year's metric values;
- explain of the unit with the most findings;
- the HTTP API under load on 127.0.0.1, served by ``python -m scoring_service serve``
  (gunicorn): GET a page of 100 score rows, POST an event; bounded in count and time.

Figures are the median of the repeats with their range (min-max); "x floor" divides the
medians. Targets apply at scale 50: ratios and API latencies are judged on medians, the
score run's time and peak memory on the worst repeat. Nothing here asserts a time: the
output is a table for people to read.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: the project's packages are one level up

from scoring_service.access.roles import command_line  # noqa: E402  (after the path is set)
from scoring_service.unit_of_work import UnitOfWork  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"
YEAR = 2018
TARGET_SCALE = 50.0
MIB = 1024 * 1024
WARM_UP = 16  # unmeasured API requests before each measured series


# --- the children: one measured step each, a JSON line on stdout ---------------------------


def _peak_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _service(url: str) -> tuple[Any, Any]:
    """A session factory and the shipped rule files' source on ``url``, schema up to date."""
    from scoring_service import db
    from scoring_service.config import REPO_RULES_DIR, FileRuleSource, normalise_url

    url = normalise_url(url)
    db.upgrade(url)
    return db.make_session_factory(db.make_engine(url)), FileRuleSource(REPO_RULES_DIR)


def child_import(url: str, bundle: Path) -> dict[str, Any]:
    """Read the bundle file and import it into an empty database."""
    from scoring_service.services import import_bundle

    factory, rules = _service(url)
    rules.current(YEAR)  # the rule files are read once per process, not per import
    start = time.perf_counter()
    summary = import_bundle(UnitOfWork(factory, rules, None, command_line()), bundle.read_bytes())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "findings": summary.findings, "peak_mib": _peak_mib()}


def child_score(url: str) -> dict[str, Any]:
    """A stored score run; then, apart, its load and assess steps and the rule engine alone."""
    from scoring_service.db import repository as repo
    from scoring_service.domain.assessment import assess
    from scoring_service.engine import DurableRulesEngine
    from scoring_service.gc_pause import gc_paused
    from scoring_service.services import score_year

    factory, rules = _service(url)
    ruleset = rules.current(YEAR)
    engine = DurableRulesEngine()
    start = time.perf_counter()
    run = score_year(UnitOfWork(factory, rules, engine, command_line()), YEAR)
    seconds = time.perf_counter() - start
    peak = _peak_mib()
    del run
    # The steps apart, as compute() runs them (after the peak was read).
    with gc_paused():
        start = time.perf_counter()
        with factory() as session:
            data = repo.load_year(session, YEAR)
        load_s = time.perf_counter() - start
        assert data is not None
        start = time.perf_counter()
        assessment = assess(data, ruleset, ruleset.cutoff, engine)
        assess_s = time.perf_counter() - start
        values = [r.metrics.values() for r in assessment.results]
        start = time.perf_counter()
        engine.evaluate(ruleset, values)
        rules_s = time.perf_counter() - start
    from scoring_service.engine.durable_compile import compile_ruleset
    from scoring_service.engine.port import group_inputs

    _, distinct = group_inputs(values, compile_ruleset(ruleset).metrics)
    return {
        "seconds": seconds,
        "peak_mib": peak,
        "load_s": load_s,
        "assess_s": assess_s,
        "units": len(values),
        "distinct": len(distinct),
        "rules_s": rules_s,
    }


def child_explain(url: str) -> dict[str, Any]:
    """Explain the unit that counts the most findings (in the latest stored run)."""
    from scoring_service.db import repository as repo
    from scoring_service.engine import DurableRulesEngine
    from scoring_service.services import explain_unit

    factory, rules = _service(url)
    with factory() as session:
        run = repo.latest_score_run(session, YEAR)
    assert run is not None, "score the year before explaining"
    unit = max(run["rows"], key=lambda r: (r["metrics"]["findings"], r["unit"]))["unit"]
    del run
    start = time.perf_counter()
    doc = explain_unit(UnitOfWork(factory, rules, DurableRulesEngine(), command_line()), YEAR, unit)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "unit": unit, "findings": len(doc.get("findings", ()))}


def _driver(url: str) -> Any:
    """A plain DB-API connection (sqlite3 or psycopg) to ``url``."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


# Bare tables for every row a bundle import stores: no keys, no indexes, no constraints.
_FLOOR_TABLES = {
    "units": "code text, name text, kind text, parent text, village_type text",
    "pairings": "helping_unit text, village text",
    "groups": "code text, name text, leader text",
    "group_counties": "group_code text, county text",
    "inspections": (
        "code text, group_code text, county text, start_date date, end_date date, letter_date date"
    ),
    "sample_towns": "inspection text, town text",
    "sample_villages": "inspection text, village text",
    "sample_households": "inspection text, code text, village text, status text",
    "findings": (
        "code text, inspection text, unit text, criterion text, severity text, "
        "description text, deadline date, found_on date"
    ),
    "finding_responsible": "finding text, unit text",
    "events": (
        'finding text, type text, date date, new_deadline date, reason text, note text, "to" text'
    ),
}


def _floor_rows(doc: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each bare table, read straight from the parsed JSON."""
    inspections = doc.get("inspections", [])
    samples = [(i["code"], i.get("sample") or {}) for i in inspections]
    findings = [(i, f) for i in inspections for f in i.get("findings", [])]
    return {
        "units": [
            (u["code"], u["name"], u["kind"], u.get("parent"), u.get("village_type"))
            for u in doc["units"]
        ],
        "pairings": [(p["helping_unit"], p["village"]) for p in doc.get("pairings", [])],
        "groups": [(g["code"], g["name"], g["leader"]) for g in doc.get("groups", [])],
        "group_counties": [(g["code"], c) for g in doc.get("groups", []) for c in g["counties"]],
        "inspections": [
            (
                i["code"],
                i["group"],
                i["county"],
                i["start_date"],
                i["end_date"],
                i.get("letter_date"),
            )
            for i in inspections
        ],
        "sample_towns": [(code, t) for code, s in samples for t in s.get("towns", [])],
        "sample_villages": [(code, v) for code, s in samples for v in s.get("villages", [])],
        "sample_households": [
            (code, h["code"], h["village"], h["status"])
            for code, s in samples
            for h in s.get("households", [])
        ],
        "findings": [
            (
                f["code"],
                i["code"],
                f["unit"],
                f["criterion"],
                f["severity"],
                f["description"],
                f["deadline"],
                i["end_date"],
            )
            for i, f in findings
        ],
        "finding_responsible": [
            (f["code"], unit) for _, f in findings for unit in f.get("responsible", [])
        ],
        "events": [
            (
                e["finding"],
                e["type"],
                e["date"],
                e.get("new_deadline"),
                e.get("reason"),
                e.get("note"),
                e.get("to"),
            )
            for e in doc.get("events", [])
        ],
    }


def child_floor_import(url: str, bundle: Path) -> dict[str, Any]:
    """``json.load`` of the bundle, then plain executemany of its rows into bare tables."""
    mark = "?" if url.startswith("sqlite") else "%s"
    connection = _driver(url)
    for name in _FLOOR_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS floor_{name}")
    connection.commit()
    start = time.perf_counter()
    with bundle.open("rb") as f:
        doc = json.load(f)
    parsed = time.perf_counter() - start
    rows = _floor_rows(doc)
    cursor = connection.cursor()
    for name, columns in _FLOOR_TABLES.items():
        cursor.execute(f"CREATE TABLE floor_{name} ({columns})")
        if rows[name]:
            marks = ", ".join(mark for _ in columns.split(","))
            cursor.executemany(f"INSERT INTO floor_{name} VALUES ({marks})", rows[name])
    connection.commit()
    seconds = time.perf_counter() - start
    for name in _FLOOR_TABLES:
        connection.execute(f"DROP TABLE floor_{name}")
    connection.commit()
    connection.close()
    return {"seconds": seconds, "json_s": parsed, "peak_mib": _peak_mib()}


FLOOR_SCORE_SQL = """
SELECT f.unit,
       EXISTS (SELECT 1 FROM events e
               WHERE e.year = f.year AND e.finding = f.code AND e.type = 'rectified') AS rectified,
       count(*)
FROM findings f
WHERE f.year = {year}
GROUP BY 1, 2
"""


def child_floor_score(url: str, repeat: int) -> dict[str, Any]:
    """The GROUP BY that counts each unit's findings with and without a rectified event."""
    connection = _driver(url)
    sql = FLOOR_SCORE_SQL.format(year=YEAR)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = connection.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    connection.close()
    return {"times": times, "rows": len(rows)}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "import": child_import,
    "score": child_score,
    "explain": child_explain,
    "floor-import": child_floor_import,
    "floor-score": child_floor_score,
}


def run_child(argv: Sequence[str]) -> None:
    """``run.py --child NAME URL [ARG]``: run one step and print its figures as JSON."""
    name, url, *rest = argv
    args: list[Any] = [url]
    if name in ("import", "floor-import"):
        args.append(Path(rest[0]))
    elif name == "floor-score":
        args.append(int(rest[0]))
    print(json.dumps(CHILDREN[name](*args)))


# --- the parent: databases, children, the API, the table -----------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("SCORING_DATABASE_URL", None)
    return env


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def spawn(name: str, url: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run one child step and return its figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, url, *args]
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {name} step failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Backend:
    """A database to benchmark on, emptied before each import."""

    name: str
    url: str

    def reset(self) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, folder: Path, scale: float) -> None:
        self.path = folder / f"bench-{scale:g}.sqlite"
        self.url = f"sqlite:///{self.path}"

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def version(self) -> str:
        import sqlite3

        return sqlite3.sqlite_version


class PostgresBackend(Backend):
    """The benchmark's own database (created when missing); its public schema is rebuilt."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._created = False

    def _ensure_database(self) -> None:
        import psycopg
        from psycopg import sql

        if self._created:
            return
        base, _, dbname = self.url.rpartition("/")
        dbname = dbname.split("?")[0]
        if dbname in ("test", "postgres", ""):
            raise SystemExit(f"refusing to benchmark in the {dbname or 'default'} database")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            if found.fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        self._created = True

    def reset(self) -> None:
        import psycopg

        self._ensure_database()
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
            connection.execute("CREATE SCHEMA public")

    def version(self) -> str:
        import psycopg

        self._ensure_database()
        with psycopg.connect(self.url) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"


@dataclass
class Figure:
    """One measured quantity: its samples, and its floor's when it has one."""

    measure: str
    unit: str
    samples: list[float]
    floor: list[float] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)  # (target, met), scale 50
    note: str = ""
    ratio: bool = True  # print the value's median over the floor's (times, not rates)


@dataclass
class Section:
    scale: float
    backend: str
    findings: int = 0
    figures: list[Figure] = field(default_factory=list)


def _fmt(value: float) -> str:
    """Three significant figures, thousands separated."""
    if value != value:  # NaN: nothing measured
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:#.3g}".rstrip(".")


def _span(samples: Sequence[float]) -> str:
    """Median, and the range when there is more than one sample."""
    if not samples:
        return "-"
    mid = statistics.median(samples)
    if len(samples) == 1:
        return _fmt(mid)
    return f"{_fmt(mid)} ({_fmt(min(samples))}-{_fmt(max(samples))})"


def _ratio(figure: Figure) -> str:
    if not figure.ratio or not figure.samples or not figure.floor:
        return ""
    return f"{statistics.median(figure.samples) / statistics.median(figure.floor):.2f}x"


def render(sections: Sequence[Section]) -> str:
    """One table: a row per measure, scale and backend."""
    header = (
        "scale",
        "backend",
        "measure",
        "unit",
        "median (range)",
        "floor",
        "x floor",
        "target",
        "note",
    )
    lines: list[tuple[str, ...]] = [header]
    for s in sections:
        for f in s.figures:
            target = "; ".join(f"{t}: {'ok' if met else 'MISSED'}" for t, met in f.targets)
            lines.append(
                (
                    f"{s.scale:g}",
                    s.backend,
                    f.measure,
                    f.unit,
                    _span(f.samples),
                    _span(f.floor),
                    _ratio(f),
                    target,
                    f.note,
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {4, 5, 6}
    out = []
    for n, line in enumerate(lines):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


# --- the API under load ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scoring_service", "--db", url, *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scoring_service {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


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
            env=_env(),
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
    connection = _driver(url)
    try:
        rows = connection.execute(
            f"SELECT code FROM findings WHERE year = {YEAR} AND severity = 'major' "
            f"ORDER BY code LIMIT {limit}"
        ).fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


def bench_api(
    url: str, workdir: Path, *, count: int, seconds: float, clients: int, repeat: int
) -> list[Figure]:
    """GET a page of 100 score rows, then POST escalations of major findings, on gunicorn.

    Each series of ``count`` requests runs ``repeat`` times; p50, p99 and throughput are
    taken per series, so they get a range like the other figures.
    """
    token = json.loads(
        _cli(url, "tokens", "create", "--name", "bench", "--role", "admin", "--format", "json")
    )["token"]
    findings = _major_findings(url, 500)
    if not findings:
        raise RuntimeError("no major finding to post events on")
    scores = f"/api/v1/years/{YEAR}/scores?limit=100"

    def get(n: int) -> tuple[str, str, None]:
        return "GET", scores, None

    def post(n: int) -> tuple[str, str, dict[str, Any]]:
        code = findings[n % len(findings)]
        body = {"type": "escalated", "date": f"{YEAR}-12-31", "note": f"bench {n}"}
        return "POST", f"/api/v1/findings/{code}/events?year={YEAR}", body

    series: dict[str, list[LoadResult]] = {"get": [], "post": []}
    with served(url, workdir / "api.log") as port:
        # GETs first: every POST changes the data revision, after which the scores are
        # computed on each request instead of read from the stored run.
        for name, requests, expect in (("get", get, 200), ("post", post, 201)):
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
                series[name].append(result)
                done += count
    figures: list[Figure] = []
    for label, results, target in (
        ("API GET 100 score rows", series["get"], 100.0),
        ("API POST event", series["post"], None),
    ):
        errors = sum(r.errors for r in results)
        if errors:
            first = next(r.first_error for r in results if r.errors)
            _say(f"{label}: {errors} errors; first: {first}")
        sizes = sorted({len(r.latencies_ms) for r in results})
        note = f"{len(results)} x {'/'.join(map(str, sizes))} requests, {clients} clients"
        if errors:
            note += f", {errors} errors"
        p99 = [r.pct(0.99) for r in results]
        figures += [
            Figure(f"{label} p50", "ms", [r.pct(0.50) for r in results], note=note),
            Figure(
                f"{label} p99",
                "ms",
                p99,
                targets=[(f"< {target:g} ms", statistics.median(p99) < target)] if target else [],
            ),
            Figure(f"{label} throughput", "req/s", [r.rps for r in results]),
        ]
    return figures


# --- one scale on one backend --------------------------------------------------------------


def bench(
    scale: float, backend: Backend, bundle: Path, workdir: Path, options: argparse.Namespace
) -> Section:
    """Every figure of one scale on one backend."""
    section = Section(scale, backend.name)
    at_target = scale >= TARGET_SCALE
    repeat = options.repeat

    imports, floors = [], []
    for n in range(repeat):
        _say(f"  import {n + 1}/{repeat}")
        backend.reset()
        imports.append(spawn("import", backend.url, str(bundle)))
        floors.append(spawn("floor-import", backend.url, str(bundle)))
    section.findings = imports[0]["findings"]
    import_s = [r["seconds"] for r in imports]
    floor_s = [r["seconds"] for r in floors]
    ratio = statistics.median(import_s) / statistics.median(floor_s)
    section.figures += [
        Figure(
            "import",
            "s",
            import_s,
            floor_s,
            targets=[("<= 3x floor", ratio <= 3)] if at_target else [],
            note=f"floor's json.load: {_fmt(statistics.median(r['json_s'] for r in floors))} s",
        ),
        Figure(
            "import",
            "findings/s",
            [section.findings / s for s in import_s],
            [section.findings / s for s in floor_s],
            ratio=False,
        ),
        Figure(
            "import peak memory",
            "MiB",
            [r["peak_mib"] for r in imports],
            [r["peak_mib"] for r in floors],
            targets=[("< 1 GiB", max(r["peak_mib"] for r in imports) < 1024)] if at_target else [],
            ratio=False,
        ),
    ]

    scores = []
    for n in range(repeat):
        _say(f"  score {n + 1}/{repeat}")
        scores.append(spawn("score", backend.url))
    floor = spawn("floor-score", backend.url, str(max(3, repeat)))
    score_s = [r["seconds"] for r in scores]
    ratio = statistics.median(score_s) / statistics.median(floor["times"])
    last = scores[-1]
    section.figures += [
        Figure(
            "score run",
            "s",
            score_s,
            floor["times"],
            targets=[("<= 3x floor", ratio <= 3), ("< 10 s", max(score_s) < 10)]
            if at_target
            else [],
        ),
        Figure("  of which load_year", "s", [r["load_s"] for r in scores], note="measured apart"),
        Figure("  of which assess", "s", [r["assess_s"] for r in scores], note="measured apart"),
        Figure(
            "durable_rules alone",
            "units/s",
            [r["units"] / r["rules_s"] for r in scores],
            note=f"{last['units']:,} units, {last['distinct']:,} distinct metric sets",
        ),
        Figure(
            "score peak memory",
            "MiB",
            [r["peak_mib"] for r in scores],
            targets=[("< 1 GiB", max(r["peak_mib"] for r in scores) < 1024)] if at_target else [],
        ),
    ]

    explains = []
    for n in range(repeat):
        _say(f"  explain {n + 1}/{repeat}")
        explains.append(spawn("explain", backend.url))
    section.figures.append(
        Figure(
            "explain (unit with most findings)",
            "ms",
            [r["seconds"] * 1000 for r in explains],
            note=f"unit {explains[0]['unit']}, {explains[0]['findings']:,} findings",
        )
    )

    if options.api:
        _say("  API")
        figures = bench_api(
            backend.url,
            workdir,
            count=options.api_requests,
            seconds=options.api_seconds,
            clients=options.api_clients,
            repeat=options.repeat,
        )
        if not at_target:
            for f in figures:
                f.targets = []
        section.figures += figures
    return section


def make_bundle(scale: float, seed: int, workdir: Path) -> Path:
    """The bundle of the scale, written by the ``synth`` command (kept in ``workdir``)."""
    path = workdir / f"bundle-{YEAR}-{scale:g}-{seed}.json"
    if not path.exists():
        _say(f"generating scale {scale:g}")
        part = path.with_suffix(".part")
        _cli(
            "sqlite://",
            "synth",
            "--year",
            str(YEAR),
            "--scale",
            f"{scale:g}",
            "--seed",
            str(seed),
            "-o",
            str(part),
        )
        part.rename(path)
    return path


def machine(backends: Sequence[Backend]) -> str:
    """nproc, CPU, RAM, Python and the databases' versions."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kib / MIB:.0f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    versions = ", ".join(f"{b.name} {b.version()}" for b in backends)
    load1, load5, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, Python {sys.version.split()[0]}, {versions}; "
        f"load average {load1:.1f} (1 min), {load5:.1f} (5 min) at the start"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,50", help="comma-separated (default 1,10,50)")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="sqlite and/or postgresql (default both)"
    )
    parser.add_argument("--quick", action="store_true", help="one repeat, a short API load")
    parser.add_argument("--repeat", type=int, help="repeats of each step (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-api", dest="api", action="store_false", help="skip the API load")
    parser.add_argument(
        "--api-requests",
        type=int,
        help="requests per series (default 400, quick 40); each series runs --repeat times",
    )
    parser.add_argument("--api-seconds", type=float, help="time limit per series (default 30)")
    parser.add_argument("--api-clients", type=int, default=4, help="concurrent connections")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SCORING_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the benchmark's own PostgreSQL database, created when missing "
        f"(default $SCORING_BENCH_POSTGRES_URL or {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--workdir", type=Path, help="keep bundles and SQLite files here")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    options = parser.parse_args(argv)
    options.repeat = options.repeat or (1 if options.quick else 3)
    options.api_requests = options.api_requests or (40 if options.quick else 400)
    options.api_seconds = options.api_seconds or (10.0 if options.quick else 30.0)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        run_child(argv[1:])
        return 0
    options = parse_args(argv)
    scales = [float(s) for s in options.scales.split(",") if s.strip()]
    names = [b.strip() for b in options.backends.split(",") if b.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="scoring-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = PostgresBackend(options.postgres_url) if "postgresql" in names else None
    sections: list[Section] = []
    started = time.perf_counter()
    try:
        header = machine([SqliteBackend(workdir, 0)] + ([postgres] if postgres else []))
        for scale in scales:
            bundle = make_bundle(scale, options.seed, workdir)
            for name in names:
                backend = SqliteBackend(workdir, scale) if name == "sqlite" else postgres
                assert backend is not None
                _say(f"scale {scale:g} on {name}")
                sections.append(bench(scale, backend, bundle, workdir, options))
    finally:
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"Benchmarks, year {YEAR}, seed {options.seed}, {options.repeat} repeat(s): {header}")
    print(
        "findings: "
        + ", ".join(
            f"scale {s.scale:g} {s.findings:,}"
            for s in sections
            if s.backend == sections[0].backend
        )
    )
    print()
    print(render(sections))
    print()
    print(f"done in {time.perf_counter() - started:.0f} s")
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "machine": header,
                    "sections": [
                        {
                            "scale": s.scale,
                            "backend": s.backend,
                            "findings": s.findings,
                            "figures": [f.__dict__ for f in s.figures],
                        }
                        for s in sections
                    ],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
