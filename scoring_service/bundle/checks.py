"""Cross-record checks of a parsed bundle (spec section 8) and its conversion to YearData.

The checks run on every record whose shape is sound. A check that depends on a record
whose shape is broken is skipped (a reference to a broken unit is neither known nor
unknown), so a shape problem never brings false reports about the records around it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from scoring_service.bundle.problems import Problem, Problems, pointer
from scoring_service.bundle.schema import (
    BundleIn,
    EventIn,
    FindingIn,
    GroupIn,
    InspectionIn,
    PairingIn,
    UnitIn,
)
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
from scoring_service.i18n import gettext

CatalogueOf = Callable[[int], Catalogue | None]
_EVENT_TYPES = {t.value: t for t in EventType}


@dataclass(slots=True)
class Broken:
    """The codes of records whose shape is broken, as far as they can be read.

    ``unreadable`` says a broken record's code could not be read at all: then any
    reference to an unknown code may mean that record, and is not reported.
    """

    codes: set[str] = field(default_factory=set)
    unreadable: bool = False

    def may_hold(self, code: str) -> bool:
        return self.unreadable or code in self.codes


# A sound finding: in domain form, or as read when its inspection's own fields are broken
# (it has no found_on then, but its references are still checked).
SoundFinding = Finding | FindingIn


@dataclass(slots=True)
class Records:
    """A bundle's records whose shape is sound, each with its index in the bundle.

    The records are held in domain form as soon as they are read: a province's findings and
    events take a fraction of the memory of the models they were read through."""

    year: int | None  # None: the year itself is broken
    units: list[tuple[int, Unit]]
    pairings: list[tuple[int, Pairing]]
    groups: list[tuple[int, Group]]
    # (index, the inspection or None when its own fields are broken, its sound findings)
    inspections: list[tuple[int, Inspection | None, list[tuple[int, SoundFinding]]]]
    events: list[tuple[int, Event]]  # each event's seq is its index
    # Some records are broken (read one by one): the lists below hold the codes of every
    # record, sound or broken, whose code can be read, for the duplicate checks. When all
    # are sound, the codes are read from the records themselves.
    partial: bool = False
    unit_codes: list[tuple[int, str]] = field(default_factory=list)
    group_codes: list[tuple[int, str]] = field(default_factory=list)
    inspection_codes: list[tuple[int, str]] = field(default_factory=list)
    finding_codes: list[tuple[int, int, str]] = field(default_factory=list)
    broken_units: Broken = field(default_factory=Broken)
    broken_groups: Broken = field(default_factory=Broken)
    broken_findings: Broken = field(default_factory=Broken)
    # Findings with a broken event: their histories cannot be checked.
    broken_event_findings: Broken = field(default_factory=Broken)

    @classmethod
    def of(cls, bundle: BundleIn) -> Records:
        """Every record of a bundle read whole (all sound)."""
        inspections: list[tuple[int, Inspection | None, list[tuple[int, SoundFinding]]]] = []
        for i, insp in enumerate(bundle.inspections):
            found = inspection_of(insp)
            findings: list[tuple[int, SoundFinding]] = [
                (j, finding_of(f, found)) for j, f in enumerate(insp.findings)
            ]
            inspections.append((i, found, findings))
        return cls(
            year=bundle.year,
            units=[(i, unit_of(u)) for i, u in enumerate(bundle.units)],
            pairings=[(i, pairing_of(p)) for i, p in enumerate(bundle.pairings)],
            groups=[(i, group_of(g)) for i, g in enumerate(bundle.groups)],
            inspections=inspections,
            events=[(n, event_of(n, e)) for n, e in enumerate(bundle.events)],
        )

    def codes(self, name: str) -> Iterable[tuple[int, str]]:
        """(index, code) of the ``units``, ``groups`` or ``inspections``."""
        if self.partial:
            return {
                "units": self.unit_codes,
                "groups": self.group_codes,
                "inspections": self.inspection_codes,
            }[name]
        if name == "units":
            return ((i, u.code) for i, u in self.units)
        if name == "groups":
            return ((i, g.code) for i, g in self.groups)
        return ((i, insp.code) for i, insp, _ in self.inspections if insp is not None)

    def codes_of_findings(self) -> Iterable[tuple[int, int, str]]:
        """(inspection index, finding index, code) of the findings."""
        if self.partial:
            return self.finding_codes
        return ((i, j, f.code) for i, _, fs in self.inspections for j, f in fs)


def unit_of(u: UnitIn) -> Unit:
    return Unit(u.code, u.name, u.kind, u.parent, u.village_type)


def pairing_of(p: PairingIn) -> Pairing:
    return Pairing(p.helping_unit, p.village)


def group_of(g: GroupIn) -> Group:
    return Group(g.code, g.name, g.leader, tuple(g.counties))


def inspection_of(insp: InspectionIn) -> Inspection:
    """The inspection's own fields and sample (its findings are read apart)."""
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


def finding_of(f: FindingIn, insp: Inspection | None) -> SoundFinding:
    """The finding in domain form, found on its inspection's end date; as read when its
    inspection's own fields are broken."""
    if insp is None:
        return f
    return new_finding(  # Finding's fields in order
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


def event_of(n: int, e: EventIn) -> Event:
    """The event at index ``n`` of the bundle (its seq: submission order)."""
    # Each event type has only its own fields. Reading them from the model's field
    # values is what getattr(e, name, None) gives, without the exception pydantic
    # raises for a missing attribute (which, 200,000 times, took seconds).
    fields = vars(e)
    return new_event(  # Event's fields in order: finding, type, date, seq, ...
        e.finding,
        _EVENT_TYPES[e.type],
        e.date,
        n,
        fields.get("new_deadline"),
        fields.get("reason"),
        fields.get("note"),
        fields.get("to"),
    )


class _Checker:
    def __init__(self, records: Records, problems: Problems) -> None:
        self.records = records
        self.problems = problems
        self.units = {u.code: u for _, u in records.units}

    def report(self, message: str, *parts: str | int) -> None:
        self.problems.add(Problem(pointer(*parts), message))

    def unique(
        self, codes: Iterable[tuple[int, str]], what: str, *prefix: str | int, field: str = "code"
    ) -> None:
        """Report every code after its first appearance."""
        first: dict[str, int] = {}
        for index, code in codes:
            if code in first:
                self.report(
                    gettext(
                        "%(what)s %(code)r is listed twice (first at index %(first)s)",
                        what=what,
                        code=code,
                        first=first[code],
                    ),
                    *prefix,
                    index,
                    *([field] if field else []),
                )
            else:
                first[code] = index

    def unit_of_kind(self, code: str, kind: UnitKind | None, *where: str | int) -> bool | None:
        """Report an unknown unit, or one of the wrong kind; True when it is fine.

        None: the unit may be one whose shape is broken, so nothing can be said."""
        unit = self.units.get(code)
        if unit is None:
            if self.records.broken_units.may_hold(code):
                return None
            self.report(gettext("unknown unit %(code)r", code=code), *where)
            return False
        if kind is not None and unit.kind is not kind:
            self.report(
                gettext(
                    "unit %(code)r is a %(kind)s, not a %(expected)s",
                    code=code,
                    kind=unit.kind.value,
                    expected=kind.value,
                ),
                *where,
            )
            return False
        return True

    def county_of(self, code: str) -> str | bool | None:
        """The county a town or village lies in.

        False when it cannot be told: a parent on the way is unknown or broken, which is
        reported where that parent is named, not again at every sample that names the unit."""
        seen: set[str] = set()
        unit = self.units.get(code)
        while unit is not None and unit.kind is not UnitKind.COUNTY and unit.code not in seen:
            seen.add(unit.code)
            parent = unit.parent
            unit = self.units.get(parent) if parent else None
            if unit is None and parent:
                return False
        return unit.code if unit is not None and unit.kind is UnitKind.COUNTY else None


def check_bundle(
    bundle: BundleIn | Records,
    catalogue_of: CatalogueOf,
    *,
    problems: Problems | None = None,
) -> tuple[YearData, list[Problem]]:
    """Run every cross-record check; return the year's data and the problems found.

    The problems go to ``problems`` when given (which may keep only the first ones);
    the list returned holds those kept. The data is the year's only when there are none.
    """
    records = bundle if isinstance(bundle, Records) else Records.of(bundle)
    found = problems if problems is not None else Problems(limit=None)
    c = _Checker(records, found)
    year = records.year
    catalogue = None
    if year is not None:
        catalogue = catalogue_of(year)
        if catalogue is None:
            c.report(gettext("there is no rule set for the year %(year)s", year=year), "year")
    _check_units(c)
    _check_pairings(c)
    _check_groups(c)
    groups = {g.code: g for _, g in records.groups}
    findings: dict[str, Finding] = {}
    known_findings: set[str] = set()  # every sound finding, whether it converts or not
    inspections: list[Inspection] = []
    c.unique(records.codes("inspections"), "inspection", "inspections")
    for i, insp, sound_findings in records.inspections:
        if insp is not None:
            _check_inspection(c, i, insp, groups, year)
        for j, f in sound_findings:
            where = ("inspections", i, "findings", j)
            if f.unit not in c.units:  # unit_of_kind(f.unit, None, ...) without the call
                c.unit_of_kind(f.unit, None, *where, "unit")
            if catalogue is not None and f.criterion not in catalogue.items:
                c.report(
                    gettext(
                        "unknown criterion %(criterion)r in the %(year)s catalogue",
                        criterion=f.criterion,
                        year=year,
                    ),
                    *where,
                    "criterion",
                )
            if f.responsible:
                for k, code in enumerate(f.responsible):
                    c.unit_of_kind(code, None, *where, "responsible", k)
                c.unique(
                    enumerate(f.responsible),
                    "responsible unit",
                    *where,
                    "responsible",
                    field="",
                )
            known_findings.add(f.code)
            if insp is None:
                continue  # found_on is its inspection's end_date, which cannot be read
            if f.deadline < insp.end_date:
                c.report(
                    gettext(
                        "the deadline %(deadline)s is before the finding was found (%(end_date)s)",
                        deadline=f.deadline,
                        end_date=insp.end_date,
                    ),
                    *where,
                    "deadline",
                )
            if f.code not in findings:  # the first of a duplicated code is the one kept
                assert isinstance(f, Finding)  # its inspection is sound
                findings[f.code] = f
        if insp is not None:
            inspections.append(insp)
    _check_unique_findings(c, records.codes_of_findings())
    events = _check_events(c, findings, known_findings)
    data = YearData(
        year=year or 0,
        units=[u for _, u in records.units],
        pairings=[p for _, p in records.pairings],
        groups=[g for _, g in records.groups],
        inspections=inspections,
        findings=list(findings.values()),
        events=events,
    )
    return data, list(found)


def _check_units(c: _Checker) -> None:
    c.unique(c.records.codes("units"), "unit", "units")
    for i, u in c.records.units:
        want = PARENT_KIND.get(u.kind)
        if want is None and u.parent is not None:
            c.report(gettext("a %(kind)s has no parent", kind=u.kind.value), "units", i, "parent")
        elif want is not None:
            if u.parent is None:
                c.report(
                    gettext(
                        "a %(kind)s needs a parent %(parent)s", kind=u.kind.value, parent=want.value
                    ),
                    "units",
                    i,
                    "parent",
                )
            else:
                c.unit_of_kind(u.parent, want, "units", i, "parent")
        if u.kind is UnitKind.VILLAGE and u.village_type is None:
            c.report(
                gettext("a village needs a village_type (poor or ordinary)"),
                "units",
                i,
                "village_type",
            )
        if u.kind is not UnitKind.VILLAGE and u.village_type is not None:
            c.report(
                gettext("only a village has a village_type, not a %(kind)s", kind=u.kind.value),
                "units",
                i,
                "village_type",
            )


def _check_pairings(c: _Checker) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, p in c.records.pairings:
        c.unit_of_kind(p.helping_unit, UnitKind.HELPING_UNIT, "pairings", i, "helping_unit")
        c.unit_of_kind(p.village, UnitKind.VILLAGE, "pairings", i, "village")
        key = (p.helping_unit, p.village)
        if key in seen:
            c.report(
                gettext("this pairing is listed twice (first at index %(first)s)", first=seen[key]),
                "pairings",
                i,
            )
        seen.setdefault(key, i)


def _check_groups(c: _Checker) -> None:
    c.unique(c.records.codes("groups"), "group", "groups")
    for i, g in c.records.groups:
        for k, county in enumerate(g.counties):
            c.unit_of_kind(county, UnitKind.COUNTY, "groups", i, "counties", k)
        c.unique(enumerate(g.counties), "county", "groups", i, "counties", field="")


def _check_inspection(
    c: _Checker, i: int, insp: Inspection, groups: dict[str, Group], year: int | None
) -> None:
    where = ("inspections", i)
    group = groups.get(insp.group)
    if group is None and not c.records.broken_groups.may_hold(insp.group):
        c.report(gettext("unknown group %(group)r", group=insp.group), *where, "group")
    county_ok = c.unit_of_kind(insp.county, UnitKind.COUNTY, *where, "county")
    if group is not None and county_ok and insp.county not in group.counties:
        c.report(
            gettext(
                "county %(county)r is not among the counties of group %(code)r",
                county=insp.county,
                code=group.code,
            ),
            *where,
            "county",
        )
    for name in ("start_date", "end_date"):
        day: date = getattr(insp, name)
        if year is not None and day.year != year:
            c.report(
                gettext("%(day)s is outside the year %(year)s", day=day, year=year), *where, name
            )
    if insp.end_date < insp.start_date:
        c.report(
            gettext(
                "the end date %(end_date)s is before the start date %(start_date)s",
                end_date=insp.end_date,
                start_date=insp.start_date,
            ),
            *where,
            "end_date",
        )
    if insp.letter_date is not None and insp.letter_date < insp.end_date:
        c.report(
            gettext(
                "the letter date %(letter_date)s is before the inspection ended (%(end_date)s)",
                letter_date=insp.letter_date,
                end_date=insp.end_date,
            ),
            *where,
            "letter_date",
        )
    sample = insp.sample
    s = (*where, "sample")
    c.unique(enumerate(sample.towns), "town", *s, "towns", field="")
    c.unique(enumerate(sample.villages), "village", *s, "villages", field="")
    c.unique(enumerate(h.code for h in sample.households), "household", *s, "households")
    for k, town in enumerate(sample.towns):
        known = c.unit_of_kind(town, UnitKind.TOWN, *s, "towns", k)
        county = c.county_of(town) if known and county_ok else False
        if county is not False and county != insp.county:
            c.report(
                gettext(
                    "town %(town)r is not in the inspected county %(county)r",
                    town=town,
                    county=insp.county,
                ),
                *s,
                "towns",
                k,
            )
    for k, village in enumerate(sample.villages):
        known = c.unit_of_kind(village, UnitKind.VILLAGE, *s, "villages", k)
        county = c.county_of(village) if known and county_ok else False
        if county is not False and county != insp.county:
            c.report(
                gettext(
                    "village %(village)r is not in the inspected county %(county)r",
                    village=village,
                    county=insp.county,
                ),
                *s,
                "villages",
                k,
            )
    sampled = set(sample.villages)
    for k, h in enumerate(sample.households):
        if h.village not in sampled:
            c.report(
                gettext(
                    "household %(code)r lives in village %(village)r, which is not among the "
                    "sample's villages",
                    code=h.code,
                    village=h.village,
                ),
                *s,
                "households",
                k,
                "village",
            )


def _check_unique_findings(c: _Checker, codes: Iterable[tuple[int, int, str]]) -> None:
    first: dict[str, tuple[int, int]] = {}
    for i, j, code in codes:
        if code in first:
            fi, fj = first[code]
            c.report(
                gettext(
                    "finding %(code)r is listed twice (first at "
                    "/inspections/%(fi)s/findings/%(fj)s)",
                    code=code,
                    fi=fi,
                    fj=fj,
                ),
                "inspections",
                i,
                "findings",
                j,
                "code",
            )
        else:
            first[code] = (i, j)


def _check_events(
    c: _Checker, findings: dict[str, Finding], known_findings: set[str]
) -> list[Event]:
    events: list[Event] = []
    by_finding: dict[str, list[Event]] = defaultdict(list)
    broken_findings = c.records.broken_findings
    for n, e in c.records.events:
        if e.finding not in findings:
            if e.finding not in known_findings and not broken_findings.may_hold(e.finding):
                c.report(
                    gettext("unknown finding %(finding)r", finding=e.finding),
                    "events",
                    n,
                    "finding",
                )
            continue  # a finding that cannot be read has no history to check
        events.append(e)
        by_finding[e.finding].append(e)
    broken_events = c.records.broken_event_findings
    for code, history in by_finding.items():
        if broken_events.may_hold(code):
            continue  # an event of this history cannot be read: the rest proves nothing
        for refusal in check_history(findings[code], history):
            c.report(
                gettext(
                    "the %(event)s event of finding %(code)r dated %(date)s is not allowed: "
                    "%(message)s",
                    event=refusal.event.type.value,
                    code=code,
                    date=refusal.event.date,
                    message=refusal.message,
                ),
                "events",
                refusal.event.seq,
                refusal.field,
            )
    return events
