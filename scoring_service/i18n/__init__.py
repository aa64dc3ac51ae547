"""The language people read: one catalogue for the command line, the API, the web pages and
the documents.

Messages are written in English in the code and marked with :func:`gettext` (``_``),
:func:`ngettext` or, for text defined at import time, :func:`lazy_gettext`. The catalogue
``locale/<language>/LC_MESSAGES/messages.po`` gives each its translation. Simplified Chinese
is the default language; English is the second and reads the messages as written.

The language in force is a context variable, so each request or command chooses its own
(``SCORING_LANGUAGE``, ``--lang``, ``Accept-Language``) without touching any other. The
catalogue is read from its ``.po`` file the first time a language is used: nothing has to be
compiled at build time, and an edited catalogue takes effect on the next start.

Placeholders are named, ``_("%(count)s findings", count=3)``, so that a translation can
put them in its own order. Machine output (JSON fields, enum values, problem ``type``
identifiers) is never translated.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations

#: Languages a person can choose, the default first.
LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
#: The language the messages are written in: it needs no catalogue.
SOURCE_LANGUAGE = "en"

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "scoring_language", default=DEFAULT_LANGUAGE
)


class UnknownLanguage(ValueError):
    """A language the service has no catalogue for."""


def normalize(language: str) -> str:
    """The catalogue's name for a language tag: ``zh-CN``, ``zh_Hans`` → ``zh``; ``en-GB`` →
    ``en``. Raise :class:`UnknownLanguage` for a language the service does not speak."""
    base = language.strip().replace("_", "-").split("-")[0].lower()
    if base not in LANGUAGES:
        choices = ", ".join(LANGUAGES)
        raise UnknownLanguage(
            gettext(
                "unknown language %(language)r: choose one of %(choices)s",
                language=language,
                choices=choices,
            )
        )
    return base


def current_language() -> str:
    """The language of the request or command in progress."""
    return _language.get()


def set_language(language: str) -> contextvars.Token[str]:
    """Make ``language`` the current one; return the token that restores the previous."""
    return _language.set(normalize(language))


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Within the block, messages are read in ``language``."""
    token = set_language(language)
    try:
        yield current_language()
    finally:
        _language.reset(token)


def best_match(accepted: list[tuple[str, float]], default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer in, from an ``Accept-Language`` list of (tag, quality): the
    first the service speaks by quality, ``default`` when none is spoken."""
    for tag, _quality in sorted(accepted, key=lambda pair: -pair[1]):
        if tag == "*":
            return default
        try:
            return normalize(tag)
        except UnknownLanguage:
            continue
    return default


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language``, read and compiled once per process."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations(io.BytesIO(compiled_catalogue(language)), domain=DOMAIN)


def compiled_catalogue(language: str) -> bytes:
    """The ``.po`` catalogue of ``language`` compiled (``.mo``).

    Reading a ``.po`` file costs a command a good part of its start, so the compiled form
    is kept in the user's cache folder under the hash of the ``.po`` it was made from: an
    edited catalogue is compiled anew on the next start, and where the cache cannot be
    written the catalogue is compiled in memory each time."""
    source = (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    kept = _cache_dir() / f"{DOMAIN}-{language}-{digest}.mo"
    try:
        return kept.read_bytes()
    except OSError:
        pass
    # Babel's catalogue reader is imported only to compile.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(source), locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are guesses awaiting review: they are not used.
    write_mo(compiled, catalog, use_fuzzy=False)
    _keep(kept, compiled.getvalue())
    return compiled.getvalue()


def _cache_dir() -> Path:
    """``$XDG_CACHE_HOME/scoring-service``, by default ``~/.cache/scoring-service``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scoring-service"


def _keep(path: Path, data: bytes) -> None:
    """Write ``data`` whole to ``path`` (a reader never sees part of it), dropping the
    catalogues of the same language compiled from earlier ``.po`` files; silently not at
    all where the cache cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        earlier = path.name.rsplit("-", 1)[0] + "-*.mo"
        for old in path.parent.glob(earlier):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def gettext(message: str, /, **variables: Any) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled."""
    text = translations(current_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, number: int, /, **variables: Any) -> str:
    """The singular or plural form for ``number`` in the current language; ``%(num)s``
    holds the number."""
    text = translations(current_language()).ngettext(singular, plural, number)
    return text % {"num": number, **variables}


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it here: for text translated
    later by whoever reads it (a value's label looked up at rendering, argparse's own
    messages)."""
    return message


def lazy_gettext(message: str, /, **variables: Any) -> LazyProxy:
    """A message translated when it is read, for text defined at import time (column
    headings, enum labels) that must follow the language of each request."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def format_date(day: dt.date) -> str:
    """A date as people read it: ``2018年8月10日`` in Chinese, ISO ``2018-08-10`` otherwise.
    Machine output (JSON, CSV data columns) keeps ISO dates and does not call this."""
    if current_language() == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def format_percent(rate: Decimal | Fraction | float | None, digits: int = 2) -> str:
    """A rate between 0 and 1 as a percentage, rounded half up: ``0.8512`` → ``85.12%``;
    no rate (nothing to rectify) reads as a dash."""
    if rate is None:
        return "—"
    if isinstance(rate, Fraction):
        value = Decimal(rate.numerator) / Decimal(rate.denominator)
    else:
        value = Decimal(str(rate))
    quantum = Decimal(1).scaleb(-digits)
    return f"{(value * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"


_ = gettext
