"""Inspections with their sample and findings (spec section 2), checked as a bundle's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year, ruleset_of
from scoring_service.bundle import Problem
from scoring_service.bundle.schema import FindingIn, HouseholdIn, InspectionIn, SampleIn
from scoring_service.domain.errors import Conflict, InvalidRequest
from scoring_service.domain.model import Finding, Inspection, YearData
from scoring_service.domain.notices import EventType
from scoring_service.domain.pages import Page
from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import format_date, ngettext
from scoring_service.i18n import gettext as _
from scoring_service.records.groups import group_in
from scoring_service.records.year import (
    InvalidRecord,
    begin_write,
    check_record,
    not_held,
    units_in,
)
from scoring_service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class InspectionSummary:
    """An inspection as listed, with its count of findings."""

    year: int
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    findings: int


def create_inspection(
    uow: UnitOfWork, year: int, inspection: InspectionIn
) -> tuple[Inspection, list[Finding]]:
    """Add an inspection with its sample and findings (spec section 2), checked as a bundle's."""
    with uow:
        ruleset = begin_write(uow, year, create=True)
        checked = _checked_inspection(uow, ruleset, year, inspection)
        findings = checked.findings
        _require_inside(uow, year, inspection.county, findings)
        uow.inspections.add(year, checked.inspections[0], findings)
        uow.audit(
            "inspection.create",
            "inspection",
            f"{year}/{inspection.code}",
            year=year,
            detail={"findings": [f.code for f in findings]},
        )
        uow.commit()
    return checked.inspections[0], findings


def check_inspection(uow: UnitOfWork, year: int, inspection: InspectionIn) -> None:
    """Every problem ``create_inspection`` would refuse the inspection for, storing nothing:
    a form with problems of its own is still checked against the year's data, so that a
    person reads every problem at once."""
    with uow:
        held_year(uow, year)
        _checked_inspection(uow, ruleset_of(uow.rules, year), year, inspection, store=False)


def _checked_inspection(
    uow: UnitOfWork, ruleset: Ruleset, year: int, inspection: InspectionIn, *, store: bool = True
) -> YearData:
    """The inspection checked as a bundle's; a code the year already holds is a Conflict,
    or one more problem beside the others."""
    taken: list[Problem] = []
    if uow.inspections.exists(year, inspection.code):
        taken.append(
            Problem(
                "/code",
                _(
                    "the year %(year)s already has an inspection %(code)r",
                    year=year,
                    code=inspection.code,
                ),
            )
        )
    codes = [f.code for f in inspection.findings]
    held = set(uow.inspections.taken_finding_codes(year, codes))
    taken += [
        Problem(
            f"/findings/{i}/code",
            _("the year %(year)s already has a finding '%(code)s'", year=year, code=code),
        )
        for i, code in enumerate(codes)
        if code in held
    ]
    conflict = _(
        "the year %(year)s already has an inspection %(code)r", year=year, code=inspection.code
    )
    ahead = _ahead(inspection.letter_date, date.today())
    if held and not uow.inspections.exists(year, inspection.code):
        conflict = _(
            "the year %(year)s already has findings %(codes)s",
            year=year,
            codes=", ".join(c for c in codes if c in held),
        )
    if ahead:  # a letter dated ahead is refused with every other problem, not as a conflict
        return _check_with(uow, ruleset, year, ("inspections", 0), inspection, taken + ahead, None)
    return _check_with(
        uow, ruleset, year, ("inspections", 0), inspection, taken, conflict if store else None
    )


def _check_with(
    uow: UnitOfWork,
    ruleset: Ruleset,
    year: int,
    at: tuple[str | int, ...],
    inspection: InspectionIn,
    taken: list[Problem],
    conflict: str | None,
) -> YearData:
    """The checks of ``_check``, with the codes already taken: alone they are a Conflict
    (as the API has always answered), beside other problems they are listed with them."""
    try:
        checked = _check(uow, ruleset, year, at, inspection)
    except InvalidRecord as exc:
        if taken:
            raise InvalidRecord([*exc.problems, *taken]) from None
        raise
    if taken and conflict is None:  # only checking: the codes taken are problems too
        raise InvalidRecord(taken)
    if taken:
        raise Conflict(conflict)
    return checked


def add_finding(uow: UnitOfWork, year: int, inspection_code: str, finding: FindingIn) -> Finding:
    """Add a finding to an inspection already held; problems point into the finding."""
    return _add(uow, year, inspection_code, [finding], ("inspections", 0, "findings", 0))[0]


def add_findings(
    uow: UnitOfWork, year: int, inspection_code: str, findings: Sequence[FindingIn]
) -> list[Finding]:
    """Add findings to an inspection already held, all or none (a problem list uploaded
    whole); each problem points into the list (``/findings/3/deadline``)."""
    if not findings:
        raise InvalidRequest("no finding to add")
    return _add(uow, year, inspection_code, findings, ("inspections", 0))


def check_findings(
    uow: UnitOfWork, year: int, inspection_code: str, findings: Sequence[FindingIn]
) -> None:
    """Every problem ``add_findings`` would refuse the findings for, storing nothing."""
    _add(uow, year, inspection_code, findings, ("inspections", 0), store=False)


def _add(
    uow: UnitOfWork,
    year: int,
    inspection_code: str,
    findings: Sequence[FindingIn],
    at: tuple[str | int, ...],
    *,
    store: bool = True,
) -> list[Finding]:
    with uow:
        if store:
            ruleset = begin_write(uow, year, create=False)
        else:
            held_year(uow, year)
            ruleset = ruleset_of(uow.rules, year)
        inspection = _held_inspection(uow, year, inspection_code)
        codes = [f.code for f in findings]
        held = set(uow.inspections.taken_finding_codes(year, codes))
        single = len(at) > 2  # the problems point into the one finding
        taken = [
            Problem(
                "/code" if single else f"/findings/{i}/code",
                _("the year %(year)s already has a finding '%(code)s'", year=year, code=code),
            )
            for i, code in enumerate(codes)
            if code in held
        ]
        conflict = ngettext(
            "the year %(year)s already has a finding %(codes)s",
            "the year %(year)s already has findings %(codes)s",
            len(held),
            year=year,
            codes=", ".join(repr(code) for code in codes if code in held),
        )
        candidate = _as_in(inspection, list(findings))
        new = _check_with(
            uow, ruleset, year, at, candidate, taken, conflict if store else None
        ).findings
        if not store:
            return new
        _require_inside(uow, year, inspection.county, new)
        uow.inspections.add_findings(year, new)
        for finding in findings:
            uow.audit(
                "finding.create",
                "finding",
                f"{year}/{finding.code}",
                year=year,
                detail=finding.model_dump(mode="json"),
            )
        uow.commit()
    return new


def update_inspection(uow: UnitOfWork, year: int, code: str, changes: dict[str, Any]) -> Inspection:
    """Set (or clear) an inspection's letter date (the day the rectification letter went out)
    and its letter's number in the year (None: its place in the year); a change left out
    keeps what is held."""
    with uow:
        ruleset = begin_write(uow, year, create=False)
        inspection = _held_inspection(uow, year, code)
        _require_inside(uow, year, inspection.county, [])
        letter: date | None = changes.get("letter_date", inspection.letter_date)
        number: int | None = changes.get("letter_number", inspection.letter_number)
        candidate = _as_in(inspection).model_copy(update={"letter_date": letter})
        problems = _ahead(letter, date.today()) + _number_taken(uow, year, code, number)
        checked = _check_with(
            uow, ruleset, year, ("inspections", 0), candidate, problems, None
        ).inspections[0]
        updated = replace(checked, letter_number=number)
        uow.inspections.set_letter(year, code, letter, number)
        uow.audit(
            "inspection.update",
            "inspection",
            f"{year}/{code}",
            year=year,
            detail={"letter_date": letter, "letter_number": number},
        )
        if letter is not None and letter != inspection.letter_date:
            uow.notify(
                EventType.LETTER_ISSUED,
                year=year,
                subject=code,
                units=[inspection.county],
                data={
                    "inspection": code,
                    "county": inspection.county,
                    "letter_date": letter.isoformat(),
                },
            )
        uow.commit()
    return updated


def get_inspection(uow: UnitOfWork, year: int, code: str) -> tuple[Inspection, list[Finding]]:
    """An inspection with its sample and the findings of it the caller reads (by code).

    An inspection of a county outside the caller's scope is not found."""
    with uow:
        held_year(uow, year)
        inspection = _held_inspection(uow, year, code)
        if not uow.reach(year).has(inspection.county):
            raise not_held(year, "inspection", code)
        attribution = ruleset_of(uow.rules, year).attribution
        findings = uow.inspections.findings(year, code, uow.actor, attribution)
    return inspection, findings


def list_inspections(
    uow: UnitOfWork,
    year: int,
    *,
    group: str | None = None,
    county: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[InspectionSummary]:
    """The year's inspections by code, with their counts of findings; a scoped caller's
    list holds only the inspections of counties inside its scope."""
    with uow:
        held_year(uow, year)
        page = uow.inspections.page(
            year,
            within=uow.actor.scope,
            group=group,
            county=county,
            limit=limit,
            cursor=cursor,
        )
    return page.map(lambda row: InspectionSummary(year, *row))


# --- helpers -------------------------------------------------------------------------------------


def _check(
    uow: UnitOfWork,
    ruleset: Ruleset,
    year: int,
    at: tuple[str | int, ...],
    inspection: InspectionIn,
) -> YearData:
    """Check an inspection as a bundle's, with the year's units and the group it names."""
    group = group_in(uow, year, inspection.group)
    return check_record(
        ruleset,
        year,
        at,
        units=units_in(uow, year),
        groups=[group] if group else [],
        inspections=[inspection],
    )


def _ahead(letter: date | None, today: date) -> list[Problem]:
    """A letter is dated the day it went out: never after today (a date ahead would read
    as issued while it is not)."""
    if letter is None or letter <= today:
        return []
    return [
        Problem(
            "/letter_date",
            _(
                "the letter's date (%(day)s) is after today (%(today)s): set it on the day "
                "the letter goes out",
                day=format_date(letter),
                today=format_date(today),
            ),
        )
    ]


def _number_taken(uow: UnitOfWork, year: int, code: str, number: int | None) -> list[Problem]:
    """The office numbers its letters per year: a number another inspection's letter of the
    year holds would name two letters."""
    if number is None:
        return []
    holder = uow.inspections.letter_number_holder(year, number)
    if holder is None or holder == code:
        return []
    return [
        Problem(
            "/letter_number",
            _(
                "the letter number %(number)s is already the letter of inspection %(code)s "
                "in %(year)s: give another number",
                number=number,
                code=holder,
                year=year,
            ),
        )
    ]


def _require_inside(uow: UnitOfWork, year: int, county: str, findings: Sequence[Finding]) -> None:
    """Forbidden unless the inspection's county and every unit its findings name (where
    found, responsible) are inside the caller's scope: a write wholly inside it."""
    actor = uow.actor
    if actor.scope is None:
        return
    units = [county]
    for finding in findings:
        units += [finding.unit, *finding.responsible]
    scope.require_inside(actor, uow.reach(year), units, "the inspection")


def _held_inspection(uow: UnitOfWork, year: int, code: str) -> Inspection:
    """The inspection with its sample; NotFound when the year has no such inspection."""
    found = uow.inspections.get(year, code)
    if found is None:
        raise not_held(year, "inspection", code)
    return found


def _as_in(ins: Inspection, findings: list[FindingIn] | None = None) -> InspectionIn:
    """An inspection held, as a bundle holds it (for the bundle checks)."""
    s = ins.sample
    return InspectionIn.model_construct(
        code=ins.code,
        group=ins.group,
        county=ins.county,
        start_date=ins.start_date,
        end_date=ins.end_date,
        letter_date=ins.letter_date,
        sample=SampleIn.model_construct(
            towns=list(s.towns),
            villages=list(s.villages),
            households=[
                HouseholdIn.model_construct(code=h.code, village=h.village, status=h.status)
                for h in s.households
            ],
        ),
        findings=findings or [],
    )
