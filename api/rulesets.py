"""Rule sets per year: parameters, rules and the criteria catalogue (read only here).

Further operations on rule sets (versions, drafts) register on this same blueprint,
under ``/rulesets/<int:year>/...``.
"""

from __future__ import annotations

from fractions import Fraction

from api.routing import ApiBlueprint
from api.schemas import (
    AttributionRead,
    CatalogueCategoryRead,
    CatalogueItemRead,
    GradeBandRead,
    ParametersRead,
    PointsRead,
    RuleRead,
    RulesetList,
    RulesetRead,
    RulesetSummaryRead,
)
from edge.context import services
from scoring_service.assessment.rules_in_force import ruleset_of
from scoring_service.domain.principals import Permission
from scoring_service.domain.ruleset import Points, Ruleset
from scoring_service.domain.scoring import json_number
from scoring_service.rules import available_years

bp = ApiBlueprint("rulesets", __name__, tag="rulesets")


def _n(value: Fraction | None) -> int | float | None:
    return None if value is None else json_number(value)


def _points(points: Points | None) -> PointsRead | None:
    if points is None:
        return None
    return PointsRead(points=json_number(points.points), per=points.per)


def ruleset_read(r: Ruleset) -> RulesetRead:
    a = r.alerts
    return RulesetRead(
        year=r.year,
        content_hash=r.content_hash,
        extends=r.extends,
        parameters=ParametersRead(
            base_score=json_number(r.base_score),
            cutoff=r.cutoff,
            late_credit=json_number(r.late_credit),
            severity_weights={k.value: json_number(v) for k, v in r.severity_weights.items()},
            caps={"bonus": _n(r.cap_bonus), "deduction": _n(r.cap_deduction)},
            scored_kinds=list(r.scored_kinds),
            attribution=AttributionRead(
                territorial=r.attribution.territorial,
                helping_unit_categories=sorted(r.attribution.helping_unit_categories),
            ),
            grades=[GradeBandRead(grade=b.grade.value, min=_n(b.min)) for b in r.grades],
            alerts={
                name: getattr(a, name)
                for name in (
                    "letter_days",
                    "max_days",
                    "min_towns",
                    "min_poor_villages",
                    "min_ordinary_villages",
                    "min_households",
                    "min_pre_exit",
                    "min_not_exited",
                    "inspections_from",
                    "escalation_days",
                    "due_within_days",
                )
            },
        ),
        rules=[
            RuleRead(
                id=rule.id,
                name=rule.name,
                description=rule.description,
                reference=rule.reference,
                when=rule.condition.source,
                bonus=_points(rule.bonus),
                deduction=_points(rule.deduction),
                measures=[m.value for m in rule.measures],
                grade=rule.grade.value if rule.grade else None,
            )
            for rule in r.rules
        ],
        catalogue=[
            CatalogueCategoryRead(
                code=code,
                name=name,
                items=[
                    CatalogueItemRead(code=item, name=item_name)
                    for item, item_name in r.catalogue.items.items()
                    if item.split(".", 1)[0] == code
                ],
            )
            for code, name in r.catalogue.categories.items()
        ],
    )


@bp.operation(
    "GET",
    "/rulesets",
    summary="List rule sets",
    permission=Permission.READ,
    response=RulesetList,
    cache="revalidate",
)
def list_rulesets() -> RulesetList:
    """The years with a rule set in force."""
    s = services()
    items = []
    for year in available_years(s.settings.rules_dir):
        r = s.rules.current(year)
        if r is not None:
            items.append(
                RulesetSummaryRead(
                    year=year,
                    content_hash=r.content_hash,
                    extends=r.extends,
                    cutoff=r.cutoff,
                    rules=len(r.rules),
                )
            )
    return RulesetList(items=items)


@bp.operation(
    "GET",
    "/rulesets/<int:year>",
    summary="Read a year's rule set",
    permission=Permission.READ,
    response=RulesetRead,
    errors=(404,),
    cache="revalidate",
)
def get_ruleset(year: int) -> RulesetRead:
    """The rule set in force for the year: parameters, rules (with their conditions and
    references) and the criteria catalogue."""
    return ruleset_read(ruleset_of(services().rules, year))
