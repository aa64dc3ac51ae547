"""Declared operations: one decorator registers a route and what the OpenAPI document says.

Each operation names its permission, query model, body model, response model, status
and errors. The same declaration drives parsing (pydantic), authorisation, idempotent
replays and the OpenAPI document, so they cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from api.auth import authorize
from api.context import services
from api.errors import ApiProblem, to_response
from api.schemas import CODE_PATTERN
from scoring_service.access import idempotency
from scoring_service.access.roles import Permission, Principal
from scoring_service.bundle.parse import describe_error as bundle_message
from scoring_service.bundle.problems import pointer

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CODE = re.compile(CODE_PATTERN)
_EVENT_TAGS = {"extension", "rectified", "lookback_failed", "lookback_passed", "escalated"}
INT_PARAMS = {"year": (1900, 9999), "run_id": (1, 2**31 - 1), "token_id": (1, 2**31 - 1)}

View = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Operation:
    """One endpoint as the OpenAPI document describes it."""

    method: str
    rule: str  # the Flask rule, without the blueprint's prefix
    prefix: str
    endpoint: str
    tag: str
    summary: str
    description: str
    permission: Permission | None  # None: open to anyone
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    raw_body: type[BaseModel] | None = None  # the schema of a body the view reads itself
    response: type[BaseModel] | None = None  # None: 204 No Content
    status: int = 200
    media: Mapping[str, str] = field(default_factory=dict)  # other response types by format
    errors: tuple[int, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # response headers documented

    @property
    def path(self) -> str:
        return self.prefix + self.rule

    @property
    def idempotent_post(self) -> bool:
        return self.method == "POST" and self.permission is not None and self.tag != "tokens"


class ApiBlueprint(Blueprint):
    """A blueprint whose routes are declared operations."""

    def __init__(self, name: str, import_name: str, *, tag: str, prefix: str = "/api/v1") -> None:
        super().__init__(name, import_name, url_prefix=prefix)
        self.tag = tag
        self.prefix = prefix
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        permission: Permission | None,
        **options: Any,
    ) -> Callable[[View], View]:
        """Register ``rule`` for ``method`` and record it for the OpenAPI document."""

        def decorator(fn: View) -> View:
            op = Operation(
                method=method,
                rule=rule,
                prefix=self.prefix,
                endpoint=f"{self.name}.{fn.__name__}",
                tag=options.pop("tag", self.tag),
                summary=summary,
                description=options.pop("description", None) or (fn.__doc__ or "").strip(),
                permission=permission,
                **options,
            )
            self.operations.append(op)

            def view(**path: Any) -> Response:
                return dispatch(op, fn, path)

            view.__name__ = fn.__name__
            self.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
            return fn

        return decorator


# --- dispatch ------------------------------------------------------------------------------------


def dispatch(op: Operation, fn: View, path: dict[str, Any]) -> Response:
    """Check the path, authorise, parse, run the view and render what it returns."""
    _check_path(path)
    principal = authorize(op.permission) if op.permission is not None else None
    config = services().config
    request.max_content_length = (
        config.max_bundle_bytes if op.raw_body is not None else config.max_body_bytes
    )
    key = request.headers.get("Idempotency-Key")
    if key is not None and op.idempotent_post and principal is not None:
        return _idempotent(op, fn, path, principal, key)
    return _call(op, fn, path)


def _check_path(path: Mapping[str, Any]) -> None:
    """A path value that cannot name anything is a 404, not a database error."""
    for name, value in path.items():
        if name in INT_PARAMS:
            low, high = INT_PARAMS[name]
            ok = isinstance(value, int) and low <= value <= high
        else:
            ok = isinstance(value, str) and _CODE.match(value) is not None
        if not ok:
            raise ApiProblem(404, f"no resource has the {name} {value!r}", slug="not-found")


def _call(op: Operation, fn: View, path: Mapping[str, Any]) -> Response:
    kwargs: dict[str, Any] = dict(path)
    if op.query is not None:
        kwargs["query"] = parse_query(op.query)
    elif request.args:
        raise _invalid(
            "this operation takes no query parameters",
            [_item(f"/{name}", "unknown parameter", "query") for name in request.args],
        )
    if op.body is not None:
        kwargs["body"] = parse_body(op.body)
    elif op.raw_body is not None:
        kwargs["raw"] = read_body()
    return render(op, fn(**kwargs))


def render(op: Operation, result: Any) -> Response:
    """A view's result as a response: a model as JSON with the operation's status."""
    if isinstance(result, Response):
        return result
    headers: Mapping[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    if result is None:
        response = Response(status=204)
    else:
        response = Response(result.model_dump_json(), status=op.status, mimetype=JSON)
    for name, value in headers.items():
        response.headers[name] = value
    return response


# --- parsing ------------------------------------------------------------------------------------


def _item(where: str, message: str, place: str = "body") -> dict[str, str]:
    item = {"pointer": where, "message": message}
    if place != "body":
        item["in"] = place
    return item


def _invalid(detail: str, errors: list[dict[str, str]]) -> ApiProblem:
    return ApiProblem(422, detail, slug="validation", errors=errors)


def _errors(exc: ValidationError, place: str) -> list[dict[str, str]]:
    out = []
    for error in exc.errors(include_url=False, include_input=True):
        loc = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
        if loc and loc[0] in _EVENT_TAGS and place == "body":
            loc = loc[1:]
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ["type"]
        out.append(_item(pointer(*loc), bundle_message(error), place))
    return out


def parse_query(model: type[BaseModel]) -> Any:
    """The query string validated by ``model``: 422 with a pointer per bad parameter."""
    data: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name in request.args:
        values = request.args.getlist(name)
        if any("\x00" in v for v in values):
            errors.append(_item(f"/{name}", "must not hold a NUL character", "query"))
        elif len(values) > 1:
            errors.append(_item(f"/{name}", "give this parameter once", "query"))
        else:
            data[name] = values[0]
    if not errors:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = _errors(exc, "query")
    raise _invalid("the query parameters are not valid", errors)


def _is_json(mimetype: str) -> bool:
    return mimetype == JSON or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_body() -> bytes:
    """The raw body; 415 unless it is JSON, 413 beyond the size limit."""
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and not _is_json(request.mimetype):
        raise ApiProblem(
            415,
            f"send the body as {JSON} (got {request.mimetype or 'no Content-Type'})",
            headers={"Accept-Post": JSON},
        )
    return request.get_data(cache=True)


def parse_body(model: type[BaseModel]) -> Any:
    """The JSON body validated by ``model``: 400 when it is not JSON, 422 when it is not valid."""
    raw = read_body()
    if not raw.strip():
        raw = b"{}"
    try:
        value = model.model_validate_json(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] == "json_invalid":
                reason = error["msg"].removeprefix("Invalid JSON: ")
                raise ApiProblem(
                    400,
                    f"the body is not well-formed JSON: {reason}",
                    slug="malformed-request",
                    errors=[_item("", "malformed JSON")],
                ) from None
        raise _invalid("the request body is not valid", _errors(exc, "body")) from None
    nul = list(_nul_pointers(value.model_dump(mode="json")))
    if nul:
        raise _invalid(
            "the request body is not valid",
            [_item(p, "must not hold a NUL character") for p in nul],
        )
    return value


def _nul_pointers(value: Any, *path: str | int) -> Any:
    """Pointers of the strings holding NUL (no database stores it)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield pointer(*path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_pointers(item, *path, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_pointers(item, *path, index)


# --- idempotency ---------------------------------------------------------------------------------


def _canonical(raw: bytes) -> bytes:
    """The body in a canonical form, so the same JSON sent twice compares equal."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read here
        return raw
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _idempotent(
    op: Operation, fn: View, path: Mapping[str, Any], principal: Principal, key: str
) -> Response:
    """Replay the first answer to this key, or run the request and keep its answer."""
    if not (1 <= len(key) <= 255) or not key.isascii() or not key.isprintable():
        raise _invalid(
            "the Idempotency-Key is not valid",
            [_item("/Idempotency-Key", "1 to 255 printable ASCII characters", "header")],
        )
    ctx = services()
    assert principal.token_id is not None
    raw = read_body()
    target = request.path + "?" + request.query_string.decode("latin-1")
    fingerprint = idempotency.request_hash(request.method, target, _canonical(raw))
    ttl = timedelta(hours=ctx.config.idempotency_ttl_hours)
    answer = idempotency.claim(principal.token_id, key, fingerprint, db=ctx.db, ttl=ttl)
    if answer is not None:
        replay = Response(answer.body, status=answer.status, content_type=answer.content_type)
        if answer.location:
            replay.headers["Location"] = answer.location
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = _call(op, fn, path)
    except Exception as exc:  # every failure becomes the answer (or frees the key)
        response = to_response(exc)
    if response.status_code >= 500:
        idempotency.release(principal.token_id, key, db=ctx.db)
        return response
    idempotency.complete(
        principal.token_id,
        key,
        idempotency.Answer(
            response.status_code,
            response.content_type or "",
            response.headers.get("Location"),
            response.get_data(),
        ),
        db=ctx.db,
    )
    return response
