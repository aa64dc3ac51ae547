"""Files that open right in Excel and WPS: typed cells, printing, sheets per kind, GB18030,
and the exports of explanations and alerts, over the API and the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import text

from scoring_service.cli import main
from scoring_service.db import make_engine
from scoring_service.reports.exports import PROBLEM_HEADERS
from scoring_service.reports.sheets import FONT_NAME
from tests.e2e.test_exports import assert_csv_is_inert, assert_xlsx_is_inert, hostile_bundle
from tests.helpers.api import Api, api_fixture, loaded_fixture, problem  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
DEMO_2018 = REPO / "fixtures" / "demo-2018.bundle.json"
Y = "/api/v1/years/2018"
BOM = b"\xef\xbb\xbf"


def book_of(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def header_row(ws: Worksheet) -> int:
    """The row of the table's headers: the one its autofilter starts at."""
    ref = ws.auto_filter.ref
    assert ref, f"{ws.title} has no autofilter"
    return int(ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def table_of(ws: Worksheet) -> list[dict[str, Any]]:
    """The sheet's table as dicts of header to cell (openpyxl cells, to read their kinds)."""
    top = header_row(ws)
    headers = [c.value for c in ws[top]]
    return [dict(zip(headers, row, strict=True)) for row in ws.iter_rows(min_row=top + 1)]


def assert_ready_to_print(ws: Worksheet) -> None:
    """One table with an autofilter over all of it, its header row on every printed page,
    landscape, fitted to the page width, the title merged across exactly the printed
    columns, a CJK font."""
    top = header_row(ws)
    last = ws.cell(top, ws.max_column).column_letter
    assert ws.auto_filter.ref == f"A{top}:{last}{max(ws.max_row, top)}"
    assert ws.print_title_rows == f"${top}:${top}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].alignment.wrap_text
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {FONT_NAME}


def assert_text(cell: Any, value: str) -> None:
    """A code kept as text: a string cell formatted as text, never a number."""
    assert (cell.value, cell.data_type, cell.number_format) == (value, "s", "@")


def assert_date(cell: Any, value: str) -> None:
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert cell.value.date() == date.fromisoformat(value)


def assert_rate(cell: Any, value: float | None) -> None:
    if value is None:
        assert cell.value is None
        return
    assert cell.data_type == "n" and cell.value == value
    assert cell.number_format == "0.00%"


def gb18030_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=gb18030"
    assert not response.data.startswith(BOM)
    return list(csv.reader(io.StringIO(response.data.decode("gb18030"), newline="")))


def utf8_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(BOM)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


# --- the HTTP API --------------------------------------------------------------------------------


def test_score_workbook_has_a_summary_and_a_sheet_per_kind_ready_to_print(loaded: Api) -> None:
    page = loaded.get(f"{Y}/scores?limit=1000").get_json()
    response = loaded.get(f"{Y}/scores?format=xlsx")
    assert response.status_code == 200
    book = book_of(response.data)
    assert book.sheetnames == ["汇总", "县区", "镇街", "帮扶单位"]
    for ws in book:
        assert_ready_to_print(ws)

    kinds = {"county": "县区", "town": "镇街", "helping_unit": "帮扶单位"}
    for kind, sheet in kinds.items():
        expected = [r for r in page["items"] if r["kind"] == kind]
        rows = table_of(book[sheet])
        assert [r["单位代码"].value for r in rows] == [r["unit"] for r in expected]
        for row, want in zip(rows, expected, strict=True):
            assert_text(row["单位代码"], want["unit"])
            assert_rate(row["整改率"], want["metrics"]["rate"])
            assert row["得分"].data_type == "n" and row["得分"].value == want["score"]
            assert row["名次"].value == want["rank"]

    summary = book["汇总"]
    notes = {summary.cell(r, 1).value: summary.cell(r, 2) for r in range(2, header_row(summary))}
    assert_date(notes["截至日期"], page["as_of"])
    assert_text(notes["规则集"], page["ruleset_hash"])
    counts = {r["类别"].value: {k: c.value for k, c in r.items()} for r in table_of(summary)}
    grades = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "较差"}
    for kind, sheet in kinds.items():
        of_kind = [r for r in page["items"] if r["kind"] == kind]
        assert counts[sheet]["单位数"] == len(of_kind)
        for grade, name in grades.items():
            assert counts[sheet][name] == sum(r["grade"] == grade for r in of_kind)

    # One kind asked for: the summary and that kind's sheet only.
    one = book_of(loaded.get(f"{Y}/scores?format=xlsx&kind=town").data)
    assert one.sheetnames == ["汇总", "镇街"]


def test_problem_list_workbook_has_date_deadlines_and_text_codes(loaded: Api) -> None:
    url = f"{Y}/inspections/2018-G1-07/problems"
    doc = loaded.get(url).get_json()
    ws = book_of(loaded.get(f"{url}?format=xlsx").data).active
    assert ws is not None
    assert_ready_to_print(ws)
    assert [c.value for c in ws[header_row(ws)]] == list(PROBLEM_HEADERS)
    rows = table_of(ws)
    assert len(rows) == len(doc["rows"])
    for row, want in zip(rows, doc["rows"], strict=True):
        assert row["序号"].value == want["number"]
        assert_text(row["问题编号"], want["finding"])
        assert_text(row["被督查单位代码"], want["unit"])
        assert_text(row["督查事项编号"], want["criterion"])  # "1.1" stays text
        assert_date(row["整改时限"], want["deadline"])


def test_csv_downloads_in_gb18030_on_request(loaded: Api) -> None:
    for path in (f"{Y}/scores", f"{Y}/inspections/2018-G1-07/problems"):
        utf8 = utf8_rows(loaded.get(f"{path}?format=csv"))
        gb = gb18030_rows(loaded.get(f"{path}?format=csv&encoding=gb18030"))
        assert gb == utf8 and gb[0][:2] in (["类别", "名次"], ["序号", "问题编号"])
        assert loaded.get(f"{path}?format=csv&encoding=utf-8").data.startswith(BOM)
        body = problem(loaded.get(f"{path}?format=csv&encoding=latin-1"), 422)
        assert body["errors"][0]["pointer"] == "/encoding"
        assert "gb18030" in body["errors"][0]["message"]


def test_explanation_exports_hold_what_the_json_says(loaded: Api) -> None:
    url = f"{Y}/units/441624/explanation?as_of=2018-12-31"
    doc = loaded.get(url).get_json()
    response = loaded.get(f"{url}&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = book_of(response.data)
    assert book.sheetnames == ["指标", "规则", "问题"]
    for ws in book:
        assert_ready_to_print(ws)

    metrics = {r["代码"].value: r["值"] for r in table_of(book["指标"])}
    m = doc["row"]["metrics"]
    for key in ("findings", "due", "on_time", "late", "overdue", "open", "fakes", "repeats"):
        assert metrics[key].value == m[key]
    assert_rate(metrics["rate"], m["rate"])
    assert metrics["score"].value == doc["row"]["score"]
    assert metrics["rank"].value == doc["row"]["rank"]

    rules = table_of(book["规则"])
    assert [r["规则"].value for r in rules] == [r["rule"] for r in doc["rules"]]
    fired = {r["规则"].value for r in rules if r["是否触发"].value == "是"}
    assert fired == {f["rule"] for f in doc["row"]["fired"]}
    for row, want in zip(rules, doc["rules"], strict=True):
        for name in want["values"]:
            assert f"{name}=" in row["读取的值"].value
        assert row["扣分"].value == want.get("deduction")

    findings = table_of(book["问题"])
    assert [r["问题编号"].value for r in findings] == [f["code"] for f in doc["findings"]]
    for row, want in zip(findings, doc["findings"], strict=True):
        assert_date(row["发现日期"], want["found_on"])
        assert_date(row["有效整改时限"], want["effective_deadline"])
        assert_text(row["督查事项编号"], want["criterion"])
        assert row["计入原因"].value

    # The CSV: the same three tables as sections, each after its bracketed name.
    lines = utf8_rows(loaded.get(f"{url}&format=csv"))
    starts = [i for i, r in enumerate(lines) if r and r[0].startswith("【")]
    assert [lines[i][0] for i in starts] == ["【指标】", "【规则】", "【问题】"]
    finding_header = next(i for i in range(starts[2], len(lines)) if lines[i][0] == "问题编号")
    codes = [r[0] for r in lines[finding_header + 1 :] if r]
    assert codes == [f["code"] for f in doc["findings"]]
    assert gb18030_rows(loaded.get(f"{url}&format=csv&encoding=gb18030")) == lines


def test_alert_exports_hold_every_alert_the_json_lists(loaded: Api) -> None:
    url = f"{Y}/alerts?as_of=2018-12-31"
    items = loaded.get(f"{url}&limit=1000").get_json()["items"]
    assert items
    ws = book_of(loaded.get(f"{url}&format=xlsx&limit=1").data)["过程预警"]
    assert_ready_to_print(ws)
    rows = table_of(ws)  # every alert, whatever the page size
    assert [(r["类型代码"].value, r["督查组"].value, r["月份"].value) for r in rows] == [
        (a["type"], a.get("group"), a.get("month")) for a in items
    ]
    assert_text(rows[0]["月份"], items[0]["month"])  # "2018-08" is not a date
    assert [r["说明"].value for r in rows] == [a["detail"] for a in items]

    lines = utf8_rows(loaded.get(f"{url}&format=csv"))
    assert lines[0][:2] == ["预警类型", "类型代码"]
    assert [r[1] for r in lines[1:]] == [a["type"] for a in items]
    assert gb18030_rows(loaded.get(f"{url}&format=csv&encoding=gb18030")) == lines
    none = utf8_rows(loaded.get(f"{url}&format=csv&type=late_letter"))
    assert len(none) == 1  # the headers only


def test_openapi_lists_the_new_downloads(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/years/{year}/units/{code}/explanation", "/api/v1/years/{year}/alerts"):
        # The JSON operation declares JSON; each file is an operation of its own.
        assert list(doc["paths"][path]["get"]["responses"]["200"]["content"]) == [
            "application/json"
        ]
        csv = doc["paths"][path + ".csv"]["get"]
        assert "text/csv" in csv["responses"]["200"]["content"]
        assert "encoding" in {p["name"] for p in csv["parameters"]}
        xlsx = doc["paths"][path + ".xlsx"]["get"]["responses"]["200"]["content"]
        assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in xlsx


def test_exports_of_explanations_and_alerts_cannot_run_code(api: Api) -> None:
    bundle = hostile_bundle()
    api.load(bundle)
    county = next(u["name"] for u in bundle["units"] if u["code"] == "441624")
    group = bundle["groups"][0]["code"]
    url = f"{Y}/units/441624/explanation"
    assert_xlsx_is_inert(api.get(f"{url}?format=xlsx").data, {county})
    lines = utf8_rows(api.get(f"{url}?format=csv"))
    assert_csv_is_inert(lines, {county})
    alerts = api.get(f"{Y}/alerts?format=xlsx").data
    values = assert_xlsx_is_inert(alerts, set())
    assert group in {v for row in values for v in row}


# --- the command line ----------------------------------------------------------------------------


def cli(*argv: str, out: Any = None) -> tuple[int, str, str]:
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() if isinstance(out, io.StringIO) else "", err.getvalue()


class BinaryStdout(io.TextIOWrapper):
    """Standard output redirected to a file: text over a byte stream."""

    def __init__(self, tty: bool = False) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def bytes(self) -> bytes:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue()


@pytest.fixture
def demo(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert cli("--db", url, "import", str(DEMO_2018))[0] == 0
    return url


def runs(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM score_runs")).scalar_one())
    finally:
        engine.dispose()


def test_cli_csv_has_a_byte_order_mark_or_is_gb18030(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    score = ("--db", demo, "score", "--year", "2018", "--kind", "county")
    code, out, _ = cli(*score, "--format", "csv")
    assert code == 0 and out.startswith("\ufeff类别,名次,单位代码")
    stdout = BinaryStdout()
    assert cli(*score, "--format", "csv", out=stdout)[0] == 0
    assert stdout.bytes().startswith(BOM + "类别,名次".encode())

    target = tmp_path / "scores.csv"
    assert cli(*score, "--format", "csv", "-o", str(target))[0] == 0
    utf8 = target.read_bytes()
    assert utf8.startswith(BOM)
    assert cli(*score, "--format", "csv", "--encoding", "gb18030", "-o", str(target))[0] == 0
    gb = target.read_bytes()
    assert not gb.startswith(BOM) and gb.decode("gb18030") == utf8.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(gb.decode("gb18030"), newline="")))
    assert rows[0][:4] == ["类别", "名次", "单位代码", "单位名称"] and len(rows) == 1 + 7

    code, _, _ = cli(*score, "--format", "csv", "--encoding", "latin-1")
    assert code == 2 and "invalid choice: 'latin-1'" in capsys.readouterr().err  # argparse's
    code, _, err = cli(*score, "--format", "json", "--encoding", "gb18030")
    assert code == 2 and "--encoding applies to --format csv only" in err


def test_cli_writes_score_workbooks(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "scores.xlsx"
    score = ("--db", demo, "score", "--year", "2018", "--format")
    code, out, _ = cli(*score, "xlsx", "-o", str(target))
    assert code == 0 and out == ""
    book = load_workbook(target)
    assert book.sheetnames == ["汇总", "县区", "镇街", "帮扶单位"]
    for ws in book:
        assert_ready_to_print(ws)
    rows = json.loads(cli(*score, "json")[1])
    county = table_of(book["县区"])
    assert [r["单位代码"].value for r in county] == [
        r["unit"] for r in rows if r["kind"] == "county"
    ]
    assert_rate(county[0]["整改率"], rows[0]["metrics"]["rate"])

    # Standard output redirected to a file gets the workbook's bytes.
    stdout = BinaryStdout()
    assert cli(*score, "xlsx", out=stdout)[0] == 0
    assert load_workbook(io.BytesIO(stdout.bytes())).sheetnames == book.sheetnames


def test_cli_refuses_xlsx_on_a_terminal_and_unwritable_files_before_scoring(
    demo: str, tmp_path: Path
) -> None:
    before = runs(demo)
    score = ("--db", demo, "score", "--year", "2018", "--format", "xlsx")
    terminal = BinaryStdout(tty=True)
    code, _, err = cli(*score, out=terminal)
    assert code == 2 and "XLSX is a binary file: give -o FILE" in err
    assert terminal.bytes() == b""
    code, _, err = cli(*score)  # a text stream that cannot take bytes
    assert code == 2 and "give -o FILE" in err
    code, _, err = cli(*score, "-o", str(tmp_path / "no-such-folder" / "s.xlsx"))
    assert code == 2 and "no such folder" in err
    code, _, err = cli(*score, "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err
    assert runs(demo) == before  # nothing was scored or stored
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.sqlite"]


def test_cli_exports_explanations_and_alerts(demo: str, tmp_path: Path) -> None:
    base = ("--db", demo)
    explain = (*base, "explain", "--year", "2018", "441624")
    doc = json.loads(cli(*explain, "--format", "json")[1])
    target = tmp_path / "explanation.xlsx"
    assert cli(*explain, "--format", "xlsx", "--output", str(target))[0] == 0
    book = load_workbook(target)
    assert book.sheetnames == ["指标", "规则", "问题"]
    findings = table_of(book["问题"])
    assert [r["问题编号"].value for r in findings] == [f["code"] for f in doc["findings"]]
    reasons = {"territorial": "在下辖单位发现", "found": "在本单位发现"}
    for row, want in zip(findings, doc["findings"], strict=True):
        assert row["整改结果"].value in {"按期整改", "逾期整改", "逾期未整改", "整改中（未到期）"}
        assert row["计入原因"].value == "、".join(reasons[r] for r in want["counts_because"])
        if want["completed_on"]:
            assert_date(row["完成日期"], want["completed_on"])
        else:
            assert row["完成日期"].value is None
    rules = table_of(book["规则"])
    assert [(r["规则"].value, r["是否触发"].value == "是") for r in rules] == [
        (r["rule"], r["fired"]) for r in doc["rules"]
    ]
    code, out, _ = cli(*explain, "--format", "csv")
    assert code == 0 and out.startswith("\ufeff【指标】")
    assert "69/124" in out  # the rate read by the rules, exactly

    alerts = (*base, "alerts", "--year", "2018")
    items = json.loads(cli(*alerts, "--format", "json")[1])
    target = tmp_path / "alerts.csv"
    assert cli(*alerts, "--format", "csv", "--encoding", "gb18030", "-o", str(target))[0] == 0
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("gb18030"), newline="")))
    assert rows[0] == ["预警类型", "类型代码", "督查编号", "督查组", "月份", "问题编号", "说明"]
    assert [(r[1], r[2] or None, r[6]) for r in rows[1:]] == [
        (a["type"], a.get("inspection"), a["detail"]) for a in items
    ]
    target = tmp_path / "alerts.xlsx"
    assert cli(*alerts, "--format", "xlsx", "-o", str(target))[0] == 0
    ws = load_workbook(target)["过程预警"]
    assert_ready_to_print(ws)
    assert len(table_of(ws)) == len(items)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
