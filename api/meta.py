"""Health, the OpenAPI document and its docs page: open to anyone."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from api.openapi import build_document, docs_page, with_servers
from api.routing import ApiBlueprint
from api.schemas import CheckRead, HealthChecks, HealthRead, RulesetsCheckRead
from edge.context import services
from scoring_service.bootstrap import schema_head, schema_revision
from scoring_service.rules import available_years, load_ruleset

bp = ApiBlueprint("meta", __name__, tag="service")
_DOC = "scoring.openapi"
_HEAD = "scoring.schema_head"


def document() -> dict[str, Any]:
    """The app's OpenAPI document, built on first use from its blueprints' operations."""
    doc = current_app.extensions.get(_DOC)
    if doc is None:
        ops = [
            op
            for blueprint in current_app.blueprints.values()
            for op in getattr(blueprint, "operations", ())
        ]
        doc = current_app.extensions[_DOC] = build_document(ops)
    return doc


def _schema_head() -> str | None:
    """The latest migration of this code (read once per app)."""
    if _HEAD not in current_app.extensions:
        current_app.extensions[_HEAD] = schema_head()
    head: str | None = current_app.extensions[_HEAD]
    return head


@bp.operation(
    "GET",
    "/health",
    summary="Is the service up",
    permission=None,
    response=HealthRead,
    also=(503,),
)
def health() -> HealthRead | Response:
    """The database and the rule sets, each up or down: 200 with `"status": "up"` when both
    are up, else 503 with `"status": "down"` and the same `checks`."""
    s = services()
    try:
        at = schema_revision(s.engine)
        head = _schema_head()
        if at == head:
            database = CheckRead(status="up")
        else:
            detail = f"the schema is at {at or 'nothing'}, not {head}: run db upgrade"
            database = CheckRead(status="down", detail=detail)
    except Exception as exc:  # any failure to reach it means down
        database = CheckRead(status="down", detail=type(exc).__name__)
    years: list[int] = []
    try:
        for year in available_years(s.settings.rules_dir):
            # The versions in force live in the database; without it, check the shipped files.
            if database.status == "up":
                ruleset = s.rules.current(year)
            else:
                ruleset = load_ruleset(year, s.settings.rules_dir)
            if ruleset is not None:
                years.append(year)
        rulesets = RulesetsCheckRead(
            status="up" if years else "down",
            years=years,
            detail=None if years else "no rule set is available",
        )
    except Exception as exc:  # a broken rule file
        rulesets = RulesetsCheckRead(status="down", years=years, detail=str(exc)[:500])
    checks = HealthChecks(database=database, rulesets=rulesets)
    if database.status == "up" and rulesets.status == "up":
        return HealthRead(status="up", checks=checks)
    # The same document as when up, so monitors read one shape; the status says it all.
    down = HealthRead(status="down", checks=checks)
    return Response(down.model_dump_json(), status=503, mimetype="application/json")


@bp.operation(
    "GET",
    "/openapi.json",
    summary="The OpenAPI 3.1 document",
    permission=None,
    media={"application/json": "this document"},
)
def openapi() -> Response:
    """This API described in OpenAPI 3.1, generated from the models the endpoints use."""
    import json

    public = services().settings.public_url or request.host_url
    doc = with_servers(document(), public)
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/json")


@bp.operation(
    "GET",
    "/docs",
    summary="The API's documentation page",
    permission=None,
    media={"text/html": "one self-contained page"},
)
def docs() -> Response:
    """A self-contained HTML page listing every operation, parameter, schema and error."""
    return Response(docs_page(document()), mimetype="text/html")
