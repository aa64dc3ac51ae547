"""An uploaded problem list is bounded by what it unpacks to, and holds no DTD: both are
refused in words before any of its XML is parsed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scoring_service.reports.problem_sheet import TEMPLATE, SheetProblems, read_problem_sheet

pytestmark = pytest.mark.language("zh")
SHEET = "xl/worksheets/sheet1.xml"
MIB = 1024 * 1024
_SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
)
_SHEET_END = b"</t></is></c></row></sheetData></worksheet>"


def with_sheet(write_sheet: object) -> bytes:
    """The shipped template with its first sheet's XML written by ``write_sheet(stream)``."""
    source = zipfile.ZipFile(io.BytesIO(TEMPLATE.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as stream:
                    write_sheet(stream)  # type: ignore[operator]
            else:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


def one_huge_cell(size: int) -> bytes:
    """A workbook of a few hundred KiB whose one cell unpacks to ``size`` bytes."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(_SHEET_START)
        chunk = b"A" * MIB
        for _ in range(size // MIB):
            stream.write(chunk)
        stream.write(_SHEET_END)

    return with_sheet(write)


def refusal(raw: bytes, **limits: int) -> str:
    with pytest.raises(SheetProblems) as caught:
        read_problem_sheet(raw, **limits)
    [problem] = caught.value.problems
    return f"{problem.where}: {problem.message}"


READ_IN_A_CHILD = """
import json, resource, sys
from scoring_service.i18n import use_language
from scoring_service.reports.problem_sheet import SheetProblems, read_problem_sheet
raw = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with use_language("zh"):
        read_problem_sheet(raw)
    message = None
except SheetProblems as exc:
    message = exc.problems[0].message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grown_kib": after - before, "message": message}))
"""


def test_a_cell_unpacking_past_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    raw = one_huge_cell(120 * MIB)
    assert len(raw) < 1 * MIB
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(raw)
    # In a process of its own: its peak memory is the reading's alone.
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    found = json.loads(done.stdout)
    assert found["message"] == f"工作簿的部件 {SHEET} 解压后超过 50 MiB，不是问题清单"
    assert found["grown_kib"] < 100 * 1024, found


def test_the_limits_are_settings() -> None:
    raw = one_huge_cell(3 * MIB)
    assert refusal(raw, max_part_bytes=2 * MIB) == (
        f"文件: 工作簿的部件 {SHEET} 解压后超过 2 MiB，不是问题清单"
    )
    assert refusal(raw, max_unpacked_bytes=2 * MIB) == "文件: 工作簿解压后超过 2 MiB，不是问题清单"


LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
EXTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
)


@pytest.mark.parametrize(
    "prologue",
    [LAUGHS, EXTERNAL, EXTERNAL.decode().encode("utf-16")],
    ids=["billion-laughs", "external-entity", "utf-16"],
)
def test_a_workbook_declaring_a_dtd_is_refused(prologue: bytes) -> None:
    def write(stream: io.BufferedIOBase) -> None:
        body = _SHEET_START.split(b"?>", 1)[1] + b"&lol9;&secret;" + _SHEET_END
        if b"\x00" in prologue:  # the whole part in UTF-16, without a second byte-order mark
            body = body.decode().encode("utf-16")[2:]
        stream.write(prologue + body)

    assert refusal(with_sheet(write)) == (
        f"文件: 工作簿的部件 {SHEET} 声明了 DTD（<!DOCTYPE>），问题清单不会含有它"
    )


@pytest.mark.parametrize(
    "cell", [b"abc&#xFFFE;", b"abc<unclosed", "x\ufffey".encode()], ids=["reference", "tag", "raw"]
)
def test_a_sheet_whose_xml_is_malformed_is_refused_in_words(cell: bytes) -> None:
    # XML cannot hold U+FFFE or a control character even as a reference: a sheet holding one
    # is not well formed, so no such text reaches a finding from a workbook.
    raw = with_sheet(lambda stream: stream.write(_SHEET_START + cell + _SHEET_END))
    assert refusal(raw) == "文件: 不是 Excel 工作簿（.xlsx）；请填写模板后上传"
