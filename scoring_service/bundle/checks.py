"""Cross-record checks of a parsed bundle (spec section 8) and its conversion to YearData."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from scoring_service.bundle.problems import Problem, pointer
from scoring_service.bundle.schema import BundleIn, GroupIn, InspectionIn
from scoring_service.domain.model import (
    PARENT_KIND,
    Event,
    EventType,
    Finding,
    Group,
    Household,
    Inspection,
    Pairing,
    Sample,
    Unit,
    UnitKind,
    YearData,
    new_event,
    new_finding,
)
from scoring_service.domain.ruleset import Catalogue
from scoring_service.domain.timeline import check_history

CatalogueOf = Callable[[int], Catalogue | None]
_EVENT_TYPES = {t.value: t for t in EventType}


class _Checker:
    def __init__(self, bundle: BundleIn) -> None:
        self.bundle = bundle
        self.problems: list[Problem] = []
        self.units = {u.code: u for u in bundle.units}

    def report(self, message: str, *parts: str | int) -> None:
        self.problems.append(Problem(pointer(*parts), message))

    def unique(self, codes: list[str], what: str, *prefix: str | int, field: str = "code") -> None:
        """Report every code after its first appearance."""
        first: dict[str, int] = {}
        for index, code in enumerate(codes):
            if code in first:
                self.report(
                    f"{what} {code!r} is listed twice (first at index {first[code]})",
                    *prefix,
                    index,
                    *([field] if field else []),
                )
            else:
                first[code] = index

    def unit_of_kind(self, code: str, kind: UnitKind | None, *where: str | int) -> bool:
        """Report an unknown unit, or one of the wrong kind; True when it is fine."""
        unit = self.units.get(code)
        if unit is None:
            self.report(f"unknown unit {code!r}", *where)
            return False
        if kind is not None and unit.kind is not kind:
            self.report(f"unit {code!r} is a {unit.kind.value}, not a {kind.value}", *where)
            return False
        return True

    def county_of(self, code: str) -> str | None:
        """The county a town or village lies in."""
        seen: set[str] = set()
        unit = self.units.get(code)
        while unit is not None and unit.kind is not UnitKind.COUNTY and unit.code not in seen:
            seen.add(unit.code)
            unit = self.units.get(unit.parent) if unit.parent else None
        return unit.code if unit is not None and unit.kind is UnitKind.COUNTY else None


def check_bundle(bundle: BundleIn, catalogue_of: CatalogueOf) -> tuple[YearData, list[Problem]]:
    """Run every cross-record check; return the year's data and the problems found."""
    c = _Checker(bundle)
    year = bundle.year
    catalogue = catalogue_of(year)
    if catalogue is None:
        c.report(f"there is no rule set for the year {year}", "year")
    _check_units(c)
    _check_pairings(c)
    _check_groups(c)
    groups = {g.code: g for g in bundle.groups}
    findings: dict[str, Finding] = {}
    finding_codes: list[str] = []
    finding_where: list[tuple[int, int]] = []
    inspections: list[Inspection] = []
    c.unique([i.code for i in bundle.inspections], "inspection", "inspections")
    for i, insp in enumerate(bundle.inspections):
        _check_inspection(c, i, insp, groups, year)
        for j, f in enumerate(insp.findings):
            where = ("inspections", i, "findings", j)
            if f.unit not in c.units:  # unit_of_kind(f.unit, None, ...) without the call
                c.unit_of_kind(f.unit, None, *where, "unit")
            if catalogue is not None and f.criterion not in catalogue.items:
                c.report(
                    f"unknown criterion {f.criterion!r} in the {year} catalogue",
                    *where,
                    "criterion",
                )
            if f.deadline < insp.end_date:
                c.report(
                    f"the deadline {f.deadline} is before the finding was found ({insp.end_date})",
                    *where,
                    "deadline",
                )
            if f.responsible:
                for k, code in enumerate(f.responsible):
                    c.unit_of_kind(code, None, *where, "responsible", k)
                c.unique(f.responsible, "responsible unit", *where, "responsible", field="")
            finding_codes.append(f.code)
            finding_where.append((i, j))
            if f.code not in findings:  # the first of a duplicated code is the one kept
                findings[f.code] = new_finding(  # Finding's fields in order
                    f.code,
                    insp.code,
                    f.unit,
                    f.criterion,
                    f.severity,
                    f.description,
                    f.deadline,
                    insp.end_date,  # found_on
                    tuple(f.responsible),
                )
        inspections.append(_inspection(insp))
    _check_unique_findings(c, finding_codes, finding_where)
    events = _check_events(c, findings)
    data = YearData(
        year=year,
        units=[Unit(u.code, u.name, u.kind, u.parent, u.village_type) for u in bundle.units],
        pairings=[Pairing(p.helping_unit, p.village) for p in bundle.pairings],
        groups=[Group(g.code, g.name, g.leader, tuple(g.counties)) for g in bundle.groups],
        inspections=inspections,
        findings=list(findings.values()),
        events=events,
    )
    return data, c.problems


def _check_units(c: _Checker) -> None:
    c.unique([u.code for u in c.bundle.units], "unit", "units")
    for i, u in enumerate(c.bundle.units):
        want = PARENT_KIND.get(u.kind)
        if want is None and u.parent is not None:
            c.report(f"a {u.kind.value} has no parent", "units", i, "parent")
        elif want is not None:
            if u.parent is None:
                c.report(f"a {u.kind.value} needs a parent {want.value}", "units", i, "parent")
            else:
                c.unit_of_kind(u.parent, want, "units", i, "parent")
        if u.kind is UnitKind.VILLAGE and u.village_type is None:
            c.report(
                "a village needs a village_type (poor or ordinary)", "units", i, "village_type"
            )
        if u.kind is not UnitKind.VILLAGE and u.village_type is not None:
            c.report(
                f"only a village has a village_type, not a {u.kind.value}",
                "units",
                i,
                "village_type",
            )


def _check_pairings(c: _Checker) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, p in enumerate(c.bundle.pairings):
        c.unit_of_kind(p.helping_unit, UnitKind.HELPING_UNIT, "pairings", i, "helping_unit")
        c.unit_of_kind(p.village, UnitKind.VILLAGE, "pairings", i, "village")
        key = (p.helping_unit, p.village)
        if key in seen:
            c.report(f"this pairing is listed twice (first at index {seen[key]})", "pairings", i)
        seen.setdefault(key, i)


def _check_groups(c: _Checker) -> None:
    c.unique([g.code for g in c.bundle.groups], "group", "groups")
    for i, g in enumerate(c.bundle.groups):
        for k, county in enumerate(g.counties):
            c.unit_of_kind(county, UnitKind.COUNTY, "groups", i, "counties", k)
        c.unique(g.counties, "county", "groups", i, "counties", field="")


def _check_inspection(
    c: _Checker, i: int, insp: InspectionIn, groups: dict[str, GroupIn], year: int
) -> None:
    where = ("inspections", i)
    group = groups.get(insp.group)
    if group is None:
        c.report(f"unknown group {insp.group!r}", *where, "group")
    county_ok = c.unit_of_kind(insp.county, UnitKind.COUNTY, *where, "county")
    if group is not None and county_ok and insp.county not in group.counties:
        c.report(
            f"county {insp.county!r} is not among the counties of group {group.code!r}",
            *where,
            "county",
        )
    for name in ("start_date", "end_date"):
        day: date = getattr(insp, name)
        if day.year != year:
            c.report(f"{day} is outside the year {year}", *where, name)
    if insp.end_date < insp.start_date:
        c.report(
            f"the end date {insp.end_date} is before the start date {insp.start_date}",
            *where,
            "end_date",
        )
    if insp.letter_date is not None and insp.letter_date < insp.end_date:
        c.report(
            f"the letter date {insp.letter_date} is before the inspection ended ({insp.end_date})",
            *where,
            "letter_date",
        )
    sample = insp.sample
    s = (*where, "sample")
    c.unique(sample.towns, "town", *s, "towns", field="")
    c.unique(sample.villages, "village", *s, "villages", field="")
    c.unique([h.code for h in sample.households], "household", *s, "households")
    for k, town in enumerate(sample.towns):
        known = c.unit_of_kind(town, UnitKind.TOWN, *s, "towns", k)
        if known and county_ok and c.county_of(town) != insp.county:
            c.report(
                f"town {town!r} is not in the inspected county {insp.county!r}", *s, "towns", k
            )
    for k, village in enumerate(sample.villages):
        known = c.unit_of_kind(village, UnitKind.VILLAGE, *s, "villages", k)
        if known and county_ok and c.county_of(village) != insp.county:
            c.report(
                f"village {village!r} is not in the inspected county {insp.county!r}",
                *s,
                "villages",
                k,
            )
    sampled = set(sample.villages)
    for k, h in enumerate(sample.households):
        if h.village not in sampled:
            c.report(
                f"household {h.code!r} lives in village {h.village!r}, "
                "which is not among the sample's villages",
                *s,
                "households",
                k,
                "village",
            )


def _check_unique_findings(c: _Checker, codes: list[str], where: list[tuple[int, int]]) -> None:
    first: dict[str, tuple[int, int]] = {}
    for code, (i, j) in zip(codes, where, strict=True):
        if code in first:
            fi, fj = first[code]
            c.report(
                f"finding {code!r} is listed twice (first at /inspections/{fi}/findings/{fj})",
                "inspections",
                i,
                "findings",
                j,
                "code",
            )
        else:
            first[code] = (i, j)


def _check_events(c: _Checker, findings: dict[str, Finding]) -> list[Event]:
    events: list[Event] = []
    by_finding: dict[str, list[Event]] = defaultdict(list)
    for n, e in enumerate(c.bundle.events):
        if e.finding not in findings:
            c.report(f"unknown finding {e.finding!r}", "events", n, "finding")
            continue
        # Each event type has only its own fields. Reading them from the model's field
        # values is what getattr(e, name, None) gives, without the exception pydantic
        # raises for a missing attribute (which, 200,000 times, took seconds).
        fields = vars(e)
        event = new_event(  # Event's fields in order: finding, type, date, seq, ...
            e.finding,
            _EVENT_TYPES[e.type],
            e.date,
            n,
            fields.get("new_deadline"),
            fields.get("reason"),
            fields.get("note"),
            fields.get("to"),
        )
        events.append(event)
        by_finding[event.finding].append(event)
    for code, history in by_finding.items():
        for refusal in check_history(findings[code], history):
            c.report(
                f"the {refusal.event.type.value} event of finding {code!r} dated "
                f"{refusal.event.date} is not allowed: {refusal.message}",
                "events",
                refusal.event.seq,
                refusal.field,
            )
    return events


def _inspection(insp: InspectionIn) -> Inspection:
    s = insp.sample
    return Inspection(
        code=insp.code,
        group=insp.group,
        county=insp.county,
        start_date=insp.start_date,
        end_date=insp.end_date,
        letter_date=insp.letter_date,
        sample=Sample(
            towns=tuple(s.towns),
            villages=tuple(s.villages),
            households=tuple(Household(h.code, h.village, h.status) for h in s.households),
        ),
    )
