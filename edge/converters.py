"""The routing converters of every route of the app, the API's and the pages'."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the largest value of a database integer column


class AsciiInteger(IntegerConverter):
    """``<int:...>`` in every route of the app, the API's and the pages': ASCII digits only,
    up to the largest id a database column holds. Werkzeug's own reads any digit (its
    ``\\d`` and ``int()`` take ``١`` and ``１``), so ``/years/٢٠١٨`` would be 2018 although
    ids are ASCII digits; and a number past 32 bits would reach the database and fail."""

    # The bound is in the pattern, not only in ``max``: a value past it must fail to match
    # (404), where a failed conversion lets Werkzeug answer 405 when the same path has a
    # route for another method.
    regex = (
        r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def register_converters(app: Flask) -> None:
    """Make ``<int:...>`` the ASCII one, before any route is added."""
    app.url_map.converters["int"] = AsciiInteger
