"""Single records of a year: units, pairings, groups, inspections and their findings.

Writes are checked by the bundle's own cross-record checks (spec section 8): the
record is set in a small bundle holding the year's units (and the group it names),
``check_bundle`` runs, and the problems found at the record are reported with
pointers into the record. Every write bumps the year's revision and is audited in
the same transaction. A year with a rule set but no data is created by its first write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from scoring_service import audit
from scoring_service.access import Principal
from scoring_service.bundle import InvalidBundle, Problem
from scoring_service.bundle.checks import check_bundle
from scoring_service.bundle.problems import pointer
from scoring_service.bundle.schema import (
    BUNDLE_FORMAT,
    BundleIn,
    FindingIn,
    GroupIn,
    HouseholdIn,
    InspectionIn,
    PairingIn,
    SampleIn,
    UnitIn,
)
from scoring_service.db import repository as repo
from scoring_service.db.models import (
    FindingResponsibleRow,
    FindingRow,
    GroupCountyRow,
    GroupRow,
    InspectionRow,
    PairingRow,
    SampleHouseholdRow,
    SampleTownRow,
    SampleVillageRow,
    UnitRow,
)
from scoring_service.db.queries import Page, keyset_page, next_position
from scoring_service.domain.attribution import Attributor
from scoring_service.domain.errors import Conflict, NotFound
from scoring_service.domain.model import (
    Finding,
    Group,
    Household,
    HouseholdStatus,
    Inspection,
    Pairing,
    Sample,
    Severity,
    Unit,
    UnitKind,
    VillageType,
    YearData,
)
from scoring_service.domain.ruleset import Ruleset
from scoring_service.services import RuleSource


class InvalidRecord(InvalidBundle):
    """A record the year's data does not allow; each problem points into the record."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems)
        self.args = (f"the record has {len(self.problems)} problem(s); nothing was stored",)


# --- helpers ---------------------------------------------------------------------------------


def ruleset_of(rules: RuleSource, year: int) -> Ruleset:
    """The year's rule set; NotFound when the year has none."""
    ruleset = rules.current(year)
    if ruleset is None:
        raise NotFound(f"there is no rule set for the year {year}")
    return ruleset


def require_year(session: Session, year: int) -> None:
    """NotFound unless the year's data is held."""
    if not repo.year_exists(session, year):
        raise NotFound(f"no data is held for the year {year}; import a bundle or create records")


def _begin_write(session: Session, year: int, rules: RuleSource) -> Ruleset:
    """Start a write to the year: create the year when it has a rule set, bump its revision.

    The revision update also serialises the year's writers (a row lock on PostgreSQL,
    the write lock on SQLite), so positions and uniqueness checks cannot race.
    """
    ruleset = ruleset_of(rules, year)
    if not repo.year_exists(session, year):
        # A concurrent first write may create it too: one of the two fails on the key
        # and is reported as a conflict to retry.
        repo.store_year(session, YearData(year))
    repo.bump_revision(session, year)
    return ruleset


def _units_in(session: Session, year: int) -> list[UnitIn]:
    rows = session.execute(
        select(UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.parent, UnitRow.village_type)
        .where(UnitRow.year == year)
        .order_by(UnitRow.position)
    ).all()
    return [
        UnitIn.model_construct(
            code=code,
            name=name,
            kind=UnitKind(kind),
            parent=parent,
            village_type=VillageType(vt) if vt else None,
        )
        for code, name, kind, parent, vt in rows
    ]


def _group_in(session: Session, year: int, code: str) -> GroupIn | None:
    group = get_group_in(session, year, code)
    if group is None:
        return None
    return GroupIn.model_construct(
        code=group.code, name=group.name, leader=group.leader, counties=list(group.counties)
    )


def _check(ruleset: Ruleset, year: int, at: tuple[str | int, ...], **parts: Any) -> None:
    """Run the bundle checks on a small bundle; raise InvalidRecord for problems at ``at``."""
    bundle = BundleIn.model_construct(
        format=BUNDLE_FORMAT,
        year=year,
        units=parts.get("units", []),
        pairings=parts.get("pairings", []),
        groups=parts.get("groups", []),
        inspections=parts.get("inspections", []),
        events=[],
    )
    _, problems = check_bundle(bundle, lambda _year: ruleset.catalogue)
    prefix = pointer(*at)
    mine = [
        Problem(p.pointer[len(prefix) :], p.message)
        for p in problems
        if p.pointer == prefix or p.pointer.startswith(prefix + "/")
    ]
    if mine:
        raise InvalidRecord(mine)


def _exists(session: Session, *where: Any) -> bool:
    return bool(session.execute(select(exists().where(*where))).scalar())


def _unit(row: Any) -> Unit:
    return Unit(
        row.code,
        row.name,
        UnitKind(row.kind),
        row.parent,
        VillageType(row.village_type) if row.village_type else None,
    )


# --- units -------------------------------------------------------------------------------------


def create_unit(
    year: int, unit: UnitIn, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> Unit:
    """Add a unit to the year (spec section 1)."""
    with db.begin() as session:
        ruleset = _begin_write(session, year, rules)
        if _exists(session, UnitRow.year == year, UnitRow.code == unit.code):
            raise Conflict(f"the year {year} already has a unit {unit.code!r}")
        units = _units_in(session, year)
        _check(ruleset, year, ("units", len(units)), units=[*units, unit])
        position = next_position(session, UnitRow.position, UnitRow.year == year)
        session.execute(
            insert(UnitRow).values(
                year=year,
                code=unit.code,
                name=unit.name,
                kind=unit.kind.value,
                parent=unit.parent,
                village_type=unit.village_type.value if unit.village_type else None,
                position=position,
            )
        )
        audit.record(
            session,
            actor,
            "unit.create",
            "unit",
            f"{year}/{unit.code}",
            year=year,
            detail=unit.model_dump(mode="json"),
        )
    return Unit(unit.code, unit.name, unit.kind, unit.parent, unit.village_type)


def update_unit(
    year: int,
    code: str,
    changes: dict[str, Any],
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Unit:
    """Change a unit's name or village type; its code, kind and parent stay."""
    with db.begin() as session:
        require_year(session, year)
        _begin_write(session, year, rules)
        row = session.execute(
            select(UnitRow).where(UnitRow.year == year, UnitRow.code == code)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"the year {year} has no unit {code!r}")
        if "village_type" in changes:
            value = changes["village_type"]
            if row.kind == UnitKind.VILLAGE.value and value is None:
                raise InvalidRecord([Problem("/village_type", "a village needs a village_type")])
            if row.kind != UnitKind.VILLAGE.value and value is not None:
                raise InvalidRecord(
                    [
                        Problem(
                            "/village_type", f"only a village has a village_type, not a {row.kind}"
                        )
                    ]
                )
            row.village_type = None if value is None else VillageType(value).value
        if "name" in changes:
            row.name = changes["name"]
        unit = _unit(row)
        audit.record(
            session,
            actor,
            "unit.update",
            "unit",
            f"{year}/{code}",
            year=year,
            detail={k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()},
        )
    return unit


def get_unit(year: int, code: str, *, db: sessionmaker[Session]) -> Unit:
    with db() as session:
        require_year(session, year)
        row = session.execute(
            select(UnitRow).where(UnitRow.year == year, UnitRow.code == code)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"the year {year} has no unit {code!r}")
        return _unit(row)


def list_units(
    year: int,
    *,
    db: sessionmaker[Session],
    kind: UnitKind | None = None,
    parent: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Unit]:
    """The year's units by code."""
    statement = select(UnitRow).where(UnitRow.year == year)
    if kind is not None:
        statement = statement.where(UnitRow.kind == kind.value)
    if parent is not None:
        statement = statement.where(UnitRow.parent == parent)
    with db() as session:
        require_year(session, year)
        page = keyset_page(
            session, statement, keys=[UnitRow.code], limit=limit, cursor=cursor, scalars=True
        )
        return page.map(_unit)


# --- pairings ---------------------------------------------------------------------------------


def create_pairing(
    year: int, pairing: PairingIn, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> Pairing:
    """Pair a helping unit with a village for the year."""
    with db.begin() as session:
        ruleset = _begin_write(session, year, rules)
        key = (
            PairingRow.year == year,
            PairingRow.helping_unit == pairing.helping_unit,
            PairingRow.village == pairing.village,
        )
        if _exists(session, *key):
            raise Conflict(
                f"{pairing.helping_unit!r} is already paired with {pairing.village!r} in {year}"
            )
        _check(ruleset, year, ("pairings", 0), units=_units_in(session, year), pairings=[pairing])
        position = next_position(session, PairingRow.position, PairingRow.year == year)
        session.execute(
            insert(PairingRow).values(
                year=year,
                helping_unit=pairing.helping_unit,
                village=pairing.village,
                position=position,
            )
        )
        audit.record(
            session,
            actor,
            "pairing.create",
            "pairing",
            f"{year}/{pairing.helping_unit}/{pairing.village}",
            year=year,
        )
    return Pairing(pairing.helping_unit, pairing.village)


def delete_pairing(
    year: int,
    helping_unit: str,
    village: str,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> None:
    """End a pairing: the village's findings no longer count for the helping unit."""
    with db.begin() as session:
        require_year(session, year)
        _begin_write(session, year, rules)
        key = (
            PairingRow.year == year,
            PairingRow.helping_unit == helping_unit,
            PairingRow.village == village,
        )
        if not _exists(session, *key):
            raise NotFound(f"{helping_unit!r} is not paired with {village!r} in {year}")
        session.execute(delete(PairingRow).where(*key))
        audit.record(
            session,
            actor,
            "pairing.delete",
            "pairing",
            f"{year}/{helping_unit}/{village}",
            year=year,
        )


def get_pairing(
    year: int, helping_unit: str, village: str, *, db: sessionmaker[Session]
) -> Pairing:
    with db() as session:
        require_year(session, year)
        if not _exists(
            session,
            PairingRow.year == year,
            PairingRow.helping_unit == helping_unit,
            PairingRow.village == village,
        ):
            raise NotFound(f"{helping_unit!r} is not paired with {village!r} in {year}")
    return Pairing(helping_unit, village)


def list_pairings(
    year: int,
    *,
    db: sessionmaker[Session],
    helping_unit: str | None = None,
    village: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Pairing]:
    statement = select(PairingRow).where(PairingRow.year == year)
    if helping_unit is not None:
        statement = statement.where(PairingRow.helping_unit == helping_unit)
    if village is not None:
        statement = statement.where(PairingRow.village == village)
    with db() as session:
        require_year(session, year)
        page = keyset_page(
            session,
            statement,
            keys=[PairingRow.helping_unit, PairingRow.village],
            limit=limit,
            cursor=cursor,
            scalars=True,
        )
        return page.map(lambda row: Pairing(row.helping_unit, row.village))


# --- groups ------------------------------------------------------------------------------------


def get_group_in(session: Session, year: int, code: str) -> Group | None:
    row = session.execute(
        select(GroupRow).where(GroupRow.year == year, GroupRow.code == code)
    ).scalar_one_or_none()
    if row is None:
        return None
    counties = session.scalars(
        select(GroupCountyRow.county)
        .where(GroupCountyRow.year == year, GroupCountyRow.group_code == code)
        .order_by(GroupCountyRow.position)
    ).all()
    return Group(row.code, row.name, row.leader, tuple(counties))


def _store_counties(session: Session, year: int, code: str, counties: Sequence[str]) -> None:
    session.execute(
        delete(GroupCountyRow).where(GroupCountyRow.year == year, GroupCountyRow.group_code == code)
    )
    if counties:
        session.execute(
            insert(GroupCountyRow),
            [
                {"year": year, "group_code": code, "position": i, "county": county}
                for i, county in enumerate(counties)
            ],
        )


def create_group(
    year: int, group: GroupIn, *, db: sessionmaker[Session], rules: RuleSource, actor: Principal
) -> Group:
    """Add an inspection group (督查小组) with the counties it covers."""
    with db.begin() as session:
        ruleset = _begin_write(session, year, rules)
        if _exists(session, GroupRow.year == year, GroupRow.code == group.code):
            raise Conflict(f"the year {year} already has a group {group.code!r}")
        _check(ruleset, year, ("groups", 0), units=_units_in(session, year), groups=[group])
        position = next_position(session, GroupRow.position, GroupRow.year == year)
        session.execute(
            insert(GroupRow).values(
                year=year, code=group.code, name=group.name, leader=group.leader, position=position
            )
        )
        _store_counties(session, year, group.code, group.counties)
        audit.record(
            session,
            actor,
            "group.create",
            "group",
            f"{year}/{group.code}",
            year=year,
            detail=group.model_dump(mode="json"),
        )
    return Group(group.code, group.name, group.leader, tuple(group.counties))


def update_group(
    year: int,
    code: str,
    changes: dict[str, Any],
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Group:
    """Change a group's name, leader or counties; a county with its inspections stays."""
    with db.begin() as session:
        require_year(session, year)
        ruleset = _begin_write(session, year, rules)
        current = get_group_in(session, year, code)
        if current is None:
            raise NotFound(f"the year {year} has no group {code!r}")
        new = GroupIn.model_construct(
            code=code,
            name=changes.get("name", current.name),
            leader=changes.get("leader", current.leader),
            counties=list(changes.get("counties", current.counties)),
        )
        _check(ruleset, year, ("groups", 0), units=_units_in(session, year), groups=[new])
        if "counties" in changes:
            dropped = set(current.counties) - set(new.counties)
            used = session.execute(
                select(InspectionRow.code, InspectionRow.county)
                .where(
                    InspectionRow.year == year,
                    InspectionRow.group_code == code,
                    InspectionRow.county.in_(sorted(dropped)),
                )
                .order_by(InspectionRow.code)
            ).all()
            if used:
                listed = ", ".join(f"{c} ({county})" for c, county in used[:10])
                raise Conflict(
                    f"group {code!r} has inspections in the counties it would drop: {listed}"
                )
            _store_counties(session, year, code, new.counties)
        session.execute(
            update(GroupRow)
            .where(GroupRow.year == year, GroupRow.code == code)
            .values(name=new.name, leader=new.leader)
        )
        audit.record(
            session, actor, "group.update", "group", f"{year}/{code}", year=year, detail=changes
        )
    return Group(code, new.name, new.leader, tuple(new.counties))


def get_group(year: int, code: str, *, db: sessionmaker[Session]) -> Group:
    with db() as session:
        require_year(session, year)
        group = get_group_in(session, year, code)
    if group is None:
        raise NotFound(f"the year {year} has no group {code!r}")
    return group


def list_groups(
    year: int,
    *,
    db: sessionmaker[Session],
    county: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Group]:
    statement = select(GroupRow).where(GroupRow.year == year)
    if county is not None:
        statement = statement.where(
            GroupRow.code.in_(
                select(GroupCountyRow.group_code).where(
                    GroupCountyRow.year == year, GroupCountyRow.county == county
                )
            )
        )
    with db() as session:
        require_year(session, year)
        page = keyset_page(
            session, statement, keys=[GroupRow.code], limit=limit, cursor=cursor, scalars=True
        )
        codes = [row.code for row in page.items]
        counties: dict[str, list[str]] = defaultdict(list)
        for group_code, c in session.execute(
            select(GroupCountyRow.group_code, GroupCountyRow.county)
            .where(GroupCountyRow.year == year, GroupCountyRow.group_code.in_(codes))
            .order_by(GroupCountyRow.group_code, GroupCountyRow.position)
        ):
            counties[group_code].append(c)
        return page.map(
            lambda row: Group(row.code, row.name, row.leader, tuple(counties[row.code]))
        )


# --- structure ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Structure:
    year: int
    units: list[Unit]
    pairings: list[Pairing]
    groups: list[Group]


def structure(year: int, *, db: sessionmaker[Session]) -> Structure:
    """The year's units, pairings and groups, in stored order."""
    with db() as session:
        require_year(session, year)
        units = [
            Unit(u.code, u.name, u.kind, u.parent, u.village_type) for u in _units_in(session, year)
        ]
        pairings = [
            Pairing(h, v)
            for h, v in session.execute(
                select(PairingRow.helping_unit, PairingRow.village)
                .where(PairingRow.year == year)
                .order_by(PairingRow.position)
            )
        ]
        groups = list_groups(year, db=db, limit=10**9, cursor=None).items
    return Structure(year, units, pairings, groups)


# --- inspections and findings ---------------------------------------------------------------------


def _finding(insp: InspectionIn | Inspection, f: FindingIn) -> Finding:
    return Finding(
        code=f.code,
        inspection=insp.code,
        unit=f.unit,
        criterion=f.criterion,
        severity=f.severity,
        description=f.description,
        deadline=f.deadline,
        found_on=insp.end_date,
        responsible=tuple(f.responsible),
    )


def _check_scope(
    session: Session, year: int, ruleset: Ruleset, actor: Principal, findings: Sequence[Finding]
) -> None:
    """Forbidden unless each finding counts for a unit of the caller's scope."""
    if actor.scope is None or not findings:
        return
    units = [
        Unit(u.code, u.name, u.kind, u.parent, u.village_type) for u in _units_in(session, year)
    ]
    pairings = [
        Pairing(h, v)
        for h, v in session.execute(
            select(PairingRow.helping_unit, PairingRow.village).where(PairingRow.year == year)
        )
    ]
    attributor = Attributor(units, pairings, ruleset.attribution)
    for finding in findings:
        actor.require_finding(finding.code, attributor.attribute(finding))


def _insert_findings(session: Session, year: int, findings: Sequence[Finding]) -> None:
    if not findings:
        return
    start = next_position(session, FindingRow.position, FindingRow.year == year)
    session.execute(
        insert(FindingRow),
        [
            {
                "year": year,
                "code": f.code,
                "inspection": f.inspection,
                "unit": f.unit,
                "criterion": f.criterion,
                "severity": f.severity.value,
                "description": f.description,
                "deadline": f.deadline,
                "found_on": f.found_on,
                "position": start + i,
            }
            for i, f in enumerate(findings)
        ],
    )
    responsible = [
        {"year": year, "finding": f.code, "position": i, "unit": unit}
        for f in findings
        for i, unit in enumerate(f.responsible)
    ]
    if responsible:
        session.execute(insert(FindingResponsibleRow), responsible)


def _taken_findings(session: Session, year: int, codes: Sequence[str]) -> list[str]:
    return list(
        session.scalars(
            select(FindingRow.code)
            .where(FindingRow.year == year, FindingRow.code.in_(list(codes)))
            .order_by(FindingRow.code)
        )
    )


def create_inspection(
    year: int,
    inspection: InspectionIn,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> tuple[Inspection, list[Finding]]:
    """Add an inspection with its sample and findings (spec section 2), checked as a bundle's."""
    with db.begin() as session:
        ruleset = _begin_write(session, year, rules)
        if _exists(session, InspectionRow.year == year, InspectionRow.code == inspection.code):
            raise Conflict(f"the year {year} already has an inspection {inspection.code!r}")
        taken = _taken_findings(session, year, [f.code for f in inspection.findings])
        if taken:
            raise Conflict(f"the year {year} already has findings {', '.join(taken)}")
        group = _group_in(session, year, inspection.group)
        _check(
            ruleset,
            year,
            ("inspections", 0),
            units=_units_in(session, year),
            groups=[group] if group else [],
            inspections=[inspection],
        )
        findings = [_finding(inspection, f) for f in inspection.findings]
        _check_scope(session, year, ruleset, actor, findings)
        _insert_inspection(session, year, inspection)
        _insert_findings(session, year, findings)
        audit.record(
            session,
            actor,
            "inspection.create",
            "inspection",
            f"{year}/{inspection.code}",
            year=year,
            detail={"findings": [f.code for f in findings]},
        )
    return _inspection(inspection), findings


def _inspection(ins: InspectionIn) -> Inspection:
    s = ins.sample
    return Inspection(
        ins.code,
        ins.group,
        ins.county,
        ins.start_date,
        ins.end_date,
        ins.letter_date,
        Sample(
            tuple(s.towns),
            tuple(s.villages),
            tuple(Household(h.code, h.village, h.status) for h in s.households),
        ),
    )


def _insert_inspection(session: Session, year: int, ins: InspectionIn) -> None:
    position = next_position(session, InspectionRow.position, InspectionRow.year == year)
    session.execute(
        insert(InspectionRow).values(
            year=year,
            code=ins.code,
            group_code=ins.group,
            county=ins.county,
            start_date=ins.start_date,
            end_date=ins.end_date,
            letter_date=ins.letter_date,
            position=position,
        )
    )
    s = ins.sample
    for model, rows in (
        (SampleTownRow, [{"town": t} for t in s.towns]),
        (SampleVillageRow, [{"village": v} for v in s.villages]),
        (
            SampleHouseholdRow,
            [
                {"code": h.code, "village": h.village, "status": h.status.value}
                for h in s.households
            ],
        ),
    ):
        if rows:
            session.execute(
                insert(model),
                [
                    {"year": year, "inspection": ins.code, "position": i, **r}
                    for i, r in enumerate(rows)
                ],
            )


def _load_inspection(session: Session, year: int, code: str) -> Inspection | None:
    row = session.execute(
        select(InspectionRow).where(InspectionRow.year == year, InspectionRow.code == code)
    ).scalar_one_or_none()
    if row is None:
        return None
    where = {"year": year, "inspection": code}
    towns = session.scalars(
        select(SampleTownRow.town).filter_by(**where).order_by(SampleTownRow.position)
    ).all()
    villages = session.scalars(
        select(SampleVillageRow.village).filter_by(**where).order_by(SampleVillageRow.position)
    ).all()
    households = session.execute(
        select(SampleHouseholdRow.code, SampleHouseholdRow.village, SampleHouseholdRow.status)
        .filter_by(**where)
        .order_by(SampleHouseholdRow.position)
    ).all()
    return Inspection(
        row.code,
        row.group_code,
        row.county,
        row.start_date,
        row.end_date,
        row.letter_date,
        Sample(
            tuple(towns),
            tuple(villages),
            tuple(Household(c, v, HouseholdStatus(s)) for c, v, s in households),
        ),
    )


def _as_in(ins: Inspection, findings: list[FindingIn] | None = None) -> InspectionIn:
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


def findings_where(session: Session, year: int, *where: Any) -> list[Finding]:
    """Findings of the year matching ``where``, by code, each with its responsible units.

    Two column queries on the session's connection (no ORM objects per row): a whole
    year's findings load in one pass.
    """
    conditions = (FindingRow.year == year, *where)
    connection = session.connection()
    responsible: dict[str, list[str]] = defaultdict(list)
    for finding, unit in connection.execute(
        select(FindingResponsibleRow.finding, FindingResponsibleRow.unit)
        .where(
            FindingResponsibleRow.year == year,
            FindingResponsibleRow.finding.in_(select(FindingRow.code).where(*conditions)),
        )
        .order_by(FindingResponsibleRow.finding, FindingResponsibleRow.position)
    ):
        responsible[finding].append(unit)
    rows = connection.execute(
        select(
            FindingRow.code,
            FindingRow.inspection,
            FindingRow.unit,
            FindingRow.criterion,
            FindingRow.severity,
            FindingRow.description,
            FindingRow.deadline,
            FindingRow.found_on,
        )
        .where(*conditions)
        .order_by(FindingRow.code)
    )
    severities = {s.value: s for s in Severity}
    return [
        Finding(
            code,
            inspection,
            unit,
            criterion,
            severities[severity],
            description,
            deadline,
            found_on,
            tuple(responsible.get(code, ())),
        )
        for code, inspection, unit, criterion, severity, description, deadline, found_on in rows
    ]


def add_finding(
    year: int,
    inspection_code: str,
    finding: FindingIn,
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Finding:
    """Add a finding to an inspection already held."""
    with db.begin() as session:
        require_year(session, year)
        ruleset = _begin_write(session, year, rules)
        inspection = _load_inspection(session, year, inspection_code)
        if inspection is None:
            raise NotFound(f"the year {year} has no inspection {inspection_code!r}")
        if _taken_findings(session, year, [finding.code]):
            raise Conflict(f"the year {year} already has a finding {finding.code!r}")
        group = _group_in(session, year, inspection.group)
        _check(
            ruleset,
            year,
            ("inspections", 0, "findings", 0),
            units=_units_in(session, year),
            groups=[group] if group else [],
            inspections=[_as_in(inspection, [finding])],
        )
        new = _finding(inspection, finding)
        _check_scope(session, year, ruleset, actor, [new])
        _insert_findings(session, year, [new])
        audit.record(
            session,
            actor,
            "finding.create",
            "finding",
            f"{year}/{finding.code}",
            year=year,
            detail=finding.model_dump(mode="json"),
        )
    return new


def update_inspection(
    year: int,
    code: str,
    changes: dict[str, Any],
    *,
    db: sessionmaker[Session],
    rules: RuleSource,
    actor: Principal,
) -> Inspection:
    """Set (or clear) an inspection's letter date: the day the rectification letter went out."""
    with db.begin() as session:
        require_year(session, year)
        ruleset = _begin_write(session, year, rules)
        inspection = _load_inspection(session, year, code)
        if inspection is None:
            raise NotFound(f"the year {year} has no inspection {code!r}")
        letter: date | None = changes.get("letter_date", inspection.letter_date)
        candidate = _as_in(inspection).model_copy(update={"letter_date": letter})
        group = _group_in(session, year, inspection.group)
        _check(
            ruleset,
            year,
            ("inspections", 0),
            units=_units_in(session, year),
            groups=[group] if group else [],
            inspections=[candidate],
        )
        session.execute(
            update(InspectionRow)
            .where(InspectionRow.year == year, InspectionRow.code == code)
            .values(letter_date=letter)
        )
        audit.record(
            session,
            actor,
            "inspection.update",
            "inspection",
            f"{year}/{code}",
            year=year,
            detail={"letter_date": letter},
        )
    return Inspection(
        inspection.code,
        inspection.group,
        inspection.county,
        inspection.start_date,
        inspection.end_date,
        letter,
        inspection.sample,
    )


def get_inspection(
    year: int, code: str, *, db: sessionmaker[Session]
) -> tuple[Inspection, list[Finding]]:
    """An inspection with its sample and findings (by code)."""
    with db() as session:
        require_year(session, year)
        inspection = _load_inspection(session, year, code)
        if inspection is None:
            raise NotFound(f"the year {year} has no inspection {code!r}")
        findings = findings_where(session, year, FindingRow.inspection == code)
    return inspection, findings


@dataclass(frozen=True, slots=True)
class InspectionSummary:
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    findings: int


def list_inspections(
    year: int,
    *,
    db: sessionmaker[Session],
    group: str | None = None,
    county: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[InspectionSummary]:
    """The year's inspections by code, with their counts of findings."""
    statement = select(InspectionRow).where(InspectionRow.year == year)
    if group is not None:
        statement = statement.where(InspectionRow.group_code == group)
    if county is not None:
        statement = statement.where(InspectionRow.county == county)
    with db() as session:
        require_year(session, year)
        page = keyset_page(
            session, statement, keys=[InspectionRow.code], limit=limit, cursor=cursor, scalars=True
        )
        codes = [row.code for row in page.items]
        counts = dict(
            session.execute(
                select(FindingRow.inspection, func.count())
                .where(FindingRow.year == year, FindingRow.inspection.in_(codes))
                .group_by(FindingRow.inspection)
            ).all()
        )
        return page.map(
            lambda r: InspectionSummary(
                r.code,
                r.group_code,
                r.county,
                r.start_date,
                r.end_date,
                r.letter_date,
                counts.get(r.code, 0),
            )
        )
