"""CORS for the configured browser origins only (``SCORING_CORS_ORIGINS``).

A browser page on another origin may call the API when its origin is listed: preflights
are answered 204 with what may be sent, and answers name the origin and the headers the
page may read. Other origins get no CORS header at all, so the browser refuses the answer.
Tokens travel in the Authorization header, never in cookies, so credentials are not allowed.

Kept by hand rather than Flask-Cors (6.0), which answers a preflight with Flask's own
OPTIONS answer (200, not 204), names the request's header spellings rather than the list
below, announces every method rather than the route's, and adds ``Vary: Origin`` only when
more than one origin is configured (a shared cache could then hand one origin's answer to
another).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from edge.context import services

ALLOWED_HEADERS = (
    "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-Id, If-None-Match"
)
EXPOSED_HEADERS = (
    "ETag, Last-Modified, Link, X-Request-Id, Location, Retry-After, Content-Disposition, "
    "Idempotent-Replayed"
)
MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    if origin is not None and origin in services().settings.allowed_origins:
        return origin
    return None


def _preflight() -> Response | None:
    """A preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = _allowed_origin()
    if origin is None:
        return None  # answered as any OPTIONS, without CORS headers: the browser refuses
    try:
        methods = current_app.create_url_adapter(request).allowed_methods()  # type: ignore[union-attr]
    except HTTPException:
        return None
    if not methods:
        return None  # no such address: 404 as usual
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ", ".join(
        sorted(m for m in methods if m != "OPTIONS")
    )
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = MAX_AGE
    response.vary.add("Origin")
    return response


def _annotate(response: Response) -> Response:
    if not services().settings.allowed_origins:
        return response
    response.vary.add("Origin")  # the answer differs by origin once any is allowed
    origin = _allowed_origin()
    if origin is not None and "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def register(app: Flask) -> None:
    """Answer preflights before routing runs the view, and mark answers for allowed origins."""
    app.before_request(_preflight)
    app.after_request(_annotate)
