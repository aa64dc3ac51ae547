"""The imports and rules pages in a real browser (Chromium through Playwright): a bad
bundle's every problem on the page, and a draft's dry run with its movers."""

from __future__ import annotations

from typing import Any

import pytest

from scoring_service.assessment.services import list_years
from scoring_service.bundle import InvalidBundle, read_bundle
from scoring_service.domain.principals import Principal, Role
from scoring_service.rulesets import service
from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page
from tests.web.test_imports_page import broken_bundle
from tests.web.test_rules_page import files_2018, zipped


@pytest.mark.language("zh")  # the page reads Chinese; so must the expected problems
def test_a_bad_bundle_shows_every_problem(browser: Any, served_site: tuple[Site, str]) -> None:
    site, base = served_site
    raw = broken_bundle()
    try:
        read_bundle(raw, lambda _year: site.services.rules.current(2019).catalogue)  # type: ignore[union-attr]
    except InvalidBundle as exc:
        expected = exc.problems
    before = list_years(site.uow())
    page = signed_in_page(browser, base, "office", "/imports")
    page.set_input_files(
        "#field-bundle",
        files=[{"name": "2019.json", "mimeType": "application/json", "buffer": raw}],
    )
    page.click("form.import button[type=submit]")
    page.wait_for_load_state()
    listed = page.locator("ol.problems li")
    assert listed.count() == len(expected) >= 3
    assert [li.get_attribute("data-pointer") for li in listed.all()] == [
        p.pointer for p in expected
    ]
    for li, problem in zip(listed.all(), expected, strict=True):
        assert problem.message in li.inner_text()
    assert page.locator(".bundle-problems h2").inner_text().startswith("数据包有")
    assert list_years(site.uow()) == before  # nothing stored


def test_a_draft_s_dry_run_shows_its_movers(browser: Any, served_site: tuple[Site, str]) -> None:
    site, base = served_site
    site.add_person("editor", "rule_editor")
    page = signed_in_page(browser, base, "editor", "/rules/2018")
    page.set_input_files(
        "#field-folder",
        files=[
            {
                "name": "2018.zip",
                "mimeType": "application/zip",
                "buffer": zipped(files_2018(), "2018/"),
            }
        ],
    )
    page.fill("#field-note", "R1 提高到 97%")
    page.click("form.upload button[type=submit]")
    page.wait_for_load_state()
    assert "/rules/2018/drafts/" in page.url
    assert page.locator("section.tests").get_attribute("data-failed") == "1"
    draft_id = int(page.url.rsplit("/", 1)[1])

    page.click("button.dry-run")
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/rules/2018/drafts/{draft_id}/diff")
    doc = service.dry_run(
        site.uow(Principal(None, "editor", Role.RULE_EDITOR)), 2018, draft_id=draft_id
    ).to_json()
    movers = page.locator("table.movers tr[data-unit]")
    expected = doc["summary"]["largest_movers"]
    assert [r.get_attribute("data-unit") for r in movers.all()] == [m["unit"] for m in expected]
    first = movers.first
    assert first.locator("[data-field=change]").get_attribute("data-value") == str(
        expected[0]["change"]
    )
    lost = page.locator("tr[data-measure=commendation] [data-field=lost]").get_attribute(
        "data-value"
    )
    assert lost.split() == doc["summary"]["measures"]["commendation"]["lost"]
    assert page.locator("h2 >> text=变化最大的单位").is_visible()
