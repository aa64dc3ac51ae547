"""The rectification loop in a real browser: a unit person reports with a photo, an
inspector accepts it on the queue and the score moves; a return's reason reaches the unit;
an extension request is approved and the deadline moves."""

from __future__ import annotations

from typing import Any

from scoring_service.access.roles import command_line
from scoring_service.records.score_runs import current_scores
from tests.helpers.photos import encoded, photo
from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page

MINE = "2018-G1-441624-07-04"  # major, found in the town 441624103, overdue at the cutoff
TOWN = "441624103"
ASK = "2018-G1-441624-07-12"


def town_score(page: Any, base: str) -> str:
    page.goto(f"{base}/years/2018/scores?kind=town")
    value: str = page.locator(f'tr[data-unit="{TOWN}"] [data-field=score]').get_attribute(
        "data-value"
    )
    return value


def service_score(site: Site) -> str:
    run = current_scores(site.uow(command_line()), 2018, as_of=None)
    return str(next(r["score"] for r in run.rows if r["unit"] == TOWN))


def open_forms(page: Any, code: str) -> Any:
    forms = page.locator(f'tr[data-forms="{code}"]')
    forms.locator("summary").click()
    return forms


def test_a_report_with_a_photo_accepted_on_the_queue_rectifies_and_moves_the_score(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    site.add_person("liaison", "unit", ["441624"])
    inspector = signed_in_page(browser, base, "inspector", "/years/2018/scores?kind=town")
    before = town_score(inspector, base)

    unit = signed_in_page(browser, base, "liaison")
    assert unit.url == f"{base}/years/2018/rectification"  # a unit person's home
    row = unit.locator(f'tr[data-finding="{MINE}"] .light')
    assert row.inner_text() == "已逾期（红灯）" and "light--red" in (
        row.get_attribute("class") or ""
    )
    forms = open_forms(unit, MINE)
    report = forms.locator("form.report-form")
    report.locator("input[name=date]").fill("2018-09-01")
    report.locator("textarea[name=text]").fill("资金已拨付到位，附现场照片")
    picture = encoded(photo(5), "JPEG")
    report.locator("input[type=file]").set_input_files(
        files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": picture}]
    )
    report.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    assert unit.locator("p.notice").inner_text().startswith("问题")
    assert (
        unit.locator(f'.our-reports tr[data-finding="{MINE}"] [data-field=state]').inner_text()
        == "待审核"
    )

    inspector.goto(f"{base}/years/2018/reviews")
    waiting = inspector.locator(f'article[data-finding="{MINE}"]')
    image = waiting.locator("img")
    assert image.evaluate("i => i.complete && i.naturalWidth") == 640
    waiting.locator("input[value=accepted]").check()
    waiting.locator("button[type=submit]").click()
    inspector.wait_for_load_state()
    assert "已整改" in inspector.locator("p.notice").inner_text()

    inspector.goto(f"{base}/years/2018/findings/{MINE}")
    outcome = inspector.locator("[data-field=outcome]").first
    assert outcome.get_attribute("data-value") == "late"
    assert inspector.locator("tr[data-type=rectified]").count() == 1
    after = town_score(inspector, base)
    assert after != before and after == service_score(site)


def test_a_returned_reason_reaches_the_unit_and_an_approved_extension_moves_the_deadline(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    site.add_person("liaison", "unit", ["441624"])
    unit = signed_in_page(browser, base, "liaison")
    report = open_forms(unit, MINE).locator("form.report-form")
    report.locator("input[name=date]").fill("2018-09-01")
    report.locator("textarea[name=text]").fill("已整改")
    report.locator("button[type=submit]").click()
    unit.wait_for_load_state()
    ask = open_forms(unit, ASK).locator("form.extension-form")
    ask.locator("input[name=date]").fill("2018-07-20")
    ask.locator("input[name=new_deadline]").fill("2018-12-20")
    ask.locator("textarea[name=reason]").fill("汛期道路中断，工程无法按期完工")
    ask.locator("button[type=submit]").click()
    unit.wait_for_load_state()

    inspector = signed_in_page(browser, base, "inspector", "/years/2018/reviews")
    waiting = inspector.locator(f'article[data-finding="{MINE}"]')
    waiting.locator("input[value=returned]").check()
    waiting.locator("textarea[name=reason]").fill("缺少现场照片")
    waiting.locator("button[type=submit]").click()
    inspector.wait_for_load_state()
    asked = inspector.locator(f'article[data-finding="{ASK}"]')
    asked.locator("input[value=approved]").check()
    asked.locator("button[type=submit]").click()
    inspector.wait_for_load_state()

    unit.reload()
    returned = unit.locator(f'.our-reports tr[data-finding="{MINE}"]')
    assert returned.locator("[data-field=state]").inner_text() == "已退回"
    assert returned.locator("[data-field=reason]").inner_text() == "缺少现场照片"
    approved = unit.locator(f'.our-requests tr[data-finding="{ASK}"] [data-field=state]')
    assert approved.inner_text() == "已同意"
    unit.goto(f"{base}/years/2018/findings/{ASK}")
    assert unit.locator("tr[data-type=extension]").count() == 1
    assert "2018年12月20日" in unit.locator(".panel").nth(1).inner_text()
