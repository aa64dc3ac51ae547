"""PDF copies of the Word documents, made by LibreOffice where it is installed.

``soffice --headless --convert-to pdf`` lays the document out as Writer does; Chinese text
takes the CJK fonts installed (fonts-noto-cjk on the service's machines) where the
template's fonts (仿宋_GB2312, 方正小标宋简体) are missing. LibreOffice refuses to run twice
on one user profile, so conversions in one process take turns on a profile of their own,
kept for the process's life (a new profile costs seconds to create).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from scoring_service.domain.errors import DomainError
from scoring_service.i18n import _

TIMEOUT_SECONDS = 120
_lock = threading.Lock()
_profile: Path | None = None


class PdfUnavailable(DomainError):
    """LibreOffice is not installed, or it failed to convert the document."""


def soffice() -> str | None:
    """The LibreOffice program: ``SCORING_SOFFICE`` when set, else ``soffice`` on the path."""
    return os.environ.get("SCORING_SOFFICE") or shutil.which("soffice")


def available() -> bool:
    program = soffice()
    return program is not None and shutil.which(program) is not None


def _profile_dir() -> Path:
    global _profile
    if _profile is None or not _profile.is_dir():
        _profile = Path(tempfile.mkdtemp(prefix="scoring-soffice-"))
    return _profile


def docx_to_pdf(docx: bytes) -> bytes:
    """The PDF of a ``.docx`` document; PdfUnavailable without LibreOffice."""
    program = soffice()
    if program is None or shutil.which(program) is None:
        raise PdfUnavailable(
            _(
                "PDF needs LibreOffice (soffice), which is not installed here; "
                "ask for the .docx instead"
            )
        )
    with _lock, tempfile.TemporaryDirectory(prefix="scoring-pdf-") as work:
        source = Path(work) / "document.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(
                _("LibreOffice could not convert the document: %(reason)s", reason=str(exc))
            ) from None
        target = source.with_suffix(".pdf")
        if done.returncode != 0 or not target.is_file():
            reason = done.stderr.decode("utf-8", "replace").strip()[-500:] or str(done.returncode)
            raise PdfUnavailable(
                _("LibreOffice could not convert the document: %(reason)s", reason=reason)
            )
        return target.read_bytes()
