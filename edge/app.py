"""The app factory: a Flask app with the edge every entrance shares, then the entrances."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from edge import compression, converters, cors, errors, language, memo, request_id, throttle
from edge.context import EXTENSION
from scoring_service.bootstrap import bootstrap
from scoring_service.config import Settings

# An entrance adds its routes to the app: ``api.register``, ``web.init_app``.
Entrance = Callable[[Flask, Settings], None]


def settings_of(config: Settings | Mapping[str, Any] | None) -> Settings:
    """``config`` as Settings: itself, overrides of the ``SCORING_*`` environment variables
    (``{"database_url": ...}``), or None for the environment alone."""
    if config is None:
        return Settings.from_env()
    if isinstance(config, Settings):
        return config
    return Settings.from_env(**config)


def create_app(config: Settings | Mapping[str, Any] | None, entrances: list[Entrance]) -> Flask:
    """An app on the configured database and rule files, answering with ``entrances``.

    The schema is not migrated here: ``python -m scoring_service serve`` (or ``db upgrade``)
    does it once.
    """
    settings = settings_of(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_bundle_bytes
    app.config.update(settings.extra)
    app.url_map.strict_slashes = False
    converters.register_converters(app)
    app.extensions[EXTENSION] = bootstrap(settings, server=True)
    memo.init_app(app, settings.cache_url, settings.database_url)
    # First: every later step (the throttle's 429 too) answers in the chosen language.
    language.register(app, settings)
    errors.register(app)
    # after_request steps run last registered first: compression must see the final body.
    compression.register(app)
    cors.register(app)
    request_id.register(app)
    throttle.register(app, settings)
    for entrance in entrances:
        entrance(app, settings)
    return app
