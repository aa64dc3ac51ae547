"""Inspections, their findings and problem lists (问题清单) through the HTTP API."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from scoring_service.reports.exports import PROBLEM_HEADERS
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401

Y = "/api/v1/years/2018"


def inspection(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "2018-G1-08",
        "group": "G1",
        "county": "441624",
        "start_date": "2018-08-14",
        "end_date": "2018-08-15",
        "letter_date": None,
        "sample": {
            "towns": ["441624101"],
            "villages": ["441624101201"],
            "households": [
                {"code": "H7", "village": "441624101201", "status": "pre_exit"},
            ],
        },
        "findings": [
            {
                "code": "2018-G1-08-01",
                "unit": "441624101",
                "criterion": "6.2",
                "severity": "major",
                "description": "资金仍滞留",
                "deadline": "2018-09-15",
            }
        ],
    }
    body.update(changes)
    return body


def test_create_list_read_an_inspection(loaded: Api) -> None:
    created = loaded.post(f"{Y}/inspections", inspection(), who="inspector")
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"] == f"{Y}/inspections/2018-G1-08"
    doc = created.get_json()
    assert doc["letter_date"] is None
    assert doc["findings"][0]["found_on"] == "2018-08-15"
    assert doc["sample"]["households"] == [
        {"code": "H7", "village": "441624101201", "status": "pre_exit"}
    ]
    assert loaded.get(f"{Y}/inspections/2018-G1-08").get_json() == doc
    listed = loaded.get(f"{Y}/inspections?county=441624").get_json()
    assert [(i["code"], i["findings"]) for i in listed["items"]] == [
        ("2018-G1-07", 2),
        ("2018-G1-08", 1),
    ]
    assert loaded.get(f"{Y}/inspections?group=G9").get_json()["total"] == 0
    problem(loaded.post(f"{Y}/inspections", inspection(), who="inspector"), 409)
    taken = inspection(code="2018-G1-09")
    doc = problem(loaded.post(f"{Y}/inspections", taken, who="inspector"), 409)
    assert "2018-G1-08-01" in doc["detail"]
    problem(loaded.get(f"{Y}/inspections/NOPE"), 404)


def test_an_invalid_inspection_reports_every_problem_and_stores_nothing(loaded: Api) -> None:
    bad = inspection(
        code="2018-G1-10",
        county="441602",
        end_date="2018-08-13",
        letter_date="2018-08-01",
        findings=[
            {
                "code": "2018-G1-10-01",
                "unit": "NOWHERE",
                "criterion": "9.9",
                "severity": "general",
                "description": "",
                "deadline": "2018-01-01",
            }
        ],
    )
    doc = problem(loaded.post(f"{Y}/inspections", bad, who="inspector"), 422)
    pointers = {e["pointer"] for e in doc["errors"]}
    assert {
        "/end_date",
        "/letter_date",
        "/sample/towns/0",
        "/sample/villages/0",
        "/findings/0/unit",
        "/findings/0/criterion",
        "/findings/0/deadline",
    } <= pointers
    assert loaded.get(f"{Y}/inspections").get_json()["total"] == 1
    doc = problem(loaded.post(f"{Y}/inspections", inspection(group="G7"), who="inspector"), 422)
    assert doc["errors"][0]["pointer"] == "/group"
    doc = problem(
        loaded.post(f"{Y}/inspections", inspection(start_date="2018-13-01"), who="inspector"), 422
    )
    assert doc["errors"][0]["pointer"] == "/start_date"


def test_add_a_finding_and_set_the_letter_date(loaded: Api) -> None:
    finding = {
        "code": "2018-G1-07-03",
        "unit": "441624101202",
        "criterion": "7.2",
        "severity": "general",
        "description": "户有卡不全",
        "deadline": "2018-08-30",
        "responsible": ["SZ-NS-001"],
    }
    created = loaded.post(f"{Y}/inspections/2018-G1-07/findings", finding, who="inspector")
    assert created.status_code == 201
    assert created.get_json()["found_on"] == "2018-07-11"
    problem(loaded.post(f"{Y}/inspections/2018-G1-07/findings", finding, who="inspector"), 409)
    problem(loaded.post(f"{Y}/inspections/NOPE/findings", finding, who="inspector"), 404)
    early = {**finding, "code": "X", "deadline": "2018-07-01"}
    doc = problem(loaded.post(f"{Y}/inspections/2018-G1-07/findings", early, who="inspector"), 422)
    assert doc["errors"][0]["pointer"] == "/deadline"
    assert (
        loaded.patch(
            f"{Y}/inspections/2018-G1-07", {"letter_date": None}, who="inspector"
        ).get_json()["letter_date"]
        is None
    )
    doc = problem(
        loaded.patch(f"{Y}/inspections/2018-G1-07", {"letter_date": "2018-07-01"}, who="inspector"),
        422,
    )
    assert doc["errors"][0]["pointer"] == "/letter_date"
    patched = loaded.patch(
        f"{Y}/inspections/2018-G1-07", {"letter_date": "2018-07-12"}, who="inspector"
    )
    assert patched.get_json()["letter_date"] == "2018-07-12"


@pytest.mark.language("zh")
def test_a_letter_number_is_kept_with_its_inspection_once_in_its_year(loaded: Api) -> None:
    url = f"{Y}/inspections/2018-G1-07"
    assert loaded.get(url).get_json()["letter_number"] is None
    numbered = loaded.patch(url, {"letter_number": 5}, who="inspector")
    assert numbered.status_code == 200, numbered.get_json()
    # The number alone changes nothing else: the letter's date stays.
    assert (numbered.get_json()["letter_number"], numbered.get_json()["letter_date"]) == (
        5,
        "2018-07-13",
    )
    assert loaded.get(url, who="reader").get_json()["letter_number"] == 5
    assert loaded.post(f"{Y}/inspections", inspection(), who="inspector").status_code == 201
    other = f"{Y}/inspections/2018-G1-08"
    taken = problem(loaded.patch(other, {"letter_number": 5}, who="inspector"), 422)
    assert [e["pointer"] for e in taken["errors"]] == ["/letter_number"]
    message = taken["errors"][0]["message"]
    assert "2018-G1-07" in message and "文号" in message, message
    assert loaded.get(other).get_json()["letter_number"] is None
    for wrong in (0, -3, "五", 1.5):
        bad = problem(loaded.patch(other, {"letter_number": wrong}, who="inspector"), 422)
        assert bad["errors"][0]["pointer"] == "/letter_number"
    # Cleared, the number is free for another letter of the year.
    assert (
        loaded.patch(url, {"letter_number": None}, who="inspector").get_json()["letter_number"]
        is None
    )
    assert loaded.patch(other, {"letter_number": 5}, who="inspector").status_code == 200


def test_problem_list_as_json_csv_and_xlsx(loaded: Api) -> None:
    url = f"{Y}/inspections/2018-G1-07/problems"
    doc = loaded.get(url).get_json()
    assert doc["county_name"] == "和平县" and doc["group_name"] == "第一组"
    assert [r["number"] for r in doc["rows"]] == [1, 2]
    first = doc["rows"][0]
    assert (first["unit_name"], first["criterion_name"], first["category_name"]) == (
        "甲村",
        "教育补助",
        "扶贫政策落实情况",
    )
    assert first["responsible_names"] == ["某帮扶单位"]

    response = loaded.get(f"{url}?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(PROBLEM_HEADERS)
    assert rows[1][:4] == ["1", "2018-G1-07-01", "441624101201", "甲村"]
    assert rows[2][8] == "重大问题"

    response = loaded.get(f"{url}?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "和平县督查发现问题清单" in values[0][0]
    assert values[1] == list(PROBLEM_HEADERS)
    assert values[2][1] == "2018-G1-07-01"
    problem(loaded.get(f"{url}?format=pdf"), 422)
    problem(loaded.get(f"{Y}/inspections/NOPE/problems"), 404)
