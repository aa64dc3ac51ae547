"""Reading a bundle as a stream of records: one record is held at a time, never the JSON
document, so a province's bundle is read in a fraction of the memory its JSON tree takes.

Each record goes through ``parse.RecordReader``, as a bundle read whole does, and is kept
in domain form; its shape problems are kept by list and reported in the order the whole
reading gives (the bundle's fields, then units, pairings, groups, inspections, events,
whatever the order of the lists in the file).

A bundle the stream cannot read as a JSON object of sound text (malformed JSON, text that
is not UTF-8, an escaped NUL character, nesting deeper than a bundle's, a field given
twice) is read whole instead (``parse.read_records``), so that its problems are reported
in the same words: such a bundle is refused anyway.
"""

from __future__ import annotations

import codecs
import io
import math
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO, cast

import ijson

from scoring_service.bundle.checks import Records
from scoring_service.bundle.parse import _FIELDS, _RECORDS, RecordReader, read_records
from scoring_service.bundle.problems import Problem, Problems, pointer
from scoring_service.i18n import gettext

Source = bytes | str | Path


def _backend() -> ModuleType:
    """ijson's C parser (yajl2_c) when it is built, else its default one."""
    try:
        return cast(ModuleType, ijson.get_backend("yajl2_c"))
    except ImportError:  # pragma: no cover - the wheels ship the C parser
        return cast(ModuleType, ijson)


_IJSON = _backend()
# A bundle nests 4 levels below its lists (an inspection's sample's households); deeper
# than this, the bundle is read whole, whose reader reports nesting past its own limit.
_RECORD_DEPTH = 16
_BOM = b"\xef\xbb\xbf"
_ESCAPED_NUL = b"\\u0000"
_CHUNK = 1 << 16


class _ReadWhole(Exception):
    """The stream cannot be read as a sound JSON object: read the bundle whole instead."""


class _Checked:
    """A binary file read for the JSON parser, checking on the way that it is UTF-8 text
    without the escape of a NUL character (both are reported by the whole reading)."""

    def __init__(self, file: BinaryIO, *, bom: bool) -> None:
        self._file = file
        self._bom = bom  # a UTF-8 byte-order mark may open the file (not a str given)
        self._first = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._tail = b""

    def read(self, size: int = _CHUNK) -> bytes:
        if size == 0:
            return b""
        chunk = self._file.read(size)
        if self._first and chunk:
            self._first = False
            while len(chunk) < len(_BOM) and (more := self._file.read(size)):
                chunk += more
            if self._bom and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        try:
            self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _ReadWhole from None
        # The escape may straddle two chunks: look at it with the end of the one before.
        if _ESCAPED_NUL in self._tail + chunk[: len(_ESCAPED_NUL)] or _ESCAPED_NUL in chunk:
            raise _ReadWhole
        self._tail = chunk[-len(_ESCAPED_NUL) :]
        return chunk


def stream_records(source: Source, problems: Problems) -> Records:
    """Read a bundle's records for the cross-record checks, reporting each shape problem
    (as ``parse.read_records`` does with the whole text).

    Raise InvalidBundle when the text is not a JSON object at all."""
    if isinstance(source, str):
        try:
            raw: bytes | Path = source.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the whole reading reports it
            return read_records(source, problems)
    else:
        raw = source
    try:
        if isinstance(raw, Path):
            with raw.open("rb") as file:
                records, parts = _stream(_Checked(file, bom=True))
        else:
            records, parts = _stream(_Checked(io.BytesIO(raw), bom=not isinstance(source, str)))
    except (_ReadWhole, ijson.JSONError):
        whole = source if not isinstance(source, Path) else source.read_bytes()
        return read_records(whole, problems)
    for part in parts:
        for problem in part:
            problems.add(problem)
        problems.more += part.more
    return records


def _stream(file: _Checked) -> tuple[Records, list[Problems]]:
    """The records of the bundle, and its shape problems in the order they are reported."""
    # basic_parse: its events without their prefixes, which cost as much as the nesting is deep.
    events: Iterator[tuple[str, Any]] = iter(_IJSON.basic_parse(file, use_float=True))
    first = next(events, None)
    if first is None or first[0] != "start_map":
        raise _ReadWhole  # empty, or not an object
    head = Problems()  # the bundle's own fields
    lists = {name: Problems() for name in _RECORDS}
    reader = RecordReader(head, problems_of=lists)
    top: dict[str, Any] = {}
    seen: set[str] = set()
    unreadable: set[str] = set()
    key = ""
    for event, value in events:
        if event == "end_map":
            break
        if event == "map_key":
            key = value
            if key in seen:
                raise _ReadWhole  # the whole reading keeps the last one given
            seen.add(key)
            if key not in _FIELDS:
                head.add(Problem(pointer(key), gettext("unknown field")))
            continue
        if key in _RECORDS and event == "start_array":
            _read_list(key, events, reader)
            continue
        given = _value(event, value, events)
        if key in ("format", "year"):
            top[key] = given
        elif key in _RECORDS:
            unreadable.add(key)
    for _ in events:
        pass  # the parser refuses anything after the bundle's object
    reader.top(top)
    for name in _RECORDS:
        if name not in seen:
            if name == "units":
                head.add(Problem("/units", gettext("this field is required")))
                unreadable.add(name)
        elif name in unreadable:
            head.add(Problem(pointer(name), gettext("must be a list")))
    return reader.finish(unreadable=unreadable), [head, *(lists[name] for name in _RECORDS)]


def _read_list(name: str, events: Iterator[tuple[str, Any]], reader: RecordReader) -> None:
    """Each record of the list ``name``, up to its end."""
    for index, (event, value) in enumerate(events):
        if event == "end_array":
            return
        reader.record(name, index, _value(event, value, events))


def _value(event: str, value: Any, events: Iterator[tuple[str, Any]]) -> Any:
    """The JSON value that starts with ``event``, read to its end.

    Built here rather than by ijson's ObjectBuilder: a province's bundle is 13 million
    parser events, and a method call or two less per event is seconds less per import."""
    top: dict[str, Any] | list[Any]
    if event == "start_map":
        top = {}
    elif event == "start_array":
        top = []
    else:
        _sound_number(value)
        return value
    stack = [top]
    container = top
    key = ""
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "start_map" or event == "start_array":
            new: dict[str, Any] | list[Any] = {} if event == "start_map" else []
            if type(container) is dict:
                container[key] = new
            else:
                container.append(new)  # type: ignore[union-attr]
            stack.append(new)
            if len(stack) > _RECORD_DEPTH:
                raise _ReadWhole
            container = new
        elif event == "end_map" or event == "end_array":
            stack.pop()
            if not stack:
                return top
            container = stack[-1]
        else:
            if type(value) is float:
                _sound_number(value)
            if type(container) is dict:
                container[key] = value
            else:
                container.append(value)  # type: ignore[union-attr]
    raise _ReadWhole  # pragma: no cover - the parser raises at the end of an unclosed value


def _sound_number(value: Any) -> None:
    """A number too large for a float is malformed to the whole reading."""
    if isinstance(value, float) and not math.isfinite(value):
        raise _ReadWhole
