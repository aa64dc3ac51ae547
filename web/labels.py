"""The words people read for the service's machine values (grades, measures, outcomes,
unit kinds, event types, roles). The machine value stays in ``data-value`` attributes and
exports; these are only what a page shows."""

from __future__ import annotations

from babel.support import LazyProxy

from scoring_service.i18n import current_language, lazy_gettext

GRADES: dict[str, LazyProxy] = {
    "excellent": lazy_gettext("Excellent"),
    "good": lazy_gettext("Good"),
    "fair": lazy_gettext("Fair"),
    "poor": lazy_gettext("Poor"),
}
MEASURES: dict[str, LazyProxy] = {
    "commendation": lazy_gettext("Public commendation"),
    "criticism": lazy_gettext("Public criticism"),
    "interview": lazy_gettext("Interview"),
    "accountability": lazy_gettext("Accountability"),
}
KINDS: dict[str, LazyProxy] = {
    "county": lazy_gettext("Counties"),
    "town": lazy_gettext("Towns"),
    "village": lazy_gettext("Villages"),
    "helping_unit": lazy_gettext("Helping units"),
}
OUTCOMES: dict[str, LazyProxy] = {
    "on_time": lazy_gettext("Rectified on time"),
    "late": lazy_gettext("Rectified late"),
    "overdue": lazy_gettext("Overdue"),
    "open": lazy_gettext("Not yet due"),
}
SEVERITIES: dict[str, LazyProxy] = {
    "general": lazy_gettext("General"),
    "major": lazy_gettext("Major"),
}
EVENTS: dict[str, LazyProxy] = {
    "rectified": lazy_gettext("Rectified"),
    "extension": lazy_gettext("Extension"),
    "lookback_passed": lazy_gettext("Look-back passed"),
    "lookback_failed": lazy_gettext("Look-back failed"),
    "escalated": lazy_gettext("Escalated"),
}
ROLES: dict[str, LazyProxy] = {
    "reader": lazy_gettext("Reader"),
    "inspector": lazy_gettext("Inspector"),
    "assessor": lazy_gettext("Assessor"),
    "rule_editor": lazy_gettext("Rule editor"),
    "admin": lazy_gettext("Administrator"),
}
REASONS: dict[str, LazyProxy] = {
    "found": lazy_gettext("found at the unit itself"),
    "territorial": lazy_gettext("found at a unit under it"),
    "paired": lazy_gettext("found at a village it helps"),
    "responsible": lazy_gettext("named responsible"),
}
ALERTS: dict[str, LazyProxy] = {
    "late_letter": lazy_gettext("Rectification letter late"),
    "long_inspection": lazy_gettext("Inspection too long"),
    "incomplete_sample": lazy_gettext("Sample incomplete"),
    "missed_month": lazy_gettext("No inspection in a month"),
    "unescalated_major": lazy_gettext("Major finding not escalated"),
}

LETTERS: dict[str, LazyProxy] = {
    "on_time": lazy_gettext("Issued on time"),
    "late": lazy_gettext("Issued late"),
    "missing": lazy_gettext("Not issued, overdue"),
    "pending": lazy_gettext("Not issued yet, still in time"),
    "not_ended": lazy_gettext("The inspection had not ended"),
}
HOUSEHOLDS: dict[str, LazyProxy] = {
    "pre_exit": lazy_gettext("Due to exit poverty"),
    "not_exited": lazy_gettext("Not exited"),
}
DRAFTS: dict[str, LazyProxy] = {
    "open": lazy_gettext("Open"),
    "stale": lazy_gettext("Stale: another version came into force"),
    "published": lazy_gettext("Published"),
}


# Words already read, by language, table and value: a ranking shows thousands, and the
# catalogue is read once per process anyway (scoring_service.i18n.translations).
_words: dict[tuple[str, int, str], str] = {}


def label(table: dict[str, LazyProxy], value: object) -> str:
    """The word for ``value`` in the current language, or the value itself when it has none."""
    key = (current_language(), id(table), str(value))
    word = _words.get(key)
    if word is None:
        found = table.get(key[2])
        if found is None:
            return key[2]
        word = _words[key] = str(found)
    return word
