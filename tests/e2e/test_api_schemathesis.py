"""A bounded property-based run of schemathesis against the served OpenAPI document.

Every operation gets generated requests, valid and invalid for the document, sent to the
app in-process (WSGI) with an admin token, on a database holding the spec's example.
Each response must not be a 5xx and must conform to the document (status, content type,
headers, body schema). A third pass keeps the path on records that exist, so that the
generated queries and bodies reach the code behind the lookups. A hostile pass puts text
people should not be able to store in the generated bodies' and queries' strings: control
characters and noncharacters XML cannot hold, CR and LF, formula starts; then the year's
files (CSV, workbooks, documents) must still be made.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from scoring_service.db import upgrade
from tests.helpers.api import make_api

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# (mode, examples, whether the path names existing records, the token)
HOSTILE = "hostile"
PASSES: list[tuple[GenerationMode | str, int, bool, str]] = [
    (POSITIVE, 12, False, "admin"),
    (NEGATIVE, 6, False, "admin"),
    (POSITIVE, 12, True, "admin"),
    (POSITIVE, 6, True, "county"),  # a token scoped to one county: scopes meet filters
    (HOSTILE, 6, True, "admin"),  # valid requests whose text is hostile
]
# Text no record may hold, or that a spreadsheet would run or split.
HOSTILE_TEXTS = [
    "\ufffe",
    "资金\uffff滞留",
    "\x01\x08\x0b\x0c\x1f",
    "\r=1+2+3",
    'a\r\n=HYPERLINK("http://evil.example")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "＝1+1",
    "\u2028\u2029\x85\x7f",
    "\ud7ff\ue000\U0010ffff",
]
HOSTILE_CHARS = "\x01\x0b\x1b\x1f\ufffe\uffff\r\n\t=+-@＝a县 "
HOSTILE_TEXT = st.sampled_from(HOSTILE_TEXTS) | st.text(
    alphabet=st.sampled_from(HOSTILE_CHARS), min_size=1, max_size=12
)
# The files made from the year's text (a hostile pass may have stored some).
FILES = [
    "/api/v1/years/2018/scores?format=csv",
    "/api/v1/years/2018/scores?format=xlsx",
    "/api/v1/years/2018/inspections/2018-G1-07/problems?format=csv",
    "/api/v1/years/2018/inspections/2018-G1-07/problems?format=xlsx",
    "/api/v1/years/2018/inspections/2018-G1-07/letter",
    "/api/v1/years/2018/documents/ledger",
    "/api/v1/years/2018/documents/archive?quarter=3",
]
# Schema-valid data may still be refused with 422 by the checks of the year's data (an
# unknown unit, a year without a rule set): by design, so that check does not apply.
EXCLUDED = [positive_data_acceptance]
TIME_LIMIT = 300.0  # seconds for the whole run; passes left then are not tried


def known_path(path: str, run_id: int, token_id: int) -> dict[str, Any]:
    """Path parameters naming records of the spec's example bundle."""
    values: dict[str, Any] = {"year": 2018, "run_id": run_id, "token_id": token_id}
    values["helping_unit"], values["village"] = "SZ-NS-001", "441624101201"
    codes = {
        "/units/": "441624",
        "/groups/": "G1",
        "/inspections/": "2018-G1-07",
        "/findings/": "2018-G1-07-02",
    }
    for part, code in codes.items():
        if part in path:
            values["code"] = code
    return values


def _strings(value: Any, *path: str | int) -> list[tuple[str | int, ...]]:
    """The paths of the strings in a JSON value."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() if k != "type" for p in _strings(v, *path, k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _strings(v, *path, i)]
    return []


def _replaced(value: Any, path: tuple[str | int, ...], text: str) -> Any:
    if not path:
        return text
    head, *rest = path
    if isinstance(value, dict):
        return {k: _replaced(v, tuple(rest), text) if k == head else v for k, v in value.items()}
    return [_replaced(v, tuple(rest), text) if i == head else v for i, v in enumerate(value)]


def hostile(strategy: Any) -> Any:
    """Cases of ``strategy`` with some of their body's and query's strings made hostile."""

    def spoil(case: schemathesis.Case) -> Any:
        body = case.body if isinstance(case.body, dict | list) else None
        places = [("body", p) for p in _strings(body)] if body is not None else []
        places += [("query", (k,)) for k, v in (case.query or {}).items() if isinstance(v, str)]
        if not places:
            return st.just(case)
        chosen = st.lists(st.tuples(st.sampled_from(places), HOSTILE_TEXT), min_size=1, max_size=3)

        def apply(changes: list[tuple[tuple[str, tuple[str | int, ...]], str]]) -> Any:
            for (where, path), text in changes:
                if where == "body":
                    case.body = _replaced(case.body, path, text)
                else:
                    case.query = {**(case.query or {}), str(path[0]): text}
            return case

        return chosen.map(apply)

    return strategy.flatmap(spoil)


def checker(
    strategy: Any, count: int, headers: dict[str, str], statuses: Counter[int]
) -> Callable[[], None]:
    """A Hypothesis test sending ``count`` generated requests and validating each answer."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
        statuses[response.status_code] += 1

    result: Callable[[], None] = check
    return result


def test_schemathesis_finds_no_server_error_and_no_nonconforming_response(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'schemathesis.db'}"
    upgrade(url)
    # Its ignored_auth check sends wrong tokens on purpose, all from one address: the brake
    # on failed authentication would answer the rest of the run with 429.
    for api in make_api(url, auth_failure_limit=1_000_000):
        api.load()
        run_id = api.post("/api/v1/years/2018/score-runs", {}).get_json()["id"]
        throwaway = api.post("/api/v1/tokens", {"name": "throwaway", "role": "reader"})
        token_id = throwaway.get_json()["id"]
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api.app)
        api.token("county", "inspector", ["441624"])
        started = time.monotonic()
        failures: list[str] = []
        statuses: Counter[int] = Counter()
        tried = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            names = {p.name for p in operation.path_parameters}
            for mode, count, known, who in PASSES:
                if time.monotonic() - started > TIME_LIMIT:
                    break
                if known and not names and mode != HOSTILE:
                    continue
                fixed = {
                    k: v
                    for k, v in known_path(operation.path, run_id, token_id).items()
                    if k in names
                }
                if not known:
                    # Never revoke the admin token of the run: DELETE names the throwaway.
                    fixed = (
                        {"token_id": token_id} if "token_id" in fixed and mode is POSITIVE else {}
                    )
                strategy = operation.as_strategy(
                    generation_mode=POSITIVE if mode == HOSTILE else mode,
                    path_parameters=fixed or None,
                )
                if mode == HOSTILE:
                    strategy = hostile(strategy)

                # Called in-process (WSGI), schemathesis reads bodies as sent: ask for them
                # uncompressed, as it cannot undo gzip the way an HTTP client does.
                headers = api.headers(who, **{"Accept-Encoding": "identity"})
                check = checker(strategy, count, headers, statuses)
                try:
                    check()
                except Unsatisfiable:
                    pass  # no invalid request exists (an operation without parameters)
                except Exception as error:  # collect every operation's failure, then report
                    label = mode if isinstance(mode, str) else mode.value
                    failures.append(f"{operation.label} [{label}, {known=}, {who}]: {error}")
                tried += 1
        made = {url: api.get(url).status_code for url in FILES}
        failures += [f"GET {url}: {status}" for url, status in made.items() if status >= 500]
        elapsed = time.monotonic() - started
        print(f"schemathesis: {tried} runs in {elapsed:.0f} s, statuses {dict(statuses)}")
        assert elapsed < TIME_LIMIT, "the run hit its time limit before every operation"
        if failures:
            pytest.fail("\n\n".join(failures))
        assert statuses[200] and statuses[201] and statuses[422] and statuses[404]
