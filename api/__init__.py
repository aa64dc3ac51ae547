"""The HTTP API: ``create_app(config)`` builds a Flask app; nothing is built at import time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from api.config import ApiConfig
from api.context import EXTENSION, Services

__all__ = ["ApiConfig", "create_app"]


def create_app(config: ApiConfig | Mapping[str, Any] | None = None) -> Flask:
    """An app on the configured database and rule files.

    ``config`` is an ApiConfig, or overrides of the ``SCORING_*`` environment variables
    (``{"database_url": ...}``), or None for the environment alone. The schema is not
    migrated here: ``python -m scoring_service serve`` (or ``db upgrade``) does it once.
    """
    from api import compression, cors, errors, request_id, throttle
    from api.blueprints import BLUEPRINTS
    from scoring_service.config import make_rule_source, normalise_url
    from scoring_service.db import make_engine, make_session_factory
    from scoring_service.engine import DurableRulesEngine, PythonEngine

    if config is None:
        config = ApiConfig.from_env()
    elif not isinstance(config, ApiConfig):
        config = ApiConfig.from_env(**config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_bundle_bytes
    app.config.update(config.extra)
    app.url_map.strict_slashes = False
    engine = make_engine(normalise_url(config.database_url), pool_pre_ping=True)
    db = make_session_factory(engine)
    app.extensions[EXTENSION] = Services(
        config=config,
        engine=engine,
        db=db,
        # Published rule set versions in the database, else the shipped files.
        rules=make_rule_source(config, db),
        evaluator=DurableRulesEngine() if config.engine == "durable" else PythonEngine(),
    )
    errors.register(app)
    # after_request steps run last registered first: compression must see the final body.
    compression.register(app)
    cors.register(app)
    request_id.register(app)
    throttle.register(app, config)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
