"""Reading a bundle's bytes into the strict models, with every problem located."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from scoring_service.bundle.problems import InvalidBundle, Problem, pointer
from scoring_service.bundle.schema import BundleIn

# What a clerk reads instead of pydantic's terse type names.
_MESSAGES = {
    "missing": "this field is required",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, without a time",
}
_EVENT_TAGS = {"extension", "rectified", "lookback_failed", "lookback_passed", "escalated"}


def parse_bundle(raw: bytes | str) -> BundleIn:
    """Decode and validate a bundle's JSON text; raise InvalidBundle listing every problem."""
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark, as some Windows tools write
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidBundle(
                [Problem("", f"the file is not UTF-8 text (byte {exc.start} cannot be read)")]
            ) from None
    else:
        text = raw
    if not text or text.isspace():  # as ``not text.strip()``, without copying the text
        raise InvalidBundle([Problem("", "the bundle is empty")])
    try:
        # The JSON parser reads UTF-8: given the bytes, it need not encode the text again.
        return BundleIn.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidBundle(_problems(exc, text)) from None


def _problems(exc: ValidationError, text: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False, include_input=True):
        kind = error["type"]
        if kind == "json_invalid":
            return [Problem("", f"malformed JSON: {error['msg'].removeprefix('Invalid JSON: ')}")]
        if kind == "model_type" and not error["loc"]:
            return [Problem("", "the bundle must be a JSON object")]
        parts = _path(error["loc"])
        problems.append(Problem(pointer(*parts), describe_error(error)))
    return problems


def _path(loc: tuple[int | str, ...]) -> list[int | str]:
    """Drop the event-type tag pydantic puts in the location of a tagged union."""
    parts = list(loc)
    if len(parts) >= 3 and parts[0] == "events" and parts[2] in _EVENT_TAGS:
        del parts[2]
    return parts


def describe_error(error: Any) -> str:
    """A clerk-readable message for one pydantic error of the bundle models."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error" and error["loc"] == ("format",):
        return f"the format must be 'assessment-bundle/1', not {error.get('input')!r}"
    if kind == "union_tag_invalid":
        return f"unknown event type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "the event needs a 'type'"
    if kind == "enum":
        return f"{error.get('input')!r} is not allowed; expected {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return (
            "must be 1 to 64 characters without spaces"
            if "64" in str(ctx.get("pattern"))
            else "must not be blank"
        )
    if kind == "string_too_short":
        return "must not be empty"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    return str(error["msg"])
