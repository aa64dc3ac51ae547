"""The interchange bundle: parse, check and convert to the year's data (spec section 8)."""

from __future__ import annotations

from scoring_service.bundle.checks import CatalogueOf, check_bundle
from scoring_service.bundle.parse import parse_bundle
from scoring_service.bundle.problems import InvalidBundle, Problem, pointer
from scoring_service.domain.model import YearData

__all__ = ["CatalogueOf", "InvalidBundle", "Problem", "pointer", "read_bundle"]


def read_bundle(raw: bytes | str, catalogue_of: CatalogueOf) -> YearData:
    """Parse and check a bundle; raise InvalidBundle with every problem, or return its data."""
    bundle = parse_bundle(raw)
    data, problems = check_bundle(bundle, catalogue_of)
    if problems:
        raise InvalidBundle(problems)
    return data
