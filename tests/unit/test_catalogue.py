"""The Chinese catalogue against the code: every message marked for translation has a
Chinese entry with the same placeholders, and the catalogue holds nothing the code no
longer says. Messages are gathered with Babel as `make messages` gathers them (its
keywords are read from the Makefile), so a string marked today is checked today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "scoring_service" / "i18n" / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
# %(name)s, %(name)r and the bare %s, %r of argparse's own messages.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sdr]")


def _keywords() -> dict[str, tuple[int, ...] | None]:
    """The keywords `make messages` extracts with (``-k _``, ``-k ngettext:1,2``)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    keywords: dict[str, tuple[int, ...] | None] = {}
    for spec in re.findall(r"-k (\S+)", makefile):
        name, _, places = spec.partition(":")
        keywords[name] = tuple(int(p) for p in places.split(",")) if places else None
    return keywords


def _marked() -> dict[str, str]:
    """Every message the code marks, with where it is first marked."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=_keywords(),
        comment_tags=(),
        strip_comment_tags=True,
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{line}")
    return found


@pytest.fixture(scope="module")
def marked() -> dict[str, str]:
    return _marked()


@pytest.fixture(scope="module")
def chinese() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    entries: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            entries[message.id] = message.string
        else:  # singular and plural share the one form Chinese has
            for msgid in message.id:
                entries[msgid] = message.string[0]
    return entries


def test_the_code_marks_messages_across_every_entrance(marked: dict[str, str]) -> None:
    places = {where.split("/")[0] for where in marked.values()}
    assert {"scoring_service", "edge", "api"} <= places
    assert len(marked) > 300  # the command line, the API, the bundle and rule checks


def test_every_marked_message_has_a_chinese_entry(
    marked: dict[str, str], chinese: dict[str, str]
) -> None:
    missing = [f"{where}: {msgid!r}" for msgid, where in marked.items() if not chinese.get(msgid)]
    assert missing == [], "no Chinese entry (run `make messages`, then translate):\n" + "\n".join(
        missing
    )


def test_the_catalogue_holds_only_messages_the_code_says(
    marked: dict[str, str], chinese: dict[str, str]
) -> None:
    stale = sorted(set(chinese) - set(marked))
    assert stale == [], "entries no code marks any more (run `make messages`)"


def test_each_translation_keeps_the_placeholders_of_its_message(chinese: dict[str, str]) -> None:
    def placeholders(text: str) -> list[str]:
        return sorted(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))

    wrong = [
        f"{msgid!r} -> {text!r}"
        for msgid, text in chinese.items()
        if placeholders(msgid) != placeholders(text)
    ]
    assert wrong == []


def test_the_work_plans_terms_are_used_as_it_writes_them(chinese: dict[str, str]) -> None:
    expected = {
        "rectification rate": "整改率",
        "commendation": "通报表扬",
        "criticism": "通报批评",
        "interview": "约谈",
        "accountability": "问责",
        "helping unit": "帮扶单位",
        "late rectification letter": "整改函下发超时",
    }
    assert {k: chinese[k] for k in expected} == expected
