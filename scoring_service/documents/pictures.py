"""Pictures of rendered documents for the README (``make document-pictures``).

Loads the shipped demo year 2018 into a temporary SQLite database, makes the rectification
letter of one inspection, the year's circular and October's monthly report, has LibreOffice
lay them out as PDF and poppler's ``pdftoppm`` draw the first page of each at 60 dpi:
``letter.png``, ``circular.png`` and ``monthly.png`` in the folder given (default
``docs/documents``). Needs LibreOffice and
poppler-utils; the service itself needs neither.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.bootstrap import bootstrap
from scoring_service.config import Settings
from scoring_service.documents import circular, monthly_report, rectification_letter

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo-2018.bundle.json"
LETTER_OF = "2018-G1-441624-07"


def first_page_png(pdf: bytes, target: Path) -> None:
    """The first page of ``pdf`` as ``target`` (a PNG at 60 dpi)."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "page.pdf"
        source.write_bytes(pdf)
        stem = Path(work) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(source),
                str(stem),
            ],
            check=True,
            timeout=120,
        )
        target.write_bytes(stem.with_suffix(".png").read_bytes())


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        settings = Settings.from_env(database_url=f"sqlite:///{work}/demo.sqlite")
        wiring = bootstrap(settings, migrate=True)
        try:
            actor = command_line()
            import_bundle(wiring.unit_of_work(actor), DEMO.read_bytes())
            letter = rectification_letter(wiring.unit_of_work(actor), 2018, LETTER_OF).as_pdf()
            notice = circular(wiring.unit_of_work(actor), 2018, number="12").as_pdf()
            month = monthly_report(wiring.unit_of_work(actor), 2018, 10).as_pdf()
        finally:
            wiring.close()
    for name, doc in (("letter.png", letter), ("circular.png", notice), ("monthly.png", month)):
        first_page_png(doc.content, folder / name)
        print(folder / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "documents")
