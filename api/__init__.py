"""The HTTP API: ``register(app, config)`` adds its operations to the app ``edge.app`` builds
(``server.create_app``); nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from scoring_service.config import Settings

__all__ = ["register"]


def register(app: Flask, config: Settings) -> None:
    """Add the API's blueprints to ``app``."""
    from api.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
