"""What every template may call: the message catalogue, dates and rates as people read
them, the words for machine values, and the CSRF token (Flask-WTF's ``csrf_token``).

Templates are autoescaped (Flask does so for ``.html``): data is never marked safe, so a
name holding ``<script>`` or quotes shows as text."""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from typing import Any

from flask import Flask, url_for

from scoring_service.access.roles import display_name
from scoring_service.domain import bounds
from scoring_service.i18n import _, current_language, format_date, format_percent, ngettext
from web import labels
from web.navigation import year_pages
from web.pages.assets import STATIC


def _day(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    return format_date(date.fromisoformat(value) if isinstance(value, str) else value)


def _number(value: Any) -> str:
    """A number without a needless ``.0``; nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@functools.cache
def _version(filename: str) -> str:
    """A short hash of an asset's content, read once per process."""
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:12]


def asset(filename: str) -> str:
    """An asset's address carrying its content's hash: browsers may keep it a day, and
    fetch it again as soon as a new version of the service changes it."""
    return url_for("web.assets.asset", filename=filename, v=_version(filename))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        asset=asset,
        _=_,
        ngettext=ngettext,
        labels=labels,
        label=labels.label,
        year_pages=year_pages,
        bounds=bounds,  # each text field's maxlength, as every entrance bounds it
        html_lang=lambda: "zh-CN" if current_language() == "zh" else current_language(),
    )
    app.jinja_env.filters.update(
        person=display_name, day=_day, percent=format_percent, number=_number
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
