"""The pages against the services, with Flask's test client on the 2018 demo data: every
figure a page shows is the one the service gives, filters keep what they say, files open."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import year_alerts
from scoring_service.db import make_engine, upgrade
from scoring_service.domain.model import EventType
from scoring_service.records import findings as records
from scoring_service.records.events import NewEvent, append_event
from scoring_service.records.inspections import list_inspections
from scoring_service.records.score_runs import current_scores
from server import create_app
from tests.helpers.html import parse
from tests.helpers.web import Site, make_site

CUTOFF = date(2018, 12, 31)


def attrs(html: str, name: str) -> list[str]:
    """The values of the attribute ``name`` in document order."""
    return re.findall(rf'{name}="([^"]*)"', html)


def field_values(html: str, field: str) -> list[str]:
    return re.findall(rf'data-field="{field}" data-value="([^"]*)"', html)


def every_finding(site: Site, filt: records.FindingFilter) -> list[records.FindingView]:
    _, page = records.list_findings(
        site.uow(command_line()), 2018, filt, as_of=None, limit=1000, cursor=None
    )
    assert page.next_cursor is None
    return page.items


def test_the_years_page_leads_to_each_year(demo: Site) -> None:
    page = demo.client("reader").get("/").text
    assert attrs(page, "data-year") == ["2018"]
    assert 'href="/years/2018/scores"' in page and 'href="/years/2018/findings"' in page


def test_the_ranking_of_towns_sorted_by_score(demo: Site) -> None:
    rows = [r for r in current_scores(demo.uow(), 2018, as_of=None).rows if r["kind"] == "town"]
    page = demo.client("reader").get("/years/2018/scores?kind=town&sort=score&order=desc").text
    assert sorted(attrs(page, "data-unit")) == sorted(r["unit"] for r in rows)
    scores = [float(v) for v in field_values(page, "score")]
    assert scores == sorted((float(r["score"]) for r in rows), reverse=True)
    assert 'aria-sort="descending"' in page


def test_the_ranking_downloads_as_csv_and_xlsx(demo: Site) -> None:
    client = demo.client("reader")
    counties = [
        r for r in current_scores(demo.uow(), 2018, as_of=None).rows if r["kind"] == "county"
    ]
    response = client.get("/years/2018/scores?kind=county&format=csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "得分" in table[0]
    assert [line[table[0].index("单位代码")] for line in table[1:]] == [r["unit"] for r in counties]
    response = client.get("/years/2018/scores?kind=county&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert len(workbook.sheetnames) >= 2
    workbook.close()


def test_each_figure_of_the_year_at_a_glance_leads_to_what_it_counts(demo: Site) -> None:
    client = demo.client("reader")
    page = client.get("/years/2018?as_of=2018-10-31").text
    links = [
        (card.get("data-figure"), card.xpath("./a")[0].get("href"), card.xpath("./a")[0].text)
        for card in parse(page).xpath("//div[@data-figure]")
    ]
    row = parse(page).xpath("//table[contains(@class,'progress')]//tr[@data-unit='441624']")[0]
    links += [
        (
            "441624 " + cell.get("data-field"),
            cell.xpath("./a")[0].get("href"),
            cell.xpath("./a")[0].text,
        )
        for cell in row.xpath("./td[a][@data-field]")
    ]
    assert len(links) == 7 + 5
    for figure, href, count in links:
        listed = client.get(href).text
        if "/findings" in href:  # the ledger, at the same date, says how many it holds
            assert "as_of=2018-10-31" in href, (figure, href)
            assert f"共 {count} 个问题" in listed, (figure, href, count)
    assert dict((f, h) for f, h, _c in links)["alerts"].endswith("alerts?as_of=2018-10-31")


def test_the_year_at_a_glance_counts_what_the_services_hold(demo: Site) -> None:
    page = demo.client("reader").get("/years/2018").text
    views = [v for v in every_finding(demo, records.FindingFilter()) if v.facts is not None]
    outcomes = Counter(v.facts.outcome.value for v in views if v.facts)
    figures = dict(re.findall(r'data-figure="(\w+)"><a class="card__value"[^>]*>(\d+)<', page))
    assert int(figures["findings"]) == len(views)
    for outcome in ("on_time", "late", "overdue", "open"):
        assert int(figures[outcome]) == outcomes[outcome]
    _, alerts = year_alerts(demo.uow(), 2018)
    assert int(figures["alerts"]) == len(alerts)
    inspections = list_inspections(demo.uow(), 2018, limit=1000, cursor=None).items
    assert int(figures["inspections"]) == len(inspections)
    held = Counter((i.group, i.start_date.month) for i in inspections)
    cells = re.findall(r'<tr data-group="([^"]+)">(.*?)</tr>', page, flags=re.S)
    assert cells
    for group, row in cells:
        for month, count in re.findall(r'data-month="(\d+)" data-value="(\d+)"', row):
            assert int(count) == held[(group, int(month))]
    counties = [
        r for r in current_scores(demo.uow(), 2018, as_of=None).rows if r["kind"] == "county"
    ]
    assert field_values(page, "score")[: len(counties)] == [str(r["score"]) for r in counties]
    assert page.count("<svg") == 2


def test_the_ledger_keeps_what_its_filters_say(demo: Site) -> None:
    client = demo.client("reader")
    page = client.get("/years/2018/findings?county=441624&overdue=yes").text
    expected = every_finding(demo, records.FindingFilter(unit="441624", overdue=True))
    assert attrs(page, "data-finding") == [v.finding.code for v in expected]
    assert set(field_values(page, "outcome")) == {"overdue"}

    page = client.get("/years/2018/findings?group=G2&severity=major").text
    listed = attrs(page, "data-finding")
    assert listed and all("-G2-" in code for code in listed)

    page = client.get("/years/2018/findings?due_within=30&as_of=2018-10-31").text
    day = date(2018, 10, 31)
    views = {
        v.finding.code: v
        for v in records.list_findings(
            demo.uow(), 2018, records.FindingFilter(), as_of=day, limit=1000, cursor=None
        )[1].items
    }
    listed = attrs(page, "data-finding")
    assert listed
    for code in listed:
        facts = views[code].facts
        assert facts is not None and not facts.state.rectified
        assert facts.state.effective_deadline <= day + timedelta(days=30)


def test_a_query_that_cannot_be_read_names_its_field(demo: Site) -> None:
    client = demo.client("reader")
    response = client.get("/years/2018/findings?due_within=soon&severity=huge")
    assert response.status_code == 422
    # Each field by the words beside it on the page, not its name in the address.
    assert "距期限（天）以内：应为整数" in response.text and "问题性质：" in response.text
    assert "due_within" not in response.text
    assert "<html" in response.text  # a page, not the API's JSON
    response = client.get("/years/2018/units/999999")
    assert response.status_code == 404
    assert "999999" in response.text
    assert client.get("/years/1999/scores").status_code == 404


def test_a_unit_page_explains_the_service_row(demo: Site) -> None:
    row = next(
        r for r in current_scores(demo.uow(), 2018, as_of=None).rows if r["unit"] == "441624101"
    )
    page = demo.client("reader").get("/years/2018/units/441624101?as_of=2018-12-31").text
    assert field_values(page, "grade")[0] == row["grade"]
    assert field_values(page, "score")[0] == str(row["score"])
    assert len(attrs(page, "data-finding")) == row["metrics"]["findings"]
    months = attrs(page, "data-month")
    assert months[0] == "2018-01-31" and months[-1] == str(CUTOFF)


def test_a_long_ranking_comes_in_pages_that_keep_its_order(
    demo: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    # The package's name ``scores`` is the blueprint; the module is in sys.modules.
    monkeypatch.setattr(sys.modules["web.pages.scores"], "PER_PAGE", 10)
    client = demo.client("reader")
    towns = [r for r in current_scores(demo.uow(), 2018, as_of=None).rows if r["kind"] == "town"]
    seen: list[str] = []
    for number in range(1, -(-len(towns) // 10) + 1):
        page = client.get(f"/years/2018/scores?kind=town&sort=rank&page={number}").text
        seen += attrs(page, "data-unit")
        assert ('rel="next"' in page) is (number * 10 < len(towns))
    assert seen == [r["unit"] for r in towns]


def test_remembered_pages_follow_every_write(tmp_path: Path) -> None:
    """The explanation, the monthly rows and the year's figures are remembered between
    requests, never across a write to the year's data."""
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url)
    try:
        client = site.client("office")
        unit_page = "/years/2018/units/441602"
        assert field_values(client.get(unit_page).text, "score")[0] == "92"
        assert 'data-unit="441602"' in client.get("/years/2018").text
        append_event(
            site.uow(), "2018-G1-441602-07-09", NewEvent(EventType.RECTIFIED, date(2018, 12, 20))
        )
        assert field_values(client.get(unit_page).text, "score")[0] == "93"
        overview = client.get("/years/2018").text
        row = re.search(r'<tr data-unit="441602">(.*?)</tr>', overview, flags=re.S)
        assert row is not None and 'data-field="score" data-value="93"' in row.group(1)
        # Another person's scope is another answer: not the one remembered for the office.
        assert site.client("heping").get(unit_page).status_code == 404
    finally:
        site.services.close()


def test_after_a_write_the_pages_score_the_year_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The year at a glance shows the scores at its date and charts them as that date's
    month; the unit pages chart the same month: one computation of them per write."""
    from scoring_service.records import score_runs

    computed: list[date] = []
    original = score_runs._computed

    def counting(uow: Any, year: int, day: date) -> Any:
        computed.append(day)
        return original(uow, year, day)

    monkeypatch.setattr(score_runs, "_computed", counting)
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url)
    try:
        client = site.client("office")
        client.get("/years/2018")
        append_event(
            site.uow(), "2018-G1-441602-07-09", NewEvent(EventType.RECTIFIED, date(2018, 12, 20))
        )
        computed.clear()
        overview = client.get("/years/2018").text
        row = re.search(r'<tr data-unit="441602">(.*?)</tr>', overview, flags=re.S)
        assert row is not None and 'data-field="score" data-value="93"' in row.group(1)
        assert computed == [CUTOFF]
        assert field_values(client.get("/years/2018/units/441602").text, "score")[0] == "93"
        assert computed == [CUTOFF]
    finally:
        site.services.close()


def test_a_unit_s_way_up_is_computed_again_only_when_its_own_findings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    units = importlib.import_module("web.pages.units")
    searched: list[str] = []
    original = units.find_way_up

    def counting(inputs: Any, evaluator: Any) -> Any:
        searched.append(inputs.unit)
        return original(inputs, evaluator)

    monkeypatch.setattr(units, "find_way_up", counting)
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url)
    try:
        client = site.client("office")
        unit_page = "/years/2018/units/441602"
        first = client.get(unit_page).text
        assert searched == ["441602"]
        # A finding of another county: the page is made again, its way up is the same.
        append_event(
            site.uow(), "2018-G1-441624-07-04", NewEvent(EventType.RECTIFIED, date(2018, 12, 20))
        )
        again = client.get(unit_page).text
        assert searched == ["441602"]
        way = re.compile(r'<section class="panel way-up".*?</section>', flags=re.S)
        assert way.findall(first) == way.findall(again) != []
        # One of its own: computed again.
        append_event(
            site.uow(), "2018-G1-441602-07-09", NewEvent(EventType.RECTIFIED, date(2018, 12, 20))
        )
        assert field_values(client.get(unit_page).text, "score")[0] == "93"
        assert searched == ["441602", "441602"]
    finally:
        site.services.close()


@pytest.mark.parametrize("cache_url", ["", "redis://127.0.0.1:6379/0"])
def test_a_second_worker_serves_the_first_s_answer_only_through_a_shared_cache(
    tmp_path: Path, cache_url: str
) -> None:
    """Two apps on one database stand for two workers. With Redis the second serves the
    answer the first remembered; each worker's own memory does not; a write by either is
    seen by both (the data revision is in the key)."""
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    first = make_site(url, cache_url=cache_url)
    second = create_app({"database_url": url, "cache_url": cache_url})
    unit_page = "/years/2018/units/441602"
    try:
        office = first.client("office")
        assert field_values(office.get(unit_page).text, "score")[0] == "92"
        # A finding's kept state changed behind the service's back (no new revision):
        # only a worker that computes the page afresh shows it.
        finding = "2018-G1-441602-07-09"
        engine = make_engine(url)
        with engine.begin() as connection:
            for sql in (
                "CREATE TABLE saved AS SELECT * FROM finding_timelines WHERE finding = :f",
                "UPDATE finding_timelines SET outcome = 'on_time', completed_on = valid_from"
                " WHERE finding = :f",
            ):
                connection.execute(text(sql), {"f": finding})
        other = Site(second, first.people).client("office")
        shown = field_values(other.get(unit_page).text, "score")[0]
        assert (shown == "92") is bool(cache_url)
        with engine.begin() as connection:
            for sql in (
                "DELETE FROM finding_timelines WHERE finding = :f",
                "INSERT INTO finding_timelines SELECT * FROM saved",
            ):
                connection.execute(text(sql), {"f": finding})
        engine.dispose()
        append_event(
            Site(second).uow(),
            finding,
            NewEvent(EventType.RECTIFIED, date(2018, 12, 20)),
        )
        assert field_values(office.get(unit_page).text, "score")[0] == "93"
        assert field_values(other.get(unit_page).text, "score")[0] == "93"
    finally:
        first.services.close()
        Site(second).services.close()


def test_a_unit_page_reads_its_rules_in_words(demo: Site) -> None:
    page = demo.client("reader").get("/years/2018/units/441624?as_of=2018-12-31").text
    section = re.search(r'<table class="table compact rules">(.*?)</section>', page, flags=re.S)
    assert section is not None
    rules = section.group(1)
    for machine in (">=", "&gt;=", "==", "rate", "overdue_major", " and "):
        assert machine not in rules
    assert "整改率不低于95%，且没有逾期未整改的重大问题" in rules
    # The rate as the clerk recounts it, and how late and major findings weigh.
    assert re.search(r"整改率 \d+\.\d\d% = [\d.]+ ÷ [\d.]+", rules)
    assert "逾期整改的计 0.5" in rules
    # The rule set named by its year and date, not by its hash.
    meta = re.search(r'<p class="meta">(.*?)</p>', page, flags=re.S)
    assert meta is not None and "2018年版" in meta.group(1) and "规则版本" not in meta.group(1)


@pytest.mark.parametrize("measure", ["commendation", "criticism", "interview"])
def test_the_ranking_filtered_to_a_measure_lists_the_units_it_falls_on(
    demo: Site, measure: str
) -> None:
    client = demo.client("office")
    rows = current_scores(demo.uow(), 2018, as_of=None).rows
    for kind in ("county", "town", "helping_unit"):
        page = client.get(f"/years/2018/scores?kind={kind}&measure={measure}").text
        wanted = [r["unit"] for r in rows if r["kind"] == kind and measure in r["measures"]]
        assert attrs(page, "data-unit") == wanted
        # Its downloads hold the same rows.
        csv_file = client.get(f"/years/2018/scores?kind={kind}&measure={measure}&format=csv")
        lines = list(csv.reader(io.StringIO(csv_file.text.lstrip("\ufeff"))))[1:]
        assert [line[2] for line in lines] == wanted  # kind, rank, unit code, ...
        # The page and its file say which units they hold.
        words = {"commendation": "通报表扬", "criticism": "通报批评", "interview": "约谈"}
        disposition = unquote(csv_file.headers["Content-Disposition"])
        assert f"考核评分-2018-{kind}-{words[measure]}-2018-12-31.csv" in disposition
        assert f'filename="scores-2018-{kind}-{measure}-2018-12-31.csv"' in disposition
        assert parse(page).xpath("//h1/span/@data-measure") == [measure]


def test_the_year_at_a_glance_names_a_few_units_per_measure_and_links_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    overview = importlib.import_module("web.pages.overview")
    monkeypatch.setattr(overview, "NAMED", 2)
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    site = make_site(url)  # its own pages: none remembered with another NAMED
    try:
        client = site.client("office")
        rows = current_scores(site.uow(), 2018, as_of=None).rows
        tree = parse(client.get("/years/2018").text)
        for measure in ("commendation", "criticism"):
            taking = [r for r in rows if measure in r["measures"]]
            assert len(taking) > 2, "the demo data gives this measure to more than two units"
            named = tree.xpath(
                f"//p[@class='measure-list'][@data-measure='{measure}']/a/@data-unit"
            )
            assert named == [r["unit"] for r in taking[:2]]
            links = tree.xpath(f"//p[@class='measure-kinds'][@data-measure='{measure}']/a")
            assert {a.get("data-kind"): int(a.text.split()[-1]) for a in links} == Counter(
                r["kind"] for r in taking
            )
            for a in links:
                listed = attrs(client.get(a.get("href")).text, "data-unit")
                assert listed == [r["unit"] for r in taking if r["kind"] == a.get("data-kind")]
    finally:
        site.services.close()
