"""Comparing two sets of score rows, and two rule sets: what a rule change does.

A dry run scores the same data at the same as-of date under the published rule set and
under a draft, then ``compare_rows`` lists the units where anything changed and sums the
changes up. Recomputing a stored run compares its rows with the recomputed ones the same
way.

A unit's **rate band** is the set of its fired rules whose condition reads ``rate``
(in the shipped rules: R1 commendation, R2 good, R3 poor, R4 very poor; none between
the bands or when nothing is due). It shows a unit moving across a rate threshold even
when its points do not change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from scoring_service.domain.names import shown_names
from scoring_service.domain.ruleset import GRADE_ORDER, MEASURE_ORDER, Grade, Ruleset
from scoring_service.i18n import gettext as _
from scoring_service.i18n.labels import GRADES, KINDS, MEASURES, label
from scoring_service.reports.text import table

Row = Mapping[str, Any]  # a score row as spec section 9 prints it

# What is compared for each unit, in this order.
FIELDS = ("rate_band", "fired", "bonus", "deduction", "score", "grade", "rank", "measures")
LARGEST_MOVERS = 10


def rate_rules(ruleset: Ruleset) -> frozenset[str]:
    """The ids of the rules whose condition reads ``rate``: the rate bands."""
    return frozenset(rule.id for rule in ruleset.rules if "rate" in rule.condition.metrics)


def unit_facts(row: Row, bands: frozenset[str]) -> dict[str, Any]:
    """The compared facts of one row."""
    fired = [f["rule"] for f in row["fired"]]
    return {
        "rate_band": [rule for rule in fired if rule in bands],
        "fired": fired,
        "bonus": row["bonus"],
        "deduction": row["deduction"],
        "score": row["score"],
        "grade": row["grade"],
        "rank": row["rank"],
        "measures": list(row["measures"]),
    }


def _json(value: Any) -> Any:
    """The value as JSON reads it back (stored rows and fresh rows compare alike)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class UnitChange:
    unit: str
    name: str
    kind: str
    old: dict[str, Any] | None  # None: the unit has no row before (a newly scored kind)
    new: dict[str, Any] | None
    changed: tuple[str, ...]  # the FIELDS that differ, then "metrics" when they do
    metrics: dict[str, list[Any]]  # metric -> [old, new], only those that differ

    @property
    def score_change(self) -> float:
        """New score minus old; 0 for a unit scored on one side only (a kind added or left)."""
        if self.old is None or self.new is None:
            return 0.0
        return float(self.new["score"] - self.old["score"])

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "kind": self.kind,
            "changed": list(self.changed),
            "old": self.old,
            "new": self.new,
            "metrics": self.metrics,
        }


@dataclass(frozen=True, slots=True)
class RowsDiff:
    units: int  # units with a row on either side
    changes: tuple[UnitChange, ...]  # in the new rows' order, then units only in the old

    def summary(self) -> dict[str, Any]:
        """How many units change grade, gain or lose each measure; the largest movers."""
        better = worse = up = down = 0
        measures: dict[str, dict[str, list[str]]] = {
            m.value: {"gained": [], "lost": []} for m in MEASURE_ORDER
        }
        for change in self.changes:
            old_measures = set(change.old["measures"]) if change.old else set()
            new_measures = set(change.new["measures"]) if change.new else set()
            for measure in MEASURE_ORDER:
                if measure in new_measures - old_measures:
                    measures[measure.value]["gained"].append(change.unit)
                elif measure in old_measures - new_measures:
                    measures[measure.value]["lost"].append(change.unit)
            if change.old and change.new and change.old["grade"] != change.new["grade"]:
                old_at = GRADE_ORDER.index(Grade(change.old["grade"]))
                new_at = GRADE_ORDER.index(Grade(change.new["grade"]))
                better += new_at < old_at
                worse += new_at > old_at
            up += change.score_change > 0
            down += change.score_change < 0
        movers = sorted(
            (c for c in self.changes if c.score_change),
            key=lambda c: (-abs(c.score_change), c.unit),
        )[:LARGEST_MOVERS]
        return {
            "units": self.units,
            "changed": len(self.changes),
            "grade": {"changed": better + worse, "better": better, "worse": worse},
            "score": {"up": up, "down": down},
            "measures": {
                name: {
                    **lists,
                    "gained_count": len(lists["gained"]),
                    "lost_count": len(lists["lost"]),
                }
                for name, lists in measures.items()
            },
            "largest_movers": [
                {
                    "unit": c.unit,
                    "name": c.name,
                    "kind": c.kind,
                    "old_score": c.old["score"] if c.old else None,
                    "new_score": c.new["score"] if c.new else None,
                    "change": _number(c.score_change),
                }
                for c in movers
            ],
        }


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else round(value, 4)


def compare_rows(
    old_rows: Sequence[Row],
    new_rows: Sequence[Row],
    old_ruleset: Ruleset,
    new_ruleset: Ruleset,
) -> RowsDiff:
    """The units whose facts (``FIELDS``) or metrics differ between two sets of rows."""
    old_by_unit = {row["unit"]: _json(row) for row in old_rows}
    new_by_unit = {row["unit"]: _json(row) for row in new_rows}
    old_bands, new_bands = rate_rules(old_ruleset), rate_rules(new_ruleset)
    order = [row["unit"] for row in new_rows]
    order += [row["unit"] for row in old_rows if row["unit"] not in new_by_unit]
    changes = []
    for unit in order:
        old_row, new_row = old_by_unit.get(unit), new_by_unit.get(unit)
        old = unit_facts(old_row, old_bands) if old_row else None
        new = unit_facts(new_row, new_bands) if new_row else None
        metrics: dict[str, list[Any]] = {}
        if old_row and new_row:
            changed = [name for name in FIELDS if old[name] != new[name]]  # type: ignore[index]
            for name in new_row["metrics"].keys() | old_row["metrics"].keys():
                before, after = old_row["metrics"].get(name), new_row["metrics"].get(name)
                if before != after:
                    metrics[name] = [before, after]
            if metrics:
                changed.append("metrics")
        else:
            changed = list(FIELDS)
        if changed:
            some = new_row or old_row
            assert some is not None
            changes.append(
                UnitChange(
                    unit,
                    some["name"],
                    some["kind"],
                    old,
                    new,
                    tuple(changed),
                    dict(sorted(metrics.items())),
                )
            )
    return RowsDiff(len(order), tuple(changes))


# --- what changed in the rules themselves ----------------------------------------------------


def _rule_facts(ruleset: Ruleset) -> dict[str, dict[str, str]]:
    facts = {}
    for rule in ruleset.rules:
        facts[rule.id] = {
            "name": rule.name,
            "when": rule.condition.source,
            "bonus": _points(rule.bonus),
            "deduction": _points(rule.deduction),
            "measures": ", ".join(m.value for m in rule.measures),
            "grade": rule.grade.value if rule.grade else "",
        }
    return facts


def _points(points: Any) -> str:
    if points is None:
        return ""
    text = _exact(points.points)
    return f"{text} per {points.per}" if points.per else text


def _exact(value: Any) -> str:
    from scoring_service.rules.cases.schema import show

    return show(value)


def _parameters(ruleset: Ruleset) -> dict[str, str]:
    alerts = ruleset.alerts
    values: dict[str, Any] = {
        "base_score": ruleset.base_score,
        "cutoff": ruleset.cutoff,
        "late_credit": ruleset.late_credit,
        **{f"severity_weights.{k}": v for k, v in sorted(ruleset.severity_weights.items())},
        "caps.bonus": ruleset.cap_bonus,
        "caps.deduction": ruleset.cap_deduction,
        "scored_kinds": [k.value for k in ruleset.scored_kinds],
        "attribution.territorial": ruleset.attribution.territorial,
        "attribution.helping_unit_categories": sorted(ruleset.attribution.helping_unit_categories),
        "grades": [
            f"{b.grade.value} ≥ {_exact(b.min)}" if b.min is not None else b.grade.value
            for b in ruleset.grades
        ],
        **{f"alerts.{f.name}": getattr(alerts, f.name) for f in fields(alerts)},
        "catalogue": [f"{code} {name}" for code, name in ruleset.catalogue.items.items()],
    }
    return {
        key: _exact(value) if not isinstance(value, str) else value for key, value in values.items()
    }


def rule_changes(old: Ruleset | None, new: Ruleset) -> list[dict[str, Any]]:
    """Each parameter or rule key that differs: ``{"what", "old", "new"}`` (old None: added)."""
    changes: list[dict[str, Any]] = []
    old_params = _parameters(old) if old else {}
    for key, value in _parameters(new).items():
        if old_params.get(key) != value:
            changes.append({"what": key, "old": old_params.get(key), "new": value})
    old_rules = _rule_facts(old) if old else {}
    new_rules = _rule_facts(new)
    for rule_id, facts in new_rules.items():
        before = old_rules.get(rule_id)
        if before is None:
            changes.append(
                {
                    "what": f"{rule_id}",
                    "old": None,
                    "new": _("new rule: %(name)s", name=facts["name"]),
                }
            )
            continue
        for key, value in facts.items():
            if before[key] != value:
                changes.append(
                    {"what": f"{rule_id}.{key}", "old": before[key] or None, "new": value or None}
                )
    for rule_id, facts in old_rules.items():
        if rule_id not in new_rules:
            changes.append(
                {"what": rule_id, "old": _("rule %(name)s", name=facts["name"]), "new": None}
            )
    return changes


# --- a human table ---------------------------------------------------------------------------


def _arrow(old: Any, new: Any) -> str:
    return str(new) if old == new else f"{old}→{new}"


def _list(values: Sequence[str]) -> str:
    return ",".join(values) or "—"


def _set_change(old: Sequence[str], new: Sequence[str]) -> str:
    lost = [v for v in old if v not in new]
    gained = [v for v in new if v not in old]
    parts = [f"-{v}" for v in lost] + [f"+{v}" for v in gained]
    return " ".join(parts) if parts else _list(new)


def render_text(doc: Mapping[str, Any]) -> str:
    """A dry run (``dry_run_json``) as text: rule changes, the summary, a table of units."""
    lines = [doc["title"]]
    if doc.get("notes"):
        lines += [_("note: %(note)s", note=note) for note in doc["notes"]]
    changes = doc.get("rule_changes") or []
    lines.append("")
    lines.append(
        _("Rule changes (%(count)s):", count=len(changes)) if changes else _("Rule changes: none")
    )
    for change in changes:
        lines.append(f"  {change['what']}: {change['old'] or '—'}  →  {change['new'] or '—'}")
    summary = doc["summary"]
    grade = summary["grade"]
    lines.append("")
    lines.append(
        _(
            "%(units)s units compared, %(changed)s changed; grade changed for %(graded)s "
            "(%(better)s better, %(worse)s worse); score up for %(up)s, down for %(down)s",
            units=summary["units"],
            changed=summary["changed"],
            graded=grade["changed"],
            better=grade["better"],
            worse=grade["worse"],
            up=summary["score"]["up"],
            down=summary["score"]["down"],
        )
    )
    # Units by name, as a clerk knows them (every unit gaining or losing a measure changed).
    names = shown_names((u["unit"], u["name"]) for u in doc["units"])
    for measure, lists in summary["measures"].items():
        if lists["gained"] or lists["lost"]:
            lines.append(
                "  "
                + _(
                    "%(measure)s: %(gained)s gain (%(gainers)s), %(lost)s lose (%(losers)s)",
                    measure=label(MEASURES, measure),
                    gained=len(lists["gained"]),
                    gainers=_list([names.get(c, c) for c in lists["gained"]]),
                    lost=len(lists["lost"]),
                    losers=_list([names.get(c, c) for c in lists["lost"]]),
                )
            )
    if summary["largest_movers"]:
        movers = ", ".join(
            f"{m['unit']} {m['name']} {m['old_score']}→{m['new_score']}"
            for m in summary["largest_movers"]
        )
        lines.append("  " + _("largest movers: %(movers)s", movers=movers))
    if doc["units"]:
        lines.append("")
        headers = (
            _("unit"),
            _("name"),
            _("kind"),
            _("rate band"),
            _("fired"),
            _("bonus"),
            _("deduction"),
            _("score"),
            _("grade"),
            _("rank"),
            _("measures"),
        )
        rows = []
        for unit in doc["units"]:
            old = unit["old"] or {name: None for name in FIELDS}
            new = unit["new"] or {name: None for name in FIELDS}
            rows.append(
                [
                    unit["unit"],
                    unit["name"],
                    label(KINDS, unit["kind"]),
                    f"{_list(old['rate_band'] or [])}→{_list(new['rate_band'] or [])}"
                    if old["rate_band"] != new["rate_band"]
                    else _list(new["rate_band"] or []),
                    _set_change(old["fired"] or [], new["fired"] or []),
                    _arrow(old["bonus"], new["bonus"]),
                    _arrow(old["deduction"], new["deduction"]),
                    _arrow(old["score"], new["score"]),
                    _arrow(_grade(old["grade"]), _grade(new["grade"])),
                    _arrow(old["rank"], new["rank"]),
                    _set_change(old["measures"] or [], new["measures"] or []),
                ]
            )
        lines.append(table(headers, rows, right={5, 6, 7, 9}))
    return "\n".join(lines)


def _grade(grade: str | None) -> str:
    return "—" if grade is None else label(GRADES, grade)
