"""The pages in a real browser (Chromium through Playwright) on the shipped demo data: what
a person sees is what the services compute."""

from __future__ import annotations

from typing import Any

from scoring_service.access.roles import command_line
from scoring_service.records.score_runs import current_scores
from tests.helpers.web import PASSWORD, Site

FINDING = "2018-G1-441602-07-09"  # overdue at the cutoff; counts for the county 441602


def signed_in_page(browser: Any, base: str, username: str, path: str = "/") -> Any:
    """A new browser context signed in through the form, then at ``path``."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}{path}")
    assert page.url.startswith(f"{base}/login")  # sent to sign in first
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def cells(page: Any, unit: str) -> dict[str, str]:
    """The machine values of a unit's row: ``data-field`` -> ``data-value``."""
    row = page.locator(f'tr[data-unit="{unit}"]')
    return {
        c.get_attribute("data-field"): c.get_attribute("data-value")
        for c in row.locator("[data-field]").all()
    }


def expected(row: dict[str, Any]) -> dict[str, str]:
    rate = row["metrics"]["rate"]
    return {
        "rank": str(row["rank"]),
        "rate": "" if rate is None else str(rate),
        "bonus": str(row["bonus"]),
        "deduction": str(row["deduction"]),
        "score": str(row["score"]),
        "grade": row["grade"],
        "measures": " ".join(row["measures"]),
    }


def service_rows(site: Site, kind: str) -> list[dict[str, Any]]:
    run = current_scores(site.uow(command_line()), 2018, as_of=None)
    return [r for r in run.rows if r["kind"] == kind]


def test_the_ranking_and_a_unit_page_show_the_services_rows(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    page = signed_in_page(browser, base, "office", "/years/2018/scores")
    assert page.url == f"{base}/years/2018/scores"
    rows = service_rows(site, "county")
    shown = page.locator("table.ranking tbody tr").all()
    assert [r.get_attribute("data-unit") for r in shown] == [r["unit"] for r in rows]
    for row in rows:
        assert cells(page, row["unit"]) == expected(row)
    # The grade is a word with its colour, in Chinese.
    worst = rows[-1]
    grade = page.locator(f'tr[data-unit="{worst["unit"]}"] [data-field=grade] .grade')
    assert (
        grade.inner_text()
        == {"excellent": "好", "good": "较好", "fair": "一般", "poor": "较差"}[worst["grade"]]
    )
    assert f"grade--{worst['grade']}" in (grade.get_attribute("class") or "")

    # Sorting by score, lowest first, keeps the same rows.
    page.click("th >> text=得分")
    page.wait_for_load_state()
    scores = [
        float(c.get_attribute("data-value")) for c in page.locator("[data-field=score]").all()
    ]
    assert scores == sorted(scores) and len(scores) == len(rows)

    # Drill down to the unit: its row, rules and the findings that count.
    page.click(f'tr[data-unit="{worst["unit"]}"] a')
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/years/2018/units/{worst['unit']}")
    assert cells(page, worst["unit"]) == expected(worst)
    findings = page.locator("[data-finding]")
    assert findings.count() == worst["metrics"]["findings"]
    fired = {r.get_attribute("data-rule") for r in page.locator('tr[data-fired="true"]').all()}
    assert fired  # the poorest county has rules that fired
    assert page.locator("svg.chart").count() == 2


def test_recording_an_event_changes_the_score(browser: Any, served_site: tuple[Site, str]) -> None:
    site, base = served_site
    before = {r["unit"]: r for r in service_rows(site, "county")}["441602"]
    page = signed_in_page(browser, base, "inspector", f"/years/2018/findings/{FINDING}")
    assert page.locator("[data-field=outcome]").get_attribute("data-value") == "overdue"

    held = page.locator("tr[data-event]").count()

    # A look-back of a finding not rectified is not offered; what the state machine
    # refuses (an event dated before the finding was found) is said in words.
    offered = page.locator("#field-type option").evaluate_all("os => os.map(o => o.value)")
    assert "lookback_passed" not in offered and "rectified" in offered
    page.select_option("#field-type", "rectified")
    page.fill("#field-date", "2018-01-02")
    page.click("form.record button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "发现" in summary.inner_text()
    assert page.locator("tr[data-event]").count() == held  # nothing stored

    page.select_option("#field-type", "rectified")
    page.fill("#field-date", "2018-12-20")
    page.fill("#field-note", "已整改到位")
    page.click("form.record button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("tr[data-event]").count() == held + 1
    newest = page.locator("tr[data-event]").last  # the history is in the order events apply
    assert newest.get_attribute("data-type") == "rectified"
    assert "已整改到位" in newest.inner_text()
    assert "已登记" in page.locator("[role=status]").inner_text()
    assert page.locator("[data-field=outcome]").get_attribute("data-value") == "late"

    page.goto(f"{base}/years/2018/scores")
    after = cells(page, "441602")
    assert float(after["score"]) == float(before["score"]) + 1


def test_a_scoped_person_sees_only_their_county(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    _site, base = served_site
    page = signed_in_page(browser, base, "heping", "/years/2018/scores")
    assert [r.get_attribute("data-unit") for r in page.locator("tr[data-unit]").all()] == ["441624"]
    page.goto(f"{base}/years/2018/scores?kind=town")
    towns = [r.get_attribute("data-unit") for r in page.locator("tr[data-unit]").all()]
    assert towns and all(t.startswith("441624") for t in towns)

    response = page.goto(f"{base}/years/2018/units/441602")
    assert response.status == 404
    assert "441602" in page.locator(".error-detail").inner_text()
    response = page.goto(f"{base}/years/2018/findings/{FINDING}")
    assert response.status == 404

    page.goto(f"{base}/years/2018/findings?overdue=yes")
    listed = [r.get_attribute("data-finding") for r in page.locator("tr[data-finding]").all()]
    assert listed and all("-441624-" in code for code in listed)
