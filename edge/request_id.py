"""``X-Request-Id``: one id per request, taken from the client or made here, echoed on the
answer, written in every log line of the request and in problem bodies, so a caller can
quote it to support and the matching log lines can be found."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import TextIO

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-Id"
# Visible ASCII only: the id goes into headers and log lines as it is.
_ACCEPTED = re.compile(r"[\x21-\x7e]{1,200}")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
# The loggers of the service; their lines go through the handler that carries the id.
LOGGERS = ("api", "scoring_service")


def current() -> str | None:
    """The id of the request being served, None outside a request."""
    if not has_request_context():
        return None
    rid: str | None = g.get("request_id")
    return rid


class RequestIdFilter(logging.Filter):
    """Gives every log record ``request_id``: the request's id, or ``-`` outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current() or "-"
        return True


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the standard error of the moment (a server or a test may replace it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _handler() -> logging.Handler:
    handler = _StandardError()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.set_name("scoring-request-id")
    return handler


def install_logging() -> None:
    """A handler that writes the request id on the service's loggers (once per process).

    A filter on a logger sees only the records of that very logger, not of its children,
    so the id is added by a filter on the handler that writes the lines."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(h.get_name() == "scoring-request-id" for h in logger.handlers):
            logger.addHandler(_handler())


def _begin() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex


def _echo(response: Response) -> Response:
    rid = current()
    if rid is not None:
        response.headers[HEADER] = rid
    return response


def register(app: Flask) -> None:
    """Give each request its id before anything else runs, and echo it on every answer."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_echo)
    install_logging()
