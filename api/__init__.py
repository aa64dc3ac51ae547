"""The HTTP API: ``create_app(config)`` builds a Flask app; nothing is built at import time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from api.context import EXTENSION, Services
from scoring_service.config import Settings

__all__ = ["create_app"]


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """An app on the configured database and rule files.

    ``config`` is a Settings, or overrides of the ``SCORING_*`` environment variables
    (``{"database_url": ...}``), or None for the environment alone. The schema is not
    migrated here: ``python -m scoring_service serve`` (or ``db upgrade``) does it once.
    """
    from api import compression, cors, errors, language, request_id, routing, throttle
    from api.blueprints import BLUEPRINTS
    from scoring_service.bootstrap import bootstrap

    if config is None:
        config = Settings.from_env()
    elif not isinstance(config, Settings):
        config = Settings.from_env(**config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_bundle_bytes
    app.config.update(config.extra)
    app.url_map.strict_slashes = False
    routing.register_converters(app)
    wiring = bootstrap(config, server=True)
    app.extensions[EXTENSION] = Services(
        config=config,
        engine=wiring.engine,
        db=wiring.sessions,
        rules=wiring.rules,
        evaluator=wiring.evaluator,
        files=wiring.files,
    )
    # First: every later step (the throttle's 429 too) answers in the chosen language.
    language.register(app, config)
    errors.register(app)
    # after_request steps run last registered first: compression must see the final body.
    compression.register(app)
    cors.register(app)
    request_id.register(app)
    throttle.register(app, config)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # The workbench's pages, served by the same process on the same services.
    import web

    web.init_app(app, config)
    return app
