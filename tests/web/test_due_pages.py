"""What is due and the way up on the pages: ``/years/{year}/due`` (lights with their words,
a scoped person's reach, what waits for a decision) and the unit page's 提升路径 section,
in Chromium through Playwright and with Flask's test client."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scoring_service.access.roles import command_line
from scoring_service.assessment.due import due
from scoring_service.db import upgrade
from scoring_service.domain.model import EventType
from scoring_service.domain.principals import Principal, Role
from scoring_service.records.events import NewEvent, append_event
from scoring_service.records.extensions import submit_request
from scoring_service.records.reports import submit_report
from scoring_service.unit_of_work import UnitOfWork
from tests.e2e.test_api_rectification import F1, F2, OTHER, loop_bundle
from tests.helpers.html import parse
from tests.helpers.web import Site, make_site, serve
from tests.integration.test_due_and_way_up import TOWN, town_bundle
from tests.web.test_browser import signed_in_page

HEPING = Principal(None, "heping", Role.INSPECTOR, frozenset({"441624"}))
WORDS = {"red": "已逾期（红灯）", "yellow": "临近到期（黄灯）"}
ROOT = Path(__file__).resolve().parents[2]


def writer(site: Site) -> UnitOfWork:
    """A unit of work of the command line with the site's evidence store."""
    s = site.services
    return UnitOfWork(s.sessions, s.rules, s.evaluator, command_line(), s.files)


def test_the_due_page_lights_each_finding_in_words_and_a_scoped_person_sees_its_reach(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    path = "/years/2018/due?as_of=2018-10-15&within=30"
    for who, actor in (("office", command_line()), ("heping", HEPING)):
        expected = due(site.uow(actor), 2018, as_of=date(2018, 10, 15), within=30).items
        assert {i.light for i in expected} == {"red", "yellow"}
        page = signed_in_page(browser, base, who, path)
        rows = page.locator("table.due tbody tr").all()
        assert [r.get_attribute("data-finding") for r in rows] == [i.finding for i in expected]
        for row, item in zip(rows, expected, strict=True):
            light = row.locator(".light")
            # The colour and the word together, never the colour alone.
            assert light.inner_text() == WORDS[item.light]
            assert f"light--{item.light}" in (light.get_attribute("class") or "")
            colour = light.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour == {"red": "rgb(179, 38, 30)", "yellow": "rgb(242, 201, 76)"}[item.light]
            days = row.locator("[data-field=days_left]").inner_text()
            if item.days_left < 0:
                assert days == f"已逾期 {-item.days_left} 天"
            elif item.days_left > 0:
                assert days == f"还剩 {item.days_left} 天"
            y, m, d = item.deadline.year, item.deadline.month, item.deadline.day
            assert row.locator("[data-field=deadline]").inner_text() == f"{y}年{m}月{d}日"
            # The units by name, their codes beside.
            names = row.locator("[data-unit]").all()
            assert [n.get_attribute("data-unit") for n in names] == [
                u.code for u in item.counts_for
            ]
            assert names[0].inner_text().startswith(item.counts_for[0].name)
        if who == "heping":
            assert all("441624" in r.locator("[data-unit='441624']").inner_text() for r in rows)
            office_rows = due(site.uow(), 2018, as_of=date(2018, 10, 15), within=30).items
            assert len(rows) < len(office_rows)
        # The finding's link leads to its page.
        rows[0].locator("a").first.click()
        page.wait_for_load_state()
        assert f"/years/2018/findings/{expected[0].finding}" in page.url
        page.context.close()


@pytest.fixture
def loop_site(db_url: str) -> Iterator[Site]:
    """The spec's example with both findings open and one in the other county."""
    made = make_site(db_url, loop_bundle())
    yield made
    made.services.close()


def test_the_due_page_names_the_report_and_the_request_waiting(loop_site: Site) -> None:
    # Shown once before anything waits: what is submitted later is named all the same.
    before = parse(loop_site.client("office").get("/years/2018/due?as_of=2018-08-08").text)
    assert before.xpath("//*[@data-waiting-report or @data-waiting-request]") == []
    report = submit_report(
        writer(loop_site), F2, day=date(2018, 8, 8), text="已拨付", today=date(2018, 8, 9)
    )
    request = submit_request(
        writer(loop_site),
        F1,
        day=date(2018, 8, 5),
        new_deadline=date(2018, 9, 10),
        reason="资金待拨付",
        today=date(2018, 8, 9),
    )
    html = loop_site.client("office").get("/years/2018/due?as_of=2018-08-08").text
    doc = parse(html)
    f2 = doc.xpath(f"//tr[@data-finding='{F2}']")[0]
    f1 = doc.xpath(f"//tr[@data-finding='{F1}']")[0]
    assert f2.xpath(".//*[@data-waiting-report]")[0].get("data-waiting-report") == str(report.id)
    assert "整改报告待审核" in f2.text_content() and "延期申请待审批" not in f2.text_content()
    assert f1.xpath(".//*[@data-waiting-request]")[0].get("data-waiting-request") == str(request.id)
    assert "延期申请待审批" in f1.text_content() and "整改报告待审核" not in f1.text_content()
    # A person of the other county sees neither finding, nor what waits on them.
    loop_site.add_person("yuancheng", "reader", ["441602"])
    other = loop_site.client("yuancheng").get("/years/2018/due?as_of=2018-09-20").text
    assert F1 not in other and F2 not in other and OTHER in other
    # Bad input is refused in words naming the field.
    refused = loop_site.client("office").get("/years/2018/due?within=-1")
    assert refused.status_code == 422 and "距期限（天）以内：不小于 0" in refused.text


def test_the_due_page_downloads_the_command_lines_file(demo: Site) -> None:
    answer = demo.client("heping").get("/years/2018/due?as_of=2018-10-15&format=csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    text = answer.data.decode("utf-8-sig")
    expected = due(demo.uow(HEPING), 2018, as_of=date(2018, 10, 15)).items
    assert text.count("已逾期（红灯）") == sum(1 for i in expected if i.light == "red")
    assert all(i.finding in text for i in expected)


def test_the_due_page_shows_a_page_of_rows_and_counts_the_whole_list(
    demo: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``web.pages.due`` is the blueprint there: the module is read by its full name.
    monkeypatch.setattr(importlib.import_module("web.pages.due"), "PER_PAGE", 3)
    path = "/years/2018/due?as_of=2018-10-15&within=30"
    for who, actor in (("office", command_line()), ("heping", HEPING)):
        expected = due(demo.uow(actor), 2018, as_of=date(2018, 10, 15), within=30)
        pages = -(-len(expected.items) // 3)
        assert pages > 1
        client, listed = demo.client(who), []
        for n in range(1, pages + 1):
            doc = parse(client.get(f"{path}&page={n}").text)
            rows = doc.xpath("//table[contains(@class, 'due')]/tbody/tr")
            assert 0 < len(rows) <= 3
            listed += [r.get("data-finding") for r in rows]
            # The counts are the whole list's, on every page.
            red = doc.xpath("//*[@data-count='red']")[0].text_content()
            assert str(expected.red) in red
            assert str(expected.yellow) in doc.xpath("//*[@data-count='yellow']")[0].text_content()
            assert bool(doc.xpath("//a[@rel='next']")) == (n < pages)
            assert bool(doc.xpath("//a[@rel='prev']")) == (n > 1)
        # Page after page, the list as the service orders it, each finding once.
        assert listed == [i.finding for i in expected.items]
    # A page past the last (an old link, a list that has since shrunk) shows the last one.
    past = parse(client.get(f"{path}&page=999").text)
    rows = past.xpath("//table[contains(@class, 'due')]/tbody/tr")
    assert [r.get("data-finding") for r in rows] == listed[-len(rows) :] and rows
    assert not past.xpath("//a[@rel='next']") and past.xpath("//a[@rel='prev']")


def test_the_due_page_after_a_write_lists_what_the_year_then_holds(site: Site) -> None:
    path = "/years/2018/due?as_of=2018-10-15&within=30"
    client = site.client("office")
    first = due(site.uow(), 2018, as_of=date(2018, 10, 15), within=30).items[0].finding
    assert f'data-finding="{first}"' in client.get(path).text
    append_event(writer(site), first, NewEvent(EventType.RECTIFIED, date(2018, 10, 15)), year=2018)
    # The remembered list is the former revision's: the page reads the year again.
    assert f'data-finding="{first}"' not in client.get(path).text


def bonus_rules(folder: Path, bonus: int) -> Path:
    """The shipped rules with R2's bonus changed (spec section 10's worked example)."""
    shutil.copytree(ROOT / "rules", folder)
    rules = folder / "2018" / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    start = text.index("- id: R2")
    head, tail = text[:start], text[start:]
    assert "bonus: 1" in tail.split("- id: R3")[0]
    rules.write_text(head + tail.replace("bonus: 1", f"bonus: {bonus}", 1), encoding="utf-8")
    return folder


def test_the_unit_page_shows_the_way_up_of_the_worked_example(browser: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url, town_bundle(), rules_dir=bonus_rules(tmp_path / "rules", 3))
    try:
        with serve(site.app) as base:
            path = f"/years/2018/units/{TOWN}?as_of=2018-10-15"
            page = signed_in_page(browser, base, "office", path)
            section = page.locator("section.way-up")
            assert section.locator("h2").inner_text() == "提升路径"
            assert section.locator("[data-way-up-summary]").inner_text() == (
                "若在 2018年10月15日 前整改以下 2 个问题，"
                "得分可由 100 升至 103，等次由 较好 升至 好。"
            )
            steps = section.locator("tbody tr").all()
            assert [s.get_attribute("data-step") for s in steps] == ["T-F10", "T-F9"]
            assert {s.locator("[data-field=rectify_by]").inner_text() for s in steps} == {
                "2018年10月15日"
            }
            # Both are overdue at the date: their outcome says so, in words.
            assert [s.locator(".outcome--overdue").count() for s in steps] == [1, 1]
            page.context.close()
    finally:
        site.services.close()


def test_the_unit_page_says_when_there_is_no_way_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url, town_bundle())  # the shipped rules: R2's bonus is 1
    try:
        html = site.client("office").get(f"/years/2018/units/{TOWN}?as_of=2018-10-15").text
        section = parse(html).xpath("//section[contains(@class, 'way-up')]")[0]
        assert "暂无可行的提升路径" in section.text_content()
        assert section.xpath(".//tbody/tr") == []
    finally:
        site.services.close()
