"""The request's query string as a plain mapping, for ``forms.read``."""

from __future__ import annotations

from flask import request


def args() -> dict[str, str]:
    """The query's fields, the first value of each."""
    return request.args.to_dict(flat=True)
