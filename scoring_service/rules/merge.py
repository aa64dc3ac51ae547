"""Reading one year's files into one document and resolving ``extends``.

Merge rules: mappings deep-merge (a child's key replaces or refines its parent's),
lists are replaced whole, except ``rules``, which merge by ``id``: a child's rule with a
parent's id replaces only the keys it writes, a new id is appended. A child without
``catalogue.yaml`` inherits its parent's catalogue. Every value keeps the file, line
and key path it was written at, so problems found after merging still point there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring_service.i18n import gettext as _
from scoring_service.rules.loaded import display_dir, year_dirs
from scoring_service.rules.problems import RuleProblem
from scoring_service.rules.schema import FILE_KEYS
from scoring_service.rules.yaml_source import Loc, Path_, key_text, read_yaml

# Keys that describe the year itself and are never inherited.
OWN_KEYS = ("year", "extends", "name", "reference")


@dataclass
class YearDoc:
    """A year's document: merged values, where each path was written, the texts read."""

    year: int
    value: dict[str, Any]
    locs: dict[Path_, Loc]
    sources: dict[str, str] = field(default_factory=dict)
    home: Loc = field(default_factory=lambda: Loc("", 0, ""))
    # A file of the chain could not be read: what it holds is unknown, so checking the
    # rest would only report its content as missing.
    broken: bool = False

    def locate(self, path: Path_) -> tuple[Loc, str]:
        """The nearest written location of ``path`` and the key path to show there."""
        for size in range(len(path), -1, -1):
            loc = self.locs.get(path[:size])
            if loc is not None:
                rest = key_text(("_", *path[size:]))[1:].lstrip(".")
                joiner = "" if not rest or rest.startswith("[") or not loc.key else "."
                return loc, loc.key + joiner + rest
        return self.home, key_text(path)

    def problem(self, path: Path_, message: str) -> RuleProblem:
        """A problem located at ``path`` of the merged document."""
        loc, key = self.locate(path)
        return RuleProblem(loc.file, loc.line, key, message)


def read_year(rules_dir: Path, year: int) -> tuple[YearDoc, list[RuleProblem]]:
    """One year's own files as one document (``extends`` not resolved)."""
    prefix = f"{display_dir(rules_dir)}/{year}"
    folder = rules_dir / str(year)
    home = Loc(f"{prefix}/ruleset.yaml", 1, "")
    doc = YearDoc(year, {}, {(): home}, home=home)
    problems: list[RuleProblem] = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if entry.is_file() and entry.suffix in (".yaml", ".yml") and entry.name not in FILE_KEYS:
            allowed = ", ".join(FILE_KEYS)
            problems.append(
                RuleProblem(
                    f"{prefix}/{entry.name}",
                    0,
                    "",
                    _("unknown rule file (expected %(allowed)s)", allowed=allowed),
                )
            )
    for file_name, allowed_keys in FILE_KEYS.items():
        path = folder / file_name
        name = f"{prefix}/{file_name}"
        if not path.is_file():
            if file_name == "ruleset.yaml":
                problems.append(
                    RuleProblem(name, 0, "", _("missing: every year needs a ruleset.yaml"))
                )
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(RuleProblem(name, 0, "", _("cannot read: %(error)s", error=error)))
            doc.broken = True
            continue
        doc.sources[name] = text
        source, found = read_yaml(name, text)
        problems.extend(found)
        if source is None:
            doc.broken = True
            continue
        if not isinstance(source.value, dict):
            problems.append(RuleProblem(name, 1, "", _("expected a mapping of keys at the top")))
            doc.broken = True
            continue
        # catalogue.yaml's keys live under ``catalogue`` in the year's document.
        base: Path_ = ("catalogue",) if file_name == "catalogue.yaml" else ()
        if base:
            doc.value["catalogue"] = {}
            doc.locs[base] = source.locs[()]
        for key, value in source.value.items():
            if key not in allowed_keys:
                loc = source.locs[(key,)]
                keys = ", ".join(sorted(allowed_keys))
                problems.append(
                    RuleProblem(
                        name,
                        loc.line,
                        key,
                        _("unknown key %(key)r (allowed here: %(keys)s)", key=key, keys=keys),
                    )
                )
                continue
            target = doc.value["catalogue"] if base else doc.value
            target[key] = value
        for path_, loc in source.locs.items():
            if path_ and path_[0] in allowed_keys:
                doc.locs[(*base, *path_)] = loc
    problems.extend(_duplicate_rule_ids(doc))
    return doc, problems


def _rule_id(rule: Any) -> str | None:
    if isinstance(rule, dict) and isinstance(rule.get("id"), str):
        found: str | None = rule["id"]
        return found
    return None


def _duplicate_rule_ids(doc: YearDoc) -> list[RuleProblem]:
    rules = doc.value.get("rules")
    if not isinstance(rules, list):
        return []
    seen: set[str] = set()
    problems = []
    for index, rule in enumerate(rules):
        rule_id = _rule_id(rule)
        if rule_id is None:
            continue
        if rule_id in seen:
            problems.append(
                doc.problem(
                    ("rules", index, "id"), _("duplicate rule id %(rule_id)r", rule_id=rule_id)
                )
            )
        seen.add(rule_id)
    return problems


def resolve(
    rules_dir: Path, year: int, chain: tuple[int, ...] = ()
) -> tuple[YearDoc | None, list[RuleProblem]]:
    """A year's complete document: its ``extends`` chain read and merged, child last."""
    doc, problems = read_year(rules_dir, year)
    extends = doc.value.get("extends")
    if extends is None:
        return doc, problems
    if isinstance(extends, bool) or not isinstance(extends, int):
        return doc, problems  # the schema reports the type
    if extends == year or extends in chain:
        cycle = " -> ".join(str(y) for y in (*chain, year, extends))
        problems.append(
            doc.problem(("extends",), _("extends forms a cycle: %(cycle)s", cycle=cycle))
        )
        return None, problems
    if extends not in year_dirs(rules_dir):
        problems.append(
            doc.problem(
                ("extends",),
                _(
                    "extends %(extends)s, but there is no rule set for %(extends)s "
                    "(%(folder)s/%(extends)s/ruleset.yaml)",
                    extends=extends,
                    folder=display_dir(rules_dir),
                ),
            )
        )
        return None, problems
    parent, parent_problems = resolve(rules_dir, extends, (*chain, year))
    problems.extend(parent_problems)
    if parent is None:
        return None, problems
    return merge(parent, doc), problems


def merge(parent: YearDoc, child: YearDoc) -> YearDoc:
    """``child`` written over ``parent`` (see the module docstring)."""
    value = {k: copy.deepcopy(v) for k, v in parent.value.items() if k not in OWN_KEYS}
    locs = {p: loc for p, loc in parent.locs.items() if not (p and p[0] in OWN_KEYS)}
    locs[()] = child.locs[()]
    merged = YearDoc(
        child.year,
        value,
        locs,
        {**parent.sources, **child.sources},
        child.home,
        broken=parent.broken or child.broken,
    )
    for key, new in child.value.items():
        if key == "rules" and isinstance(new, list) and isinstance(value.get("rules"), list):
            _merge_rules(merged, new, child.locs)
        else:
            _merge_value(merged, value, (key,), new, child.locs)
    return merged


def _move(merged: YearDoc, old: Path_, new: Path_, source: dict[Path_, Loc]) -> None:
    """Forget what ``merged`` knew under ``new``; take ``source``'s locations under ``old``."""
    for path in [p for p in merged.locs if p[: len(new)] == new]:
        del merged.locs[path]
    for path, loc in source.items():
        if path[: len(old)] == old:
            merged.locs[(*new, *path[len(old) :])] = loc


def _merge_value(
    merged: YearDoc, container: dict[str, Any], path: Path_, new: Any, source: dict[Path_, Loc]
) -> None:
    key = path[-1]
    assert isinstance(key, str)
    old = container.get(key)
    if isinstance(old, dict) and isinstance(new, dict):
        # The mapping keeps the location of the parent's, where it is complete: a key
        # missing from both is reported once, there.
        for child_key, child_value in new.items():
            _merge_value(merged, old, (*path, child_key), child_value, source)
        return
    container[key] = copy.deepcopy(new)
    _move(merged, path, path, source)


def _merge_rules(merged: YearDoc, rules: list[Any], source: dict[Path_, Loc]) -> None:
    base: list[Any] = merged.value["rules"]
    index_of = {rid: i for i, rule in enumerate(base) if (rid := _rule_id(rule)) is not None}
    for j, rule in enumerate(rules):
        rule_id = _rule_id(rule)
        if rule_id is not None and rule_id in index_of:
            i = index_of[rule_id]
            target = base[i]
            for key, value in rule.items():
                target[key] = copy.deepcopy(value)  # a rule's keys are replaced, not merged
                _move(merged, ("rules", j, key), ("rules", i, key), source)
        else:
            base.append(copy.deepcopy(rule))
            _move(merged, ("rules", j), ("rules", len(base) - 1), source)
            if rule_id is not None:
                index_of[rule_id] = len(base) - 1
    if ("rules",) in source:
        merged.locs[("rules",)] = source[("rules",)]
