"""The HTTP API's edges: health, OpenAPI, docs, every error status, tokens and roles."""

from __future__ import annotations

import json
from typing import Any

from edge.context import EXTENSION
from scoring_service.access.roles import command_line
from scoring_service.access.tokens import revoke_token
from scoring_service.unit_of_work import UnitOfWork
from server import create_app
from tests.helpers.api import Api, api_fixture, loaded_fixture, make_api, problem  # noqa: F401

EVENT = {"type": "escalated", "date": "2018-07-11", "to": "领导小组"}


def test_health_reports_database_and_rule_sets(api: Api) -> None:
    response = api.client.get("/api/v1/health")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["status"] == "up"
    assert doc["checks"]["database"]["status"] == "up"
    assert doc["checks"]["rulesets"] == {"status": "up", "detail": None, "years": [2018, 2019]}


def health_down(response: Any) -> dict[str, Any]:
    """The health document of a 503: the same shape as when up, with "status": "down"."""
    assert response.status_code == 503 and response.mimetype == "application/json"
    doc: dict[str, Any] = response.get_json()
    assert doc["status"] == "down"
    return doc


def test_health_is_503_when_the_database_is_down(tmp_path: Any) -> None:
    app = create_app({"database_url": "postgresql://postgres@127.0.0.1:9/none"})
    try:
        doc = health_down(app.test_client().get("/api/v1/health"))
        assert doc["checks"]["database"]["status"] == "down"
        assert doc["checks"]["rulesets"]["status"] == "up"
    finally:
        app.extensions[EXTENSION].close()


def test_health_is_503_without_rule_sets(db_url: str, tmp_path: Any) -> None:
    app = create_app({"database_url": db_url, "rules_dir": tmp_path})
    try:
        doc = health_down(app.test_client().get("/api/v1/health"))
        assert doc["checks"]["rulesets"]["status"] == "down"
    finally:
        app.extensions[EXTENSION].close()


def test_openapi_document_lists_every_route(api: Api) -> None:
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    routes = {
        (method, rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"))
        for rule in api.app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes == documented
    fixed = [
        ("post", "/api/v1/bundles"),
        ("post", "/api/v1/years/{year}/score-runs"),
        ("get", "/api/v1/years/{year}/scores"),
        ("get", "/api/v1/years/{year}/units/{code}/explanation"),
        ("get", "/api/v1/years/{year}/alerts"),
        ("post", "/api/v1/findings/{code}/events"),
        ("get", "/api/v1/health"),
        ("get", "/api/v1/openapi.json"),
    ]
    for method, path in fixed:
        assert method in doc["paths"][path], path
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["summary"] and op["responses"], (method, path)
            codes = set(op["responses"])
            assert {"404", "422", "500"} <= codes, (method, path)
            if op["security"]:
                assert {"401", "403"} <= codes, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415"} <= codes, (method, path)
    # The body of POST /findings/{code}/events is the event models' union.
    body = doc["paths"]["/api/v1/findings/{code}/events"]["post"]["requestBody"]
    schema = doc["components"]["schemas"][
        body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert "discriminator" in schema or "oneOf" in schema


def test_openapi_marks_required_bodies_and_types_itself(loaded: Api) -> None:
    doc = loaded.client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    # The document says what the server does with a request that has no body.
    assert paths["/api/v1/findings/{code}/events"]["post"]["requestBody"]["required"] is True
    refused = problem(loaded.post("/api/v1/findings/2018-G1-07-02/events", who="inspector"), 422)
    assert refused["errors"] and refused["detail"] == "the request body is not valid"
    assert paths["/api/v1/years/{year}/score-runs"]["post"]["requestBody"]["required"] is False
    assert loaded.post("/api/v1/years/2018/score-runs", who="assessor").status_code == 201
    # The document itself is a JSON object, and says so.
    answer = paths["/api/v1/openapi.json"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"type": "object"}
    assert isinstance(doc, dict)


def test_docs_page_is_self_contained(api: Api) -> None:
    response = api.client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/api/v1/findings/{code}/events" in page
    assert "problem-event-refused" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_not_found_and_method_not_allowed_are_problems(api: Api) -> None:
    problem(api.client.get("/api/v1/nothing-here"), 404)
    problem(api.client.get("/nothing"), 404)
    doc = problem(api.client.delete("/api/v1/years", headers=api.headers()), 405)
    assert "GET" in doc["detail"]
    problem(api.get("/api/v1/years/2018"), 404)
    problem(api.get("/api/v1/years/99999999999999999999/units"), 404)
    problem(api.get("/api/v1/years/2018/units/%00"), 404)


def test_unauthenticated_requests_get_401(loaded: Api) -> None:
    client = loaded.client
    doc = problem(client.get("/api/v1/years"), 401)
    assert doc["type"].endswith("#problem-unauthenticated")
    response = client.get("/api/v1/years", headers={"Authorization": "Basic abc"})
    assert problem(response, 401)
    assert "WWW-Authenticate" in response.headers
    problem(client.get("/api/v1/years", headers={"Authorization": "Bearer sst_nope"}), 401)
    secret = loaded.token("short-lived", "reader")
    assert (
        client.get("/api/v1/years", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    s = loaded.services
    revoke_token(UnitOfWork(s.sessions, s.rules, s.evaluator, command_line()), "short-lived")
    problem(client.get("/api/v1/years", headers={"Authorization": f"Bearer {secret}"}), 401)


# (method, path, body, roles allowed)
MATRIX: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/v1/years", None, {"reader", "inspector", "assessor", "rule_editor", "admin"}),
    (
        "GET",
        "/api/v1/rulesets/2018",
        None,
        {"reader", "inspector", "assessor", "rule_editor", "admin"},
    ),
    ("POST", "/api/v1/findings/2018-G1-07-02/events", EVENT, {"inspector", "admin"}),
    ("POST", "/api/v1/years/2018/inspections", {}, {"inspector", "admin"}),
    ("POST", "/api/v1/years/2018/score-runs", {}, {"assessor", "admin"}),
    ("POST", "/api/v1/years/2018/units", {}, {"admin"}),
    ("POST", "/api/v1/bundles", {}, {"admin"}),
    ("GET", "/api/v1/audit", None, {"admin"}),
    ("GET", "/api/v1/tokens", None, {"admin"}),
]


def test_each_role_may_do_only_its_part(loaded: Api) -> None:
    for method, path, body, allowed in MATRIX:
        for role in ("reader", "inspector", "assessor", "rule_editor", "admin"):
            response = loaded.client.open(
                path, method=method, json=body, headers=loaded.headers(role)
            )
            if role in allowed:
                assert response.status_code not in (401, 403), (role, path, response.get_json())
            else:
                doc = problem(response, 403)
                assert doc["type"].endswith("#problem-forbidden")


def test_bad_bodies(loaded: Api) -> None:
    url = "/api/v1/years/2018/units"
    doc = problem(
        loaded.client.post(
            url, data="{oops", headers=loaded.headers(**{"Content-Type": "application/json"})
        ),
        400,
    )
    assert doc["errors"] == [{"pointer": "", "message": "malformed JSON"}]
    problem(
        loaded.client.post(
            url, data="code=1", headers=loaded.headers(**{"Content-Type": "text/plain"})
        ),
        415,
    )
    doc = problem(loaded.post(url, {"code": "X", "name": 7, "kind": "shire", "color": "red"}), 422)
    assert {e["pointer"] for e in doc["errors"]} == {"/name", "/kind", "/color"}
    doc = problem(loaded.post(url, ["not", "an", "object"]), 422)
    doc = problem(loaded.post(url, {"code": "X", "name": "a\u0000b", "kind": "county"}), 422)
    assert doc["errors"][0]["pointer"] == "/name"


def test_bad_query_parameters(loaded: Api) -> None:
    doc = problem(loaded.get("/api/v1/findings?year=2018&as_of=2018-02-30&colour=red"), 422)
    assert {(e["pointer"], e["in"]) for e in doc["errors"]} == {
        ("/as_of", "query"),
        ("/colour", "query"),
    }
    problem(loaded.get("/api/v1/findings"), 422)  # year is required
    problem(loaded.get("/api/v1/findings?year=2018&limit=0"), 422)
    problem(loaded.get("/api/v1/findings?year=2018&limit=1001"), 422)
    problem(loaded.get("/api/v1/findings?year=2018&cursor=garbage"), 422)
    problem(loaded.get("/api/v1/findings?year=2018&year=2019"), 422)
    problem(loaded.get("/api/v1/years?x=1"), 422)
    problem(loaded.get("/api/v1/years/2018/scores?as_of=2017-12-31"), 422)  # before the year


def test_body_size_limit_is_413(db_url: str) -> None:
    for api in make_api(db_url, max_body_bytes=200):
        body = {"code": "X", "name": "x" * 500, "kind": "county"}
        problem(api.post("/api/v1/years/2018/units", body), 413)


def test_unexpected_failures_are_500_problems_without_traceback(db_url: str) -> None:
    app = create_app({"database_url": db_url})

    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/boom", view_func=boom)
    try:
        doc = problem(app.test_client().get("/api/v1/boom"), 500)
        assert "secret" not in json.dumps(doc) and "Traceback" not in json.dumps(doc)
    finally:
        app.extensions[EXTENSION].close()


def test_database_down_is_503(db_url: str) -> None:
    for api in make_api(db_url):
        api.services.engine.dispose()
        down = create_app({"database_url": "postgresql://postgres@127.0.0.1:9/none"})
        try:
            problem(down.test_client().get("/api/v1/years", headers=api.headers()), 503)
        finally:
            down.extensions[EXTENSION].close()


def test_health_is_503_when_the_schema_is_not_migrated(empty_db_url: str) -> None:
    app = create_app({"database_url": empty_db_url})
    try:
        doc = health_down(app.test_client().get("/api/v1/health"))
        assert doc["checks"]["database"]["status"] == "down"
        assert "db upgrade" in doc["checks"]["database"]["detail"]
    finally:
        app.extensions[EXTENSION].close()
