"""Inspection groups (督查小组) and the counties each covers."""

from __future__ import annotations

from typing import Any

from scoring_service.access import scope
from scoring_service.assessment.rules_in_force import held_year
from scoring_service.bundle.schema import GroupIn
from scoring_service.domain.errors import Conflict
from scoring_service.domain.model import Group
from scoring_service.domain.pages import Page
from scoring_service.i18n import gettext as _
from scoring_service.records.year import begin_write, check_record, not_held, units_in
from scoring_service.unit_of_work import UnitOfWork


def find_group(uow: UnitOfWork, year: int, code: str) -> Group | None:
    """The group with its counties, or None when the year has no such group."""
    with uow:
        return uow.structure.group(year, code)


def group_in(uow: UnitOfWork, year: int, code: str) -> GroupIn | None:
    """The group as a bundle holds it (for the bundle checks), or None."""
    group = find_group(uow, year, code)
    if group is None:
        return None
    return GroupIn.model_construct(
        code=group.code, name=group.name, leader=group.leader, counties=list(group.counties)
    )


def create_group(uow: UnitOfWork, year: int, group: GroupIn) -> Group:
    """Add an inspection group (督查小组) with the counties it covers."""
    with uow:
        ruleset = begin_write(uow, year, create=True)
        where = uow.reach(year)
        scope.require_inside(uow.actor, where, group.counties, "the group")
        if uow.structure.has_group(year, group.code):
            raise Conflict(
                _("the year %(year)s already has a group %(code)r", year=year, code=group.code)
            )
        check_record(ruleset, year, ("groups", 0), units=units_in(uow, year), groups=[group])
        new = Group(group.code, group.name, group.leader, tuple(group.counties))
        uow.structure.add_group(year, new)
        uow.audit(
            "group.create",
            "group",
            f"{year}/{group.code}",
            year=year,
            detail=group.model_dump(mode="json"),
        )
        uow.commit()
    return new


def update_group(uow: UnitOfWork, year: int, code: str, changes: dict[str, Any]) -> Group:
    """Change a group's name, leader or counties; a county with its inspections stays."""
    with uow:
        ruleset = begin_write(uow, year, create=False)
        current = uow.structure.group(year, code)
        if current is None:
            raise not_held(year, "group", code)
        counties = [*current.counties, *changes.get("counties", ())]
        where = uow.reach(year)
        scope.require_inside(uow.actor, where, counties, "the group")
        new = GroupIn.model_construct(
            code=code,
            name=changes.get("name", current.name),
            leader=changes.get("leader", current.leader),
            counties=list(changes.get("counties", current.counties)),
        )
        check_record(ruleset, year, ("groups", 0), units=units_in(uow, year), groups=[new])
        if "counties" in changes:
            dropped = set(current.counties) - set(new.counties)
            used = uow.structure.group_inspections_in(year, code, dropped)
            if used:
                listed = ", ".join(f"{c} ({county})" for c, county in used[:10])
                raise Conflict(
                    _(
                        "group %(code)r has inspections in the counties it would drop: %(listed)s",
                        code=code,
                        listed=listed,
                    )
                )
        updated = Group(code, new.name, new.leader, tuple(new.counties))
        uow.structure.set_group(year, updated, counties="counties" in changes)
        uow.audit("group.update", "group", f"{year}/{code}", year=year, detail=changes)
        uow.commit()
    return updated


def get_group(uow: UnitOfWork, year: int, code: str) -> Group:
    with uow:
        held_year(uow, year)
        group = uow.structure.group(year, code)
    if group is None:
        raise not_held(year, "group", code)
    return group


def list_groups(
    uow: UnitOfWork,
    year: int,
    *,
    county: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Group]:
    with uow:
        held_year(uow, year)
        return uow.structure.groups_page(year, county=county, limit=limit, cursor=cursor)
