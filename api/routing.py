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
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError, create_model

from api.schemas import CODE_PATTERN, QueryModel
from edge.auth import authorize, refuse_token_in_query
from edge.context import services, uow
from edge.converters import MAX_ID
from edge.errors import ApiProblem, to_response
from edge.files import CSV, XLSX
from scoring_service.access import idempotency
from scoring_service.bundle.parse import describe_error as bundle_message
from scoring_service.bundle.problems import pointer
from scoring_service.domain.principals import Permission, Principal
from scoring_service.i18n import gettext as _

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"
# The files an operation with a ``format`` parameter may offer, by media type.
FORMATS = {CSV: "csv", XLSX: "xlsx"}
# What a cacheable GET answer may be kept for: revalidated each time (the data can change)
# or for good (a stored score run and its rows never change).
CACHE_CONTROL = {
    "revalidate": "private, max-age=0, must-revalidate",
    "immutable": "private, max-age=31536000, immutable",
}
Cache = Literal["revalidate", "immutable"]
_CODE = re.compile(CODE_PATTERN)
_EVENT_TAGS = {"extension", "rectified", "lookback_failed", "lookback_passed", "escalated"}
INT_PARAMS = {
    "year": (1900, 9999),
    "run_id": (1, MAX_ID),
    "token_id": (1, MAX_ID),
    "report_id": (1, MAX_ID),
    "request_id": (1, MAX_ID),
    "hook_id": (1, MAX_ID),
    "position": (0, MAX_ID),
}
MULTIPART = "multipart/form-data"
JSON_OR_MULTIPART = f"{JSON}, {MULTIPART}"

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
    # The body may also come as multipart/form-data: ``body``'s fields and ``files``.
    files: bool = False
    response: type[BaseModel] | None = None  # None: 204 No Content
    status: int = 200
    media: Mapping[str, str] = field(default_factory=dict)  # other response types by format
    errors: tuple[int, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # response headers documented
    # Other statuses answered with the response model (health: 503 when a part is down).
    also: tuple[int, ...] = ()
    # GET answers carry a strong ETag and this Cache-Control; If-None-Match gets 304.
    cache: Cache | None = None
    # A file route made for the operation ``export_of`` (its query model): the same view
    # with ``format`` fixed to ``export``, for clients that save one kind of answer per route.
    export: str | None = None
    export_of: type[BaseModel] | None = None

    @property
    def path(self) -> str:
        return self.prefix + self.rule

    @property
    def idempotent_post(self) -> bool:
        # A multipart body is not replayed: its files are compared by no fingerprint here.
        return (
            self.method == "POST"
            and self.permission is not None
            and self.tag != "tokens"
            and not self.files
        )


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
            self._route(op, fn)
            for file_op in _file_operations(op):
                self.operations.append(file_op)
                self._route(file_op, fn)
            return fn

        return decorator

    def _route(self, op: Operation, fn: View) -> None:
        def view(**path: Any) -> Response:
            return dispatch(op, fn, path)

        name = op.endpoint.split(".", 1)[1]
        view.__name__ = name
        self.add_url_rule(op.rule, endpoint=name, view_func=view, methods=[op.method])


def _file_operations(op: Operation) -> list[Operation]:
    """``rule.csv`` and ``rule.xlsx`` beside an operation that offers them by ``format``.

    An OpenAPI operation has one answer per status, and generated clients read a 200 in its
    first media type: a route per file lets them save CSV and XLSX as bytes."""
    if op.method != "GET" or op.query is None or "format" not in op.query.model_fields:
        return []
    ops = []
    for media, ext in FORMATS.items():
        if media not in op.media:
            continue
        ops.append(
            Operation(
                method="GET",
                rule=f"{op.rule}.{ext}",
                prefix=op.prefix,
                endpoint=f"{op.endpoint}_{ext}",
                tag=op.tag,
                summary=f"{op.summary} ({ext.upper()} file)",
                description=f"{op.description}\n\nThe whole list as a {ext.upper()} file: "
                f"the same as `{op.rule.rsplit('/', 1)[-1]}?format={ext}`.",
                permission=op.permission,
                query=_export_query(op.query),
                response=None,
                status=200,
                media={media: op.media[media]},
                errors=op.errors,
                cache=op.cache,
                export=ext,
                export_of=op.query,
            )
        )
    return ops


def _export_query(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` without ``format`` and paging: a file holds the whole list."""
    kept: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if name not in ("format", "limit", "cursor")
    }
    export: type[BaseModel] = create_model(
        f"{model.__name__}File", __base__=QueryModel, __module__=model.__module__, **kept
    )
    return export


# --- dispatch ------------------------------------------------------------------------------------


def dispatch(op: Operation, fn: View, path: dict[str, Any]) -> Response:
    """Check the path, authorise, parse, run the view and render what it returns."""
    _check_path(path)
    refuse_token_in_query(op.query.model_fields if op.query is not None else ())
    principal = authorize(op.permission) if op.permission is not None else None
    config = services().settings
    if op.raw_body is not None:
        request.max_content_length = config.max_bundle_bytes
    elif op.files:
        # The files' own limits are checked in words by the service; this only bounds the
        # upload (the form's fields and boundaries take the extra mebibyte).
        request.max_content_length = config.evidence_report_bytes + 1024 * 1024
    else:
        request.max_content_length = config.max_body_bytes
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
            raise ApiProblem(
                404,
                _("no resource has the %(name)s %(value)r", name=name, value=value),
                slug="not-found",
            )


def _negotiated_format(op: Operation) -> str | None:
    """The file format the Accept header asks for, on an operation offering ``format``;
    None for JSON. ``?format=`` wins over the header."""
    if op.query is None or "format" not in op.query.model_fields or "format" in request.args:
        return None
    offered = [JSON, *(media for media in op.media if media in FORMATS)]
    if len(offered) == 1:
        return None
    best = request.accept_mimetypes.best_match(offered)  # JSON on a tie: it comes first
    return FORMATS.get(best or JSON)


def _call(op: Operation, fn: View, path: Mapping[str, Any]) -> Response:
    kwargs: dict[str, Any] = dict(path)
    if op.export_of is not None:
        given = parse_query(op.query) if op.query is not None else None
        fixed = given.model_dump(exclude_unset=True) if given is not None else {}
        kwargs["query"] = op.export_of.model_validate({**fixed, "format": op.export})
    elif op.query is not None:
        fmt = _negotiated_format(op)
        kwargs["query"] = parse_query(op.query, {"format": fmt} if fmt else None)
    elif request.args:
        raise _invalid(
            _("this operation takes no query parameters"),
            [_item(f"/{name}", _("unknown parameter"), "query") for name in request.args],
        )
    if op.body is not None and op.files:
        kwargs["body"], kwargs["files"] = parse_form(op.body)
    elif op.body is not None:
        kwargs["body"] = parse_body(op.body)
    elif op.raw_body is not None:
        kwargs["raw"] = read_body()
    result = fn(**kwargs)
    response = render(op, result)
    if op.export is not None:
        # A file route offers its type or plain bytes; the bytes are the same either way.
        media = next(iter(op.media))
        if request.accept_mimetypes.best_match([media, OCTET_STREAM]) == OCTET_STREAM:
            response.mimetype = OCTET_STREAM
        response.vary.add("Accept")
    elif any(media in FORMATS for media in op.media):
        response.vary.add("Accept")  # Accept may pick the file
    if op.cache is not None and request.method in ("GET", "HEAD") and response.status_code == 200:
        response = _conditional(op.cache, response, result)
    return response


def _conditional(cache: Cache, response: Response, result: Any) -> Response:
    """A strong ETag (a hash of the body) and the operation's Cache-Control; werkzeug's
    conditional answer makes it a 304 without a body when If-None-Match names the tag (or
    If-Modified-Since is not before a stored run's time). The compressed variant's tag is
    Flask-Compress's to answer: it compresses after this and checks it again."""
    response.add_etag()
    response.headers["Cache-Control"] = CACHE_CONTROL[cache]
    # Scoped tokens see other bodies at the same address; compression varies the bytes.
    response.vary.update(("Authorization", "Accept-Encoding"))
    created = getattr(result, "created_at", None)
    if isinstance(created, datetime):
        response.last_modified = created
    response.make_conditional(request)  # the same response, made a 304 when unchanged
    return response


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
    cursor = getattr(result, "next_cursor", None)
    if isinstance(cursor, str):
        response.headers["Link"] = f'<{next_page(cursor)}>; rel="next"'
    return response


def next_page(cursor: str) -> str:
    """The address of the next page (RFC 8288 ``rel="next"``): this request's path and
    query with the new cursor, as an absolute path."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    query.append(("cursor", cursor))
    path = quote(request.script_root + request.path, safe="/!$&'()*+,;=:@-._~")
    return f"{path}?{urlencode(query, quote_via=quote)}"


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


def parse_query(model: type[BaseModel], defaults: Mapping[str, Any] | None = None) -> Any:
    """The query string validated by ``model``: 422 with a pointer per bad parameter.
    ``defaults`` stand for parameters the query string leaves out."""
    data: dict[str, Any] = dict(defaults or {})
    errors: list[dict[str, str]] = []
    for name in request.args:
        values = request.args.getlist(name)
        if any("\x00" in v for v in values):
            errors.append(_item(f"/{name}", _("must not hold a NUL character"), "query"))
        elif len(values) > 1:
            errors.append(_item(f"/{name}", _("give this parameter once"), "query"))
        else:
            data[name] = values[0]
    if not errors:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = _errors(exc, "query")
    raise _invalid(_("the query parameters are not valid"), errors)


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
            _(
                "send the body as %(expected)s (got %(found)s)",
                expected=JSON,
                found=request.mimetype or "no Content-Type",
            ),
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
                    _("the body is not well-formed JSON: %(reason)s", reason=reason),
                    slug="malformed-request",
                    errors=[_item("", _("malformed JSON"))],
                ) from None
        raise _invalid(_("the request body is not valid"), _errors(exc, "body")) from None
    nul = list(_nul_pointers(value.model_dump(mode="json")))
    if nul:
        raise _invalid(
            _("the request body is not valid"),
            [_item(p, _("must not hold a NUL character")) for p in nul],
        )
    return value


def parse_form(model: type[BaseModel]) -> tuple[Any, list[tuple[str, bytes]]]:
    """A body sent as JSON (no files) or as ``multipart/form-data``: its fields validated by
    ``model`` as the JSON body would be, and its ``files`` as (name, bytes)."""
    if request.mimetype != MULTIPART:
        if request.content_length and not _is_json(request.mimetype):
            raise ApiProblem(
                415,
                _(
                    "send the body as %(expected)s (got %(found)s)",
                    expected=JSON_OR_MULTIPART,
                    found=request.mimetype or "no Content-Type",
                ),
                headers={"Accept-Post": f"{JSON}, {MULTIPART}"},
            )
        return parse_body(model), []
    fields: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    for name in request.form:
        values = request.form.getlist(name)
        if len(values) > 1:
            errors.append(_item(f"/{name}", _("give this field once")))
        else:
            fields[name] = values[0]
    unknown = [name for name in request.files if name != "files"]
    errors += [_item(f"/{name}", _("unknown field; files go in files")) for name in unknown]
    if errors:
        raise _invalid(_("the request body is not valid"), errors)
    # The form's fields are text: read them as the JSON body's strings would be.
    try:
        value = model.model_validate_json(json.dumps(fields))
    except ValidationError as exc:
        raise _invalid(_("the request body is not valid"), _errors(exc, "body")) from None
    nul = list(_nul_pointers(value.model_dump(mode="json")))
    if nul:
        raise _invalid(
            _("the request body is not valid"),
            [_item(p, _("must not hold a NUL character")) for p in nul],
        )
    uploads = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
    return value, uploads


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
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    except (ValueError, RecursionError):
        # Not JSON, or nested too deep to read: the bytes are the fingerprint, and the
        # operation refuses the body as it would without the key (400 or 422).
        return raw


def _idempotent(
    op: Operation, fn: View, path: Mapping[str, Any], principal: Principal, key: str
) -> Response:
    """Replay the first answer to this key, or run the request and keep its answer."""
    if not (1 <= len(key) <= 255) or not key.isascii() or not key.isprintable():
        raise _invalid(
            _("the Idempotency-Key is not valid"),
            [_item("/Idempotency-Key", _("1 to 255 printable ASCII characters"), "header")],
        )
    ctx = services()
    assert principal.token_id is not None
    raw = read_body()
    target = request.path + "?" + request.query_string.decode("latin-1")
    fingerprint = idempotency.request_hash(request.method, target, _canonical(raw))
    ttl = timedelta(hours=ctx.settings.idempotency_ttl_hours)
    lease = timedelta(seconds=ctx.settings.idempotency_lease_seconds)
    held = idempotency.claim(
        uow(principal), principal.token_id, key, fingerprint, ttl=ttl, lease=lease
    )
    if isinstance(held, idempotency.Answer):
        replay = Response(held.body, status=held.status, content_type=held.content_type)
        if held.location:
            replay.headers["Location"] = held.location
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = _call(op, fn, path)
    except Exception as exc:  # every failure becomes the answer (or frees the key)
        response = to_response(exc)
    if response.status_code >= 500:
        idempotency.release(uow(principal), held)
        return response
    idempotency.complete(
        uow(principal),
        held,
        idempotency.Answer(
            response.status_code,
            response.content_type or "",
            response.headers.get("Location"),
            response.get_data(),
        ),
    )
    return response
