"""The pages read in Chinese by default, in the browser's language when it asks for one the
service speaks, and leave no English prose in the Chinese pages."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

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


# Links a crawl does not follow: files (their words are checked with the files), leaving.
_NOT_PAGES = re.compile(
    r"(\.(csv|xlsx|docx|pdf|zip|png|svg|css|js)$)|format=|/logout|/static/|/download|/archive"
)
# Error pages: a path with no page, records and years not held, queries that cannot be read.
ERROR_PAGES = [
    ("/no/such/page", 404),
    ("/years/2018/units/441621999", 404),
    ("/years/1999/scores", 404),
    ("/years/2018/findings/2018-G9-000000-00-00", 404),
    ("/years/2018/inspections/2018-G9-000000-00", 404),
    ("/years/2018/findings?due_within=-1", 422),
    ("/years/2018/findings?due_within=soon&severity=huge", 422),
    ("/years/2018/due?within=100000", 422),
    ("/years/2018/units/441624?as_of=2018-99-99", 422),
]


def crawl(client: Any, start: str = "/", most: int = 400) -> dict[str, str]:
    """Every page reachable from ``start`` by its links, read once each (by path and query)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < most:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            seen[path] = ""
            continue
        seen[path] = response.text
        for href in lxml_html.fromstring(response.text).xpath("//a/@href"):
            link = urlsplit(href)
            if link.scheme or link.netloc or not link.path.startswith("/"):
                continue
            target = link.path + (f"?{link.query}" if link.query else "")
            if not _NOT_PAGES.search(target) and target not in seen:
                queue.append(target)
    return seen


@pytest.mark.language(None)
def test_no_page_of_the_demo_data_holds_english_prose(demo: Site) -> None:
    pages = crawl(demo.client("office"))
    read = {path: page for path, page in pages.items() if page}
    assert len(read) > 50, sorted(pages)
    found = {
        path: runs for path, page in read.items() if (runs := english_runs(visible_text(page)))
    }
    assert found == {}


@pytest.mark.language(None)
@pytest.mark.parametrize(("path", "status"), ERROR_PAGES)
def test_no_error_page_holds_english_or_machine_words(demo: Site, path: str, status: int) -> None:
    response = demo.client("office").get(path)
    assert response.status_code == status
    shown = visible_text(response.text)
    assert english_runs(shown, min_words=2) == [], shown
    for machine in ("Input should", "due_within", "unit '", "rule set ", "data revision"):
        assert machine not in shown


@pytest.mark.language(None)
def test_the_login_page_names_no_command(demo: Site) -> None:
    page = demo.client().get("/login").text
    assert "请管理员为您开设账号" in page
    assert "python -m" not in page and "users create" not in page


@pytest.mark.language(None)
@pytest.mark.parametrize("path", ["/years/2018", "/years/2018/units/441602"])
def test_a_page_remembered_in_one_language_is_read_in_the_other(demo: Site, path: str) -> None:
    """The pages rendered once per data revision are remembered per language too."""
    client = demo.client("office")
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).text
    english = client.get(path, headers={"Accept-Language": "en-US"}).text
    assert english_runs(visible_text(chinese)) == []
    assert "Month by month" in english and "Month by month" not in chinese
    assert client.get(path, headers={"Accept-Language": "zh-CN"}).text == chinese
