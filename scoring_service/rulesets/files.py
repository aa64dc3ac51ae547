"""A year's rule files as texts, and the one way texts become a ``Ruleset``.

Stored versions and uploaded drafts are mappings ``{relative path: text}`` of a year's
own folder (``ruleset.yaml``, ``rules.yaml``, ``tests/rates.yaml``...). They become a
rule set by being written to a temporary ``rules/<year>/`` folder, next to the files of
the rule set they extend, and read by ``load_ruleset`` like the shipped files. So a
draft's problems read exactly as ``rules validate`` reports them
(``rules/2019/rules.yaml:14: rules[2].when: ...``), and a stored version loads to the
same content hash it was published with.
"""

from __future__ import annotations

import posixpath
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scoring_service.domain.assessment import Evaluator
from scoring_service.domain.ruleset import Ruleset
from scoring_service.rules.loader import load_ruleset
from scoring_service.rules.problems import RuleFileError, RuleProblem, unique
from scoring_service.rules.yaml_source import read_yaml

Files = Mapping[str, str]  # path inside a year's folder -> text

RULES_FOLDER = "rules"  # how problems name the folder, as ``rules validate`` does
MAX_FILES = 200
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Relative, forward slashes, no empty, hidden or ``..`` parts.
_PATH = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}/){0,4}[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_SUFFIXES = (".yaml", ".yml", ".json")


def where(year: int, path: str) -> str:
    """How problems name a year's file: ``rules/2019/rules.yaml``."""
    return f"{RULES_FOLDER}/{year}/{path}"


def check_paths(year: int, files: Files) -> list[RuleProblem]:
    """Problems with the names and sizes of a year's files (before reading them)."""
    problems: list[RuleProblem] = []
    if len(files) > MAX_FILES:
        problems.append(
            RuleProblem(where(year, ""), 0, "", f"{len(files)} files; at most {MAX_FILES}")
        )
    total = 0
    for path, text in files.items():
        size = len(text.encode("utf-8"))
        total += size
        if not _PATH.match(path) or ".." in path.split("/"):
            problems.append(
                RuleProblem(
                    where(year, path),
                    0,
                    "",
                    "not a usable file name: a relative path of letters, digits, _ . - and /",
                )
            )
        elif not path.endswith(_SUFFIXES):
            problems.append(
                RuleProblem(
                    where(year, path), 0, "", "only .yaml, .yml and .json files belong here"
                )
            )
        elif size > MAX_FILE_BYTES:
            problems.append(
                RuleProblem(where(year, path), 0, "", f"larger than {MAX_FILE_BYTES} bytes")
            )
        elif not path.endswith(".json"):
            problems += _yaml_shape(where(year, path), text)
    problems += _bundle_files(year, files)
    if total > MAX_TOTAL_BYTES:
        problems.append(
            RuleProblem(where(year, ""), 0, "", f"the files hold more than {MAX_TOTAL_BYTES} bytes")
        )
    if "ruleset.yaml" not in files:
        problems.append(
            RuleProblem(
                where(year, "ruleset.yaml"), 0, "", "missing: every year needs a ruleset.yaml"
            )
        )
    return problems


def _yaml_shape(name: str, text: str) -> list[RuleProblem]:
    """Refuse what uploaded YAML could use to exhaust the service: aliases (each expands
    its anchor again: "billion laughs") and nesting deeper than any rule file needs."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent):
                return [RuleProblem(name, line, "", "YAML aliases (*name) are not allowed here")]
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return [RuleProblem(name, line, "", f"nested deeper than {MAX_DEPTH} levels")]
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return []  # reading the file reports it, with its place
    return []


def _bundle_files(year: int, files: Files) -> list[RuleProblem]:
    """A case's ``bundle_file`` must be one of the uploaded files: nothing else is read."""
    problems: list[RuleProblem] = []
    for path, text in files.items():
        if not path.endswith((".yaml", ".yml")) or "bundle_file" not in text:
            continue
        source, _ = read_yaml(where(year, path), text)
        cases = source.value.get("cases") if source and isinstance(source.value, dict) else None
        for index, case in enumerate(cases if isinstance(cases, list) else []):
            name = case.get("bundle_file") if isinstance(case, dict) else None
            if not isinstance(name, str):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
            if name.startswith("/") or target not in files:
                assert source is not None
                loc = source.locs.get(("cases", index, "bundle_file"))
                problems.append(
                    RuleProblem(
                        where(year, path),
                        loc.line if loc else 0,
                        f"cases[{index}].bundle_file",
                        f"{name!r} is not among the draft's files (give it with them)",
                    )
                )
    return problems


def read_folder(folder: Path) -> dict[str, str]:
    """Every rule file and rule test under a year's folder (hidden entries left out)."""
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix in _SUFFIXES:
            try:
                files[relative.as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                raise RuleFileError(
                    [RuleProblem(str(path), 0, "", f"not UTF-8 text: {error.reason}")]
                ) from None
    return files


def declared_extends(files: Files) -> int | None:
    """The year ``ruleset.yaml`` extends, when it says so readably (else the loader tells)."""
    text = files.get("ruleset.yaml")
    if text is None:
        return None
    source, _ = read_yaml("ruleset.yaml", text)
    value: Any = source.value if source is not None else None
    extends = value.get("extends") if isinstance(value, dict) else None
    return extends if isinstance(extends, int) and not isinstance(extends, bool) else None


def chain_files(ruleset: Ruleset) -> dict[int, dict[str, str]]:
    """The rule files a rule set was read from, by year: itself and what it extends."""
    layers: dict[int, dict[str, str]] = {}
    for name, text in ruleset.source.items():
        _, year, file_name = name.rsplit("/", 2)
        layers.setdefault(int(year), {})[file_name] = text
    return layers


@contextmanager
def materialised(layers: Mapping[int, Files]) -> Iterator[Path]:
    """A temporary ``rules/`` folder holding each year's files; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ruleset-") as temp:
        root = Path(temp) / RULES_FOLDER
        for year, files in layers.items():
            for path, text in files.items():
                target = root / str(year) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        yield root


def layers_for(year: int, own: Files, parent: Ruleset | None) -> dict[int, Files]:
    """The files to materialise for ``year``: the parent's chain, then the year's own."""
    layers: dict[int, Files] = dict(chain_files(parent)) if parent is not None else {}
    layers[year] = own
    return layers


def load_files(year: int, own: Files, parent: Ruleset | None) -> Ruleset:
    """The year's rule set from its own files over ``parent``; raises ``RuleFileError``."""
    problems = check_paths(year, own)
    if problems:
        raise RuleFileError(unique(problems))
    with materialised(layers_for(year, own, parent)) as root:
        return load_ruleset(year, root)


@dataclass(frozen=True, slots=True)
class TestsSummary:
    """The result of a draft's rule tests (``rules/<year>/tests/``)."""

    cases: int
    passed: int
    failures: tuple[str, ...]  # one line per failing case: where, name, what differed

    @property
    def failed(self) -> int:
        return self.cases - self.passed

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "passed": self.passed,
            "failed": self.failed,
            "failures": list(self.failures),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TestsSummary:
        return cls(value["cases"], value["passed"], tuple(value["failures"]))


@dataclass(frozen=True, slots=True)
class Checked:
    """A year's files checked: the rule set (None when invalid), problems, tests."""

    ruleset: Ruleset | None
    problems: tuple[RuleProblem, ...]
    tests: TestsSummary | None  # None when the rule files or the case files are invalid


def check_files(year: int, own: Files, parent: Ruleset | None, evaluator: Evaluator) -> Checked:
    """Validate a year's files as ``rules validate`` does, then run its rule tests."""
    from scoring_service.rules.cases import CaseFileError, run_year

    problems = check_paths(year, own)
    if problems:
        return Checked(None, tuple(unique(problems)), None)
    with materialised(layers_for(year, own, parent)) as root:
        try:
            ruleset = load_ruleset(year, root)
        except RuleFileError as error:
            return Checked(None, error.problems, None)
        try:
            report = run_year(year, root, evaluator)
        except CaseFileError as error:
            return Checked(ruleset, error.problems, None)
    failures = tuple(result.summary() for result in report.failures)
    return Checked(ruleset, (), TestsSummary(len(report.results), report.passed, failures))
