"""Years and their structure: units, pairings, inspection groups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

from api.routing import ApiBlueprint
from api.schemas import (
    CountyNode,
    GroupCreate,
    GroupPage,
    GroupQuery,
    GroupRead,
    GroupUpdate,
    HelpingUnitNode,
    PairingCreate,
    PairingPage,
    PairingQuery,
    PairingRead,
    StructureRead,
    TownNode,
    UnitCreate,
    UnitPage,
    UnitQuery,
    UnitRead,
    UnitUpdate,
    VillageNode,
    YearList,
    YearRead,
    given,
)
from edge.context import uow
from scoring_service.assessment.services import list_years
from scoring_service.domain.errors import NotFound
from scoring_service.domain.model import Group, Pairing, Unit, UnitKind
from scoring_service.domain.principals import Permission
from scoring_service.i18n import gettext as _
from scoring_service.records import groups, pairings, units
from scoring_service.records.structure import year_structure

bp = ApiBlueprint("years", __name__, tag="structure")
READ, ADMIN = Permission.READ, Permission.ADMIN
R404 = (404,)
W = (404, 409, 422)


# The read models are the domain records with the year they belong to: built from the
# records' own fields, so a field both have is never copied by hand (or forgotten).
def unit_read(year: int, unit: Unit) -> UnitRead:
    return UnitRead.model_validate({"year": year, **asdict(unit)})


def group_read(year: int, group: Group) -> GroupRead:
    return GroupRead.model_validate({"year": year, **asdict(group)})


def pairing_read(year: int, pairing: Pairing) -> PairingRead:
    return PairingRead.model_validate({"year": year, **asdict(pairing)})


@bp.operation(
    "GET", "/years", summary="The years held, with counts", permission=READ, response=YearList
)
def years() -> YearList:
    """Every year whose data is held, with its data revision and counts."""
    return YearList(
        items=[YearRead.model_validate(y, from_attributes=True) for y in list_years(uow())]
    )


@bp.operation(
    "GET",
    "/years/<int:year>",
    summary="One year held",
    permission=READ,
    response=YearRead,
    errors=R404,
)
def year(year: int) -> YearRead:
    """The year's data revision (it grows on every write) and counts."""
    for item in list_years(uow()):
        if item.year == year:
            return YearRead.model_validate(item, from_attributes=True)
    raise NotFound(_("no data is held for the year %(year)s", year=year))


@bp.operation(
    "GET",
    "/years/<int:year>/structure",
    summary="The year's structure",
    permission=READ,
    response=StructureRead,
    errors=R404,
)
def structure(year: int) -> StructureRead:
    """Counties, their towns and villages (with paired helping units), helping units, groups."""
    held = year_structure(uow(), year)
    helpers: dict[str, list[str]] = defaultdict(list)
    villages_of: dict[str, list[str]] = defaultdict(list)
    for p in held.pairings:
        helpers[p.village].append(p.helping_unit)
        villages_of[p.helping_unit].append(p.village)
    children: dict[str | None, list[Unit]] = defaultdict(list)
    for unit in held.units:
        children[unit.parent].append(unit)
    counties = [
        CountyNode(
            code=c.code,
            name=c.name,
            towns=[
                TownNode(
                    code=t.code,
                    name=t.name,
                    villages=[
                        VillageNode(
                            code=v.code,
                            name=v.name,
                            village_type=v.village_type,
                            helping_units=helpers[v.code],
                        )
                        for v in children[t.code]
                        if v.kind is UnitKind.VILLAGE
                    ],
                )
                for t in children[c.code]
                if t.kind is UnitKind.TOWN
            ],
        )
        for c in held.units
        if c.kind is UnitKind.COUNTY
    ]
    return StructureRead(
        year=year,
        counties=counties,
        helping_units=[
            HelpingUnitNode(code=u.code, name=u.name, villages=villages_of[u.code])
            for u in held.units
            if u.kind is UnitKind.HELPING_UNIT
        ],
        groups=[group_read(year, g) for g in held.groups],
    )


# --- units -----------------------------------------------------------------------------------


@bp.operation(
    "GET",
    "/years/<int:year>/units",
    summary="List units",
    permission=READ,
    query=UnitQuery,
    response=UnitPage,
    errors=R404,
)
def list_units(year: int, query: UnitQuery) -> UnitPage:
    """The year's units by code, optionally of one kind or under one parent."""
    page = units.list_units(
        uow(),
        year,
        kind=query.kind,
        parent=query.parent,
        limit=query.limit,
        cursor=query.cursor,
    )
    return UnitPage.of(page, lambda u: unit_read(year, u), limit=query.limit)


@bp.operation(
    "POST",
    "/years/<int:year>/units",
    summary="Create a unit",
    permission=ADMIN,
    body=UnitCreate,
    response=UnitRead,
    status=201,
    errors=W,
)
def create_unit(year: int, body: UnitCreate) -> tuple[UnitRead, dict[str, str]]:
    """Add a unit; a year with a rule set but no data yet is created by its first record."""
    unit = units.create_unit(uow(), year, body)
    return unit_read(year, unit), {"Location": f"/api/v1/years/{year}/units/{unit.code}"}


@bp.operation(
    "GET",
    "/years/<int:year>/units/<code>",
    summary="Read a unit",
    permission=READ,
    response=UnitRead,
    errors=R404,
)
def get_unit(year: int, code: str) -> UnitRead:
    """One unit of the year."""
    return unit_read(year, units.get_unit(uow(), year, code))


@bp.operation(
    "PATCH",
    "/years/<int:year>/units/<code>",
    summary="Update a unit",
    permission=ADMIN,
    body=UnitUpdate,
    response=UnitRead,
    errors=W,
)
def update_unit(year: int, code: str, body: UnitUpdate) -> UnitRead:
    """Change the name, or a village's type; the code, kind and parent cannot change."""
    unit = units.update_unit(uow(), year, code, given(body))
    return unit_read(year, unit)


# --- pairings ---------------------------------------------------------------------------------


@bp.operation(
    "GET",
    "/years/<int:year>/pairings",
    summary="List pairings",
    permission=READ,
    query=PairingQuery,
    response=PairingPage,
    errors=R404,
)
def list_pairings(year: int, query: PairingQuery) -> PairingPage:
    """The year's pairings of helping units with villages."""
    page = pairings.list_pairings(
        uow(),
        year,
        helping_unit=query.helping_unit,
        village=query.village,
        limit=query.limit,
        cursor=query.cursor,
    )
    return PairingPage.of(page, lambda p: pairing_read(year, p), limit=query.limit)


@bp.operation(
    "POST",
    "/years/<int:year>/pairings",
    summary="Create a pairing",
    permission=ADMIN,
    body=PairingCreate,
    response=PairingRead,
    status=201,
    errors=W,
)
def create_pairing(year: int, body: PairingCreate) -> tuple[PairingRead, dict[str, str]]:
    """Pair a helping unit with a village for the year (spec section 4, attribution)."""
    pairing = pairings.create_pairing(uow(), year, body)
    where = f"/api/v1/years/{year}/pairings/{pairing.helping_unit}/{pairing.village}"
    return pairing_read(year, pairing), {"Location": where}


@bp.operation(
    "GET",
    "/years/<int:year>/pairings/<helping_unit>/<village>",
    summary="Read a pairing",
    permission=READ,
    response=PairingRead,
    errors=R404,
)
def get_pairing(year: int, helping_unit: str, village: str) -> PairingRead:
    """One pairing."""
    return pairing_read(year, pairings.get_pairing(uow(), year, helping_unit, village))


@bp.operation(
    "DELETE",
    "/years/<int:year>/pairings/<helping_unit>/<village>",
    summary="End a pairing",
    permission=ADMIN,
    response=None,
    status=204,
    errors=W,
)
def delete_pairing(year: int, helping_unit: str, village: str) -> None:
    """Remove a pairing: the village's findings stop counting for the helping unit."""
    pairings.delete_pairing(uow(), year, helping_unit, village)


# --- groups ------------------------------------------------------------------------------------


@bp.operation(
    "GET",
    "/years/<int:year>/groups",
    summary="List inspection groups",
    permission=READ,
    query=GroupQuery,
    response=GroupPage,
    errors=R404,
)
def list_groups(year: int, query: GroupQuery) -> GroupPage:
    """The year's inspection groups (督查小组) by code, optionally those covering a county."""
    page = groups.list_groups(
        uow(), year, county=query.county, limit=query.limit, cursor=query.cursor
    )
    return GroupPage.of(page, lambda g: group_read(year, g), limit=query.limit)


@bp.operation(
    "POST",
    "/years/<int:year>/groups",
    summary="Create an inspection group",
    permission=ADMIN,
    body=GroupCreate,
    response=GroupRead,
    status=201,
    errors=W,
)
def create_group(year: int, body: GroupCreate) -> tuple[GroupRead, dict[str, str]]:
    """Add an inspection group with the counties it covers."""
    group = groups.create_group(uow(), year, body)
    return group_read(year, group), {"Location": f"/api/v1/years/{year}/groups/{group.code}"}


@bp.operation(
    "GET",
    "/years/<int:year>/groups/<code>",
    summary="Read an inspection group",
    permission=READ,
    response=GroupRead,
    errors=R404,
)
def get_group(year: int, code: str) -> GroupRead:
    """One inspection group with its counties."""
    return group_read(year, groups.get_group(uow(), year, code))


@bp.operation(
    "PATCH",
    "/years/<int:year>/groups/<code>",
    summary="Update an inspection group",
    permission=ADMIN,
    body=GroupUpdate,
    response=GroupRead,
    errors=W,
)
def update_group(year: int, code: str, body: GroupUpdate) -> GroupRead:
    """Change the name, leader or counties; a county the group has inspected stays (409)."""
    group = groups.update_group(uow(), year, code, given(body))
    return group_read(year, group)
