"""Inspection groups (督查小组) and the counties each covers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access import audit, scope
from scoring_service.access.roles import Principal
from scoring_service.bundle.schema import GroupIn
from scoring_service.db.models import GroupCountyRow, GroupRow, InspectionRow
from scoring_service.db.queries import Page, keyset_page, next_position
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Group
from scoring_service.records.year import (
    begin_write,
    check_record,
    exists_where,
    held_year,
    not_held,
    units_in,
)
from scoring_service.services import RuleSource


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


def group_in(session: Session, year: int, code: str) -> GroupIn | None:
    """The group as a bundle holds it (for the bundle checks), or None."""
    group = find_group(session, year, code)
    if group is None:
        return None
    return GroupIn.model_construct(
        code=group.code, name=group.name, leader=group.leader, counties=list(group.counties)
    )


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
        ruleset = begin_write(session, year, rules, create=True)
        where = scope.reach(session, year, actor)
        scope.require_inside(actor, where, group.counties, "the group")
        if exists_where(session, GroupRow.year == year, GroupRow.code == group.code):
            raise Conflict(f"the year {year} already has a group {group.code!r}")
        check_record(ruleset, year, ("groups", 0), units=units_in(session, year), groups=[group])
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
        ruleset = begin_write(session, year, rules, create=False)
        current = find_group(session, year, code)
        if current is None:
            raise not_held(year, "group", code)
        counties = [*current.counties, *changes.get("counties", ())]
        scope.require_inside(actor, scope.reach(session, year, actor), counties, "the group")
        new = GroupIn.model_construct(
            code=code,
            name=changes.get("name", current.name),
            leader=changes.get("leader", current.leader),
            counties=list(changes.get("counties", current.counties)),
        )
        check_record(ruleset, year, ("groups", 0), units=units_in(session, year), groups=[new])
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
    with held_year(db, year) as session:
        group = find_group(session, year, code)
    if group is None:
        raise not_held(year, "group", code)
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
    with held_year(db, year) as session:
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
