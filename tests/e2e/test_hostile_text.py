"""Text XML cannot hold (U+FFFE, control characters) and text a spreadsheet would run.

Such text is refused wherever a record is written, and a record that holds it already (old
data) still makes every workbook and document."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle

Y = "/api/v1/years/2018"
FINDING = {
    "code": "2018-G1-07-03",
    "unit": "441624101202",
    "criterion": "7.2",
    "severity": "general",
    "description": "户有卡不全",
    "deadline": "2018-08-30",
}


@pytest.mark.language("zh")
def test_a_noncharacter_in_a_description_is_refused_naming_where(loaded: Api) -> None:
    url = f"{Y}/inspections/2018-G1-07/findings"
    body = {**FINDING, "description": "户有卡\ufffe不全"}
    doc = problem(loaded.post(url, body, who="inspector"), 422)
    assert doc["errors"] == [
        {"pointer": "/description", "message": "第 4 个字符 U+FFFE 不能用于文本"}
    ]
    english = loaded.client.post(
        url, json=body, headers=loaded.headers("inspector", **{"Accept-Language": "en"})
    )
    assert problem(english, 422)["errors"] == [
        {"pointer": "/description", "message": "character 4 (U+FFFE) cannot be used in text"}
    ]
    assert loaded.get(f"{Y}/findings/2018-G1-07-03").status_code == 404


def test_control_characters_are_refused_in_names_codes_and_events(loaded: Api) -> None:
    doc = problem(
        loaded.post(f"{Y}/units", {"code": "X\x01", "name": "县\uffff", "kind": "county"}), 422
    )
    assert sorted(e["pointer"] for e in doc["errors"]) == ["/code", "/name"]
    event = {"type": "escalated", "date": "2018-08-01", "note": "已\x1b上报"}
    doc = problem(loaded.post("/api/v1/findings/2018-G1-07-02/events", event, who="inspector"), 422)
    assert doc["errors"] == [
        {"pointer": "/note", "message": "character 2 (U+001B) cannot be used in text"}
    ]
    # Tab, newline and carriage return are text.
    event["note"] = "已上报\r\n\t见附件"
    created = loaded.post("/api/v1/findings/2018-G1-07-02/events", event, who="inspector")
    assert created.status_code == 201, created.get_json()


def test_a_bundle_holding_a_noncharacter_is_refused_naming_where(api: Api) -> None:
    bundle = spec_bundle()
    bundle["units"][0]["name"] = "源城\ufffe区"
    doc = problem(api.post("/api/v1/bundles", bundle), 422)
    assert doc["errors"] == [
        {"pointer": "/units/0/name", "message": "character 3 (U+FFFE) cannot be used in text"}
    ]


def test_stored_text_xml_cannot_hold_still_makes_every_workbook_and_document(
    loaded: Api, db_url: str
) -> None:
    # As data stored before such text was refused: written past the service's checks.
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE findings SET description = :d WHERE code = '2018-G1-07-01'"),
            {"d": "资金\ufffe仍\x0b滞留\uffff"},
        )
        connection.execute(
            text("UPDATE units SET name = :n WHERE code = '441624'"), {"n": "和平\ufffe县"}
        )
    engine.dispose()
    response = loaded.get(f"{Y}/inspections/2018-G1-07/problems?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "资金仍滞留" in cells
    assert loaded.get(f"{Y}/documents/ledger").status_code == 200
    letter = loaded.get(f"{Y}/inspections/2018-G1-07/letter")
    assert letter.status_code == 200
    words = WordDocument(io.BytesIO(letter.data))
    assert "资金仍滞留" in [c.text for t in words.tables for r in t.rows for c in r.cells]
    archive = loaded.get(f"{Y}/documents/archive?quarter=3")
    assert archive.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(archive.data)).testzip() is None


def test_a_carriage_return_in_a_unit_name_keeps_the_scores_csv_rows_whole(loaded: Api) -> None:
    patched = loaded.patch(f"{Y}/units/441624", {"name": "\r=1+2+3"})
    assert patched.status_code == 200, patched.get_json()
    run = loaded.post(f"{Y}/score-runs", {})
    assert run.status_code == 201, run.get_json()
    response = loaded.get(f"{Y}/scores?format=csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    content = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert len({len(r) for r in rows}) == 1, rows  # no row broken in two
    cells = [cell for row in rows for cell in row]
    assert "'\r=1+2+3" in cells
    # Each record read back is a row of the table whose cells are values, never formulas
    # (a line break inside a quoted cell is that cell's text).
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
