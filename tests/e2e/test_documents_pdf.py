"""Documents laid out by LibreOffice: a letter and a circular as PDF hold their Chinese
titles (fonts-noto-cjk draws them). Skipped without LibreOffice or pdftotext, except under
CI, which installs both (.ci/run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring_service.db import upgrade
from scoring_service.documents import pdf
from tests.helpers.api import Api, make_api

Y = "/api/v1/years/2018"


@pytest.fixture(name="office", scope="module")
def office_fixture() -> None:
    """LibreOffice and pdftotext are there, or the test is skipped (failed under CI)."""
    missing = [
        name
        for name, found in (("soffice", pdf.available()), ("pdftotext", shutil.which("pdftotext")))
        if not found
    ]
    if missing:
        message = f"{', '.join(missing)} not installed"
        if os.environ.get("CI"):
            pytest.fail(message + ": .ci/run installs libreoffice-writer-nogui and poppler-utils")
        pytest.skip(message)


@pytest.fixture(name="sqlite_api")
def sqlite_api_fixture(tmp_path: Path, office: None) -> Iterator[Api]:
    """The API on SQLite with the spec's example: the layout does not depend on the database."""
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    upgrade(url)
    yield from make_api(url)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", "", text)  # lines break titles anywhere


def test_a_letter_and_a_circular_render_to_pdf_with_their_chinese_titles(
    sqlite_api: Api, tmp_path: Path
) -> None:
    sqlite_api.load()
    letter = sqlite_api.get(f"{Y}/inspections/2018-G1-07/letter?format=pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.get_data().startswith(b"%PDF")
    text = pdf_text(letter.get_data(), tmp_path)
    assert "关于和平县限期整改督查发现问题的函" in text
    assert "河源市脱贫攻坚督查工作领导小组办公室" in text
    assert "教育补助未发放到位" in text  # the attached problem list
    assert "letter-2018-G1-07.pdf" in letter.headers["Content-Disposition"]

    circular = sqlite_api.get(f"{Y}/documents/circular?format=pdf")
    assert circular.status_code == 200 and circular.mimetype == "application/pdf"
    text = pdf_text(circular.get_data(), tmp_path)
    assert "关于2018年度脱贫攻坚督查整改情况的通报" in text
    assert "通报表扬" in text and "通报批评" in text
