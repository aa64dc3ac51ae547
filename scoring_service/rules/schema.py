"""The shape of a year's merged rule files, as pydantic models that refuse unknown keys."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
)

from scoring_service.domain.model import Severity, UnitKind
from scoring_service.domain.ruleset import Grade, Measure
from scoring_service.i18n import gettext as _


def _exact(value: Any) -> Fraction:
    # The YAML reader gives ints and Fractions (decimal text); a float would have lost
    # exactness somewhere, and quoted text is not a number.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError(_("expected a number, e.g. 3 or 0.5"))
    return Fraction(value)


Exact = Annotated[Fraction, PlainValidator(_exact)]
Text = Annotated[StrictStr, Field(min_length=1)]
Count = Annotated[StrictInt, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)


class PointsModel(_Strict):
    points: Exact
    per: Text | None = None


def _points_form(value: Any) -> str:
    return "<points per metric>" if isinstance(value, dict | PointsModel) else "<points>"


# ``3`` or ``{points: 3, per: fakes}``; the discriminator keeps errors to the form written.
PointsSpec = Annotated[
    Annotated[Exact, Tag("<points>")] | Annotated[PointsModel, Tag("<points per metric>")],
    Discriminator(_points_form),
]


class RuleModel(_Strict):
    id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")]
    name: Text
    description: Text
    reference: Text
    when: Text
    bonus: PointsSpec | None = None
    deduction: PointsSpec | None = None
    measures: list[Measure] = []
    grade: Grade | None = None


class CapsModel(_Strict):
    bonus: Exact | None  # null: no cap
    deduction: Exact | None


class AttributionModel(_Strict):
    territorial: StrictBool
    helping_unit_categories: list[StrictStr]


class GradeBandModel(_Strict):
    grade: Grade
    min: Exact | None = None  # only the last band has none: every score below the others


class AlertsModel(_Strict):
    letter_days: Count
    max_days: Annotated[StrictInt, Field(ge=1)]
    min_towns: Count
    min_poor_villages: Count
    min_ordinary_villages: Count
    min_households: Count
    min_pre_exit: Count
    min_not_exited: Count
    inspections_from: date
    escalation_days: Count
    # What is due (spec section 10): a finding is due soon (yellow) this many days ahead.
    # Rule versions published before it was asked for read the letter's 3 days.
    due_within_days: Count = 3
    # The rectification letter asks the county's report on its rectification (整改情况报告)
    # this many days after the letter's date. The work plan says only "及时" (四、工作职责);
    # a month unless the rule files say otherwise.
    report_days: Annotated[StrictInt, Field(ge=1)] = 30


class ParametersModel(_Strict):
    base_score: Exact
    cutoff: date
    late_credit: Exact
    severity_weights: dict[Severity, Exact]
    caps: CapsModel
    scored_kinds: list[UnitKind]
    attribution: AttributionModel
    grades: list[GradeBandModel]
    alerts: AlertsModel


class ItemModel(_Strict):
    code: Annotated[StrictStr, Field(pattern=r"^[0-9A-Za-z]+\.[0-9A-Za-z]+$")]
    name: Text


class CategoryModel(_Strict):
    code: Annotated[StrictStr, Field(pattern=r"^[0-9A-Za-z]+$")]
    name: Text
    items: list[ItemModel]


class CatalogueModel(_Strict):
    categories: list[CategoryModel]


class RulesetModel(_Strict):
    """A year after ``extends`` is resolved: everything must be there."""

    year: StrictInt
    extends: StrictInt | None = None
    name: Text | None = None
    reference: Text | None = None
    parameters: ParametersModel
    catalogue: CatalogueModel
    rules: list[RuleModel]


# Top-level keys each file may hold; together they make one year's document.
FILE_KEYS: dict[str, frozenset[str]] = {
    "ruleset.yaml": frozenset({"year", "extends", "name", "reference", "parameters"}),
    "catalogue.yaml": frozenset({"categories"}),
    "rules.yaml": frozenset({"rules"}),
}
