"""Text from data on the inspections, alerts, imports and administration pages is shown
as text, never as markup: names, descriptions, codes echoed in problems, token names."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from scoring_service.access import tokens
from tests.helpers.bundles import spec_bundle
from tests.helpers.web import Site, csrf_token, make_site

NASTY = "<script>alert(1)</script>\"'"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;"
CODE = "<script>alert(2)</script>"  # a code holds no space: a valid code to refer to


@pytest.fixture
def small(db_url: str) -> Iterator[Site]:
    bundle = spec_bundle()
    bundle["units"][1]["name"] = NASTY  # the county 441624
    bundle["groups"][0]["name"] = NASTY
    bundle["inspections"][0]["findings"][1]["description"] = NASTY
    made = make_site(db_url, bundle)
    yield made
    made.services.close()


def test_names_and_descriptions_are_escaped(small: Site) -> None:
    client = small.client("office")
    tokens.create_token(small.uow(), NASTY, "reader")
    for path in (
        "/years/2018/inspections",
        "/years/2018/inspections/2018-G1-07",
        "/years/2018/alerts?as_of=2018-12-31",
        "/admin",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert ESCAPED in page.text, path


def test_codes_echoed_in_a_bundle_s_problems_are_escaped(small: Site) -> None:
    bundle = spec_bundle()
    bundle["year"] = 2019
    bundle["units"][2]["parent"] = CODE
    client = small.client("office")
    token = csrf_token(client.get("/imports").text)
    raw = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
    response = client.post(
        "/imports",
        data={"csrf_token": token, "bundle": (io.BytesIO(raw), "b.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "<script>alert(2)" not in response.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in response.text
