"""The quarterly archive: the quarter's records as one zip, with a manifest of checksums.

The work plan (四、工作职责): the groups hand their records to the business section on the
last working day of each quarter, and the section archives them at year end. The archive
holds the letter and the problem list of every inspection that ended in the quarter, the
ledger as of the quarter's last day, the year's bundle as held (to load the year again
exactly), the rectification reports completed in the quarter with their evidence files and
their decisions as held (``整改报告/``), and ``manifest.json`` and ``SHA256SUMS`` with each
file's SHA-256, the manifest's too (check with ``sha256sum -c SHA256SUMS``).

An archive is a record of what happened: it files the letter of an inspection only when the
letter was issued by the quarter's end, dated the day it was issued; the manifest lists the
inspections whose letter was not (``letters_missing``) and those that found nothing and so
need none (``no_letter``). Each letter bears the number the office set on its inspection,
else its place in the year. Working days are Monday to Friday:
the service holds no calendar of public holidays, so the office moves a due day that falls
on one.
An archive holds every unit's records: only unscoped principals may have one.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scoring_service.documents.bundle_file import bundle_bytes
from scoring_service.documents.files import ZIP, Document
from scoring_service.documents.ledger import ledger_xlsx, rectification_measures
from scoring_service.documents.letter import letter_of, letter_order
from scoring_service.documents.year import assessed_year, require_whole_year
from scoring_service.domain.errors import InvalidRequest
from scoring_service.domain.rectification import Report
from scoring_service.i18n import _
from scoring_service.reports.exports import problem_list, problem_list_xlsx
from scoring_service.unit_of_work import UnitOfWork

MANIFEST_FORMAT = "quarterly-archive/1"


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int  # 1-4

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        following = date(self.year + (self.number == 4), (3 * self.number) % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def due(self) -> date:
        """The last working day (Monday to Friday) of the quarter."""
        day = self.last
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"


def quarter(year: int, number: int) -> Quarter:
    if not 1 <= number <= 4:
        raise InvalidRequest(_("the quarter must be 1 to 4, not %(quarter)s", quarter=number))
    return Quarter(year, number)


def _zip(files: dict[str, bytes], stamp: date) -> bytes:
    """The files as a zip, each dated ``stamp`` (the same archive gives the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()


def _report_entry(report: Report) -> dict[str, Any]:
    """A report, its files and its decision as held."""
    entry: dict[str, Any] = {
        "id": report.id,
        "finding": report.finding,
        "state": report.state.value,
        "date": report.date.isoformat(),
        "text": report.text,
        "submitted_by": report.submitted_by,
        "submitted_at": report.submitted_at.isoformat(),
        "files": [
            {
                "name": f.name,
                "sha256": f.sha256,
                "bytes": f.size,
                "path": _evidence_path(report, f.position, f.name),
            }
            for f in report.files
        ],
    }
    if report.decision is not None:
        entry["decided_by"] = report.decision.by
        entry["decided_at"] = report.decision.at.isoformat()
        entry["reason"] = report.decision.reason
    return entry


def _evidence_path(report: Report, position: int, name: str) -> str:
    return f"整改报告/{report.finding}/{report.id}-{position}-{name}"


def _reports(uow: UnitOfWork, year: int, q: Quarter) -> dict[str, bytes]:
    """The reports completed in the quarter (``reports.json``) and their evidence files."""
    with uow:
        held = [r for r in uow.reports.of_year(year) if q.first <= r.date <= q.last]
        files: dict[str, bytes] = {}
        for report in held:
            for f in report.files:
                content = uow.evidence.content(f.sha256)
                if content is not None:  # a missing file is what `files check` reports
                    files[_evidence_path(report, f.position, f.name)] = content
    if not held:
        return {}
    entries = [_report_entry(r) for r in held]
    files["整改报告/reports.json"] = json.dumps(entries, ensure_ascii=False, indent=1).encode()
    return files


def quarterly_archive(
    uow: UnitOfWork, year: int, number: int, *, templates: Path | None = None
) -> Document:
    """The archive of quarter ``number`` (1-4) of ``year``."""
    require_whole_year(uow, "a quarterly archive")
    q = quarter(year, number)
    assessed = assessed_year(uow, year, q.last, period_from=q.first)
    in_order = sorted(assessed.data.inspections, key=letter_order)
    numbers = {i.code: n for n, i in enumerate(in_order, start=1)}
    ended = [i for i in in_order if q.first <= i.end_date <= q.last]
    files: dict[str, bytes] = {}
    missing: list[dict[str, Any]] = []
    no_letter: list[str] = []
    letter_days = assessed.ruleset.alerts.letter_days
    for inspection in ended:
        code = inspection.code
        problems = problem_list(uow, year, code)
        files[f"问题清单/问题清单-{code}.xlsx"] = problem_list_xlsx(problems)
        issued = inspection.letter_date
        if not problems.rows:
            no_letter.append(code)
        elif issued is None or issued > q.last:
            missing.append(
                {
                    "inspection": code,
                    "ended": inspection.end_date.isoformat(),
                    "due": (inspection.end_date + timedelta(days=letter_days)).isoformat(),
                }
            )
        else:
            number = inspection.letter_number or numbers[code]
            letter = letter_of(uow, year, problems, on=issued, number=number, templates=templates)
            files[f"整改函/{letter.name}"] = letter.content
    files[f"整改台账-{q.label}.xlsx"] = ledger_xlsx(
        assessed, rectification_measures(uow, year, q.last)
    )
    files.update(_reports(uow, year, q))
    files[f"bundle-{year}.json"] = bundle_bytes(assessed.data)
    listed = [
        {"path": name, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        for name, content in files.items()
    ]
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "year": year,
        "quarter": number,
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "due": q.due.isoformat(),
        "as_of": q.last.isoformat(),
        "ruleset": assessed.ruleset.content_hash,
        "inspections": [i.code for i in ended],
        "letters_missing": missing,
        "no_letter": no_letter,
        "files": listed,
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    summed = [
        *((f["sha256"], f["path"]) for f in listed),
        (hashlib.sha256(files["manifest.json"]).hexdigest(), "manifest.json"),
    ]
    files["SHA256SUMS"] = "".join(f"{sha}  {path}\n" for sha, path in summed).encode("utf-8")
    return Document(f"督查档案-{q.label}.zip", f"archive-{q.label}.zip", ZIP, _zip(files, q.due))
