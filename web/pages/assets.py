"""The pages' style sheet, scripts and images, served from ``web/static`` (no CDN: the
service works with no internet access)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from web import security

STATIC = Path(__file__).resolve().parent.parent / "static"
bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """A file of web/static (cached a day: its address changes with its version)."""
    return send_from_directory(STATIC, filename, max_age=86400)


bp.after_request(security.add_headers)
