"""The pages read in Chinese by default, in the browser's language when it asks for one the
service speaks, and leave no English prose in the Chinese pages."""

from __future__ import annotations

import re
from html import unescape

import pytest
from lxml import html as lxml_html

from tests.helpers.english import english_runs
from tests.helpers.web import Site

# Every page of the year an administrator reads (the writing forms included).
PAGES = [
    "/",
    "/years/2018",
    "/years/2018/scores?kind=county",
    "/years/2018/scores?kind=helping_unit",
    "/years/2018/units/441624",
    "/years/2018/findings",
    "/years/2018/inspections",
    "/years/2018/alerts",
    "/years/2018/due?as_of=2018-10-15&within=30",
    "/years/2018/rectification",
    "/years/2018/reviews",
    "/years/2018/documents",
    "/years/2018/inspections/2018-G1-441624-07",
    "/imports",
    "/rules/2018",
    "/admin",
]


def visible_text(page: str) -> str:
    """What a person reads: the text of the body and the values of buttons and labels."""
    tree = lxml_html.fromstring(page)
    for hidden in tree.xpath("//script|//style|//svg//desc"):
        hidden.drop_tree()
    return unescape(re.sub(r"[ \t]+", " ", tree.text_content()))


@pytest.mark.language(None)
@pytest.mark.parametrize("path", PAGES)
def test_the_pages_hold_no_english_prose_in_the_default_language(demo: Site, path: str) -> None:
    response = demo.client("office").get(path)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert english_runs(visible_text(response.text)) == []


@pytest.mark.language(None)
def test_a_browser_asking_for_english_reads_the_pages_in_english(demo: Site) -> None:
    client = demo.client("office")
    english = client.get("/years/2018/scores?kind=county", headers={"Accept-Language": "en-US"})
    assert '<html lang="en">' in english.text
    assert english.headers["Content-Language"] == "en"
    chinese = client.get("/years/2018/scores?kind=county", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="zh-CN">' in chinese.text
    # The same rows, in either language.
    rows = re.compile(r'data-unit="([^"]+)"')
    assert rows.findall(english.text) == rows.findall(chinese.text) != []
