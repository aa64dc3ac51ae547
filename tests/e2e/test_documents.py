"""The work plan's documents over HTTP and the command line, read back and checked against
the data: letters, circulars, monthly reports, the ledger and the quarterly archive."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scoring_service.bundle import read_bundle
from scoring_service.cli import main
from scoring_service.documents.files import DOCX, XLSX, ZIP
from tests.helpers.api import Api, api_fixture, problem  # noqa: F401
from tests.helpers.bundles import catalogue_of, spec_bundle
from tests.helpers.documents import (
    demo_bundle,
    docx_paragraphs,
    docx_tables,
    docx_text,
    sheet_rows,
    table_after,
)

Y = "/api/v1/years/2018"
MEASURE_LISTS = {
    "commendation": "二、通报表扬",
    "criticism": "三、通报批评",
    "interview": "四、约谈",
    "accountability": "五、问责",
}


@pytest.fixture(name="demo")
def demo_fixture(api: Api) -> Api:
    """The API holding the shipped demo year 2018."""
    api.load(demo_bundle())
    return api


def download(api: Api, path: str, media: str, who: str = "admin") -> bytes:
    response = api.get(path, who)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == media
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    data: bytes = response.get_data()
    return data


def cn(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"


# --- the rectification letter ---------------------------------------------------------------


def test_a_letter_holds_every_finding_of_its_inspection_with_its_deadline(demo: Api) -> None:
    bundle = demo_bundle()
    inspection = next(i for i in bundle["inspections"] if i["code"] == "2018-G1-441624-07")
    data = download(demo, f"{Y}/inspections/2018-G1-441624-07/letter", DOCX)
    paragraphs = docx_paragraphs(data)
    text = "\n".join(paragraphs)
    assert "市督查〔2018〕" in text
    assert "关于和平县限期整改督查发现问题的函" in paragraphs
    assert "和平县扶贫开发领导小组：" in paragraphs
    # The 版记 closes the document, after the attached list.
    assert paragraphs[-2:] == [
        "抄送：中共和平县委员会，和平县人民政府。",
        f"河源市脱贫攻坚督查工作领导小组办公室\t{cn(inspection['letter_date'])}印发",
    ]
    # The inspection's dates and group, the reply date; nothing about its own timeliness.
    assert f"于{cn(inspection['start_date'])}至{cn(inspection['end_date'])}" in text
    assert "第一组（组长：张翼）" in text
    reply = date.fromisoformat(inspection["letter_date"]) + timedelta(days=30)
    assert f"于{cn(reply.isoformat())}前将整改情况书面报告督查组" in text
    assert "天内发出整改函" not in text and "发出日期" not in text
    (problems,) = docx_tables(data)
    assert problems[0][:2] == ["序号", "问题编号"]
    listed = {row[1]: row for row in problems[1:]}
    expected = inspection["findings"]
    assert sorted(listed) == sorted(f["code"] for f in expected)
    for finding in expected:
        row = listed[finding["code"]]
        assert row[5] == finding["description"]
        assert row[6] == ("重大问题" if finding["severity"] == "major" else "一般问题")
        assert row[7] == cn(finding["deadline"])
        assert row[3].startswith(finding["criterion"] + " ")
        assert row[8]  # the responsible units, else the unit where it was found
    majors = sum(f["severity"] == "major" for f in expected)
    assert f"共发现问题{len(expected)}个，其中重大问题{majors}个" in text


def test_a_letter_takes_its_date_and_number_when_given(demo: Api) -> None:
    data = download(
        demo,
        f"{Y}/inspections/2018-G1-441624-07/letter?date=2018-07-12&number=17",
        DOCX,
    )
    text = "\n".join(docx_paragraphs(data))
    assert "市督查〔2018〕17号" in text
    assert "2018年7月12日印发" in text


def test_a_letter_names_the_configured_office_and_contact(
    demo: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORING_ISSUER", "河源市扶贫开发领导小组办公室")
    monkeypatch.setenv("SCORING_DOC_PREFIX", "河扶办")
    monkeypatch.setenv("SCORING_DOC_CONTACT", "黄运彬，0762-3380000")
    data = download(demo, f"{Y}/inspections/2018-G1-441624-07/letter?number=3", DOCX)
    paragraphs = docx_paragraphs(data)
    assert paragraphs[0] == "河源市扶贫开发领导小组办公室" and "河扶办〔2018〕3号" in paragraphs
    assert "（联系人：黄运彬，0762-3380000）" in paragraphs
    assert paragraphs[-1].startswith("河源市扶贫开发领导小组办公室\t")


def test_a_one_day_inspection_reads_one_date(api: Api) -> None:
    bundle = spec_bundle()
    inspection = bundle["inspections"][0]
    inspection["start_date"] = inspection["end_date"]
    api.load(bundle)
    text = docx_text(download(api, f"{Y}/inspections/2018-G1-07/letter", DOCX))
    day = cn(inspection["end_date"])
    assert f"于{day}对你县（区）开展了督促检查" in text
    assert f"{day}至" not in text


@pytest.mark.language("zh")
def test_a_letter_for_an_inspection_without_findings_is_refused_in_words(api: Api) -> None:
    bundle = spec_bundle()
    bundle["inspections"][0]["findings"] = []
    bundle["events"] = []
    api.load(bundle)
    found_nothing = problem(api.get(f"{Y}/inspections/2018-G1-07/letter"), 422)
    assert "未发现问题" in found_nothing["detail"]


def test_a_letter_dated_before_its_inspection_ended_is_refused(api: Api) -> None:
    api.load()
    end = spec_bundle()["inspections"][0]["end_date"]
    before = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
    early = problem(api.get(f"{Y}/inspections/2018-G1-07/letter?date={before}"), 422)
    assert cn(end) in early["detail"] and cn(before) in early["detail"]


def test_letters_are_numbered_by_their_place_in_the_year(demo: Api) -> None:
    inspections = sorted(
        demo_bundle()["inspections"], key=lambda i: (i["end_date"], i["start_date"], i["code"])
    )
    for place in (0, 20):
        code = inspections[place]["code"]
        data = download(demo, f"{Y}/inspections/{code}/letter", DOCX)
        assert f"市督查〔2018〕{place + 1}号" in docx_paragraphs(data)


# (A control character XML cannot hold is refused on entry; test_hostile_text.py shows one
# stored before that still makes the letter.)
HOSTILE = "{{ 7*7 }} {% if true %}X{% endif %} <w:p><w:r><w:t>injected</w:t></w:r></w:p> & 完"


def test_text_from_the_data_reaches_a_letter_as_text(api: Api) -> None:
    bundle = spec_bundle()
    finding = bundle["inspections"][0]["findings"][0]
    finding["description"] = HOSTILE
    bundle["units"][1]["name"] = "和平县{{ county_name }}</w:t>"
    api.load(bundle)
    data = download(api, f"{Y}/inspections/2018-G1-07/letter", DOCX)
    (problems,) = docx_tables(data)
    descriptions = [row[5] for row in problems[1:]]
    # Shown exactly as written; nothing ran.
    assert HOSTILE in descriptions
    text = docx_text(data)
    assert "49" not in text and "injected</w:t>" in text
    assert "关于和平县{{ county_name }}</w:t>限期整改督查发现问题的函" in text
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        body = docx.read("word/document.xml").decode()
    assert "&lt;w:p&gt;" in body and "<w:t>injected" not in body


def test_a_letter_outside_the_scope_is_not_found(api: Api) -> None:
    api.load()
    api.token("heping", "reader", ["441624"])
    api.token("yuancheng", "reader", ["441602"])
    data = download(api, f"{Y}/inspections/2018-G1-07/letter", DOCX, who="heping")
    assert "关于和平县限期整改督查发现问题的函" in docx_paragraphs(data)
    # As if it did not exist: the same answer as for a code no inspection has.
    outside = problem(api.get(f"{Y}/inspections/2018-G1-07/letter", "yuancheng"), 404)
    nowhere = problem(api.get(f"{Y}/inspections/NOPE/letter", "yuancheng"), 404)
    assert outside["title"] == nowhere["title"]
    assert outside["detail"] == nowhere["detail"].replace("NOPE", "2018-G1-07")


# --- the circular --------------------------------------------------------------------------


def measure_lists(data: bytes) -> dict[str, set[str]]:
    """The units under each measure's heading: the table that follows it, or none ("无。")."""
    from docx import Document

    listed: dict[str, set[str]] = {}
    heading = None
    body = Document(io.BytesIO(data)).element.body
    for block in body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t"))
        if tag == "p" and text in MEASURE_LISTS.values():
            heading = text
            listed[heading] = set()
        elif tag == "tbl" and heading is not None:
            rows = block.findall(".//{*}tr")
            for row in rows[1:]:
                cells = [
                    "".join(t.text or "" for t in c.iter() if t.tag.endswith("}t"))
                    for c in row.findall("{*}tc")
                ]
                listed[heading].add(cells[2])
            heading = None
    return {m: listed.get(h, set()) for m, h in MEASURE_LISTS.items()}


def test_a_circular_lists_exactly_the_units_of_each_measure(demo: Api) -> None:
    scores = demo.get(f"{Y}/scores?as_of=2018-12-31&limit=1000").get_json()["items"]
    data = download(demo, f"{Y}/documents/circular?as_of=2018-12-31&number=3", DOCX)
    lists = measure_lists(data)
    for measure in MEASURE_LISTS:
        expected = {r["name"] for r in scores if measure in r["measures"]}
        assert lists[measure] == expected, measure
    assert all(lists.values())  # the demo year has units on every list
    text = docx_text(data)
    assert "关于2018年度脱贫攻坚督查整改情况的通报" in text
    assert "市督查〔2018〕3号" in text
    # Each listed unit names the rules that put it there.
    by_name = {r["name"]: r for r in scores}
    commended = docx_tables(data)[0]
    assert commended[0][:3] == ["序号", "类别", "单位"]
    names = {r["id"]: r["name"] for r in demo.get("/api/v1/rulesets/2018").get_json()["rules"]}
    for row in commended[1:]:
        fired = {names[f["rule"]] for f in by_name[row[2]]["fired"]}
        assert set(row[6].split("；")) <= fired
        assert row[3] == f"{by_name[row[2]]['metrics']['rate'] * 100:.2f}%"
    bundle = demo_bundle()
    findings = sum(len(i["findings"]) for i in bundle["inspections"])
    assert f"全市共开展督查{len(bundle['inspections'])}次，发现问题{findings}个" in text


def test_year_wide_documents_need_an_unscoped_token(api: Api) -> None:
    api.load()
    api.token("heping", "reader", ["441624"])
    for path in ("circular", "monthly?month=7", "archive?quarter=3"):
        problem(api.get(f"{Y}/documents/{path}", "heping"), 403)
    assert api.get(f"{Y}/documents/circular", "reader").status_code == 200


# --- the monthly report --------------------------------------------------------------------


def test_a_monthly_report_holds_the_months_counts(demo: Api) -> None:
    bundle = demo_bundle()
    data = download(demo, f"{Y}/documents/monthly?month=9&number=9", DOCX)
    text = docx_text(data)
    assert "（2018年9月）" in text and "第9期" in text
    groups, categories, counties, *_ = docx_tables(data)
    started = Counter(i["group"] for i in bundle["inspections"] if i["start_date"][:7] == "2018-09")
    names = {g["code"]: g["name"] for g in bundle["groups"]}
    assert {row[0]: int(row[3]) for row in groups[1:]} == {
        names[g["code"]]: started[g["code"]] for g in bundle["groups"]
    }
    found = Counter(
        (f["criterion"].split(".")[0], f["severity"])
        for i in bundle["inspections"]
        if i["end_date"][:7] == "2018-09"
        for f in i["findings"]
    )
    rows = {row[0].split(" ")[0]: row for row in categories[1:]}
    for (category, severity), count in found.items():
        assert int(rows[category][1 if severity == "general" else 2]) == count
    assert int(rows["合计"][3]) == sum(found.values())
    assert f"本月督查发现问题{sum(found.values())}个" in text
    # Progress per county: the county score rows as of the month's last day.
    scores = demo.get(f"{Y}/scores?as_of=2018-09-30&kind=county&limit=1000").get_json()["items"]
    shown = {row[0]: row for row in counties[1:]}
    assert set(shown) == {r["name"] for r in scores}
    for r in scores:
        m = r["metrics"]
        assert [int(v) for v in shown[r["name"]][1:7]] == [
            m["findings"],
            m["on_time"] + m["late"],
            m["on_time"],
            m["late"],
            m["overdue"],
            m["open"],
        ]
    # The chart of the rates is a picture in the document.
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        pictures = [n for n in docx.namelist() if n.startswith("word/media/")]
    assert len(pictures) == 1


def test_a_monthly_report_names_the_months_alerts_and_major_findings(demo: Api) -> None:
    alerts = demo.get(f"{Y}/alerts?as_of=2018-10-31&limit=1000").get_json()["items"]
    data = download(demo, f"{Y}/documents/monthly?month=10", DOCX)
    tables = docx_tables(data)
    alert_table = next(t for t in tables if t[0][0] == "预警类型")
    missed = {a["group"] for a in alerts if a["type"] == "missed_month" and a["month"] == "2018-10"}
    subjects = [row[1] for row in alert_table[1:]]
    assert len([s for s in subjects if "（2018年10月）" in s]) == len(missed)
    # One count: every alert as of the month's end, as `alerts --as-of` gives them.
    assert len(alert_table) - 1 == len(alerts)
    assert f"督查工作过程预警{len(alerts)}条" in docx_text(data)
    unescalated = {a["finding"] for a in alerts if a["type"] == "unescalated_major"}
    majors = next(t for t in tables if t[0][0] == "问题编号")
    flagged = {row[0] for row in majors[1:] if "未及时报告" in row[4]}
    assert flagged == unescalated
    # The unreported major problems, counted the same in both sections.
    listed = {row[1] for row in alert_table[1:] if row[0] == "重大问题未上报"}
    assert listed == unescalated
    assert f"未在发现后及时报告领导小组的重大问题{len(unescalated)}个" in docx_text(data)
    # The monthly report is numbered by month and closes with its 版记.
    paragraphs = docx_paragraphs(data)
    assert "第10期" in paragraphs
    assert paragraphs[-1] == "河源市脱贫攻坚督查工作领导小组办公室\t2018年10月31日印发"


def test_year_wide_documents_before_the_first_inspection_are_refused(demo: Api) -> None:
    first = min(i["start_date"] for i in demo_bundle()["inspections"])
    for path in ("monthly?month=5", "circular?as_of=2018-03-01", "ledger?as_of=2018-03-01"):
        refused = problem(demo.get(f"{Y}/documents/{path}"), 422)
        assert cn(first) in refused["detail"], path
    problem(demo.get(f"{Y}/documents/archive?quarter=1"), 422)


def test_a_month_must_be_one_of_twelve(demo: Api) -> None:
    problem(demo.get(f"{Y}/documents/monthly?month=13"), 422)
    problem(demo.get(f"{Y}/documents/monthly"), 422)


# --- the ledger ----------------------------------------------------------------------------


def test_the_ledger_holds_every_finding_with_its_state(demo: Api) -> None:
    data = download(demo, f"{Y}/documents/ledger?as_of=2018-10-31", XLSX)
    states = {
        f["code"]: f
        for f in demo.get("/api/v1/findings?year=2018&as_of=2018-10-31&limit=1000").get_json()[
            "items"
        ]
        if f["state"] is not None
    }
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "汇总"
    seen: dict[str, dict[str, Any]] = {}
    for sheet in book.sheetnames[1:]:
        assert str(book[sheet].page_setup.paperSize) == book[sheet].PAPERSIZE_A3
        rows = table_after(sheet_rows(data, sheet), "序号")
        assert list(rows[0]) == [
            "序号",
            "问题",
            "发现单位",
            "责任单位",
            "整改措施",
            "整改期限",
            "完成日期",
            "状态",
            "销号",
        ]
        for row in rows:
            code = row["问题"].rsplit("（", 1)[1].split("，")[0]
            assert code not in seen
            seen[code] = row
    assert set(seen) == set(states)
    outcomes = {
        "on_time": "按期整改",
        "late": "逾期整改",
        "overdue": "逾期未整改",
        "open": "整改中（未到期）",
    }
    for code, row in seen.items():
        state = states[code]["state"]
        assert row["状态"].split("\n")[0] == outcomes[state["outcome"]]
        assert row["整改期限"].startswith(cn(states[code]["deadline"]))
        completed = state["completed_on"]
        assert (row["完成日期"] or None) == (cn(completed) if completed else None)
        # 销号 only for a finding that stands rectified.
        assert (row["销号"] or None) == (cn(completed) if completed else None)
        assert row["责任单位"]
        if state["effective_deadline"] != states[code]["deadline"]:
            assert f"延期至{cn(state['effective_deadline'])}" in row["整改期限"]


def test_the_ledgers_totals_are_the_county_scores_metrics(demo: Api) -> None:
    data = download(demo, f"{Y}/documents/ledger?as_of=2018-10-31", XLSX)
    rows = sheet_rows(data, "汇总")
    assert any(r[0] == "统计口径" and "计入单位" in r[1] for r in rows)
    summary = table_after(rows, "县区代码")
    scores = demo.get(f"{Y}/scores?as_of=2018-10-31&kind=county&limit=1000").get_json()["items"]
    assert {r["县区代码"] for r in summary[:-1]} == {r["unit"] for r in scores}
    by_code = {r["县区代码"]: r for r in summary}
    for score in scores:
        m, row = score["metrics"], by_code[score["unit"]]
        assert [row[h] for h in ("问题数", "按期整改", "逾期整改", "逾期未整改", "整改中")] == [
            m["findings"],
            m["on_time"],
            m["late"],
            m["overdue"],
            m["open"],
        ]
        assert row["整改率"] == pytest.approx(m["rate"], abs=5e-5)  # the API rounds
    assert summary[-1]["县区"] == "合计"
    assert summary[-1]["问题数"] == sum(s["metrics"]["findings"] for s in scores)


def test_a_scoped_ledger_holds_only_the_findings_it_reads(api: Api) -> None:
    api.load()
    api.token("heping", "reader", ["441624"])
    api.token("yuancheng", "reader", ["441602"])
    mine = download(api, f"{Y}/documents/ledger", XLSX, who="heping")
    rows = table_after(sheet_rows(mine, "和平县-441624"), "序号")
    codes = {r["问题"].rsplit("（", 1)[1].split("，")[0] for r in rows}
    assert codes == {"2018-G1-07-01", "2018-G1-07-02"}
    other = download(api, f"{Y}/documents/ledger", XLSX, who="yuancheng")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(other)).sheetnames == ["汇总"]


def test_formula_text_in_the_ledger_stays_text(api: Api) -> None:
    bundle = spec_bundle()
    bundle["inspections"][0]["findings"][0]["description"] = '=HYPERLINK("http://x","y")'
    api.load(bundle)
    data = download(api, f"{Y}/documents/ledger", XLSX)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if "worksheets/sheet" in n]
    assert not any("<f>" in s for s in sheets)
    rows = table_after(sheet_rows(data, "和平县-441624"), "序号")
    assert any(r["问题"].startswith('=HYPERLINK("http://x","y")') for r in rows)


# --- the quarterly archive -----------------------------------------------------------------


def test_the_archive_holds_the_quarters_records_with_right_checksums(demo: Api) -> None:
    data = download(demo, f"{Y}/documents/archive?quarter=3", ZIP)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    assert (manifest["from"], manifest["to"], manifest["due"]) == (
        "2018-07-01",
        "2018-09-30",
        "2018-09-28",  # the 30th is a Sunday: due the Friday before
    )
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(files) == {*listed, "manifest.json", "SHA256SUMS"}
    for path, entry in listed.items():
        assert hashlib.sha256(files[path]).hexdigest() == entry["sha256"], path
        assert len(files[path]) == entry["bytes"]
    sums = files["SHA256SUMS"].decode().splitlines()
    manifest_sum = hashlib.sha256(files["manifest.json"]).hexdigest()
    assert sums == [
        *(f"{f['sha256']}  {f['path']}" for f in manifest["files"]),
        f"{manifest_sum}  manifest.json",
    ]
    bundle = demo_bundle()
    ended = {
        i["code"] for i in bundle["inspections"] if "2018-07" <= i["end_date"][:7] <= "2018-09"
    }
    assert set(manifest["inspections"]) == ended
    issued = {
        i["code"]
        for i in bundle["inspections"]
        if i["code"] in ended and i.get("letter_date") and i["letter_date"] <= "2018-09-30"
    }
    assert {p for p in listed if p.startswith("整改函/")} == {
        f"整改函/整改函-{c}.docx" for c in issued
    }
    assert {p for p in listed if p.startswith("问题清单/")} == {
        f"问题清单/问题清单-{c}.xlsx" for c in ended
    }
    # The bundle as held loads as the same year.
    held = read_bundle(files["bundle-2018.json"], catalogue_of)
    original = read_bundle(json.dumps(bundle), catalogue_of)
    for part in ("units", "pairings", "groups", "inspections", "findings"):
        by_code = sorted(getattr(held, part), key=repr) == sorted(getattr(original, part), key=repr)
        assert by_code, part
    assert held.events == original.events  # in the order submitted


def test_the_archive_files_only_letters_that_were_issued(api: Api) -> None:
    bundle = spec_bundle()
    inspection = bundle["inspections"][0]
    inspection["letter_date"] = None
    api.load(bundle)
    quarter = (int(inspection["end_date"][5:7]) + 2) // 3
    data = download(api, f"{Y}/documents/archive?quarter={quarter}", ZIP)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    code = inspection["code"]
    assert not [n for n in names if n.startswith("整改函/") and code in n]
    assert [m["inspection"] for m in manifest["letters_missing"]] == [code]
    assert f"问题清单/问题清单-{code}.xlsx" in names  # the problems found are a record


def test_an_archived_letter_bears_the_day_it_was_issued(api: Api) -> None:
    bundle = spec_bundle()
    inspection = bundle["inspections"][0]
    api.load(bundle)
    quarter = (int(inspection["end_date"][5:7]) + 2) // 3
    data = download(api, f"{Y}/documents/archive?quarter={quarter}", ZIP)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        letter = archive.read(f"整改函/整改函-{inspection['code']}.docx")
    assert docx_paragraphs(letter)[-1].endswith(f"{cn(inspection['letter_date'])}印发")


def test_the_letter_and_the_archive_bear_the_number_kept_with_the_inspection(api: Api) -> None:
    bundle = spec_bundle()
    inspection = bundle["inspections"][0]
    api.load(bundle)
    code = inspection["code"]
    assert "市督查〔2018〕1号" in docx_paragraphs(
        download(api, f"{Y}/inspections/{code}/letter", DOCX)
    )  # unnumbered: its place in the year
    numbered = api.patch(f"{Y}/inspections/{code}", {"letter_number": 37}, who="inspector")
    assert numbered.status_code == 200, numbered.get_json()
    letter = download(api, f"{Y}/inspections/{code}/letter", DOCX, who="reader")
    assert "市督查〔2018〕37号" in docx_paragraphs(letter)
    quarter = (int(inspection["end_date"][5:7]) + 2) // 3
    data = download(api, f"{Y}/documents/archive?quarter={quarter}", ZIP)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        filed = archive.read(f"整改函/整改函-{code}.docx")
    assert "市督查〔2018〕37号" in docx_paragraphs(filed)


def test_a_quarter_must_be_one_of_four(demo: Api) -> None:
    problem(demo.get(f"{Y}/documents/archive?quarter=5"), 422)


# --- the command line ----------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_every_document_by_command_line(db_url: str, tmp_path: Path) -> None:
    bundle = tmp_path / "spec.json"
    bundle.write_text(json.dumps(spec_bundle(), ensure_ascii=False), encoding="utf-8")
    assert cli("--db", db_url, "import", str(bundle))[0] == 0
    runs = {
        "letter.docx": ("letter", "--year", "2018", "2018-G1-07"),
        "circular.docx": ("circular", "--year", "2018", "--as-of", "2018-12-31"),
        "monthly.docx": ("monthly", "--year", "2018", "--month", "7"),
        "ledger.xlsx": ("ledger", "--year", "2018"),
        "archive.zip": ("archive", "--year", "2018", "--quarter", "3"),
    }
    for name, argv in runs.items():
        target = tmp_path / name
        code, out, err = cli("--db", db_url, "documents", *argv, "-o", str(target))
        assert (code, err) == (0, ""), name
        assert str(target) in out
    assert "关于和平县限期整改督查发现问题的函" in docx_paragraphs(
        (tmp_path / "letter.docx").read_bytes()
    )
    with zipfile.ZipFile(tmp_path / "archive.zip") as archive:
        assert "整改函/整改函-2018-G1-07.docx" in archive.namelist()
    code, _, err = cli(
        "--db",
        db_url,
        "documents",
        "letter",
        "--year",
        "2018",
        "NOPE",
        "-o",
        str(tmp_path / "x.docx"),
    )
    assert code == 1 and "NOPE" in err
    code, _, err = cli(
        "--db",
        db_url,
        "documents",
        "ledger",
        "--year",
        "2018",
        "-o",
        str(tmp_path / "no" / "x.xlsx"),
    )
    assert code == 2 and str(tmp_path / "no") in err
    assert not (tmp_path / "x.docx").exists()


def test_the_command_says_when_pdf_is_unavailable(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORING_SOFFICE", str(tmp_path / "no-soffice"))
    target = tmp_path / "circular.pdf"
    code, _, err = cli(
        "--db",
        db_url,
        "documents",
        "circular",
        "--year",
        "2018",
        "--format",
        "pdf",
        "-o",
        str(target),
    )
    assert code == 1 and "LibreOffice" in err
    assert not target.exists()


def test_the_api_says_when_pdf_is_unavailable(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api.load()
    monkeypatch.setenv("SCORING_SOFFICE", str(tmp_path / "no-soffice"))
    doc = problem(api.get(f"{Y}/inspections/2018-G1-07/letter?format=pdf"), 503)
    assert doc["type"].endswith("#problem-pdf-unavailable") and "LibreOffice" in doc["detail"]
