"""The interchange bundle: parse, check and convert to the year's data (spec section 8)."""

from __future__ import annotations

from scoring_service.bundle.checks import CatalogueOf, check_bundle
from scoring_service.bundle.problems import PROBLEM_LIMIT, InvalidBundle, Problem, Problems, pointer
from scoring_service.bundle.stream import Source, stream_records
from scoring_service.domain.model import YearData

__all__ = [
    "PROBLEM_LIMIT",
    "CatalogueOf",
    "InvalidBundle",
    "Problem",
    "Source",
    "pointer",
    "read_bundle",
]


def read_bundle(raw: Source, catalogue_of: CatalogueOf) -> YearData:
    """Parse and check a bundle (its text, or the path of its file); raise InvalidBundle with
    every problem, or return its data.

    The bundle is read as a stream of records (``stream.py``). Shape problems do not stop
    the cross-record checks: those run on every record whose shape is sound. The first
    ``PROBLEM_LIMIT`` problems are listed, the rest counted."""
    problems = Problems()
    records = stream_records(raw, problems)
    data, _ = check_bundle(records, catalogue_of, problems=problems)
    if problems:
        raise problems.error()
    return data
