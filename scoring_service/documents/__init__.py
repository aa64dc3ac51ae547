"""The documents the work plan prescribes, generated from the data as of a date.

- ``letter``: the rectification letter (整改函) of an inspection, with its problem list;
- ``circular``: the year's circular (通报): commendation, criticism, interview, accountability;
- ``monthly``: the monthly report to the leading group (督查工作月报), with a chart;
- ``ledger``: the rectification ledger (整改台账) of the year, as a workbook;
- ``archive``: the quarter's records as a zip with a manifest of SHA-256 checksums.

Word documents are filled from templates the office edits in Word or WPS (``templates/``,
or the folder of ``SCORING_DOCUMENT_TEMPLATES``; ``render``), and turned into PDF by
LibreOffice where it is installed (``pdf``). Each service takes the caller's unit of
work and applies the scope rule like every read (``access/scope.py``): a letter is read
as its inspection (404 outside the reach), a ledger holds the findings the caller reads,
and the circular, monthly report and archive, which speak of every unit, are for
unscoped principals only (403). Generating a document writes nothing, so, like the
exports, it leaves no audit entry.
"""

from __future__ import annotations

from scoring_service.documents.archive import quarterly_archive
from scoring_service.documents.circular import circular
from scoring_service.documents.files import Document
from scoring_service.documents.ledger import rectification_ledger
from scoring_service.documents.letter import rectification_letter
from scoring_service.documents.monthly import monthly_report
from scoring_service.documents.pdf import PdfUnavailable
from scoring_service.documents.render import TemplateProblem

__all__ = [
    "Document",
    "PdfUnavailable",
    "TemplateProblem",
    "circular",
    "monthly_report",
    "quarterly_archive",
    "rectification_ledger",
    "rectification_letter",
]
