"""What people read for the service's identifiers: a finding's outcome, a severity, why a
finding counts, an alert's type, a metric's name. The identifiers stay as they are in
machine output (JSON, enum values); these labels are looked up when text is rendered, in
the language in force."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from . import N_, gettext, use_language

OUTCOMES: Mapping[str, str] = {
    "on_time": N_("rectified on time"),
    "late": N_("rectified late"),
    "overdue": N_("overdue"),
    "open": N_("not yet due"),
}
SEVERITIES: Mapping[str, str] = {"general": N_("general"), "major": N_("major")}
# Why a finding counts for a unit (spec section 4's attribution).
REASONS: Mapping[str, str] = {
    "found": N_("found here"),
    "territorial": N_("found under this unit"),
    "paired": N_("at a paired village"),
    "responsible": N_("named responsible"),
}
ALERT_TYPES: Mapping[str, str] = {
    "late_letter": N_("late rectification letter"),
    "long_inspection": N_("inspection too long"),
    "incomplete_sample": N_("incomplete sample"),
    "missed_month": N_("month without inspection"),
    "unescalated_major": N_("major finding not escalated"),
}
METRICS: Mapping[str, str] = {
    "findings": N_("findings"),
    "due": N_("due"),
    "on_time": N_("on time"),
    "late": N_("late"),
    "overdue": N_("overdue"),
    "open": N_("open"),
    "overdue_major": N_("major overdue"),
    "fakes": N_("fake rectifications"),
    "repeats": N_("repeated findings"),
    "rate": N_("rectification rate"),
    "overdue_by_category": N_("overdue by category"),
}
# Who a token or an account is, and what its role lets it do (access/roles.py).
ROLES: Mapping[str, str] = {
    "reader": N_("Reader"),
    "inspector": N_("Inspector"),
    "assessor": N_("Assessor"),
    "rule_editor": N_("Rule editor"),
    "admin": N_("Administrator"),
    "unit": N_("Responsible unit"),
}
PERMISSIONS: Mapping[str, str] = {
    "read": N_("reading the data"),
    "inspect": N_("recording inspections and findings"),
    "assess": N_("scoring"),
    "edit_rules": N_("editing the rules"),
    "admin": N_("administering the service"),
    "report": N_("reporting rectification and asking for extensions"),
}
# Traffic lights of open findings (the due page, a unit person's page): a colour and a word
# that names the colour too, so the light reads the same in print and without colour.
LIGHTS: Mapping[str, str] = {
    "red": N_("overdue (red)"),
    "yellow": N_("due soon (yellow)"),
    "green": N_("not yet due (green)"),
}
ORIGINS: Mapping[str, str] = {"shipped": N_("shipped"), "published": N_("published")}
# A notice's delivery to one target (scoring_service.notices).
DELIVERY_STATES: Mapping[str, str] = {
    "waiting": N_("waiting to be sent"),
    "delivered": N_("delivered"),
    "parked": N_("parked (no more tries)"),
}
# The stages an import reports while it works (services.import_bundle's progress).
STAGES: Mapping[str, str] = {
    "checking": N_("checking"),
    "storing": N_("storing"),
    "done": N_("done"),
}


def label(labels: Mapping[str, str], value: str) -> str:
    """The label of ``value`` in the language in force; an unknown value reads as itself."""
    message = labels.get(value)
    return value if message is None else gettext(message)


# Kinds, grades and measures read as the work plan writes them (their Chinese entries).
KINDS: Mapping[str, str] = {
    "county": N_("county"),
    "town": N_("town"),
    "helping_unit": N_("helping unit"),
    "village": N_("village"),
}
GRADES: Mapping[str, str] = {
    "excellent": N_("excellent"),
    "good": N_("good"),
    "fair": N_("fair"),
    "poor": N_("poor"),
}
MEASURES: Mapping[str, str] = {
    "commendation": N_("commendation"),
    "criticism": N_("criticism"),
    "interview": N_("interview"),
    "accountability": N_("accountability"),
}


def labels(table: Mapping[str, str], values: list[str], separator: str = ", ") -> str:
    """Several values' labels, joined."""
    return separator.join(label(table, v) for v in values)


class InChinese(Mapping[str, str]):
    """A table of labels read in Chinese whatever the language in force: for the files the
    office keeps (CSV, XLSX, documents), whose words are the work plan's. The words are the
    catalogue's, so a value reads the same in a file, on a page and on the command line."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = table

    def __getitem__(self, value: str) -> str:
        with use_language("zh"):
            return gettext(self._table[value])

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


# What a read of a record the year does not hold (or the reader may not see) answers, one
# sentence per kind of record so that each reads whole in every language.
NOT_HELD_IN_YEAR: Mapping[str, str] = {
    "unit": N_("the year %(year)s has no unit %(code)r"),
    "inspection": N_("the year %(year)s has no inspection %(code)r"),
    "group": N_("the year %(year)s has no inspection group %(code)r"),
    "finding": N_("the year %(year)s has no finding %(code)r"),
    "report": N_("the year %(year)s has no rectification report %(code)r"),
    "extension request": N_("the year %(year)s has no extension request %(code)r"),
}
NOT_HELD: Mapping[str, str] = {
    "unit": N_("no unit %(code)r is held"),
    "report": N_("no rectification report %(code)r is held"),
    "extension request": N_("no extension request %(code)r is held"),
    "file": N_("no file %(code)r is held"),
}


def not_held(what: str, code: str, year: int | None = None) -> str:
    """The sentence for a record that is not held: its kind in words, never its machine name."""
    table = NOT_HELD if year is None else NOT_HELD_IN_YEAR
    message = table.get(what)
    if message is None:
        if year is None:
            return gettext("no %(what)s %(code)r is held", what=gettext(what), code=code)
        return gettext(
            "the year %(year)s has no %(what)s %(code)r", year=year, what=gettext(what), code=code
        )
    return gettext(message, year=year, code=code)
