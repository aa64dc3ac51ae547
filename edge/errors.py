"""One error format: RFC 9457 ``application/problem+json``, one handler per exception family.

Domain exceptions are mapped here, at the edge: NotFound 404, Forbidden 403, Conflict
409, InvalidRequest and invalid bundles or records 422. Validation problems carry an
``errors`` list, each with a JSON pointer and a message. Nothing leaks a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from edge import request_id
from scoring_service.access.idempotency import InProgress, KeyReused
from scoring_service.bootstrap import DatabaseUnavailable, WriteClash
from scoring_service.bundle import InvalidBundle
from scoring_service.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from scoring_service.domain.principals import Forbidden
from scoring_service.i18n import N_
from scoring_service.i18n import gettext as _
from scoring_service.records.events import EventRefused
from scoring_service.rules import RuleFileError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("api")

# type slug -> (title, the status it comes with); documented on the docs page. The titles are
# read in the language of each answer (problem() translates them); the slugs never change.
PROBLEM_TYPES: dict[str, tuple[str, int]] = {
    "malformed-request": (N_("The request body is not well-formed JSON"), 400),
    "token-in-query": (N_("Tokens go in the Authorization header, never in the address"), 400),
    "unauthenticated": (N_("A valid bearer token is required"), 401),
    "forbidden": (N_("The token's role or scope does not allow this"), 403),
    "not-found": (N_("No such resource"), 404),
    "conflict": (N_("The request conflicts with the data held"), 409),
    "event-refused": (N_("The finding's state does not allow this event"), 409),
    "idempotency-in-progress": (
        N_("A request with this Idempotency-Key is still being served"),
        409,
    ),
    "validation": (N_("The request is not valid"), 422),
    "invalid-bundle": (N_("The bundle has problems; nothing was stored"), 422),
    "invalid-record": (N_("The record does not fit the year's data; nothing was stored"), 422),
    "idempotency-key-reused": (N_("The Idempotency-Key was used for another request"), 422),
    "too-many-failures": (N_("Too many failed authentications from this address"), 429),
    "rules-broken": (N_("The year's rule files have problems"), 500),
    "database-unavailable": (N_("The database cannot be reached"), 503),
    "template-broken": (N_("A document template cannot be filled"), 500),
    "pdf-unavailable": (N_("PDF needs LibreOffice, which is not installed"), 503),
}


# The titles of the plain HTTP problems (type about:blank) the service answers with.
STATUS_TITLES: dict[int, str] = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    500: N_("Internal Server Error"),
}


def type_uri(slug: str) -> str:
    """A problem type: a link to its description on the docs page."""
    return f"/api/v1/docs#problem-{slug}"


class ApiProblem(Exception):
    """An error raised by the HTTP edge itself (authentication, media type, parameters)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = title
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Sequence[Mapping[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A problem+json response."""
    from http import HTTPStatus

    if slug is not None:
        title = title or _(PROBLEM_TYPES[slug][0])
        kind = type_uri(slug)
    else:
        kind = "about:blank"
        phrase = STATUS_TITLES.get(status)
        if phrase is None:
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = N_("Error")
        title = title or _(phrase)
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if has_request_context():
        body["instance"] = request.path
        rid = request_id.current()
        if rid is not None:
            body["request_id"] = rid  # to quote to support: the log lines carry it too
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    response = Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype=PROBLEM_JSON,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _pointers(problems: Sequence[Any]) -> list[dict[str, str]]:
    return [{"pointer": p.pointer, "message": p.message} for p in problems]


def to_response(exc: BaseException) -> Response:
    """The problem response for any exception: the handler of its family."""
    for family, handler in _HANDLERS:
        if isinstance(exc, family):
            response: Response = handler(exc)
            return response
    return _unexpected(exc)


def _api_problem(exc: ApiProblem) -> Response:
    return problem(
        exc.status,
        exc.detail,
        slug=exc.slug,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
    )


def _rules_broken(exc: RuleFileError) -> Response:
    log.error("rule files have problems: %s", exc)
    return problem(
        500, _("the rule files have problems: %(problems)s", problems=exc), slug="rules-broken"
    )


def _database(exc: DatabaseUnavailable | WriteClash) -> Response:
    if isinstance(exc, WriteClash):
        log.warning("integrity error (a concurrent write?): %s", exc.orig)
        return problem(
            409, _("the request clashed with a concurrent write; retry it"), slug="conflict"
        )
    log.error("database error: %s", exc)
    return problem(
        503,
        _("the database cannot be used right now; retry later"),
        slug="database-unavailable",
        headers={"Retry-After": "5"},
    )


def _unexpected(exc: BaseException) -> Response:
    log.error("unhandled error", exc_info=exc)
    return problem(500, _("the service failed to answer this request; it has been logged"))


def _log_refusal(detail: str) -> None:
    """A refused request is a security event: the audit log keeps who tried what."""
    from flask import g

    from edge.context import uow
    from scoring_service.access import audit

    principal = g.get("principal") if has_request_context() else None
    if principal is None:
        return
    try:
        # A unit of work of its own (acting as the caller): the refused write rolled back.
        audit.refused(uow(), f"{request.method} {request.path}", detail)
    except Exception:  # the refusal must still be answered if the log cannot be written
        log.exception("could not write the security event of a refused request")


def _domain(exc: DomainError) -> Response:
    detail = str(exc)
    if isinstance(exc, Forbidden):
        _log_refusal(detail)
        return problem(403, detail, slug="forbidden")
    if isinstance(exc, NotFound):
        return problem(404, detail, slug="not-found")
    if isinstance(exc, EventRefused):
        return problem(409, detail, slug="event-refused", errors=_pointers(exc.problems))
    if isinstance(exc, InProgress):
        return problem(409, detail, slug="idempotency-in-progress", headers={"Retry-After": "1"})
    if isinstance(exc, Conflict):
        return problem(409, detail, slug="conflict")
    if isinstance(exc, KeyReused):
        return problem(422, detail, slug="idempotency-key-reused")
    if isinstance(exc, InvalidBundle):
        from scoring_service.records.year import InvalidRecord

        slug = "invalid-record" if isinstance(exc, InvalidRecord) else "invalid-bundle"
        # Past the first problems, only their number: the answer stays small.
        extra = {"more_errors": exc.more} if exc.more else None
        return problem(422, detail, slug=slug, errors=_pointers(exc.problems), extra=extra)
    if isinstance(exc, InvalidRequest):
        return problem(422, detail, slug="validation", errors=[])
    return problem(400, detail)


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type",)}
    details = {
        404: _("no resource at this address; the operations are listed at /api/v1/docs"),
        405: _(
            "%(method)s is not allowed here; allowed: %(allowed)s",
            method=request.method,
            allowed=headers.get("Allow", ""),
        ),
        413: _("the request body is larger than this service accepts"),
        415: _("send the body as application/json"),
    }
    detail = details.get(status) or (exc.description or exc.name)
    return problem(status, detail, headers=headers)


_HANDLERS: list[tuple[type[Exception], Any]] = [
    (ApiProblem, _api_problem),
    (DomainError, _domain),
    (HTTPException, _http),
    (RuleFileError, _rules_broken),
    (DatabaseUnavailable, _database),
    (WriteClash, _database),
]


def register(app: Flask) -> None:
    """One handler per exception family; anything else is a logged 500."""
    for family, handler in _HANDLERS:
        app.register_error_handler(family, handler)
    app.register_error_handler(Exception, _unexpected)
