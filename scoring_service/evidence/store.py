"""Where evidence files are kept: outside the database, addressed by their SHA-256.

A file is written whole before the transaction naming it commits (a temporary file,
fsync, then an atomic rename), so a reader never sees half a file. A crash between the
write and the commit leaves an orphan: a file no row names, which ``files sweep`` removes.
Content addressing makes writes idempotent: the same bytes land at the same address.

An S3-compatible store (MinIO, Ceph) fits the same protocol: ``put`` is a PUT of the key
``ab/cd/<sha256>`` (an object appears whole or not at all), ``keys`` a listing, ``remove``
a DELETE.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


def default_files_dir(database_url: str) -> Path:
    """Where files go when ``SCORING_FILES_DIR`` is unset: a ``files`` folder beside the
    SQLite file, else ``var/files``."""
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        return Path(database_url.removeprefix("sqlite:///")).parent / "files"
    return Path("var/files")


class LocalFileStore:
    """A folder: ``ab/cd/abcd…`` for each file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, content: bytes) -> None:
        target = self.path(sha256)
        if target.exists():
            return  # the same bytes are there already
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        # The rename is durable once the folder is.
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def addresses(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if path.is_file() and _SHA256.fullmatch(path.name):
                yield path.name

    def modified(self, sha256: str) -> datetime:
        return datetime.fromtimestamp(self.path(sha256).stat().st_mtime, UTC)

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
