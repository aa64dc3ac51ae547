"""Evidence files as the rectification loop passes them: a checked upload, and the store
that keeps bytes under their SHA-256 (a protocol: a folder or an object store behind it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as received, checked: its name, bytes, type and hashes."""

    name: str
    content: bytes
    media_type: str
    sha256: str
    phash: str | None


class FileStore(Protocol):
    """Bytes kept under their SHA-256."""

    def put(self, sha256: str, content: bytes) -> None:
        """Keep ``content`` at ``sha256``, whole, before returning (durable)."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The bytes at ``sha256``; None when none are kept."""
        ...

    def has(self, sha256: str) -> bool: ...

    def addresses(self) -> Iterator[str]:
        """Every SHA-256 kept."""
        ...

    def modified(self, sha256: str) -> datetime:
        """When the bytes at ``sha256`` were written (UTC)."""
        ...

    def remove(self, sha256: str) -> None: ...
