"""The office's paperwork from the pages: the letter from the inspection's page, the monthly
report, the circular, the ledger and the quarterly archive from the documents page, read
back against the services; a scoped person is offered and given only what the API gives."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from openpyxl import load_workbook

from scoring_service.access import audit
from scoring_service.access.roles import command_line
from scoring_service.documents.files import cn_date
from scoring_service.documents.pdf import available as pdf_available
from scoring_service.domain.model import FindingFilter, UnitKind
from scoring_service.records.findings import list_findings
from scoring_service.records.inspections import get_inspection, list_inspections
from scoring_service.records.score_runs import current_scores
from scoring_service.records.units import list_units
from scoring_service.reports.exports import problem_list
from tests.helpers.english import english_runs
from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page
from web import background

Y = "/years/2018"
INSPECTION = "2018-G1-441624-07"  # 和平县, ended 2018-07-10


def word_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word document, as a person reads it."""
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def ledger_codes(content: bytes) -> set[str]:
    """The finding codes of a ledger workbook's county sheets: each problem's cell names its
    code after the description, "（code，severity）"."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    found = set()
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows(values_only=True):
            if len(row) > 1 and isinstance(row[1], str):
                found.update(re.findall(r"（(2018-[^，）]+)，", row[1]))
    return found


def download(page: Any, selector: str) -> bytes:
    # An archive is made in the background: its page looks again until the file comes.
    with page.expect_download(timeout=120_000) as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def test_a_clerk_issues_and_downloads_the_letter_from_the_inspection_page(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    page = signed_in_page(browser, base, "office", f"{Y}/inspections/{INSPECTION}")
    page.fill("#field-number", "88")
    page.fill("#field-letter_date", "2018-07-12")
    page.click("form.issue-letter button[type=submit]")
    page.wait_for_load_state()
    # Issuing records the letter's date on the inspection, audited, as the API's write.
    inspection, _found = get_inspection(site.uow(command_line()), 2018, INSPECTION)
    assert str(inspection.letter_date) == "2018-07-12"
    entry = audit.entries(site.uow(), limit=1, record_type="inspection").items[0]
    assert (entry.token, entry.action) == ("office", "inspection.update")
    assert page.input_value("#field-number") == "88"  # kept with the inspection

    text = word_text(download(page, "a.letter-docx"))
    problems = problem_list(site.uow(command_line()), 2018, INSPECTION)
    assert problems.rows
    for row in problems.rows:
        assert row["description"] in text
        assert cn_date(row["deadline"]) in text
    assert "88" in text and cn_date(inspection.letter_date) in text


def test_the_documents_page_downloads_each_document_as_the_data_says(
    browser: Any, served_site: tuple[Site, str]
) -> None:
    site, base = served_site
    page = signed_in_page(browser, base, "office", f"{Y}/documents")
    assert page.locator(".year-nav a[aria-current=page]").inner_text() == "公文"
    assert english_runs(page.locator("main").inner_text()) == []
    uow = site.uow(command_line())
    counties = list_units(uow, 2018, kind=UnitKind.COUNTY, parent=None, limit=100, cursor=None)

    page.select_option("#field-month", "9")
    monthly = word_text(download(page, "#monthly button[value=docx]"))
    assert "9月" in monthly
    assert all(u.name in monthly for u in counties.items)

    page.fill("#field-circular-as_of", "2018-10-31")
    circular = word_text(download(page, "#circular button[value=docx]"))
    assert "2018年10月31日" in circular
    run = current_scores(uow, 2018, as_of=date(2018, 10, 31))
    for row in run.rows:
        if row["kind"] == "county" and {"commendation", "criticism"} & set(row["measures"]):
            assert row["name"] in circular

    page.select_option("#ledger #field-county", "441624")
    page.select_option("#ledger #field-overdue", "yes")
    codes = ledger_codes(download(page, "#ledger button[type=submit]"))
    _when, listed = list_findings(
        uow, 2018, FindingFilter(unit="441624", overdue=True), as_of=None, limit=1000, cursor=None
    )
    assert codes == {v.finding.code for v in listed.items} and codes

    page.select_option("#field-quarter", "3")
    archive = zipfile.ZipFile(io.BytesIO(download(page, "#archive button[type=submit]")))
    sums = archive.read("SHA256SUMS").decode()
    for line in sums.splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256(archive.read(name.lstrip("*"))).hexdigest() == digest
    manifest = archive.read("manifest.json").decode()
    ended = [
        i.code
        for i in list_inspections(uow, 2018, limit=1000, cursor=None).items
        if "2018-07-01" <= str(i.end_date) <= "2018-09-30"
    ]
    assert ended and all(code in manifest for code in ended)
    assert json.loads(manifest)


def test_a_scoped_person_is_offered_only_what_they_may_have(site: Site) -> None:
    heping = site.client("heping")
    page = heping.get(f"{Y}/documents").text
    assert "documents/circular" not in page and "documents/archive" not in page
    assert "documents/monthly" not in page
    assert page.count("whole-city-only") == 3
    for path in ("circular", "monthly?month=9", "archive?quarter=3"):
        assert heping.get(f"{Y}/documents/{path}").status_code == 403
    # The ledger holds the findings they read; a letter of another county is not found.
    mine = ledger_codes(heping.get(f"{Y}/documents/ledger").data)
    _when, listed = list_findings(
        site.uow(command_line()), 2018, FindingFilter(), as_of=None, limit=1000, cursor=None
    )
    assert mine and mine < {v.finding.code for v in listed.items if v.facts}
    assert heping.get(f"{Y}/inspections/2018-G1-441602-07/letter.docx").status_code == 404
    assert heping.get(f"{Y}/inspections/{INSPECTION}/letter.docx").status_code == 200


def test_the_ledger_page_exports_what_it_lists(demo: Site) -> None:
    client = demo.client("reader")
    page = client.get(f"{Y}/findings?county=441624&severity=major").text
    href = f"{Y}/documents/ledger?county=441624&amp;severity=major"
    assert href in page
    codes = ledger_codes(client.get(href.replace("&amp;", "&")).data)
    listed = {line.split('"')[1] for line in page.split("data-finding=")[1:]}
    assert codes == listed and codes


def test_the_archive_is_made_in_the_background_then_downloaded(demo: Site) -> None:
    client = demo.client("office")
    first = client.get(f"{Y}/documents/archive?quarter=4")
    assert first.status_code == 202 and first.headers["Refresh"]
    assert "data-making" in first.text and "正在生成" in first.text
    background.settle()
    ready = client.get(f"{Y}/documents/archive?quarter=4")
    assert ready.status_code == 200 and ready.mimetype == "application/zip"
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(ready.data)).namelist()


def test_an_archive_the_service_refuses_is_refused_in_words(demo: Site) -> None:
    client = demo.client("office")
    # The year's first inspection is in the third quarter: the first has nothing to archive.
    assert client.get(f"{Y}/documents/archive?quarter=1").status_code == 202
    background.settle()
    refused = client.get(f"{Y}/documents/archive?quarter=1")
    assert refused.status_code == 422 and "2018" in refused.text


def test_bad_choices_are_refused_in_words(demo: Site) -> None:
    client = demo.client("office")
    refused = client.get(f"{Y}/documents/monthly?month=13")
    assert refused.status_code == 422 and "月份" in refused.text
    assert client.get(f"{Y}/documents/archive?quarter=0").status_code == 422


@pytest.mark.skipif(not pdf_available(), reason="LibreOffice is not installed")
def test_the_letter_as_pdf(demo: Site) -> None:
    answer = demo.client("reader").get(f"{Y}/inspections/{INSPECTION}/letter.pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
