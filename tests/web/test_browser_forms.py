"""Forms as a clerk fills them in a real browser (Chromium through Playwright): units and
criteria typed by name with the year's names suggested, and every problem of a form
listed at once at the top of the page, focused."""

from __future__ import annotations

from typing import Any

import pytest

from scoring_service.access.roles import command_line
from scoring_service.reports.exports import problem_list
from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page

HEPING = "2018-G1-441624-07"


@pytest.mark.language("zh")
def test_a_finding_is_added_by_typing_names(browser: Any, served_site: tuple[Site, str]) -> None:
    site, base = served_site
    page = signed_in_page(browser, base, "inspector", f"/years/2018/inspections/{HEPING}")
    suggested = page.locator("datalist#unit-names option[value='示例镇013']")
    assert suggested.count() == 1  # suggested as one types, without a script
    page.fill("#field-code", f"{HEPING}-90")
    page.fill("#field-unit", "示例镇013")
    page.fill("#field-criterion", "扶贫大数据平台建档立卡信息录入")
    page.fill("#field-description", "档案不全")
    page.fill("#field-deadline", "2018-09-30")
    page.fill("#field-responsible", "和平县")
    page.click("form.add-finding button[type=submit]")
    page.wait_for_load_state()
    row = page.locator(f"tr[data-finding='{HEPING}-90']")
    assert "示例镇013" in row.inner_text()
    stored = problem_list(site.uow(command_line()), 2018, HEPING).rows[-1]
    assert (stored["unit"], stored["criterion"], stored["responsible"]) == (
        "441624103",
        "7.1",
        ["441624"],
    )


@pytest.mark.language("zh")
def test_every_problem_of_a_form_is_listed_at_once_at_the_top_focused(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    _site, base = served_site
    page = signed_in_page(browser, base, "inspector", "/years/2018/inspections")
    page.fill("#field-code", HEPING)  # taken
    page.select_option("#field-group", "G1")
    page.select_option("#field-county", "441624")
    page.fill("#field-start_date", "2018-12-05")
    page.fill("#field-end_date", "2018-12-04")  # before the first day
    page.fill("#field-villages", "示例村O137")  # a typo
    page.fill("#field-households", "441624103212-001 441624103212")  # no status
    page.click("form.new-inspection button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    links = summary.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#field-households",
        "#field-villages",
        "#field-end_date",
        "#field-code",
    ]
    assert "示例村0137（441624103212）" in summary.inner_text()  # the closest name
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    table = page.locator("table").first.bounding_box()
    assert summary.bounding_box()["y"] < table["y"]  # above the year's inspections
    links.nth(1).click()
    assert page.evaluate("location.hash") == "#field-villages"
