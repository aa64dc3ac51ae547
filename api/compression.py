"""gzip for large answers when the client accepts it: a page of 100 score rows is about
33 KB as JSON and a few KB compressed. Small answers, 304s and files that are already
compressed (XLSX is a zip) are sent as they are."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_BYTES = 1024
# Media types whose bytes are already compressed: gzip would only cost time.
_COMPRESSED = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
    "application/gzip",
}


def _compress(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 206, 304)
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype in _COMPRESSED
        or request.method == "HEAD"
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.vary.add("Accept-Encoding")  # the same address answers both ways
    if request.accept_encodings["gzip"] <= 0:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        # A strong tag names exact bytes: the compressed ones are another representation.
        response.set_etag(etag + "-gzip")
    return response


def register(app: Flask) -> None:
    """Compress after every other step has written the body."""
    app.after_request(_compress)
