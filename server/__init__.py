"""The whole HTTP service: the edge, the API and the workbench's pages on one Flask app, so
one ``serve`` process answers both. ``create_app(config)`` builds it; nothing is built at
import time. The only module that imports both ``api`` and ``web``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import api
import web
from edge import app
from scoring_service.config import Settings

__all__ = ["create_app"]


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """The app on the configured database and rule files: the API, then the pages.

    ``config`` is a Settings, or overrides of the ``SCORING_*`` environment variables
    (``{"database_url": ...}``), or None for the environment alone.
    """
    return app.create_app(config, [api.register, web.init_app])
