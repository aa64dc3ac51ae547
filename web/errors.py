"""Errors on pages: the same exception families as the API, answered as an HTML page in
words with the status the API would give (404 for what is missing or outside the scope,
403 for a refused write, logged as a security event as the API does)."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from scoring_service.access import audit
from scoring_service.bootstrap import DatabaseUnavailable, WriteClash
from scoring_service.bundle import InvalidBundle
from scoring_service.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from scoring_service.domain.principals import Forbidden
from scoring_service.i18n import _
from scoring_service.rules import RuleFileError

log = logging.getLogger("web")


def page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, detail=detail), status


def _domain(exc: DomainError) -> tuple[str, int]:
    from flask import request

    from web.context import uow

    detail = str(exc)
    if isinstance(exc, Forbidden):
        try:  # a unit of work of its own: the refused write rolled back
            audit.refused(uow(), f"{request.method} {request.path}", detail)
        except Exception:  # the refusal must still be answered if the log cannot be written
            log.exception("could not write the security event of a refused request")
        return page(403, _("Not allowed"), detail)
    if isinstance(exc, NotFound):
        return page(404, _("Not found"), detail)
    if isinstance(exc, Conflict):
        return page(409, _("Conflict"), detail)
    if isinstance(exc, (InvalidRequest, InvalidBundle)):
        return page(422, _("Invalid request"), detail)
    return page(400, _("Bad request"), detail)


def _csrf(exc: CSRFError) -> tuple[str, int]:
    return page(
        400,
        _("The form has expired"),
        _(
            "The form was sent without its security token, or from an old page. "
            "Go back, reload the page and send it again."
        ),
    )


def _http(exc: HTTPException) -> tuple[str, int]:
    status = exc.code or 500
    titles = {404: _("Not found"), 405: _("Not allowed"), 413: _("Too large")}
    return page(status, titles.get(status, exc.name), exc.description or exc.name)


def _database(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, WriteClash):
        log.warning("integrity error (a concurrent write?): %s", exc)
        return page(409, _("Conflict"), _("Someone else changed this at the same time; retry."))
    log.error("database error: %s", exc)
    return page(503, _("Unavailable"), _("The database cannot be used right now; retry later."))


def _rules(exc: RuleFileError) -> tuple[str, int]:
    log.error("rule files have problems: %s", exc)
    return page(500, _("The rule files have problems"), str(exc))


def _unexpected(exc: Exception) -> tuple[str, int]:
    log.error("unhandled error on a page", exc_info=exc)
    return page(500, _("Something went wrong"), _("The error has been logged."))


def register(bp: Blueprint) -> None:
    """Errors raised by ``bp``'s views answered as pages (a blueprint's handlers come before
    the app's, which answer the API's problem+json)."""
    bp.register_error_handler(CSRFError, _csrf)
    bp.register_error_handler(DomainError, _domain)
    bp.register_error_handler(HTTPException, _http)
    bp.register_error_handler(RuleFileError, _rules)
    bp.register_error_handler(DatabaseUnavailable, _database)
    bp.register_error_handler(WriteClash, _database)
    bp.register_error_handler(Exception, _unexpected)
