"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic models,
and a self-contained HTML page that lists it (no scripts, nothing fetched from elsewhere)."""

from __future__ import annotations

import html
import inspect
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from api.routing import CACHE_CONTROL, FORMATS, INT_PARAMS, JSON, MULTIPART, OCTET_STREAM, Operation
from api.schemas import CODE_PATTERN, Problem
from edge.errors import PROBLEM_JSON, PROBLEM_TYPES, type_uri
from edge.files import XLSX
from scoring_service.domain.principals import ROLE_PERMISSIONS, Permission
from scoring_service.i18n import N_, current_language
from scoring_service.i18n import gettext as _

VERSION = "1.0.0"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REF = "#/components/schemas/{model}"

# The document's title; the docs page shows it in the language of the request.
TITLE = N_("Rectification assessment scoring service API")

DESCRIPTION = """\
The rectification assessment scoring service (督查整改考核评分服务) for government systems:
inspectors' systems push inspections, findings and events; county systems push
rectification progress; the assessment system pulls scores.

* **Authentication**: `Authorization: Bearer <token>`. Tokens are made by an admin
  (`python -m scoring_service tokens create --name N --role R [--scope UNIT ...]`).
  Roles: reader (read), inspector (inspections, findings, events), assessor (score runs),
  rule_editor (rule sets), admin (all, structure, bundles, tokens, audit), unit (承办单位,
  always scoped: rectification reports and extension requests on its findings). A token
  scoped to units sees and writes only findings that count for those units.
* **Errors**: every error is RFC 9457 `application/problem+json`; validation problems carry
  `errors`, each with a JSON `pointer` and a `message` (`in` names a query parameter or header).
  An invalid bundle lists its first 1,000 problems; `more_errors` counts the rest.
* **Lists** are paginated: `limit` (default 100, at most 1000) and `cursor` (the previous
  page's `next_cursor`); each page gives `total`. Orders are stable.
* **Retries**: a POST with an `Idempotency-Key` header returns the first answer to a retry with
  the same key and body (header `Idempotent-Replayed: true`); the same key with another body
  is 422. Keys belong to a token and are kept 24 hours.
* **Dates** are `YYYY-MM-DD`; `as_of` defaults to the year's rule set cutoff.
* **Files**: score rows and problem lists come as CSV or XLSX with `format=csv|xlsx`, with
  `Accept: text/csv` or the XLSX media type (`format` wins when both are given), or from
  their own routes ending in `.csv` and `.xlsx`. Documents come as Word (`format=docx`),
  PDF (`format=pdf`, 503 where LibreOffice is not installed), XLSX or zip.
* **Caching**: score runs, scores, explanations, alerts and rule sets carry a strong `ETag`
  (a stored run also `Last-Modified`); send it back in `If-None-Match` to get `304 Not
  Modified` without a body. A stored run and its rows never change (`immutable`).
* **Tracing**: send `X-Request-Id` (1 to 200 visible ASCII characters) or get one made;
  every answer carries it, problem documents repeat it as `request_id`.
* **Paging links**: a page with more after it carries `Link: <...>; rel="next"`.
* **Failed authentication**: too many failed tokens from one address within a minute get
  `429` with `Retry-After`.
"""

TAGS = {
    "service": "Health, this document and its documentation page; no token needed.",
    "bundles": "Load a whole year from an interchange bundle, all or nothing.",
    "structure": "Years held and their units, pairings of helping units with villages, and "
    "inspection groups.",
    "inspections": "Inspections with their samples and findings, and the problem list "
    "(问题清单) to attach to a rectification letter.",
    "findings": "Findings, their state at a date, and the events of their rectification.",
    "scores": "Score runs, the scores of a year at a date, a unit's explanation and process "
    "alerts.",
    "documents": "The work plan's documents: rectification letters (整改函), circulars (通报) "
    "and monthly reports as Word or PDF, the ledger (整改台账) as XLSX, the quarterly archive "
    "as zip.",
    "rulesets": "The year's rules, their versions, and drafts: test, dry-run and publish.",
    "tokens": "Bearer tokens of the systems that call the API (admins only).",
    "webhooks": "Addresses of systems told of notices (due soon, overdue, letters issued, "
    "decisions...) as CloudEvents signed with HMAC-SHA256, at allowed hosts only (admins "
    "only).",
    "audit": "Who wrote what, and the requests that were refused (admins only).",
    "rectification": "The rectification loop (整改闭环): responsible units submit "
    "rectification reports with evidence and extension requests; inspectors accept or "
    "return, approve or refuse, and a positive decision records the finding's event.",
}

# Path parameters, by name; ``code`` is named by the segment before it.
PATH_PARAMS = {
    "year": "the assessment year, such as 2018",
    "run_id": "a score run's id, as `POST /years/{year}/score-runs` answered",
    "token_id": "a token's id, as `GET /tokens` lists it",
    "draft": "a draft's id, as `POST /rulesets/{year}/drafts` answered",
    "ref": "a version's number, its content hash (or 8 or more of its first digits), or "
    "`current` for the version in force",
    "helping_unit": "the helping unit's code",
    "village": "the village's code",
    "report_id": "a rectification report's id, as `POST /findings/{code}/reports` answered",
    "request_id": "an extension request's id, as `POST /findings/{code}/extension-requests` "
    "answered",
    "position": "the file's place in the report's `files`, from 0",
    "hook_id": "a webhook's id, as `GET /webhooks` lists it",
}
CODE_OF = {
    "units": "the unit's code",
    "groups": "the inspection group's code",
    "inspections": "the inspection's code",
    "findings": "the finding's code",
}
# Query parameters whose model gives no description, by name.
QUERY_PARAMS = {
    "year": "the assessment year",
    "as_of": "the date of the states (default: the year's rule set cutoff)",
    "kind": "keep only units of this kind",
    "format": "`json` (default, one page), or the whole list as a `csv` or `xlsx` file",
    "parent": "keep only the units directly under this unit",
    "helping_unit": "keep only pairings of this helping unit",
    "village": "keep only pairings of this village",
    "county": "keep only those of this county",
    "group": "keep only inspections of this inspection group",
    "inspection": "keep only findings of this inspection",
    "category": "keep only findings of this catalogue category",
    "criterion": "keep only findings of this catalogue criterion",
    "severity": "keep only findings of this severity",
    "outcome": "keep only findings with this outcome at the date",
    "overdue": "true: only findings overdue at the date; false: only those not overdue",
    "repeat": "true: only repeated findings; false: only first findings",
    "type": "keep only alerts of this type",
    "include_revoked": "list revoked tokens too",
    "token": "keep only entries written with the token of this name",
    "action": "keep only entries of this action, such as `event.create`",
    "record_type": "keep only entries about records of this type, such as `finding`",
    "record": "keep only entries about this record, such as `2018/441624`",
    "since": "keep only entries at or after this time (ISO 8601)",
    "until": "keep only entries before this time (ISO 8601)",
    "replace": "swap a year already held, in one transaction",
}
BINARY = {"type": "string", "format": "binary"}
_RST_LITERAL = re.compile(r"``(.+?)``", re.S)
_EXAMPLES = Path(__file__).with_name("openapi_examples.json")


def markdown(text: str) -> str:
    """A docstring as CommonMark: no indentation left over, ``literal`` as `literal`."""
    return _RST_LITERAL.sub(r"`\1`", inspect.cleandoc(text))


def _markdown_schemas(value: Any) -> None:
    """Every ``description`` under ``value`` as CommonMark (model docstrings are RST-ish)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                value[key] = markdown(item)
            else:
                _markdown_schemas(item)
    elif isinstance(value, list):
        for item in value:
            _markdown_schemas(item)


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _used(schemas: dict[str, Any], roots: Any) -> dict[str, Any]:
    """The schemas ``roots`` reach: query models become parameters and are not listed."""
    seen: set[str] = set()
    todo = list(_refs(roots))
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return {name: schema for name, schema in schemas.items() if name in seen}


def load_examples() -> dict[str, Any]:
    """Request and response examples by operation id, taken from real answers."""
    examples: dict[str, Any] = json.loads(_EXAMPLES.read_text(encoding="utf-8"))
    return examples


def _example(value: Any, summary: str) -> dict[str, Any]:
    return {"default": {"summary": summary, "value": value}}


def _path(op: Operation) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", op.path)


def _path_params(op: Operation) -> list[dict[str, Any]]:
    params = []
    segments = op.path.split("/")
    for _converter, name in _PARAM.findall(op.path):
        if name in INT_PARAMS:
            low, high = INT_PARAMS[name]
            schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
        else:
            schema = {"type": "string", "pattern": CODE_PATTERN}
        if name == "code":
            before = segments[segments.index("<code>") - 1]
            description = CODE_OF[before]
        else:
            description = PATH_PARAMS[name]
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": schema,
            }
        )
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
    """The schema of a response without a model: a JSON document is an object, a file is
    bytes (so that generated clients save it rather than parse it), a page is text."""
    if media == JSON:
        return {"type": "object"}
    if media in FORMATS or not media.startswith("text/"):  # documents: DOCX, PDF, zip
        return dict(BINARY)
    return {"type": "string"}


def _problem_example(code: str) -> dict[str, Any]:
    slug = next((s for s, (_t, status) in PROBLEM_TYPES.items() if str(status) == code), None)
    example: dict[str, Any] = {
        "type": type_uri(slug) if slug else "about:blank",
        "title": PROBLEM_TYPES[slug][0] if slug else ERROR_RESPONSES[code],
        "status": int(code),
        "detail": ERROR_RESPONSES[code],
        "instance": "/api/v1/years/2018/scores",
        "request_id": "9f1c2e4b6a8d4e0f8b7c6d5e4f3a2b1c",
    }
    if code == "422":
        example["errors"] = [
            {"pointer": "/as_of", "message": "not a valid date (YYYY-MM-DD)", "in": "query"}
        ]
    return example


def _problem_response(code: str, description: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": REF.format(model="Problem")},
                "examples": _example(_problem_example(code), description),
            }
        },
    }
    if code in ("429", "503"):
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return answer


ERROR_RESPONSES = {
    "400": "The body is not well-formed JSON, or a token was sent in the query string",
    "401": "No valid bearer token",
    "403": "The token's role or unit scope does not allow this",
    "404": "No such resource",
    "409": "Conflicts with the data held (a refused event, a code taken, a retry in progress)",
    "413": "The body is larger than the configured limit",
    "415": "The body is not application/json",
    "422": "Invalid parameters or body; `errors` lists each problem with its JSON pointer",
    "429": "Too many failed authentications from this address; retry after `Retry-After`",
    "500": "The service failed (details are logged, never sent)",
    "503": "The database is unavailable",
}


# The query parameters that choose a file instead of JSON: declared on the file operations.
FILE_PARAMS = frozenset({"format", "encoding"})


def build_document(operations: Iterable[Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    ops = list(operations)
    refs, top = models_json_schema(_models(ops), ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    _markdown_schemas(schemas)
    examples = load_examples()

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        name = schema["$ref"].rsplit("/", 1)[-1]
        resolved: dict[str, Any] = schemas[name]
        return resolved

    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        operation_id = op.endpoint.replace(".", "_")
        example = examples.get(operation_id, {})
        params = _path_params(op)
        # One operation, one media type: a JSON operation whose files have their own
        # operations (``rule.csv``, ``rule.xlsx``) declares JSON only, so that a generated
        # client never parses a file as JSON; ``format`` stays readable, undeclared.
        files_apart = (
            op.response is not None
            and bool(op.media)
            and op.method == "GET"
            and op.query is not None
            and "format" in op.query.model_fields
        )
        if op.query is not None:
            query = resolve(ref(op.query, "validation"))
            required = set(query.get("required", ()))
            for name, prop in query.get("properties", {}).items():
                if files_apart and name in FILE_PARAMS:
                    continue
                schema = _strip_null(dict(prop))
                description = schema.pop("description", None) or QUERY_PARAMS[name]
                schema.pop("title", None)
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "description": description,
                        "schema": schema,
                    }
                )
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
        if op.cache is not None:
            params.append(
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "the `ETag` of the answer held: `304` without a body when "
                    "it is still the same",
                    "schema": {"type": "string"},
                }
            )
        success: dict[str, Any] = {"description": op.summary}
        if op.response is not None:
            json_media: dict[str, Any] = {"schema": ref(op.response, "serialization")}
            if "response" in example:
                json_media["examples"] = _example(example["response"], op.summary)
            content: dict[str, Any] = {JSON: json_media}
            if not files_apart:
                for media, description in op.media.items():
                    content[media] = _file_media(media, description, example)
            success["content"] = content
        elif op.export is not None:
            # Generated clients read the first media type they know: octet-stream makes them
            # keep the bytes (they know no spreadsheet type, and decode text/* as text).
            (media, description), *_ = op.media.items()
            success["content"] = {
                OCTET_STREAM: {"schema": dict(BINARY)},
                media: _file_media(media, description, example),
            }
        elif op.media:
            success["content"] = {
                media: _file_media(media, description, example)
                for media, description in op.media.items()
            }
        headers: dict[str, Any] = {}
        if op.status == 201:
            headers["Location"] = {"description": "the new record", "schema": {"type": "string"}}
        if op.idempotent_post:
            headers["Idempotent-Replayed"] = {
                "description": "true when this is the stored answer to an earlier request "
                "with the same Idempotency-Key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        if op.cache is not None:
            headers.update(_cache_headers(op))
        if op.response is not None and "next_cursor" in op.response.model_fields:
            headers["Link"] = {
                "description": 'the next page, `<address>; rel="next"` (RFC 8288), when there '
                "is one",
                "schema": {"type": "string"},
            }
        if headers:
            success["headers"] = headers
        responses: dict[str, Any] = {str(op.status): success}
        for status in op.also:
            assert op.response is not None, "also= repeats the response model"
            responses[str(status)] = {
                "description": ERROR_RESPONSES[str(status)],
                "content": {
                    JSON: {
                        "schema": ref(op.response, "serialization"),
                        **(
                            {"examples": _example(example[str(status)], "down")}
                            if str(status) in example
                            else {}
                        ),
                    }
                },
            }
        if op.cache is not None:
            responses["304"] = {
                "description": "Not modified: the `ETag` sent in `If-None-Match` is still "
                "the answer's",
                "headers": _cache_headers(op),
            }
        codes = {"400", "404", "422", "500", "503"}  # 400: a token in the query string
        if op.permission is not None:
            codes |= {"401", "403", "429"}
        if op.body is not None or op.raw_body is not None:
            codes |= {"400", "413", "415", "422"}
        if op.method == "POST" and op.permission is not None:
            codes |= {"409"}
        codes |= {str(code) for code in op.errors}
        codes -= {str(status) for status in op.also}
        for code in sorted(codes):
            responses[code] = {"$ref": f"#/components/responses/Problem{code}"}
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": op.summary,
            "description": markdown(op.description)
            + (
                "\n\nThe same as a file: "
                + ", ".join(f"`{op.rule}.{FORMATS[m]}`" for m in op.media if m in FORMATS)
                + "."
                if files_apart
                else ""
            ),
            "tags": [op.tag],
            "parameters": params,
            "responses": dict(sorted(responses.items())),
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
            body_media: dict[str, Any] = {"schema": ref(body_model, "validation")}
            if "request" in example:
                body_media["examples"] = _example(example["request"], op.summary)
            content_types: dict[str, Any] = {JSON: body_media}
            if op.files:
                content_types[MULTIPART] = _multipart(resolve(body_media["schema"]), body_media)
            operation["requestBody"] = {
                "description": markdown(body_model.__doc__ or op.summary),
                "required": op.raw_body is not None or _body_required(body_model),
                "content": content_types,
            }
        paths.setdefault(_path(op), {})[op.method.lower()] = operation
    problem_responses = {
        f"Problem{code}": _problem_response(code, text) for code, text in ERROR_RESPONSES.items()
    }
    used = {tag: None for tag in dict.fromkeys(op.tag for op in ops)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/", "description": "this service"}],
        "tags": [{"name": tag, "description": TAGS[tag]} for tag in used],
        "paths": paths,
        "components": {
            "schemas": _used(schemas, [paths, problem_responses]),
            "responses": problem_responses,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `python -m scoring_service tokens create`",
                }
            },
        },
    }


def _multipart(fields: dict[str, Any], body_media: dict[str, Any]) -> dict[str, Any]:
    """The multipart form of a JSON body: the same fields, and ``files`` as binary parts."""
    schema = {
        "type": "object",
        "required": list(fields.get("required", [])),
        "additionalProperties": False,
        "properties": {
            **fields.get("properties", {}),
            "files": {
                "type": "array",
                "items": dict(BINARY),
                "maxItems": 10,
                "description": "evidence files (PDF, JPEG, PNG, DOCX, XLSX)",
            },
        },
    }
    media: dict[str, Any] = {"schema": schema, "encoding": {"files": {"contentType": "*/*"}}}
    if "examples" in body_media:
        media["examples"] = body_media["examples"]
    return media


def with_servers(doc: dict[str, Any], url: str) -> dict[str, Any]:
    """``doc`` with the server clients reach the service at (``SCORING_PUBLIC_URL``, else
    the address the document was asked at); the paths start with ``/api/v1``."""
    return {**doc, "servers": [{"url": url.rstrip("/") or "/", "description": "this service"}]}


def _cache_headers(op: Operation) -> dict[str, Any]:
    assert op.cache is not None
    headers: dict[str, Any] = {
        "ETag": {
            "description": "a strong tag of the body, to send back in `If-None-Match`",
            "schema": {"type": "string"},
        },
        "Cache-Control": {
            "description": "how long the answer may be kept",
            "schema": {"type": "string", "enum": [CACHE_CONTROL[op.cache]]},
        },
    }
    if op.response is not None and "created_at" in op.response.model_fields:
        headers["Last-Modified"] = {
            "description": "when the score run was stored",
            "schema": {"type": "string"},
        }
    return headers


def _file_media(media: str, description: str, example: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"schema": _media_schema(media), "x-description": description}
    sample = example.get(FORMATS.get(media, media))
    if sample is not None and media not in (XLSX, OCTET_STREAM):
        found["examples"] = _example(sample, description)
    return found


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
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    kind = schema.get("type", "")
    if kind == "array":
        return _("list of %(items)s", items=_schema_text(schema.get("items", {})))
    if "anyOf" in schema:
        return _(" or ").join(_schema_text(s) for s in schema["anyOf"])
    return str(schema.get("format", kind))


_PARAMETER_HEADINGS = (N_("parameter"), N_("in"), N_("type"))
_PROBLEM_HEADINGS = (N_("type"), N_("status"), N_("title"))


def docs_page(doc: dict[str, Any]) -> str:
    """The operations of ``doc`` as one HTML page, grouped by tag."""
    e = html.escape
    language = current_language()
    # The document's own descriptions are English (the canonical contract); in a page of
    # another language they are marked as English for readers and screen readers.
    en = "" if language == "en" else " lang='en'"
    # Translated here, not inside the f-strings below: Babel does not look into those.
    words = {
        "body": _("body:"),
        "responses": _("responses:"),
        "problems": _("Problem types"),
        "status": _("the HTTP status says it all"),
        "schemas": _("Schemas"),
    }
    title = _(TITLE)
    parts = [
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(title)} <span class='small'>v{e(doc['info']['version'])}</span></h1>",
        "<p>"
        + e(_("Machine-readable:"))
        + " <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> (OpenAPI 3.1).</p>",
        f"<div class='d'{en}>{e(doc['info']['description'])}</div>",
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
                f" — <span{en}>{e(op['summary'])}</span></div>"
            )
            roles = op.get("x-roles")
            parts.append(
                "<div class='small'>"
                + (
                    e(_("roles:")) + " " + ", ".join(f"<code>{e(role)}</code>" for role in roles)
                    if roles
                    else e(_("no token needed"))
                )
                + "</div>"
            )
            if op.get("description"):
                parts.append(f"<div class='d'{en}>{e(op['description'])}</div>")
            if op["parameters"]:
                heads = "".join(f"<th>{e(_(h))}</th>" for h in _PARAMETER_HEADINGS)
                parts.append(f"<table><tr>{heads}<th></th></tr>")
                for p in op["parameters"]:
                    parts.append(
                        f"<tr><td><code>{e(p['name'])}</code>{'*' if p['required'] else ''}</td>"
                        f"<td>{e(p['in'])}</td><td>{e(_schema_text(p['schema']))}</td>"
                        f"<td{en}>{e(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            body = op.get("requestBody")
            if body:
                schema = body["content"][JSON]["schema"]
                parts.append(
                    f"<div>{e(words['body'])} <code>{e(_schema_text(schema))}</code> (JSON)</div>"
                )
            answers = []
            for code, answer in op["responses"].items():
                if "$ref" in answer:
                    answers.append(e(code))
                    continue
                media = ", ".join(answer.get("content", {}) or [_("no content")])
                shown = answer.get("content", {}).get(JSON, {}).get("schema")
                what = f" <code>{e(_schema_text(shown))}</code>" if shown else ""
                answers.append(f"<b>{e(code)}</b>{what} ({e(media)})")
            parts.append(f"<div>{e(words['responses'])} {'; '.join(answers)}</div></div>")
    parts.append(f"<h2 id='problems'>{e(words['problems'])}</h2><table>")
    parts.append("<tr>" + "".join(f"<th>{e(_(h))}</th>" for h in _PROBLEM_HEADINGS) + "</tr>")
    for slug, (title, status) in PROBLEM_TYPES.items():
        parts.append(
            f"<tr id='problem-{e(slug)}'><td><code>{e(type_uri(slug))}</code></td>"
            f"<td>{status}</td><td>{e(_(title))}</td></tr>"
        )
    parts.append(
        "<tr><td><code>about:blank</code></td><td>404, 405, 413, 415, 500</td>"
        f"<td>{e(words['status'])}</td></tr></table>"
    )
    parts.append(f"<h2 id='schemas'>{e(words['schemas'])}</h2>")
    for name, schema in doc["components"]["schemas"].items():
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        parts.append(f"<div class='op' id='schema-{e(name)}'><b>{e(name)}</b>")
        if schema.get("description"):
            parts.append(f"<div class='d'{en}>{e(schema['description'])}</div>")
        if props:
            parts.append("<table>")
            for prop, sub in props.items():
                parts.append(
                    f"<tr><td><code>{e(prop)}</code>{'*' if prop in required else ''}</td>"
                    f"<td>{e(_schema_text(sub))}</td>"
                    f"<td{en}>{e(sub.get('description', ''))}</td></tr>"
                )
            parts.append("</table>")
        elif "enum" in schema:
            parts.append(f"<div>{e(' | '.join(map(str, schema['enum'])))}</div>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)


__all__ = ["Permission", "build_document", "docs_page"]
