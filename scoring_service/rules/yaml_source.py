"""Reading a YAML rule file into plain values, with the line of every key and item.

PyYAML's constructors turn ``0.3`` into a float; rule files need exact decimals, so
the composed node tree is converted here instead: a YAML float becomes a ``Fraction``
of its decimal text (``0.3`` is 3/10), never passing through float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from scoring_service.i18n import gettext as _
from scoring_service.rules.problems import RuleProblem

Path_ = tuple[str | int, ...]

# libyaml's loader when PyYAML was built with it: about ten times faster, same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value was written: display file name, 1-based line, key path in that file."""

    file: str
    line: int
    key: str


def key_text(path: Path_) -> str:
    """``("rules", 2, "when")`` -> ``rules[2].when``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class SourceFile:
    """One file's values and the location of every path in it."""

    name: str
    text: str
    value: Any
    locs: dict[Path_, Loc]


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.locs: dict[Path_, Loc] = {}
        self.problems: list[RuleProblem] = []
        self._constructor = SafeConstructor()

    def mark(self, path: Path_, node: yaml.Node) -> None:
        self.locs.setdefault(path, Loc(self.name, node.start_mark.line + 1, key_text(path)))

    def problem(self, path: Path_, node: yaml.Node, message: str) -> None:
        self.problems.append(
            RuleProblem(self.name, node.start_mark.line + 1, key_text(path), message)
        )

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(path, key_node, "a key must be plain text")
                    continue
                key = key_node.value
                child = (*path, key)
                if key in result:
                    self.problem(child, key_node, f"duplicate key {key!r}")
                    continue
                self.mark(child, key_node)
                result[key] = self.convert(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.mark((*path, index), item)
                items.append(self.convert(item, (*path, index)))
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return self._constructor.construct_yaml_bool(node)
        if tag == _INT:
            return self._constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            text = node.value.replace("_", "")
            try:
                return Fraction(text)  # exact: from the decimal text, not a float
            except ValueError:
                self.problem(path, node, f"{node.value!r} is not a finite decimal number")
                return None
        if tag == _TIMESTAMP:
            value = self._constructor.construct_yaml_timestamp(node)
            if isinstance(value, datetime):
                self.problem(path, node, f"{node.value!r}: expected a date without a time")
                return None
            assert isinstance(value, date)
            return value
        self.problem(path, node, f"unsupported YAML tag {tag!r}")
        return None


def read_yaml(name: str, text: str) -> tuple[SourceFile | None, list[RuleProblem]]:
    """Parse one file's text; ``name`` is how problems name the file."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        message = " ".join(part for part in (error.context, error.problem) if part)
        return None, [
            RuleProblem(name, line, "", _("not valid YAML: %(message)s", message=message))
        ]
    except yaml.YAMLError as error:
        return None, [RuleProblem(name, 0, "", _("not valid YAML: %(error)s", error=error))]
    if node is None:
        return SourceFile(name, text, {}, {(): Loc(name, 1, "")}), []
    reader = _Reader(name)
    reader.mark((), node)
    value = reader.convert(node, ())
    return SourceFile(name, text, value, reader.locs), reader.problems
