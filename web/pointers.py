"""A JSON pointer into a bundle (``/inspections/3/findings/0/deadline``) in words people
read (第4条督查 › 第1个问题 › deadline), shown beside the pointer itself."""

from __future__ import annotations

from babel.support import LazyProxy

from scoring_service.i18n import lazy_gettext

# A list of the bundle and what one of its items is called; items are counted from 1.
ITEMS: dict[str, LazyProxy] = {
    "units": lazy_gettext("unit %(number)s"),
    "pairings": lazy_gettext("pairing %(number)s"),
    "groups": lazy_gettext("group %(number)s"),
    "inspections": lazy_gettext("inspection %(number)s"),
    "findings": lazy_gettext("finding %(number)s"),
    "events": lazy_gettext("event %(number)s"),
    "towns": lazy_gettext("town %(number)s"),
    "villages": lazy_gettext("village %(number)s"),
    "households": lazy_gettext("household %(number)s"),
    "counties": lazy_gettext("county %(number)s"),
    "responsible": lazy_gettext("responsible unit %(number)s"),
}


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def in_words(pointer: str) -> str:
    """The place a pointer names, step by step; the whole bundle when it is empty."""
    parts = [_unescape(p) for p in pointer.split("/")[1:]] if pointer else []
    if not parts:
        return str(lazy_gettext("the bundle as a whole"))
    steps: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else None
        if part in ITEMS and following is not None and following.isdigit():
            steps.append(str(ITEMS[part]) % {"number": int(following) + 1})
            index += 2
        else:
            steps.append(part)
            index += 1
    return " › ".join(steps)
