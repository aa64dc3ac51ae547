"""Each kind of text within one bound (domain/bounds.py), refused in the same words by the
bundle's models, which the API's bodies, the pages' forms and the problem list read with."""

from __future__ import annotations

import json

import pytest

from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.domain.bounds import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, REASON_MAX
from tests.helpers.bundles import catalogue_of, spec_bundle

F0 = "/inspections/0/findings/0"


def test_a_bundle_s_texts_are_bounded() -> None:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "县" * (NAME_MAX + 1)
    bundle["inspections"][0]["findings"][0]["description"] = "问" * (DESCRIPTION_MAX + 1)
    extension = next(e for e in bundle["events"] if e["type"] == "extension")
    extension["reason"] = "因" * (REASON_MAX + 1)
    noted = next(e for e in bundle["events"] if e.get("note") is not None)
    noted["note"] = "注" * (NOTE_MAX + 1)
    with pytest.raises(InvalidBundle) as caught:
        read_bundle(json.dumps(bundle), catalogue_of)
    found = {p.pointer: p.message for p in caught.value.problems}
    events = bundle["events"]
    assert found["/units/0/name"] == f"at most {NAME_MAX} characters"
    assert found[F0 + "/description"] == f"at most {DESCRIPTION_MAX} characters"
    assert found[f"/events/{events.index(extension)}/reason"] == f"at most {REASON_MAX} characters"
    assert found[f"/events/{events.index(noted)}/note"] == f"at most {NOTE_MAX} characters"


def test_texts_within_their_bounds_are_read() -> None:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "县" * NAME_MAX
    bundle["inspections"][0]["findings"][0]["description"] = "问" * DESCRIPTION_MAX
    assert read_bundle(json.dumps(bundle), catalogue_of).units[0].name == "县" * NAME_MAX
