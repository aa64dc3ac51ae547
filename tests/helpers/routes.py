"""Every route of the app with a number in its path, the number written in other digits or
past the largest id."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask
from werkzeug.routing.converters import NumberConverter

# Digits that Python's int() and the regular expression \d read, but that are no id.
OTHER_DIGITS = ("١", "１", "٢٠١٨", "२०१८", "𝟐𝟎𝟏𝟖")
# Past the largest id a database column holds: no record, whatever the method (never 405).
TOO_LARGE = ("2147483648", "18170044348231728")


def odd_paths(app: Flask, prefix: str) -> Iterator[tuple[str, str]]:
    """(method, path) of every route under ``prefix`` with a number in it, each number
    in turn written in other digits or too large, the others (and every code) written
    plainly."""
    for rule in app.url_map.iter_rules():
        numbers = [n for n, c in rule._converters.items() if isinstance(c, NumberConverter)]
        if not rule.rule.startswith(prefix) or not numbers:
            continue
        for number in numbers:
            for digits in (*OTHER_DIGITS, *TOO_LARGE):
                values = {n: ("2018" if n == "year" else "1") for n in rule.arguments}
                path = _fill(rule.rule, {**values, number: digits})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield method, path


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)
