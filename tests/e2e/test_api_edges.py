"""Odd input at the HTTP edge gets a bounded, clear problem: never a 500, never a token in a URL."""

from __future__ import annotations

import io

from scoring_service.cli import main
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.routes import OTHER_DIGITS, odd_paths

Y = "/api/v1/years/2018"
DEEP = "[" * 5000 + "]" * 5000


def test_json_nested_too_deep_with_an_idempotency_key_is_a_400(loaded: Api) -> None:
    for path, who in ((f"{Y}/score-runs", "assessor"), (f"{Y}/units", "admin")):
        headers = loaded.headers(who, **{"Idempotency-Key": "deep-1"})
        response = loaded.client.post(
            path, data=DEEP, headers=headers, content_type="application/json"
        )
        doc = problem(response, 400)
        assert "not well-formed JSON" in doc["detail"]
        # A retry gets the same answer, and the key still works for what it was meant for.
        again = loaded.client.post(
            path, data=DEEP, headers=headers, content_type="application/json"
        )
        assert problem(again, 400) == doc


def test_ids_in_other_digits_are_not_found_or_refused(loaded: Api) -> None:
    superscript_one = "%C2%B9"  # "¹": str.isdigit() says yes, int() cannot read it
    for path in (
        f"/api/v1/rulesets/2018/drafts/{superscript_one}",
        f"/api/v1/rulesets/2018/drafts/{superscript_one}/tests",
        f"/api/v1/rulesets/2018/drafts/{superscript_one}/diff",
        f"/api/v1/years/{superscript_one}",
        f"{Y}/score-runs/{superscript_one}",
    ):
        problem(loaded.get(path), 404)
    doc = problem(loaded.get(f"/api/v1/rulesets/2018/versions/{superscript_one}"), 422)
    assert "give its number or at least 8 digits of its hash" in doc["detail"]
    response = loaded.post(
        f"/api/v1/rulesets/2018/drafts/{superscript_one}/publish", {"note": "x"}, who="admin"
    )
    problem(response, 404)
    problem(loaded.delete(f"/api/v1/tokens/{superscript_one}"), 404)
    doc = problem(loaded.get(f"{Y}/units?limit={superscript_one}"), 422)
    assert doc["errors"][0]["pointer"] == "/limit"


def test_every_id_in_other_digits_is_not_found(loaded: Api) -> None:
    tried = 0
    for method, path in odd_paths(loaded.app, "/api/"):
        response = loaded.client.open(path, method=method, headers=loaded.headers("admin"))
        assert response.status_code == 404, (method, path, response.status_code)
        problem(response, 404)
        tried += 1
    assert tried > 100


def test_numbers_of_a_query_in_other_digits_are_refused_by_name(loaded: Api) -> None:
    for query in ("limit", "year"):
        for digits in OTHER_DIGITS:
            response = loaded.get(f"/api/v1/findings?year=2018&{query}={digits}")
            doc = problem(response, 422)
            assert [e["pointer"] for e in doc["errors"]] == [f"/{query}"], (query, digits)
    for path in ("documents/monthly?month=", "documents/archive?quarter="):
        doc = problem(loaded.get(f"{Y}/{path}１", who="admin"), 422)
        assert [e["pointer"] for e in doc["errors"]] == [f"/{path.split('=')[0].split('?')[1]}"]


def test_revoking_a_token_by_an_odd_number_names_it_not_found(db_url: str) -> None:
    for ref in ("¹", "99999999999999999999"):
        out, err = io.StringIO(), io.StringIO()
        code = main(["--db", db_url, "tokens", "revoke", ref], out=out, err=err)
        assert (code, err.getvalue()) == (1, f"error: no live token {ref!r}\n")


def test_a_token_in_the_query_string_is_refused_and_never_used(loaded: Api) -> None:
    secret = loaded.tokens["admin"]
    for url, headers in (
        (f"/api/v1/years?access_token={secret}", {}),
        (f"/api/v1/years?token={secret}", {}),
        (f"/api/v1/years?Access_Token={secret}", loaded.headers("admin")),
        (f"{Y}/units?limit=5&token=anything", loaded.headers("admin")),
        ("/api/v1/health?access_token=x", {}),
        (f"/api/v1/audit?token={secret}", loaded.headers("admin")),
    ):
        response = loaded.client.get(url, headers=headers)
        doc = problem(response, 400)
        assert doc["type"].endswith("#problem-token-in-query")
        assert "Authorization: Bearer <token>" in doc["detail"]
        assert doc["errors"][0]["in"] == "query"
        assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    # The audit log's filter by token name is a name, not a token: still served.
    response = loaded.get("/api/v1/audit?token=admin")
    assert response.status_code == 200 and response.get_json()["items"]
    assert loaded.get("/api/v1/years").status_code == 200


def test_a_new_token_is_never_cached(api: Api) -> None:
    response = api.post("/api/v1/tokens", {"name": "county-441624", "role": "inspector"})
    assert response.status_code == 201 and response.get_json()["token"].startswith("sst_")
    assert response.headers["Cache-Control"] == "no-store"
