"""Reads and writes of a year's structure, one record at a time: the year held, its units,
pairings and inspection groups. Every function takes the caller's ``Session`` and never
commits; pages are keyset pages in code order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from scoring_service.db import count_deltas
from scoring_service.db.models import (
    FindingRow,
    GroupCountyRow,
    GroupRow,
    InspectionRow,
    PairingRow,
    UnitRow,
)
from scoring_service.db.queries import Page, ancestors_of, keyset_page, next_position, subtree
from scoring_service.db.timelines import add_unit_ancestors
from scoring_service.db.years import load_pairings, load_units, year_exists
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import Group, Pairing, Unit, UnitKind, VillageType
from scoring_service.i18n import gettext as _


def _exists(session: Session, *where: Any) -> bool:
    return bool(session.execute(select(exists().where(*where))).scalar())


def require_year(session: Session, year: int) -> None:
    """NotFound unless the year's data is held."""
    if not year_exists(session, year):
        raise NotFound(
            _("no data is held for the year %(year)s; import a bundle or create records", year=year)
        )


# --- units ---------------------------------------------------------------------------------


def _unit(row: Any) -> Unit:
    return Unit(
        row.code,
        row.name,
        UnitKind(row.kind),
        row.parent,
        VillageType(row.village_type) if row.village_type else None,
    )


def find_unit(session: Session, year: int, code: str) -> Unit | None:
    """The unit, or None when the year has no such unit."""
    row = session.execute(
        select(UnitRow).where(UnitRow.year == year, UnitRow.code == code)
    ).scalar_one_or_none()
    return None if row is None else _unit(row)


def unit_exists(session: Session, year: int, code: str) -> bool:
    return _exists(session, UnitRow.year == year, UnitRow.code == code)


def add_unit(session: Session, year: int, unit: Unit) -> None:
    """Store a unit after the year's last one."""
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
    add_unit_ancestors(session, year, unit)


def set_unit(session: Session, year: int, unit: Unit) -> None:
    """Store a unit's name and village type (its code, kind and parent never change)."""
    session.execute(
        update(UnitRow)
        .where(UnitRow.year == year, UnitRow.code == unit.code)
        .values(
            name=unit.name,
            village_type=unit.village_type.value if unit.village_type else None,
        )
    )


def unit_names(session: Session, year: int, codes: Collection[str]) -> dict[str, str]:
    """The names of the units of ``codes`` the year holds, by code."""
    rows = session.execute(
        select(UnitRow.code, UnitRow.name).where(
            UnitRow.year == year, UnitRow.code.in_(sorted(codes))
        )
    )
    return {code: name for code, name in rows}


def units_page(
    session: Session,
    year: int,
    *,
    within: Collection[str] | None,
    kind: UnitKind | None,
    parent: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Unit]:
    """The year's units by code: those under ``within`` (every one when None), of a kind,
    under a parent."""
    statement = select(UnitRow).where(UnitRow.year == year)
    if within is not None:
        statement = statement.where(UnitRow.code.in_(subtree(year, within)))
    if kind is not None:
        statement = statement.where(UnitRow.kind == kind.value)
    if parent is not None:
        statement = statement.where(UnitRow.parent == parent)
    page = keyset_page(
        session, statement, keys=[UnitRow.code], limit=limit, cursor=cursor, scalars=True
    )
    return page.map(_unit)


# --- pairings ------------------------------------------------------------------------------


def _pairing_key(year: int, helping_unit: str, village: str) -> tuple[Any, ...]:
    """The conditions that select one pairing."""
    return (
        PairingRow.year == year,
        PairingRow.helping_unit == helping_unit,
        PairingRow.village == village,
    )


def pairing_exists(session: Session, year: int, helping_unit: str, village: str) -> bool:
    return _exists(session, *_pairing_key(year, helping_unit, village))


@contextmanager
def _recounting(session: Session, year: int, village: str) -> Iterator[None]:
    """Around a change of the village's pairings: the kept counts of the findings found
    there, which may count for a helping unit or no longer, follow it."""
    codes = list(
        session.scalars(
            select(FindingRow.code).where(FindingRow.year == year, FindingRow.unit == village)
        )
    )
    before = count_deltas.contributions(session, year, codes)
    yield
    count_deltas.apply(session, year, before, count_deltas.contributions(session, year, codes))


def add_pairing(session: Session, year: int, pairing: Pairing) -> None:
    """Store a pairing after the year's last one."""
    position = next_position(session, PairingRow.position, PairingRow.year == year)
    with _recounting(session, year, pairing.village):
        session.execute(
            insert(PairingRow).values(
                year=year,
                helping_unit=pairing.helping_unit,
                village=pairing.village,
                position=position,
            )
        )


def delete_pairing(session: Session, year: int, helping_unit: str, village: str) -> None:
    with _recounting(session, year, village):
        session.execute(delete(PairingRow).where(*_pairing_key(year, helping_unit, village)))


def pairings_of_village(session: Session, year: int, village: str) -> list[Pairing]:
    """The village's pairings with helping units."""
    return [
        Pairing(h, v)
        for h, v in session.execute(
            select(PairingRow.helping_unit, PairingRow.village).where(
                PairingRow.year == year, PairingRow.village == village
            )
        )
    ]


def pairings_page(
    session: Session,
    year: int,
    *,
    within: Collection[str] | None,
    helping_unit: str | None,
    village: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Pairing]:
    """The year's pairings by helping unit and village: those with a unit under ``within``
    (every one when None), of a helping unit, of a village."""
    statement = select(PairingRow).where(PairingRow.year == year)
    if within is not None:
        inside = subtree(year, within)
        statement = statement.where(
            or_(PairingRow.helping_unit.in_(inside), PairingRow.village.in_(inside))
        )
    if helping_unit is not None:
        statement = statement.where(PairingRow.helping_unit == helping_unit)
    if village is not None:
        statement = statement.where(PairingRow.village == village)
    page = keyset_page(
        session,
        statement,
        keys=[PairingRow.helping_unit, PairingRow.village],
        limit=limit,
        cursor=cursor,
        scalars=True,
    )
    return page.map(lambda row: Pairing(row.helping_unit, row.village))


# --- groups --------------------------------------------------------------------------------


def find_group(session: Session, year: int, code: str) -> Group | None:
    """The group with its counties, or None when the year has no such group."""
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


def group_exists(session: Session, year: int, code: str) -> bool:
    return _exists(session, GroupRow.year == year, GroupRow.code == code)


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


def add_group(session: Session, year: int, group: Group) -> None:
    """Store a group after the year's last one, with its counties."""
    position = next_position(session, GroupRow.position, GroupRow.year == year)
    session.execute(
        insert(GroupRow).values(
            year=year, code=group.code, name=group.name, leader=group.leader, position=position
        )
    )
    _store_counties(session, year, group.code, group.counties)


def set_group(session: Session, year: int, group: Group, *, counties: bool) -> None:
    """Store a group's name and leader, and its counties when ``counties``."""
    if counties:
        _store_counties(session, year, group.code, group.counties)
    session.execute(
        update(GroupRow)
        .where(GroupRow.year == year, GroupRow.code == group.code)
        .values(name=group.name, leader=group.leader)
    )


def group_inspections_in(
    session: Session, year: int, group: str, counties: Collection[str]
) -> list[tuple[str, str]]:
    """The group's inspections (code, county) in any of ``counties``, by code."""
    rows = session.execute(
        select(InspectionRow.code, InspectionRow.county)
        .where(
            InspectionRow.year == year,
            InspectionRow.group_code == group,
            InspectionRow.county.in_(sorted(counties)),
        )
        .order_by(InspectionRow.code)
    )
    return [(code, county) for code, county in rows]


def groups_page(
    session: Session, year: int, *, county: str | None, limit: int, cursor: str | None
) -> Page[Group]:
    """The year's groups by code (those covering ``county`` when given), with their counties."""
    statement = select(GroupRow).where(GroupRow.year == year)
    if county is not None:
        statement = statement.where(
            GroupRow.code.in_(
                select(GroupCountyRow.group_code).where(
                    GroupCountyRow.year == year, GroupCountyRow.county == county
                )
            )
        )
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
    return page.map(lambda row: Group(row.code, row.name, row.leader, tuple(counties[row.code])))


class StructureRepository:
    """A year's structure as the records services read and change it, one record at a time:
    units, pairings and inspection groups (``uow.structure``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # units
    def unit(self, year: int, code: str) -> Unit | None:
        return find_unit(self.session, year, code)

    def has_unit(self, year: int, code: str) -> bool:
        return unit_exists(self.session, year, code)

    def add_unit(self, year: int, unit: Unit) -> None:
        add_unit(self.session, year, unit)

    def set_unit(self, year: int, unit: Unit) -> None:
        set_unit(self.session, year, unit)

    def unit_names(self, year: int, codes: Collection[str]) -> dict[str, str]:
        return unit_names(self.session, year, codes)

    def units(self, year: int) -> list[Unit]:
        """The year's units in stored order."""
        return load_units(self.session, year)

    def ancestors(self, year: int, code: str) -> list[Unit]:
        """The unit and every unit above it, nearest first (their names are not read: "")."""
        return [
            Unit(c, "", UnitKind(kind), parent)
            for c, kind, parent in ancestors_of(self.session, year, code)
        ]

    def units_page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        kind: UnitKind | None,
        parent: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Unit]:
        return units_page(
            self.session,
            year,
            within=within,
            kind=kind,
            parent=parent,
            limit=limit,
            cursor=cursor,
        )

    # pairings
    def has_pairing(self, year: int, helping_unit: str, village: str) -> bool:
        return pairing_exists(self.session, year, helping_unit, village)

    def add_pairing(self, year: int, pairing: Pairing) -> None:
        add_pairing(self.session, year, pairing)

    def delete_pairing(self, year: int, helping_unit: str, village: str) -> None:
        delete_pairing(self.session, year, helping_unit, village)

    def pairings(self, year: int) -> list[Pairing]:
        """The year's pairings in stored order."""
        return load_pairings(self.session, year)

    def pairings_of_village(self, year: int, village: str) -> list[Pairing]:
        return pairings_of_village(self.session, year, village)

    def pairings_page(
        self,
        year: int,
        *,
        within: Collection[str] | None,
        helping_unit: str | None,
        village: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Pairing]:
        return pairings_page(
            self.session,
            year,
            within=within,
            helping_unit=helping_unit,
            village=village,
            limit=limit,
            cursor=cursor,
        )

    # groups
    def group(self, year: int, code: str) -> Group | None:
        return find_group(self.session, year, code)

    def has_group(self, year: int, code: str) -> bool:
        return group_exists(self.session, year, code)

    def add_group(self, year: int, group: Group) -> None:
        add_group(self.session, year, group)

    def set_group(self, year: int, group: Group, *, counties: bool) -> None:
        set_group(self.session, year, group, counties=counties)

    def group_inspections_in(
        self, year: int, group: str, counties: Collection[str]
    ) -> list[tuple[str, str]]:
        return group_inspections_in(self.session, year, group, counties)

    def groups_page(
        self, year: int, *, county: str | None, limit: int, cursor: str | None
    ) -> Page[Group]:
        return groups_page(self.session, year, county=county, limit=limit, cursor=cursor)
