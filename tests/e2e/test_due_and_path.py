"""What is due and a unit's way up through the HTTP API and the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from scoring_service.cli import main
from tests.e2e.test_api_rectification import F1, F2, loop_fixture  # noqa: F401
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle

Y = "/api/v1/years/2018"


def with_an_open_finding() -> dict[str, Any]:
    """The spec's bundle and a finding at the county's level, due 2018-08-01, with no
    events: overdue from 2018-08-02 on."""
    bundle = spec_bundle()
    extra = dict(bundle["inspections"][0]["findings"][0])
    extra |= {"code": "2018-G1-07-09", "unit": "441624", "deadline": "2018-08-01"}
    extra.pop("responsible")
    bundle["inspections"][0]["findings"].append(extra)
    return bundle


def test_the_due_list_lights_each_finding_and_a_scoped_token_sees_its_reach(api: Api) -> None:
    api.load(with_an_open_finding())
    answer = api.get(f"{Y}/due?as_of=2018-08-04&within=6")
    assert answer.status_code == 200
    page = answer.get_json()
    assert (page["as_of"], page["within"], page["total"]) == ("2018-08-04", 6, 2)
    assert [(i["finding"], i["light"], i["days_left"]) for i in page["items"]] == [
        ("2018-G1-07-09", "red", -3),
        ("2018-G1-07-01", "yellow", 6),
    ]
    assert [u["code"] for u in page["items"][1]["counts_for"]] == [
        "441624",
        "441624101",
        "441624101201",
        "SZ-NS-001",
    ]
    # The default days come from the rule set: 3, so the yellow one is not due yet.
    assert [i["finding"] for i in api.get(f"{Y}/due?as_of=2018-08-04").get_json()["items"]] == [
        "2018-G1-07-09"
    ]
    api.token("town", "reader", ["441624101"])
    scoped = api.get(f"{Y}/due?as_of=2018-08-04&within=6", who="town").get_json()
    assert [i["finding"] for i in scoped["items"]] == ["2018-G1-07-01"]
    refused = api.get(f"{Y}/due?within=-1")
    assert refused.status_code == 422 and "within" in json.dumps(refused.get_json())


def test_the_way_up_answers_from_to_and_steps(api: Api) -> None:
    api.load(with_an_open_finding())
    answer = api.get(f"{Y}/units/441624/path?as_of=2018-08-04").get_json()
    # At the cutoff: rate (1 + 0.5 x 2) / 4 = 0.5, R4 (criticism, interview) and R6. The
    # finding rectified late makes it 0.625: R3 instead of R4, so no interview.
    assert answer["from"] == {"grade": "poor", "score": 92}
    assert answer["steps"] == [{"finding": "2018-G1-07-09", "rectify_by": "2018-08-04"}]
    assert answer["to"] == {"grade": "fair", "score": 95}
    # The rectified events it names, posted, give exactly that.
    event = {"type": "rectified", "date": "2018-08-04"}
    assert api.post("/api/v1/findings/2018-G1-07-09/events", event).status_code == 201
    row = api.get(f"{Y}/units/441624/explanation").get_json()["row"]
    assert (row["grade"], row["score"], row["measures"]) == (
        "fair",
        95,
        ["criticism", "accountability"],
    )
    api.token("other", "reader", ["441602"])
    assert api.get(f"{Y}/units/441624/path", who="other").status_code == 404


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.language("zh")
def test_the_command_line_prints_the_due_list_as_text_json_csv_and_xlsx(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(with_an_open_finding()), encoding="utf-8")
    assert run("--db", db, "import", str(bundle))[0] == 0
    common = ("--db", db, "due", "--year", "2018", "--as-of", "2018-08-04", "--within", "6")
    code, text = run(*common)
    assert code == 0 and "2018-G1-07-01" in text and "临近到期" in text
    code, text = run(*common, "--format", "json")
    doc = json.loads(text)
    assert [(i["finding"], i["light"]) for i in doc["items"]] == [
        ("2018-G1-07-09", "red"),
        ("2018-G1-07-01", "yellow"),
    ]
    code, text = run(*common, "--format", "csv")
    assert "临近到期（黄灯）" in text and "2018-G1-07-01" in text
    sheet = tmp_path / "due.xlsx"
    assert run(*common, "--format", "xlsx", "-o", str(sheet))[0] == 0
    cells = [c for row in load_workbook(sheet).active.iter_rows(values_only=True) for c in row]
    assert "2018-G1-07-01" in cells and "临近到期（黄灯）" in cells
    code, text = run("--db", db, "path", "--year", "2018", "441624", "--as-of", "2018-08-04")
    assert code == 0 and "2018-G1-07-09" in text
    code, text = run(
        "--db", db, "path", "--year", "2018", "441624", "--as-of", "2018-08-04", "--format", "json"
    )
    assert json.loads(text)["to"] == {"grade": "fair", "score": 95}


def test_each_due_finding_names_its_waiting_report_and_request_until_decided(
    loop: Api,
) -> None:
    # F2 (deadline 2018-08-01) is overdue on 2018-08-08, F1 (2018-08-10) due in 2 days.
    def waiting(who: str = "inspector") -> list[tuple[Any, ...]]:
        answer = loop.get(f"{Y}/due?as_of=2018-08-08", who=who)
        assert answer.status_code == 200, answer.get_json()
        return [
            (i["finding"], i["light"], i["waiting_report"], i["waiting_request"])
            for i in answer.get_json()["items"]
        ]

    # Read before anything waits: a report or a request submitted later is named all the
    # same, though the year's data is as it was.
    assert waiting() == [(F2, "red", None, None), (F1, "yellow", None, None)]
    report = loop.post(
        f"/api/v1/findings/{F2}/reports", {"date": "2018-08-08", "text": "已拨付"}, who="heping"
    ).get_json()
    request = loop.post(
        f"/api/v1/findings/{F1}/extension-requests",
        {"date": "2018-08-05", "new_deadline": "2018-09-10", "reason": "资金待拨付"},
        who="heping",
    ).get_json()
    assert waiting() == [(F2, "red", report["id"], None), (F1, "yellow", None, request["id"])]
    assert waiting("heping") == waiting()
    assert waiting("yuancheng") == []
    returned = {"decision": "returned", "reason": "佐证材料不足"}
    assert loop.post(f"/api/v1/reports/{report['id']}/decision", returned).status_code == 200
    assert waiting() == [(F2, "red", None, None), (F1, "yellow", None, request["id"])]


@pytest.mark.language("zh")
def test_the_due_list_downloads_as_csv_and_xlsx_as_the_command_line_writes_it(
    loop: Api,
) -> None:
    request = loop.post(
        f"/api/v1/findings/{F1}/extension-requests",
        {"date": "2018-08-05", "new_deadline": "2018-09-10", "reason": "资金待拨付"},
        who="heping",
    ).get_json()
    answer = loop.get(f"{Y}/due?as_of=2018-08-08&format=csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["提醒", "问题编号"]
    by_code = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_code[F2]["提醒"] == "已逾期（红灯）"
    assert by_code[F1]["提醒"] == "临近到期（黄灯）"
    assert by_code[F1]["待审批延期申请"] == str(request["id"])
    assert by_code[F2]["待审批延期申请"] == ""
    gb = loop.get(f"{Y}/due?as_of=2018-08-08&format=csv&encoding=gb18030")
    assert gb.headers["Content-Type"] == "text/csv; charset=gb18030"
    assert "临近到期（黄灯）" in gb.data.decode("gb18030")
    sheet = loop.get(f"{Y}/due?as_of=2018-08-08&format=xlsx")
    assert sheet.status_code == 200
    assert "spreadsheetml" in sheet.headers["Content-Type"]
    cells = [
        c
        for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert F1 in cells and "临近到期（黄灯）" in cells and request["id"] in cells
    # A scoped token's file holds its reach only.
    other = loop.get(f"{Y}/due?as_of=2018-08-08&format=csv", who="yuancheng")
    assert F1 not in other.data.decode("utf-8-sig")
