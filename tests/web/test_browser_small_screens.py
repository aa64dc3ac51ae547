"""The pages on a phone (390 px wide) in a real browser: no page wider than the screen,
the menu folded behind one button (details/summary, no script), tables scrolling inside
their own box."""

from __future__ import annotations

from typing import Any

import pytest

from server.screenshots import PAGES
from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page

PHONE = {"width": 390, "height": 844}


@pytest.mark.language("zh")
def test_no_page_is_wider_than_a_phone(browser: Any, served_site: tuple[Site, str]) -> None:
    _site, base = served_site
    page = signed_in_page(browser, base, "office", "/")
    page.set_viewport_size(PHONE)
    wide = {}
    for name, path in PAGES.items():
        if name == "login":
            continue
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
    assert wide == {}


@pytest.mark.language("zh")
def test_the_menu_folds_on_a_phone_and_not_on_a_laptop(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    _site, base = served_site
    page = signed_in_page(browser, base, "office", "/years/2018/scores")
    ranking = page.locator(".year-nav a[aria-current=page]")
    assert ranking.is_visible()  # a laptop shows the menu as it is
    assert not page.locator(".menu > summary").is_visible()
    page.set_viewport_size(PHONE)
    assert not ranking.is_visible()  # folded
    page.click(".menu > summary")
    assert ranking.is_visible()
    table = page.locator("table.table").first
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # it scrolls in its box
