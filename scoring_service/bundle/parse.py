"""Reading a bundle's bytes into the strict models, with every problem located.

A well-formed bundle is read in one pass. Otherwise its JSON is read once and each record
is checked on its own, so that every shape problem is found, NUL characters are looked
for, and the records whose shape is sound still go through the cross-record checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import from_json, to_json

from scoring_service.bundle.checks import (
    Broken,
    Records,
    SoundFinding,
    event_of,
    finding_of,
    group_of,
    inspection_of,
    pairing_of,
    unit_of,
)
from scoring_service.bundle.problems import InvalidBundle, Problem, Problems, pointer
from scoring_service.bundle.schema import (
    BUNDLE_FORMAT,
    BundleIn,
    EventIn,
    FindingIn,
    GroupIn,
    InspectionIn,
    PairingIn,
    UnitIn,
    Year,
)
from scoring_service.i18n import N_, gettext

# What a clerk reads instead of pydantic's terse type names (translated where they are used).
_MESSAGES = {
    "missing": N_("this field is required"),
    "extra_forbidden": N_("unknown field"),
    "string_type": N_("must be text"),
    "int_type": N_("must be a whole number"),
    "list_type": N_("must be a list"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "dict_type": N_("must be an object"),
    "date_type": N_("must be a date written YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("must be a date written YYYY-MM-DD"),
    "date_parsing": N_("must be a date written YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("must be a date written YYYY-MM-DD, without a time"),
}
_EVENT_TAGS = {"extension", "rectified", "lookback_failed", "lookback_passed", "escalated"}
_CODE = re.compile(r"^\S{1,64}$")
# How deep the JSON reader nests arrays and objects (pydantic's JSON reader refuses more);
# a bundle needs 6 levels.
MAX_DEPTH = 200
_NUL = "\x00"
_RECORDS = ("units", "pairings", "groups", "inspections", "events")
_FIELDS = {"format", "year", *_RECORDS}
_Model = type[BaseModel] | TypeAdapter[Any]
_EVENT = TypeAdapter(EventIn)
_YEAR: TypeAdapter[int] = TypeAdapter(Year, config=ConfigDict(strict=True))


def parse_bundle(raw: bytes | str) -> BundleIn:
    """Decode and validate a bundle's JSON text; raise InvalidBundle listing every problem."""
    text = _text(raw)
    bundle = _whole(text)
    if bundle is not None:
        return bundle
    problems = Problems()
    read_records(raw, problems)
    if problems:
        raise problems.error()
    return BundleIn.model_validate_json(text)  # sound after all: a "\\u0000" was not NUL


def read_records(raw: bytes | str, problems: Problems) -> Records:
    """Read a bundle's records for the cross-record checks, reporting each shape problem.

    Raise InvalidBundle when the text is not a JSON object at all."""
    text = _text(raw)
    bundle = _whole(text)
    if bundle is not None:
        return Records.of(bundle)
    # Something is wrong: read the JSON, then check each record on its own, so every
    # problem is found and a broken record does not hide the others.
    try:
        value = from_json(text, allow_inf_nan=False)
    except ValueError as exc:
        raise InvalidBundle([Problem("", _malformed(str(exc)))]) from None
    if not isinstance(value, dict):
        raise InvalidBundle([Problem("", gettext("the bundle must be a JSON object"))])
    _find_nul(value, problems)
    return _records(value, problems)


def _text(raw: bytes | str) -> bytes | str:
    """The bundle's JSON text without a byte-order mark; InvalidBundle when there is none."""
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark, as some Windows tools write
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidBundle(
                [
                    Problem(
                        "",
                        gettext(
                            "the file is not UTF-8 text (byte %(start)s cannot be read)",
                            start=exc.start,
                        ),
                    )
                ]
            ) from None
    else:
        text = raw
    if not text or text.isspace():  # as ``not text.strip()``, without copying the text
        raise InvalidBundle([Problem("", gettext("the bundle is empty"))])
    # The JSON parser reads UTF-8: given the bytes, it need not encode the text again.
    return raw


def _whole(text: bytes | str) -> BundleIn | None:
    """The bundle read in one pass when it is well formed; None when any record is not."""
    # NUL is valid JSON (written \\u0000) but no database stores it in text: a bundle that
    # holds the escape is read value by value to find where.
    escaped_nul = b"\\u0000" in text if isinstance(text, bytes) else "\\u0000" in text
    if escaped_nul:
        return None
    try:
        return BundleIn.model_validate_json(text)
    except ValidationError:
        return None


def _malformed(reason: str) -> str:
    if reason.startswith("recursion limit exceeded"):
        where = reason.removeprefix("recursion limit exceeded").strip()
        return gettext(
            "the JSON nests arrays and objects more than %(depth)s deep (%(where)s); "
            "a bundle needs 6 levels",
            depth=MAX_DEPTH,
            where=where,
        )
    return gettext("malformed JSON: %(reason)s", reason=reason)


def _find_nul(value: Any, problems: Problems) -> None:
    """Report every string (value or key) holding a NUL character.

    Iterative: the depth of the JSON is bounded by the reader, but no stack is needed."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _NUL in item:
                problems.add(Problem(pointer(*path), gettext("must not hold a NUL character")))
        elif isinstance(item, dict):
            children: list[tuple[Any, tuple[str | int, ...]]] = []
            for key, child in item.items():
                if _NUL in key:
                    problems.add(
                        Problem(
                            pointer(*path, key),
                            gettext("the field name must not hold a NUL character"),
                        )
                    )
                children.append((child, (*path, key)))
            stack.extend(reversed(children))  # reported in document order
        elif isinstance(item, list):
            stack.extend((child, (*path, i)) for i, child in reversed(list(enumerate(item))))


def _records(value: dict[str, Any], problems: Problems) -> Records:
    """Check the bundle's fields and each record's shape; collect the sound records."""
    for key in value:
        if key not in _FIELDS:
            problems.add(Problem(pointer(key), gettext("unknown field")))
    reader = RecordReader(problems)
    reader.top(value)
    lists = {name: _list(value, name, problems) for name in _RECORDS}
    for name in _RECORDS:
        for i, item in enumerate(lists[name] or ()):
            reader.record(name, i, item)
    return reader.finish(unreadable={name for name in _RECORDS if lists[name] is None})


class RecordReader:
    """Reads a bundle record by record into ``Records``: each record's shape problems go to
    the problems of its list (``problems_of``), and its sound form is kept in domain form.

    Used on a bundle read whole and on one read as a stream (``stream.py``)."""

    def __init__(self, problems: Problems, problems_of: dict[str, Problems] | None = None) -> None:
        self.problems = problems
        self.problems_of = problems_of or {}
        self.records = Records(
            year=None, units=[], pairings=[], groups=[], inspections=[], events=[], partial=True
        )
        self._read = {
            "units": self._unit,
            "pairings": self._pairing,
            "groups": self._group,
            "inspections": self._inspection,
            "events": self._event,
        }

    def top(self, value: dict[str, Any]) -> None:
        """The bundle's format and year (``value`` holds them when they are given)."""
        fmt = value.get("format")
        if "format" not in value:
            self.problems.add(Problem("/format", gettext(_MESSAGES["missing"])))
        elif fmt != BUNDLE_FORMAT:
            self.problems.add(
                Problem(
                    "/format",
                    gettext(
                        "the format must be %(expected)r, not %(found)s",
                        expected=BUNDLE_FORMAT,
                        found=_short(fmt),
                    ),
                )
            )
        if "year" not in value:
            self.problems.add(Problem("/year", gettext(_MESSAGES["missing"])))
        else:
            self.records.year = _validate(_YEAR, value["year"], self.problems, ("year",))

    def record(self, name: str, i: int, item: Any) -> None:
        """The record at index ``i`` of the list ``name``."""
        self._read[name](i, item, self.problems_of.get(name, self.problems))

    def finish(self, unreadable: Iterable[str] = ()) -> Records:
        """The records read; ``unreadable`` names the lists that are not lists."""
        records = self.records
        # A list that is not a list may have held anything: nothing it could hold is unknown.
        for name in unreadable:
            {
                "units": records.broken_units,
                "groups": records.broken_groups,
                "inspections": records.broken_findings,
                "events": records.broken_event_findings,
            }.get(name, Broken()).unreadable = True
        return records

    def _unit(self, i: int, item: Any, problems: Problems) -> None:
        records = self.records
        unit = _validate(UnitIn, item, problems, ("units", i))
        code = _code(item)
        if code is not None:
            records.unit_codes.append((i, code))
        if unit is not None:
            records.units.append((i, unit_of(unit)))
        else:
            _broken(records.broken_units, code)

    def _pairing(self, i: int, item: Any, problems: Problems) -> None:
        pairing = _validate(PairingIn, item, problems, ("pairings", i))
        if pairing is not None:
            self.records.pairings.append((i, pairing_of(pairing)))

    def _group(self, i: int, item: Any, problems: Problems) -> None:
        records = self.records
        group = _validate(GroupIn, item, problems, ("groups", i))
        code = _code(item)
        if code is not None:
            records.group_codes.append((i, code))
        if group is not None:
            records.groups.append((i, group_of(group)))
        else:
            _broken(records.broken_groups, code)

    def _inspection(self, i: int, item: Any, problems: Problems) -> None:
        """One inspection: its own fields, then each finding on its own."""
        records = self.records
        where = ("inspections", i)
        code = _code(item)
        if code is not None:
            records.inspection_codes.append((i, code))
        if not isinstance(item, dict):
            problems.add(Problem(pointer(*where), gettext(_MESSAGES["model_type"])))
            records.broken_findings.unreadable = True  # its findings cannot be read
            return
        own = {k: v for k, v in item.items() if k != "findings"}
        read = _validate(InspectionIn, own, problems, where)
        inspection = inspection_of(read) if read is not None else None
        findings: list[tuple[int, SoundFinding]] = []
        items = item.get("findings", [])
        if not isinstance(items, list):
            problems.add(Problem(pointer(*where, "findings"), gettext(_MESSAGES["list_type"])))
            records.broken_findings.unreadable = True
            items = []
        for j, raw_finding in enumerate(items):
            finding = _validate(FindingIn, raw_finding, problems, (*where, "findings", j))
            finding_code = _code(raw_finding)
            if finding_code is not None:
                records.finding_codes.append((i, j, finding_code))
            if finding is not None:
                findings.append((j, finding_of(finding, inspection)))
            else:
                _broken(records.broken_findings, finding_code)
        records.inspections.append((i, inspection, findings))

    def _event(self, n: int, item: Any, problems: Problems) -> None:
        records = self.records
        event = _validate(_EVENT, item, problems, ("events", n))
        if event is not None:
            records.events.append((n, event_of(n, event)))
        else:
            _broken(records.broken_event_findings, _code(item, "finding"))


def _list(value: dict[str, Any], name: str, problems: Problems) -> list[Any] | None:
    """The records of one of the bundle's lists; None when they cannot be read."""
    if name not in value:
        if name == "units":
            problems.add(Problem("/units", gettext(_MESSAGES["missing"])))
            return None
        return []  # the other lists may be left out when empty
    items = value[name]
    if not isinstance(items, list):
        problems.add(Problem(pointer(name), gettext(_MESSAGES["list_type"])))
        return None
    return items


def _validate(model: _Model, item: Any, problems: Problems, where: tuple[str | int, ...]) -> Any:
    """``item`` validated by ``model`` as JSON input (dates as text); None when it is broken."""
    text = to_json(item)
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_json(text)
        return model.model_validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=True)
        for error in errors:
            loc = error["loc"]
            if loc and loc[0] in _EVENT_TAGS and where[0] == "events":
                loc = loc[1:]  # the event-type tag pydantic puts in a tagged union's location
            error["loc"] = (*where, *loc)
            problems.add(Problem(pointer(*error["loc"]), describe_error(error)))
        return _without_unknown(model, item, errors)


def _without_unknown(model: _Model, item: Any, errors: list[Any]) -> Any:
    """The record read without its unknown fields, when they are its only problem: it is
    still checked against the others (a village with an unknown field and no
    village_type is reported for both). None when it has other problems."""
    if not isinstance(item, dict) or any(e["type"] != "extra_forbidden" for e in errors):
        return None
    unknown = {str(e["loc"][-1]) for e in errors}
    text = to_json({k: v for k, v in item.items() if k not in unknown})
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_json(text)
        return model.model_validate_json(text)
    except ValidationError:
        return None


def _code(item: Any, name: str = "code") -> str | None:
    """A broken record's code, when it can be read."""
    if isinstance(item, dict):
        code = item.get(name)
        if isinstance(code, str) and _CODE.match(code):
            return code
    return None


def _broken(broken: Broken, code: str | None) -> None:
    if code is None:
        broken.unreadable = True
    else:
        broken.codes.add(code)


def _one_of(expected: str) -> str:
    """Pydantic's list of allowed values ("'a', 'b' or 'c'") in the language in force."""
    values = re.findall(r"'[^']*'", expected)
    if len(values) < 2:
        return expected
    return gettext("%(some)s or %(last)s", some=gettext(", ").join(values[:-1]), last=values[-1])


def _short(value: Any) -> str:
    """A value as a message quotes it: its repr, cut short when long."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def too_long(ctx: Any) -> str:
    """The refusal of a text past its bound (domain/bounds.py), in the same words at every
    entrance."""
    return gettext("at most %(most)s characters", most=(ctx or {}).get("max_length"))


def describe_error(error: Any) -> str:
    """A clerk-readable message for one pydantic error of the bundle models."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error" and error["loc"] == ("format",):
        return gettext(
            "the format must be 'assessment-bundle/1', not %(value)s",
            value=_short(error.get("input")),
        )
    if kind == "union_tag_invalid":
        return gettext(
            "unknown event type %(tag)r; expected one of %(tags)s",
            tag=ctx.get("tag"),
            tags=ctx.get("expected_tags"),
        )
    if kind == "union_tag_not_found":
        return gettext("the event needs a 'type'")
    if kind == "enum":
        return gettext(
            "%(value)s is not allowed; expected %(expected)s",
            value=_short(error.get("input")),
            expected=_one_of(str(ctx.get("expected"))),
        )
    if kind == "missing" and error["loc"][-1:] == ("letter_date",):
        return gettext("this field is required (null while no letter has been issued)")
    if kind == "string_pattern_mismatch":
        return (
            gettext("must be 1 to 64 characters without spaces")
            if "64" in str(ctx.get("pattern"))
            else gettext("must not be blank")
        )
    if kind == "string_too_short":
        return gettext("must not be empty")
    if kind == "string_too_long":
        return too_long(ctx)
    if kind in _MESSAGES:
        return gettext(_MESSAGES[kind])
    return str(error["msg"])
