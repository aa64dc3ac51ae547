"""Loading a year's rule set: read, merge ``extends``, validate, build the domain value.

``load_ruleset`` (``rules.loaded``) loads a content once; this module does the loading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scoring_service.domain.ruleset import (
    AlertParams,
    Attribution,
    Catalogue,
    GradeBand,
    Points,
    Rule,
    Ruleset,
)
from scoring_service.i18n import gettext as _
from scoring_service.rules.checks import check_year
from scoring_service.rules.conditions import ParsedCondition
from scoring_service.rules.loaded import default_rules_dir, year_dirs
from scoring_service.rules.merge import YearDoc, resolve
from scoring_service.rules.problems import RuleProblem, unique
from scoring_service.rules.schema import PointsModel, RulesetModel
from scoring_service.rules.yaml_source import Path_


def validate_rules_dir(rules_dir: Path | None = None) -> list[RuleProblem]:
    """Every problem of every year in the directory (an empty list: all years load)."""
    directory = rules_dir or default_rules_dir()
    problems: list[RuleProblem] = []
    for year in year_dirs(directory):
        problems += load_year(directory, year)[1]
    return unique(problems)


def load_year(rules_dir: Path, year: int) -> tuple[Ruleset | None, list[RuleProblem]]:
    """The year's rule set as its files give it now, or None and every problem they have."""
    doc, problems = resolve(rules_dir, year)
    if doc is None or doc.broken:
        return None, problems
    model: RulesetModel | None = None
    try:
        model = RulesetModel.model_validate(doc.value)
    except ValidationError as error:
        problems += _schema_problems(doc, error)
    semantic, conditions = check_year(doc, year)
    problems += semantic
    if problems or model is None:
        return None, problems
    return _build(model, doc, conditions), []


def _schema_problems(doc: YearDoc, error: ValidationError) -> list[RuleProblem]:
    return [doc.problem(path, message) for path, message in schema_messages(doc.value, error)]


def schema_messages(
    data: Any, error: ValidationError, show: Callable[[Any], str] = str
) -> list[tuple[Path_, str]]:
    """Each place a pydantic error points at in ``data``, once, with a message for editors."""
    # The bundle's models come with its words: imported for a rule file with problems, not
    # by every command that loads sound ones.
    from scoring_service.bundle.parse import describe_error

    messages: list[tuple[Path_, str]] = []
    seen_paths: set[Path_] = set()
    for detail in error.errors():
        path = data_path(data, detail["loc"], detail["type"])
        if path in seen_paths:
            continue  # one message per place (a union reports each of its branches)
        seen_paths.add(path)
        kind = detail["type"]
        if kind == "extra_forbidden":
            message = _("unknown key %(key)r", key=path[-1])
        elif kind == "missing":
            message = _("required key missing")
        else:
            # pydantic's own words for the common types, as the bundle's checks say them.
            message = describe_error(detail).removeprefix("Value error, ")
            value = detail.get("input")
            if kind == "enum":
                pass  # the message quotes the value already
            elif isinstance(value, str | int | Fraction | date) or value is None:
                shown = repr(value) if isinstance(value, str) else show(value)
                message += _(" (found %(value)s)", value=shown)
        messages.append((path, message))
    return messages


def data_path(data: Any, loc: tuple[int | str, ...], kind: str) -> Path_:
    """Keep the parts of a pydantic location that index the data (drop union branch names)."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            step: Any = part
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            step = part
        else:
            if index == len(loc) - 1 and kind == "missing":
                path.append(part)
            continue
        current = current[step]
        path.append(step)
    return tuple(path)


def _points(value: Fraction | PointsModel | None) -> Points | None:
    if value is None:
        return None
    if isinstance(value, PointsModel):
        return Points(value.points, value.per)
    return Points(value)


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, Fraction):
        return {"fraction": str(value)}  # 0.30 and 0.3 are the same number
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def content_hash(doc: YearDoc) -> str:
    """sha256 of the merged content in a canonical JSON form (formatting and comments aside)."""
    text = json.dumps(
        _canonical(doc.value), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _build(model: RulesetModel, doc: YearDoc, conditions: dict[int, ParsedCondition]) -> Ruleset:
    params = model.parameters
    alerts = params.alerts
    rules = tuple(
        Rule(
            id=rule.id,
            name=rule.name,
            description=rule.description,
            reference=rule.reference,
            condition=conditions[index],
            bonus=_points(rule.bonus),
            deduction=_points(rule.deduction),
            measures=tuple(dict.fromkeys(rule.measures)),
            grade=rule.grade,
        )
        for index, rule in enumerate(model.rules)
    )
    return Ruleset(
        year=model.year,
        content_hash=content_hash(doc),
        base_score=params.base_score,
        cutoff=params.cutoff,
        late_credit=params.late_credit,
        severity_weights=dict(params.severity_weights),
        cap_bonus=params.caps.bonus,
        cap_deduction=params.caps.deduction,
        scored_kinds=tuple(params.scored_kinds),
        attribution=Attribution(
            territorial=params.attribution.territorial,
            helping_unit_categories=frozenset(params.attribution.helping_unit_categories),
        ),
        rules=rules,
        grades=tuple(GradeBand(band.grade, band.min) for band in params.grades),
        alerts=AlertParams(
            letter_days=alerts.letter_days,
            max_days=alerts.max_days,
            min_towns=alerts.min_towns,
            min_poor_villages=alerts.min_poor_villages,
            min_ordinary_villages=alerts.min_ordinary_villages,
            min_households=alerts.min_households,
            min_pre_exit=alerts.min_pre_exit,
            min_not_exited=alerts.min_not_exited,
            inspections_from=alerts.inspections_from,
            escalation_days=alerts.escalation_days,
            due_within_days=alerts.due_within_days,
            report_days=alerts.report_days,
        ),
        catalogue=Catalogue(
            categories={c.code: c.name for c in model.catalogue.categories},
            items={item.code: item.name for c in model.catalogue.categories for item in c.items},
        ),
        extends=model.extends,
        source=dict(doc.sources),
    )
