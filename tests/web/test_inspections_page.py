"""The inspections' pages with Flask's test client: the list, an inspection's sample,
problem list and letter, entering an inspection and its problem list by form and by the
Excel template, the scope rule and CSRF."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from scoring_service.access import audit
from scoring_service.access.roles import command_line
from scoring_service.records.inspections import list_inspections
from scoring_service.reports.exports import problem_list
from scoring_service.reports.problem_sheet import TEMPLATE, template_xlsx
from tests.helpers.documents import docx_paragraphs
from tests.helpers.html import attrs, parse, texts
from tests.helpers.web import Site, csrf_token

Y = "/years/2018"
LATE = "2018-G4-441621-07"  # ended 2018-07-06, its letter went out on the 10th: 4 days
HEPING = "2018-G1-441624-07"
ELSEWHERE = "2018-G1-441602-07"


def findings_of(site: Site, code: str) -> list[str]:
    return [r["finding"] for r in problem_list(site.uow(command_line()), 2018, code).rows]


def test_the_list_holds_the_year_s_inspections(demo: Site) -> None:
    page = demo.client("reader").get(f"{Y}/inspections")
    assert page.status_code == 200
    held = list_inspections(demo.uow(), 2018, limit=100, cursor=None)
    assert attrs(page.text, "data-inspection", "tr") == [i.code for i in held.items]
    assert "新建督查" not in page.text  # a reader enters nothing
    heping = demo.client("heping").get(f"{Y}/inspections").text
    listed = attrs(heping, "data-inspection", "tr")
    assert listed and all("-441624-" in code for code in listed)


def test_an_inspection_shows_its_sample_problem_list_and_letter(demo: Site) -> None:
    page = demo.client("reader").get(f"{Y}/inspections/{LATE}")
    assert page.status_code == 200
    assert attrs(page.text, "data-finding", "tr") == findings_of(demo, LATE)
    tree = parse(page.text)
    letter = tree.xpath('//*[@data-field="letter"]')[0]
    assert letter.get("data-value") == "late"
    assert "督查结束后 4 天" in letter.text_content()  # 4 days after the end; the rule set allows 3
    assert "2018年7月9日" in page.text  # due by: three days after the end
    assert len(tree.xpath("//tr[@data-household]")) == 6
    on_time = demo.client("reader").get(f"{Y}/inspections/{HEPING}").text
    assert attrs(on_time, "data-value", "dd[@data-field='letter']") == ["on_time"]


def test_a_scoped_person_does_not_see_another_county_s_inspection(demo: Site) -> None:
    client = demo.client("heping")
    assert client.get(f"{Y}/inspections/{HEPING}").status_code == 200
    hidden = client.get(f"{Y}/inspections/{ELSEWHERE}")
    assert hidden.status_code == 404
    assert ELSEWHERE in hidden.text
    assert client.get(f"{Y}/inspections/{ELSEWHERE}/problems.xlsx").status_code == 404


def new_inspection(**changes: str) -> dict[str, str]:
    form = {
        "code": "2018-G1-441624-13",
        "group": "G1",
        "county": "441624",
        "start_date": "2018-12-03",
        "end_date": "2018-12-04",
        "letter_date": "",
        "towns": "441624103",
        "villages": "441624103212, 441624103202",
        "households": (
            "441624103212-001 441624103212 拟退出\n441624103202-002 441624103202 not_exited"
        ),
    }
    return {**form, **changes}


def test_an_inspection_entered_through_the_form(site: Site) -> None:
    client = site.client("inspector")
    before = list_inspections(site.uow(), 2018, limit=1000, cursor=None).total
    token = csrf_token(client.get(f"{Y}/inspections").text)
    bad = new_inspection(
        end_date="2018-12-01", villages="441624103212 nowhere", households="x y z w"
    )
    refused = client.post(f"{Y}/inspections", data={**bad, "csrf_token": token})
    assert refused.status_code == 422
    summary = texts(refused.text, "//div[@class='error-summary']//li")
    assert any("第1行" in line for line in summary), summary  # the household line
    assert texts(refused.text, "//p[@class='field-error']")
    assert 'value="2018-G1-441624-13"' in refused.text  # what was typed is kept
    assert list_inspections(site.uow(), 2018, limit=1000, cursor=None).total == before

    unknown = new_inspection(villages="441624103212 nowhere")
    refused = client.post(f"{Y}/inspections", data={**unknown, "csrf_token": token})
    assert refused.status_code == 422
    assert "nowhere" in " ".join(texts(refused.text, "//p[@class='field-error']"))
    assert list_inspections(site.uow(), 2018, limit=1000, cursor=None).total == before

    made = client.post(f"{Y}/inspections", data={**new_inspection(), "csrf_token": token})
    assert made.status_code == 302
    assert made.headers["Location"] == f"{Y}/inspections/2018-G1-441624-13"
    page = client.get(made.headers["Location"]).text
    assert "已录入督查" in page or "2018-G1-441624-13" in page
    assert len(parse(page).xpath("//tr[@data-household]")) == 2
    entries = audit.entries(site.uow(), limit=5, record_type="inspection").items
    assert (entries[0].token, entries[0].action) == ("inspector", "inspection.create")

    again = client.post(f"{Y}/inspections", data={**new_inspection(), "csrf_token": token})
    assert again.status_code == 409  # the code is taken


def test_writes_need_the_role_the_scope_and_the_csrf_token(site: Site) -> None:
    reader = site.client("reader")
    token = csrf_token(reader.get(f"{Y}/inspections").text)
    assert (
        reader.post(f"{Y}/inspections", data={**new_inspection(), "csrf_token": token}).status_code
        == 403
    )
    inspector = site.client("inspector")
    assert inspector.post(f"{Y}/inspections", data=new_inspection()).status_code == 400
    heping = site.client("heping")
    token = csrf_token(heping.get(f"{Y}/inspections").text)
    elsewhere = new_inspection(
        code="2018-G1-441602-13", county="441602", towns="", villages="", households=""
    )
    refused = heping.post(f"{Y}/inspections", data={**elsewhere, "csrf_token": token})
    assert refused.status_code == 403
    finding = {
        "code": "X-1",
        "unit": "441602",
        "criterion": "7.1",
        "severity": "general",
        "description": "d",
        "deadline": "2018-12-31",
        "csrf_token": token,
    }
    assert heping.post(f"{Y}/inspections/{ELSEWHERE}/findings", data=finding).status_code == 403
    assert "X-1" not in findings_of(site, ELSEWHERE)
    refusals = audit.entries(site.uow(), limit=5, action="security.refused").items
    assert refusals and refusals[0].token == "heping"


def test_a_finding_added_through_the_form(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    token = csrf_token(client.get(path).text)
    finding = {
        "code": f"{HEPING}-99",
        "unit": "441624103",
        "criterion": "7.1",
        "severity": "major",
        "description": "档案不全",
        "deadline": "2018-07-01",
        "responsible": "441624",
        "csrf_token": token,
    }
    refused = client.post(f"{path}/findings", data=finding)
    assert refused.status_code == 422  # the deadline is before the inspection ended
    assert texts(refused.text, "//p[@class='field-error']")
    assert f"{HEPING}-99" not in findings_of(site, HEPING)
    added = client.post(f"{path}/findings", data={**finding, "deadline": "2018-09-30"})
    assert added.status_code == 302
    page = client.get(path).text
    assert f"{HEPING}-99" in attrs(page, "data-finding", "tr")
    assert findings_of(site, HEPING)[-1] == f"{HEPING}-99"


def filled(rows: list[list[Any]]) -> bytes:
    workbook = load_workbook(io.BytesIO(TEMPLATE.read_bytes()))
    sheet = workbook.worksheets[0]
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client: Any, path: str, raw: bytes) -> Any:
    token = csrf_token(client.get(path).text)
    return client.post(
        f"{path}/problem-list",
        data={"csrf_token": token, "problem_list": (io.BytesIO(raw), "问题清单.xlsx")},
        content_type="multipart/form-data",
    )


def test_the_shipped_template_is_current_and_downloadable(demo: Site) -> None:
    assert (
        TEMPLATE.read_bytes() == template_xlsx()
    )  # python -m scoring_service.reports.problem_sheet
    response = demo.client("inspector").get("/inspections/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E9%97%AE%E9%A2%98" in response.headers["Content-Disposition"]
    headers = [c.value for c in load_workbook(io.BytesIO(response.data)).worksheets[0][1]]
    assert headers[:2] == ["问题编号", "发现问题单位（名称或代码）"]


def test_the_year_s_template_lists_its_units_by_county_and_its_criteria(demo: Site) -> None:
    response = demo.client("inspector").get(f"{Y}/inspections/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["问题清单", "填写说明", "单位名录", "考核指标目录"]
    units = [[c.value for c in row] for row in workbook["单位名录"].iter_rows()]
    assert units[0] == ["县（区）", "类别", "名称", "代码"]
    assert ["和平县", "镇街", "示例镇013", "441624103"] in units
    criteria = [[c.value for c in row] for row in workbook["考核指标目录"].iter_rows()]
    assert ["7.1", "扶贫大数据平台建档立卡信息录入"] in criteria


def test_a_problem_list_uploaded_in_the_template(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    held = findings_of(site, HEPING)
    good = [
        f"{HEPING}-50",
        "441624103",
        "7.1",
        "一般",
        "扶贫档案不完整",
        date(2018, 9, 30),
        "441624",
    ]
    rows = [
        good,
        [f"{HEPING}-51", "441624103", "7.1", "严重", "x", "2018/9/30", ""],  # severity, date
        [],  # a blank row is skipped
        [f"{HEPING}-52", "nowhere", "7.1", "重大", "x", date(2018, 9, 30), ""],  # unknown unit
    ]
    refused = upload(client, path, filled(rows))
    assert refused.status_code == 422
    problems = texts(refused.text, "//div[@class='error-summary']//li")
    assert any(p.startswith("第3行 D列") for p in problems), problems
    assert any(p.startswith("第3行 F列") for p in problems), problems
    assert findings_of(site, HEPING) == held  # nothing stored

    refused = upload(client, path, filled([good, rows[3]]))
    assert refused.status_code == 422  # the sheet reads, the year's data refuses row 3
    problems = texts(refused.text, "//div[@class='error-summary']//li")
    assert any(p.startswith("第3行 B列") and "nowhere" in p for p in problems), problems
    assert findings_of(site, HEPING) == held

    assert upload(client, path, b"not a workbook").status_code == 422
    second = [f"{HEPING}-51", "441624103", "7.1", "重大", "台账缺失", "2018-10-15", ""]
    stored = upload(client, path, filled([good, second]))
    assert stored.status_code == 302
    assert findings_of(site, HEPING) == [*held, f"{HEPING}-50", f"{HEPING}-51"]
    taken = upload(client, path, filled([good]))
    assert taken.status_code == 409
    assert f"{HEPING}-50" in taken.text


def test_the_letter_date_is_set_on_the_page(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{LATE}"
    token = csrf_token(client.get(path).text)
    refused = client.post(f"{path}/letter", data={"letter_date": "2018-07-01", "csrf_token": token})
    assert refused.status_code == 422  # before the inspection ended
    set_ = client.post(f"{path}/letter", data={"letter_date": "2018-07-08", "csrf_token": token})
    assert set_.status_code == 302
    assert attrs(client.get(path).text, "data-value", "dd[@data-field='letter']") == ["on_time"]


def test_the_letter_number_is_kept_with_the_inspection_for_everyone(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{LATE}"
    token = csrf_token(client.get(path).text)
    data = {"letter_date": "2018-07-10", "number": "7", "csrf_token": token}
    assert client.post(f"{path}/letter", data=data).status_code == 302
    # Another person, in another session, reads the number and gets the letter with it.
    reader = site.client("reader")
    assert attrs(reader.get(path).text, "data-value", "dd[@data-field='letter_number']") == ["7"]
    letter = reader.get(f"{path}/letter.docx")
    assert letter.status_code == 200
    assert "市督查〔2018〕7号" in docx_paragraphs(letter.data)
    # The office numbers its letters per year: the number is another inspection's no more.
    other = f"{Y}/inspections/{HEPING}"
    before = attrs(client.get(other).text, "data-value", "dd[@data-field='letter_number']")
    for typed, words in (("7", f"已是 2018 年度督查 {LATE} 的整改函文号"), ("七", "应为整数")):
        refused = client.post(
            f"{other}/letter", data={**data, "number": typed, "letter_date": "2018-07-12"}
        )
        assert refused.status_code == 422
        (message,) = texts(refused.text, "//div[@class='error-summary']//li")
        assert words in message, message
        # Said beside the number's field, which keeps what was typed.
        assert attrs(refused.text, "href", "div[@class='error-summary']//a") == ["#field-number"]
        assert attrs(refused.text, "value", "input[@id='field-number']") == [typed]
        assert attrs(client.get(other).text, "data-value", "dd[@data-field='letter_number']") == (
            before
        )
    # Blank: the letter takes its place in the year again.
    cleared = {**data, "number": ""}
    assert client.post(f"{path}/letter", data=cleared).status_code == 302
    assert attrs(reader.get(path).text, "data-value", "dd[@data-field='letter_number']") == [""]


def test_units_and_criteria_are_typed_by_name(site: Site) -> None:
    client = site.client("inspector")
    token = csrf_token(client.get(f"{Y}/inspections").text)
    by_name = new_inspection(
        county="和平县",
        towns="示例镇013",
        villages="示例村0137",
        households="HH-1 示例村0137 拟退出",
    )
    made = client.post(f"{Y}/inspections", data={**by_name, "csrf_token": token})
    assert made.status_code == 302, texts(made.text, "//div[@class='error-summary']//li")
    page = client.get(made.headers["Location"]).text
    assert attrs(page, "data-unit", "li") == ["441624103", "441624103212"]

    path = f"{Y}/inspections/{HEPING}"
    finding = {
        "code": f"{HEPING}-98",
        "unit": "示例镇013",
        "criterion": "扶贫大数据平台建档立卡信息录入",
        "severity": "general",
        "description": "档案不全",
        "deadline": "2018-09-30",
        "responsible": "和平县",
        "csrf_token": token,
    }
    assert client.post(f"{path}/findings", data=finding).status_code == 302
    row = next(
        r for r in problem_list(site.uow(), 2018, HEPING).rows if r["finding"] == finding["code"]
    )
    assert (row["unit"], row["criterion"], row["responsible"]) == ("441624103", "7.1", ["441624"])


def test_a_form_lists_every_problem_at_once(site: Site) -> None:
    client = site.client("inspector")
    token = csrf_token(client.get(f"{Y}/inspections").text)
    bad = new_inspection(
        code=HEPING,  # taken
        start_date="2018-12-05",  # after its end
        villages="示例村O137",  # a typo
        households="441624103212-001 441624103212",  # no status
    )
    refused = client.post(f"{Y}/inspections", data={**bad, "csrf_token": token})
    assert refused.status_code == 422
    summary = " | ".join(texts(refused.text, "//div[@class='error-summary']//li"))
    assert "第1行" in summary  # the form's shape
    assert "示例村0137（441624103212）" in summary  # the reference, with the closest name
    assert HEPING in summary  # the duplicate
    links = attrs(refused.text, "href", "div[@class='error-summary']//a")
    # the shape, the reference, the dates against each other, the duplicate
    assert links == ["#field-households", "#field-villages", "#field-end_date", "#field-code"]

    path = f"{Y}/inspections/{HEPING}"
    finding = {
        "code": f"{HEPING}-01",  # taken
        "unit": "示例镇O13",  # a typo
        "criterion": "7.1",
        "severity": "grave",  # not a severity
        "description": "档案不全",
        "deadline": "2018-07-01",  # before the inspection ended
        "csrf_token": token,
    }
    refused = client.post(f"{path}/findings", data=finding)
    assert refused.status_code == 422
    fields = {
        link.removeprefix("#field-")
        for link in attrs(refused.text, "href", "div[@class='error-summary']//a")
    }
    assert {"code", "unit", "severity", "deadline"} <= fields, fields
    assert "示例镇013（441624103）" in refused.text


def test_an_upload_lists_every_problem_at_once(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    held = findings_of(site, HEPING)
    rows = [
        # the cell's shape (severity) and the dates against each other (deadline)
        [f"{HEPING}-60", "示例镇013", "7.1", "严重", "x", date(2018, 7, 1), ""],
        [f"{HEPING}-61", "示例镇O13", "7.1", "一般", "x", date(2018, 9, 30), ""],  # a typo
        [f"{HEPING}-01", "441624103", "7.1", "一般", "x", date(2018, 9, 30), "和平县"],  # taken
    ]
    refused = upload(client, path, filled(rows))
    assert refused.status_code == 422
    problems = texts(refused.text, "//div[@class='error-summary']//li")
    assert any(p.startswith("第2行 D列") for p in problems), problems
    assert any(p.startswith("第2行 F列") for p in problems), problems
    assert any(p.startswith("第3行 B列") and "示例镇013（441624103）" in p for p in problems)
    assert any(p.startswith("第4行 A列") for p in problems), problems
    assert findings_of(site, HEPING) == held


def test_a_description_past_its_bound_is_refused_in_words(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    token = csrf_token(client.get(path).text)
    finding = {
        "code": f"{HEPING}-97",
        "unit": "441624103",
        "criterion": "7.1",
        "severity": "general",
        "description": "问" * 2001,
        "deadline": "2018-09-30",
        "csrf_token": token,
    }
    refused = client.post(f"{path}/findings", data=finding)
    assert refused.status_code == 422
    assert texts(refused.text, "//div[@class='error-summary']//li") == ["最多 2000 个字符"]
    assert f"{HEPING}-97" not in findings_of(site, HEPING)


def test_a_letter_dated_after_today_is_refused(site: Site) -> None:
    client = site.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    token = csrf_token(client.get(path).text)
    before = client.get(path).text
    refused = client.post(f"{path}/letter", data={"letter_date": "2030-01-02", "csrf_token": token})
    assert refused.status_code == 422
    (message,) = texts(refused.text, "//div[@class='error-summary']//li")
    assert message.startswith("整改函下发日期（2030年1月2日）晚于今天"), message
    kept = attrs(client.get(path).text, "data-value", "dd[@data-field='letter_date']")
    assert kept == attrs(before, "data-value", "dd[@data-field='letter_date']")


def test_a_finding_offers_only_the_events_its_state_allows(demo: Site) -> None:
    client = demo.client("inspector")
    general = client.get(f"{Y}/findings/2018-G1-441624-07-08").text  # general, not rectified
    offered = attrs(general, "value", "select[@id='field-type']/option")
    assert "escalated" not in offered and "lookback_passed" not in offered
    assert {"extension", "rectified"} <= set(offered)
    assert 'id="field-to"' not in general
    major = client.get(f"{Y}/findings/2018-G1-441624-07-04").text
    assert "escalated" in attrs(major, "value", "select[@id='field-type']/option")
