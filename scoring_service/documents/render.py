"""Filling a Word template with a document's values (docxtpl), text only.

Values reach the document as context values of a template the office owns, never as
template source: a finding's description holding ``{{ 7*7 }}`` or ``{% ... %}`` is shown as
written, because Jinja does not read the values it prints. Autoescaping turns ``<``, ``>``
and ``&`` into XML entities, so ``<w:p>`` in a description is text, not markup. Characters
XML 1.0 cannot hold (control characters) are dropped: Word refuses a file holding them.
The templates run in Jinja's sandbox, so an edited template can print values and loop over
lists, not reach into Python; and under a time limit (``SCORING_TEMPLATE_SECONDS``), so a
template edited to loop a billion times is stopped and refused instead of holding a worker.
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from scoring_service.bundle.text import strip_not_xml
from scoring_service.domain.errors import DomainError
from scoring_service.i18n import _

SHIPPED = Path(__file__).resolve().parent / "templates"


class TemplateProblem(DomainError):
    """A template that is missing or that docxtpl cannot fill (an edit broke a tag)."""


def template_path(name: str, folder: Path | None) -> Path:
    """The template ``name`` (``letter.docx``): the configured folder's when it holds one,
    else the shipped one, so an office may override one document and keep the others."""
    if folder is not None:
        candidate = folder / name
        if candidate.is_file():
            return candidate
        if not folder.is_dir():
            raise TemplateProblem(
                _("the document templates folder %(folder)s does not exist", folder=str(folder))
            )
    return SHIPPED / name


class _OutOfTime(Exception):
    """Raised inside a template's code when its time is up."""


# Jinja compiles a template read from a string under this file name: only its own code is
# traced line by line, so a loop that calls nothing is stopped too.
_TEMPLATE_CODE = "<template>"


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` in this thread's Python code once ``seconds`` have passed.

    A trace function rather than a signal or another process: it works in any thread of a
    worker, costs nothing outside the render, and leaves nothing running after it."""
    deadline = time.monotonic() + seconds

    def lines(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return lines

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return lines if frame.f_code.co_filename == _TEMPLATE_CODE else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)


def default_time_limit() -> int:
    """The configured limit on filling one template, in seconds."""
    from scoring_service.config import Settings

    return Settings.from_env().template_seconds


def xml_text(value: Any) -> Any:
    """``value`` with every text in it stripped of characters XML cannot hold."""
    if isinstance(value, str):
        return strip_not_xml(value)
    if isinstance(value, Mapping):
        return {k: xml_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [xml_text(v) for v in value]
    return value


def render_docx(
    name: str,
    context: Mapping[str, Any],
    *,
    folder: Path | None = None,
    image: bytes | None = None,
    image_width_mm: float = 150,
    time_limit: float | None = None,
) -> bytes:
    """The template ``name`` filled with ``context``; ``image`` (PNG bytes), when given, is
    the value of ``chart``. Filling stops with TemplateProblem after ``time_limit`` seconds
    (None: the setting ``template_seconds``)."""
    from docx.opc.exceptions import OpcError
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment
    from lxml.etree import XMLSyntaxError

    path = template_path(name, folder)
    try:
        template = DocxTemplate(str(path))
        values: dict[str, Any] = dict(xml_text(dict(context)))
        values["chart"] = (
            InlineImage(template, io.BytesIO(image), width=Mm(image_width_mm))
            if image is not None
            else None
        )
        seconds = default_time_limit() if time_limit is None else time_limit
        with _time_limit(seconds):
            template.render(
                values, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True
            )
        out = io.BytesIO()
        template.save(out)
    except _OutOfTime:
        raise TemplateProblem(
            _(
                "the document template %(path)s was stopped: filling it took more than "
                "%(seconds)s seconds (a loop over too many items?)",
                path=str(path),
                seconds=format(seconds, "g"),
            )
        ) from None
    except TemplateError as exc:
        lineno = getattr(exc, "lineno", None)  # syntax errors know their line
        message = (
            _(
                "the document template %(path)s cannot be filled (line %(line)s of its "
                "text): %(reason)s",
                path=str(path),
                line=lineno,
                reason=str(exc),
            )
            if lineno
            else _(
                "the document template %(path)s cannot be filled: %(reason)s",
                path=str(path),
                reason=str(exc),
            )
        )
        raise TemplateProblem(message) from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, OpcError, XMLSyntaxError) as exc:
        # Not a Word file, or a damaged one.
        raise TemplateProblem(
            _(
                "the document template %(path)s cannot be read: %(reason)s",
                path=str(path),
                reason=str(exc),
            )
        ) from None
    return out.getvalue()
