"""What an uploaded evidence file is: its type read from its bytes (never its name), its
SHA-256, an image's perceptual hash, and the limits of one report's files."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.evidence import Upload
from scoring_service.i18n import gettext as _

MIB = 1024 * 1024
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED = (PDF, JPEG, PNG, DOCX, XLSX)
IMAGES = (JPEG, PNG)
# Two images whose 64-bit pHashes differ in at most this many bits show the same picture:
# re-encoding and resizing a photo moves a few bits, a different photo about half of them.
NEAR_BITS = 6


@dataclass(frozen=True, slots=True)
class Limits:
    """A report's files: each at most ``file_bytes``, together ``report_bytes``, at most
    ``files`` of them (spec section 10: 20 MB, 50 MB, 10)."""

    file_bytes: int = 20 * MIB
    report_bytes: int = 50 * MIB
    files: int = 10


def _office_kind(content: bytes) -> str | None:
    """DOCX or XLSX: a zip holding ``[Content_Types].xml`` and the ``word/`` or ``xl/`` part."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def media_type_of(content: bytes) -> str | None:
    """The evidence type of ``content`` by its magic bytes; None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    return None


def perceptual_hash(content: bytes) -> str | None:
    """An image's perceptual hash (pHash, 64 bits as hex): equal or close for the same
    photo re-encoded or resized, so reused evidence can be found; None when unreadable."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            return str(imagehash.phash(image))
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def phash_distance(a: str, b: str) -> int:
    """How many bits two perceptual hashes (hex) differ in."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _name(raw: str, position: int) -> str:
    """The file's name as shown: its last path part, printable, at most 255 characters."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[:255] or f"file-{position + 1}"


def checked_uploads(files: Sequence[tuple[str, bytes]], limits: Limits) -> list[Upload]:
    """Every file typed and hashed; InvalidRequest naming the file at fault when one is of
    a type not accepted or the files break a limit (then nothing is to be stored)."""
    if len(files) > limits.files:
        raise InvalidRequest(
            _(
                "files: at most %(most)s files a report (got %(count)s)",
                most=limits.files,
                count=len(files),
            )
        )
    total = sum(len(content) for _name_, content in files)
    if total > limits.report_bytes:
        raise InvalidRequest(
            _(
                "files: at most %(most)s MB a report together (got %(size).1f MB)",
                most=limits.report_bytes // MIB,
                size=total / MIB,
            )
        )
    uploads = []
    for position, (raw_name, content) in enumerate(files):
        name = _name(raw_name, position)
        if len(content) > limits.file_bytes:
            raise InvalidRequest(
                _(
                    "files/%(index)s (%(name)s): at most %(most)s MB a file (got %(size).1f MB)",
                    index=position,
                    name=name,
                    most=limits.file_bytes // MIB,
                    size=len(content) / MIB,
                )
            )
        media = media_type_of(content)
        if media is None:
            raise InvalidRequest(
                _(
                    "files/%(index)s (%(name)s): not a PDF, JPEG, PNG, DOCX or XLSX file by "
                    "its content (the name does not decide)",
                    index=position,
                    name=name,
                )
            )
        uploads.append(
            Upload(
                name=name,
                content=content,
                media_type=media,
                sha256=hashlib.sha256(content).hexdigest(),
                phash=perceptual_hash(content) if media in IMAGES else None,
            )
        )
    return uploads
