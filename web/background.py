"""Documents too long to make within a request, made in a thread and kept as files.

A quarter's archive at province scale took 274 s (README, Documents), too near gunicorn's
300 s timeout to answer in its request. The page starts it in a thread of the worker and
answers at once that it is being made; the same address answers the file when it is
ready. The files are kept in a folder beside the evidence files, under a key holding the
year's data revision, the rule set's hash and the person's scope (``memo.data_key``), so
any write gives a fresh document and people of other scopes never share one; every
worker of the service reads the same folder, so whichever serves the next request finds
it. A failure is kept with its reason in words and shown, then tried again.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.context import services
from scoring_service.documents.files import Document
from scoring_service.domain.errors import DomainError
from scoring_service.i18n import _

log = logging.getLogger("web")
# A document still "being made" after this long was lost with its worker: start it again.
STALE_SECONDS = 3600
_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Made:
    state: Literal["working", "ready", "refused", "failed"]
    document: Document | None = None
    reason: str = ""


def _folder() -> Path:
    folder = services().settings.files_path.parent / "documents-made"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def key_of(parts: tuple[Hashable, ...]) -> str:
    """A file name for ``parts`` (scopes as sorted lists: the same in every worker)."""
    plain = [sorted(p) if isinstance(p, (set, frozenset)) else p for p in parts]
    return hashlib.sha256(json.dumps(plain, default=str).encode()).hexdigest()[:32]


def _ready(folder: Path, key: str) -> Made | None:
    meta, content = folder / f"{key}.json", folder / f"{key}.bin"
    if meta.is_file() and content.is_file():
        about = json.loads(meta.read_text("utf-8"))
        doc = Document(about["name"], about["ascii_name"], about["media"], content.read_bytes())
        return Made("ready", doc)
    return None


def made(key: str, build: Callable[[], Document]) -> Made:
    """The document of ``key`` if ready; else it is started (once) and is being made."""
    folder = _folder()
    found = _ready(folder, key)
    if found is not None:
        return found
    working = folder / f"{key}.working"
    with _lock:
        if working.is_file() and time.time() - working.stat().st_mtime < STALE_SECONDS:
            return Made("working")
        for state in ("refused", "failed"):
            ended = folder / f"{key}.{state}"
            if ended.is_file():
                reason = ended.read_text("utf-8")
                ended.unlink()  # said once; the next request tries again
                return Made(state, reason=reason)
        working.write_text(str(time.time()), "utf-8")
        # The request's context (its language) goes with the work.
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(_make, folder, key, build), daemon=True)
        _threads[key] = thread
        thread.start()
    return Made("working")


def _make(folder: Path, key: str, build: Callable[[], Document]) -> None:
    try:
        doc = build()
        part = folder / f"{key}.part"
        part.write_bytes(doc.content)
        meta = {"name": doc.name, "ascii_name": doc.ascii_name, "media": doc.media}
        (folder / f"{key}.json").write_text(json.dumps(meta), "utf-8")
        part.rename(folder / f"{key}.bin")
    except DomainError as exc:  # the request itself is refused (a quarter with no data...)
        (folder / f"{key}.refused").write_text(str(exc), "utf-8")
    except Exception:
        log.exception("a document made in the background failed")
        (folder / f"{key}.failed").write_text(_("The error has been logged."), "utf-8")
    finally:
        (folder / f"{key}.working").unlink(missing_ok=True)
        with _lock:
            _threads.pop(key, None)


def settle() -> None:
    """Wait for the documents being made in this process (for tests and shutdown)."""
    with _lock:
        running = list(_threads.values())
    for thread in running:
        thread.join()
