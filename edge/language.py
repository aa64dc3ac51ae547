"""The language of each answer: the request's ``Accept-Language``, else ``SCORING_LANGUAGE``.

Problem ``title`` and ``detail``, alert details, dry-run titles and the docs page are read
in it; the ``type`` URIs, field names and enum values never change with it. Every answer
names the header in ``Vary`` (its text may depend on it) and says its
``Content-Language``.
"""

from __future__ import annotations

import contextlib
import contextvars

from flask import Flask, Response, g, request

from scoring_service.config import Settings
from scoring_service.i18n import best_match, current_language, set_language

_TOKEN = "language_token"


def register(app: Flask, config: Settings) -> None:
    """Choose the language before anything else runs, and restore it after the request."""

    @app.before_request
    def choose_language() -> None:
        accepted = [(tag, quality) for tag, quality in request.accept_languages]
        setattr(g, _TOKEN, set_language(best_match(accepted, default=config.language)))

    @app.after_request
    def name_language(response: Response) -> Response:
        response.vary.add("Accept-Language")
        response.headers.setdefault("Content-Language", current_language())
        return response

    @app.teardown_request
    def restore_language(_exc: BaseException | None) -> None:
        token: contextvars.Token[str] | None = g.pop(_TOKEN, None)
        if token is not None:
            # A request served in another context (a copied one) keeps its own.
            with contextlib.suppress(ValueError):
                token.var.reset(token)
