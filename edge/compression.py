"""Compression of large answers when the client accepts it (Flask-Compress): a page of 100
score rows is about 33 KB as JSON and a few KB compressed. Small answers, 304s, streamed
answers and files that are already compressed (XLSX and DOCX are zips, PDF and pictures
are compressed inside) are sent as they are. A strong ETag gets the encoding appended
(``"tag:gzip"``): the compressed bytes are another representation, revalidated as well."""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

MIN_BYTES = 1024
# Only text is worth compressing; every other type the service sends is compressed already.
TEXT = [
    "application/json",
    "application/problem+json",
    "application/javascript",
    "text/csv",
    "text/css",
    "text/html",
    "text/javascript",
    "text/plain",
    "image/svg+xml",
]


def register(app: Flask) -> None:
    """Compress after every other step has written the body (registered first, run last)."""
    app.config.update(
        COMPRESS_MIMETYPES=TEXT,
        COMPRESS_MIN_SIZE=MIN_BYTES,
        # Files are streamed from disk and answered conditionally by send_file already.
        COMPRESS_STREAMS=False,
    )
    Compress(app)
