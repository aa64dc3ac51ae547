"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic models,
and a self-contained HTML page that lists it (no scripts, nothing fetched from elsewhere)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from api.errors import PROBLEM_JSON, PROBLEM_TYPES, type_uri
from api.routing import INT_PARAMS, JSON, Operation
from api.schemas import CODE_PATTERN, Problem
from scoring_service.access.roles import ROLE_PERMISSIONS, Permission

VERSION = "1.0.0"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REF = "#/components/schemas/{model}"

DESCRIPTION = """\
The rectification assessment scoring service (督查整改考核评分服务) for government systems:
inspectors' systems push inspections, findings and events; county systems push
rectification progress; the assessment system pulls scores.

* **Authentication**: `Authorization: Bearer <token>`. Tokens are made by an admin
  (`python -m scoring_service tokens create --name N --role R [--scope UNIT ...]`).
  Roles: reader (read), inspector (inspections, findings, events), assessor (score runs),
  rule_editor (rule sets), admin (all, structure, bundles, tokens, audit). A token scoped to
  units sees and writes only findings that count for those units.
* **Errors**: every error is RFC 9457 `application/problem+json`; validation problems carry
  `errors`, each with a JSON `pointer` and a `message` (`in` names a query parameter or header).
  An invalid bundle lists its first 1,000 problems; `more_errors` counts the rest.
* **Lists** are paginated: `limit` (default 100, at most 1000) and `cursor` (the previous
  page's `next_cursor`); each page gives `total`. Orders are stable.
* **Retries**: a POST with an `Idempotency-Key` header returns the first answer to a retry with
  the same key and body (header `Idempotent-Replayed: true`); the same key with another body
  is 422. Keys belong to a token and are kept 24 hours.
* **Dates** are `YYYY-MM-DD`; `as_of` defaults to the year's rule set cutoff.
"""


def _path(op: Operation) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", op.path)


def _path_params(op: Operation) -> list[dict[str, Any]]:
    params = []
    for _converter, name in _PARAM.findall(op.path):
        if name in INT_PARAMS:
            low, high = INT_PARAMS[name]
            schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
        else:
            schema = {"type": "string", "pattern": CODE_PATTERN}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _strip_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: drop the ``null`` branch of optionals."""
    options = schema.get("anyOf")
    if options:
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            merged.update(rest[0])
            if merged.get("default", 0) is None:
                del merged["default"]
            return merged
    return schema


def _models(ops: Iterable[Operation]) -> list[tuple[type[BaseModel], Any]]:
    wanted: dict[tuple[type[BaseModel], str], None] = {(Problem, "serialization"): None}
    for op in ops:
        for model, mode in (
            (op.query, "validation"),
            (op.body, "validation"),
            (op.raw_body, "validation"),
            (op.response, "serialization"),
        ):
            if model is not None:
                wanted[(model, mode)] = None
    return list(wanted)


def _body_required(model: type[BaseModel]) -> bool:
    """Whether a request without a body is refused. The server reads an empty body as ``{}``
    (routing.parse_body), so the body may be left out exactly when ``{}`` is valid; asking the
    model also covers unions (an event), whose schema has no ``required`` list to read."""
    try:
        model.model_validate({})
    except ValidationError:
        return True
    return False


def _media_schema(media: str) -> dict[str, Any]:
    """The schema of a response without a model: a JSON document is an object, not text."""
    if media == JSON:
        return {"type": "object"}
    return {"type": "string"}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
    }


ERROR_RESPONSES = {
    "400": "The body is not well-formed JSON, or a token was sent in the query string",
    "401": "No valid bearer token",
    "403": "The token's role or unit scope does not allow this",
    "404": "No such resource",
    "409": "Conflicts with the data held (a refused event, a code taken, a retry in progress)",
    "413": "The body is larger than the configured limit",
    "415": "The body is not application/json",
    "422": "Invalid parameters or body; `errors` lists each problem with its JSON pointer",
    "500": "The service failed (details are logged, never sent)",
    "503": "The database is unavailable",
}


def build_document(operations: Iterable[Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    ops = list(operations)
    refs, top = models_json_schema(_models(ops), ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = schemas[name]
        return resolved

    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        params = _path_params(op)
        if op.query is not None:
            query = resolve(ref(op.query, "validation"))
            required = set(query.get("required", ()))
            for name, prop in query.get("properties", {}).items():
                schema = _strip_null(dict(prop))
                param: dict[str, Any] = {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": schema,
                }
                if "description" in schema:
                    param["description"] = schema["description"]
                params.append(param)
        if op.idempotent_post:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "retries with this key and the same body get the first answer",
                    "schema": {"type": "string", "pattern": "^[!-~]([ -~]{0,253}[!-~])?$"},
                }
            )
        success: dict[str, Any] = {"description": op.summary}
        if op.response is not None:
            content: dict[str, Any] = {JSON: {"schema": ref(op.response, "serialization")}}
            for media, description in op.media.items():
                content[media] = {
                    "schema": {"type": "string", "contentMediaType": media},
                    "x-description": description,
                }
            success["content"] = content
        elif op.media:
            success["content"] = {
                media: {"schema": _media_schema(media), "x-description": description}
                for media, description in op.media.items()
            }
        if op.status == 201:
            success["headers"] = {
                "Location": {"description": "the new record", "schema": {"type": "string"}}
            }
        if op.idempotent_post:
            success.setdefault("headers", {})["Idempotent-Replayed"] = {
                "description": "true when this is the stored answer to an earlier request "
                "with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        responses: dict[str, Any] = {str(op.status): success}
        codes = {"400", "404", "422", "500", "503"}  # 400: a token in the query string
        if op.permission is not None:
            codes |= {"401", "403"}
        if op.body is not None or op.raw_body is not None:
            codes |= {"400", "413", "415", "422"}
        if op.method == "POST" and op.permission is not None:
            codes |= {"409"}
        codes |= {str(code) for code in op.errors}
        for code in sorted(codes):
            responses[code] = {"$ref": f"#/components/responses/Problem{code}"}
        operation: dict[str, Any] = {
            "operationId": op.endpoint.replace(".", "_"),
            "summary": op.summary,
            "description": op.description,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
        }
        if op.permission is not None:
            roles = [r.value for r, perms in ROLE_PERMISSIONS.items() if op.permission in perms]
            operation["security"] = [{"bearerAuth": []}]
            operation["x-permission"] = op.permission.value
            operation["x-roles"] = roles
        else:
            operation["security"] = []
        body_model = op.body or op.raw_body
        if body_model is not None:
            operation["requestBody"] = {
                "required": op.raw_body is not None or _body_required(body_model),
                "content": {JSON: {"schema": ref(body_model, "validation")}},
            }
        paths.setdefault(_path(op), {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rectification assessment scoring service API",
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in ops)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                f"Problem{code}": _problem_response(text) for code, text in ERROR_RESPONSES.items()
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `python -m scoring_service tokens create`",
                }
            },
        },
    }


# --- the docs page ---------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;
max-width:70rem;color:#222}
h1{font-size:1.5rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #ddd;border-radius:4px;margin:.8rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:bold;font-family:monospace}
.GET{color:#0a6}.POST{color:#06c}.PATCH{color:#a60}.DELETE{color:#c22}
code,.p{font-family:monospace}table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #ddd;padding:.15rem .5rem;text-align:left;vertical-align:top}
.d{white-space:pre-wrap;margin:.3rem 0}.small{color:#666;font-size:.9em}
"""


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    kind = schema.get("type", "")
    if kind == "array":
        return f"list of {_schema_text(schema.get('items', {}))}"
    if "anyOf" in schema:
        return " or ".join(_schema_text(s) for s in schema["anyOf"])
    return str(schema.get("format", kind))


def docs_page(doc: dict[str, Any]) -> str:
    """The operations of ``doc`` as one HTML page, grouped by tag."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(doc['info']['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(doc['info']['title'])} "
        f"<span class='small'>v{e(doc['info']['version'])}</span></h1>",
        "<p>Machine-readable: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> "
        "(OpenAPI 3.1).</p>",
        f"<div class='d'>{e(doc['info']['description'])}</div>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            by_tag.setdefault(op["tags"][0], []).append((path, method.upper(), op))
    for tag, ops in by_tag.items():
        parts.append(f"<h2 id='tag-{e(tag)}'>{e(tag)}</h2>")
        for path, method, op in ops:
            parts.append(f"<div class='op' id='{e(op['operationId'])}'>")
            parts.append(
                f"<div><span class='m {method}'>{method}</span> <span class='p'>{e(path)}</span>"
                f" — {e(op['summary'])}</div>"
            )
            roles = op.get("x-roles")
            parts.append(
                "<div class='small'>"
                + (f"roles: {e(', '.join(roles))}" if roles else "no token needed")
                + "</div>"
            )
            if op.get("description"):
                parts.append(f"<div class='d'>{e(op['description'])}</div>")
            if op["parameters"]:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>")
                for p in op["parameters"]:
                    parts.append(
                        f"<tr><td><code>{e(p['name'])}</code>{'*' if p['required'] else ''}</td>"
                        f"<td>{e(p['in'])}</td><td>{e(_schema_text(p['schema']))}</td>"
                        f"<td>{e(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            body = op.get("requestBody")
            if body:
                schema = body["content"][JSON]["schema"]
                parts.append(f"<div>body: <code>{e(_schema_text(schema))}</code> (JSON)</div>")
            answers = []
            for code, answer in op["responses"].items():
                if "$ref" in answer:
                    answers.append(e(code))
                    continue
                media = ", ".join(answer.get("content", {}) or ["no content"])
                shown = answer.get("content", {}).get(JSON, {}).get("schema")
                what = f" <code>{e(_schema_text(shown))}</code>" if shown else ""
                answers.append(f"<b>{e(code)}</b>{what} ({e(media)})")
            parts.append(f"<div>responses: {'; '.join(answers)}</div></div>")
    parts.append("<h2 id='problems'>Problem types</h2><table>")
    parts.append("<tr><th>type</th><th>status</th><th>title</th></tr>")
    for slug, (title, status) in PROBLEM_TYPES.items():
        parts.append(
            f"<tr id='problem-{e(slug)}'><td><code>{e(type_uri(slug))}</code></td>"
            f"<td>{status}</td><td>{e(title)}</td></tr>"
        )
    parts.append(
        "<tr><td><code>about:blank</code></td><td>404, 405, 413, 415, 500</td>"
        "<td>the HTTP status says it all</td></tr></table>"
    )
    parts.append("<h2 id='schemas'>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        parts.append(f"<div class='op' id='schema-{e(name)}'><b>{e(name)}</b>")
        if schema.get("description"):
            parts.append(f"<div class='d'>{e(schema['description'])}</div>")
        if props:
            parts.append("<table>")
            for prop, sub in props.items():
                parts.append(
                    f"<tr><td><code>{e(prop)}</code>{'*' if prop in required else ''}</td>"
                    f"<td>{e(_schema_text(sub))}</td><td>{e(sub.get('description', ''))}</td></tr>"
                )
            parts.append("</table>")
        elif "enum" in schema:
            parts.append(f"<div>{e(' | '.join(map(str, schema['enum'])))}</div>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)


__all__ = ["Permission", "build_document", "docs_page"]
