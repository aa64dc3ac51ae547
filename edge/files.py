"""File answers: a download named for every client, and the media types of the files."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What may stand in a quoted file name for every client: printable ASCII without the quote,
# the backslash (an escape some clients ignore) and the percent sign (some clients decode it).
_NOT_PLAIN = re.compile(r'[^\x20-\x7e]+|["\\%]')


def attachment(body: bytes, mimetype: str, filename: str, ascii_name: str) -> Response:
    """A file download named as RFC 6266 says: ``filename*`` carries the real name in UTF-8,
    ``filename`` an ASCII one for old clients. Every download is answered here: a header
    that is not ASCII cannot be sent at all, and a quote would end the name early."""
    plain = _NOT_PLAIN.sub("_", ascii_name)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
