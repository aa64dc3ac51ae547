"""A generated document as a file: its bytes, its type and the names it is saved under."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from scoring_service.i18n import format_date, format_percent, use_language

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
# A document number the office has not given yet: room to write it in (〔2018〕　　号).
BLANK_NUMBER = "\u3000\u3000"


@dataclass(frozen=True, slots=True)
class Document:
    """One file: ``name`` in Chinese as the office files it (``整改函-2018-G1-07.docx``),
    ``ascii_name`` for clients that cannot take it (``letter-2018-G1-07.docx``)."""

    name: str
    ascii_name: str
    media: str
    content: bytes

    def as_pdf(self) -> Document:
        """The PDF of a Word document, by LibreOffice (PdfUnavailable without it)."""
        from scoring_service.documents.pdf import docx_to_pdf

        if self.media != DOCX:
            raise ValueError(f"{self.name} is not a Word document")
        return replace(
            self,
            name=_pdf_name(self.name),
            ascii_name=_pdf_name(self.ascii_name),
            media=PDF,
            content=docx_to_pdf(self.content),
        )


def _pdf_name(name: str) -> str:
    return name.removesuffix(".docx") + ".pdf"


def cn_date(day: date | None) -> str:
    """A date as an official document writes it (2018年8月10日), whatever the language in
    force: documents are Chinese by nature."""
    if day is None:
        return ""
    with use_language("zh"):
        return format_date(day)


def cn_dates(first: date, last: date) -> str:
    """A span of days as a document writes it: one date for one day (2018年7月20日), else
    both (2018年7月19日至2018年7月20日)."""
    if first == last:
        return cn_date(first)
    return f"{cn_date(first)}至{cn_date(last)}"


def cn_month(label: str) -> str:
    """A month label (2019-06) as a person reads it: 2019年6月."""
    year, month = label.split("-")
    return f"{int(year)}年{int(month)}月"


def cn_percent(rate: object) -> str:
    """A rate as a percentage with two decimals; a dash when nothing was due."""
    return format_percent(rate)  # type: ignore[arg-type]
