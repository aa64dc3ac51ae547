"""Pages printed from the browser (Chromium's PDF, read with pdftotext): the first page
says what the page shows (year, as-of date, filters) and already holds its content."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.web import Site
from tests.web.test_browser import signed_in_page


def first_page(page: Any, tmp_path: Path) -> str:
    pdf = tmp_path / "page.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    done = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(done.stdout.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
@pytest.mark.language("zh")
def test_a_printed_page_says_what_it_shows_and_starts_on_page_one(
    browser: Any, served_site: tuple[Site, str], tmp_path: Path
) -> None:
    _site, base = served_site
    path = "/years/2018/findings?county=441624&overdue=yes"
    page = signed_in_page(browser, base, "office", path)
    text = first_page(page, tmp_path)
    assert "2018" in text and "截至 2018年12月31日" in text
    assert "县（市、区） 和平县" in text and "逾期未整改 是" in text  # the filters
    assert "逾期未整改" in text  # the ledger's rows start on page 1

    page.goto(f"{base}/years/2018/units/441624")
    page.wait_for_load_state()
    text = first_page(page, tmp_path)
    assert "和平县" in text and "截至" in text
    assert "得分" in text and "整改率" in text
