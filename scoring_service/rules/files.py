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
from scoring_service.domain.versions import TestsSummary
from scoring_service.i18n import gettext
from scoring_service.rules.loaded import load_ruleset
from scoring_service.rules.problems import RuleFileError, RuleProblem, unique
from scoring_service.rules.yaml_source import read_yaml

Files = Mapping[str, str]  # path inside a year's folder -> text

RULES_FOLDER = "rules"  # how problems name the folder, as ``rules validate`` does
MAX_FILES = 200
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
# Values that aliases may repeat in one file: reading such a file then costs no more
# than reading a plain file of about MAX_FILE_BYTES.
MAX_REPEATED_VALUES = 100_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Relative, forward slashes, no empty, hidden or ``..`` parts.
_PATH = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}/){0,4}[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_SUFFIXES = (".yaml", ".yml", ".json")


def where(year: int, path: str) -> str:
    """How problems name a year's file: ``rules/2019/rules.yaml``."""
    return f"{RULES_FOLDER}/{year}/{path}"


def as_given(text: str, year: int, folder: str) -> str:
    """``text`` (a problem, a failing rule test's line) naming the year's files from
    ``folder``, where an editor keeps them (``work/2019/tests/rates.yaml``), rather than
    from ``rules/<year>/`` as problems name a draft's files."""
    prefix = where(year, "")
    return f"{folder}/{text[len(prefix) :]}" if text.startswith(prefix) else text


def check_paths(year: int, files: Files) -> list[RuleProblem]:
    """Problems with the names and sizes of a year's files (before reading them)."""
    problems: list[RuleProblem] = []
    if len(files) > MAX_FILES:
        problems.append(
            RuleProblem(
                where(year, ""),
                0,
                "",
                gettext("%(count)s files; at most %(most)s", count=len(files), most=MAX_FILES),
            )
        )
    total = 0
    readable: set[str] = set()  # files safe to read: named, sized and shaped as allowed
    for path, text in files.items():
        size = len(text.encode("utf-8"))
        total += size
        if not _PATH.match(path) or ".." in path.split("/"):
            problems.append(
                RuleProblem(
                    where(year, path),
                    0,
                    "",
                    gettext(
                        "not a usable file name: a relative path of letters, digits, _ . - and /"
                    ),
                )
            )
        elif not path.endswith(_SUFFIXES):
            problems.append(
                RuleProblem(
                    where(year, path),
                    0,
                    "",
                    gettext("only .yaml, .yml and .json files belong here"),
                )
            )
        elif size > MAX_FILE_BYTES:
            problems.append(
                RuleProblem(
                    where(year, path),
                    0,
                    "",
                    gettext("larger than %(most)s bytes", most=MAX_FILE_BYTES),
                )
            )
        else:
            shape = [] if path.endswith(".json") else _yaml_shape(where(year, path), text)
            problems += shape
            if not shape:
                readable.add(path)
    problems += _bundle_files(year, files, readable)
    if total > MAX_TOTAL_BYTES:
        problems.append(
            RuleProblem(
                where(year, ""),
                0,
                "",
                gettext("the files hold more than %(most)s bytes", most=MAX_TOTAL_BYTES),
            )
        )
    if "ruleset.yaml" not in files:
        problems.append(
            RuleProblem(
                where(year, "ruleset.yaml"),
                0,
                "",
                gettext("missing: every year needs a ruleset.yaml"),
            )
        )
    return problems


@dataclass(slots=True)
class _Opened:
    """A mapping or list being read: its anchor, the values read before it, its level and
    the deepest level reached inside it (aliases expanded)."""

    anchor: str | None
    before: int
    level: int
    deepest: int


def _yaml_shape(name: str, text: str) -> list[RuleProblem]:
    """Refuse what uploaded YAML could use to exhaust the service: aliases that repeat
    more than ``MAX_REPEATED_VALUES`` values (each alias is read as a copy of its anchor,
    so nested ones multiply: "billion laughs"), an alias inside its own anchor (a cycle),
    and nesting deeper than any rule file needs, aliases expanded. Aliases within the
    bound are fine: rule tests reuse a bundle with ``&name`` and ``*name``."""
    shapes: dict[str, tuple[int, int] | None] = {}  # anchor -> (values, depth); None: open
    opened: list[_Opened] = []
    values = repeated = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent):
                shape = shapes.get(event.anchor or "", (1, 0))  # undefined: reading says so
                if shape is None:
                    return [
                        RuleProblem(name, line, "", gettext("a YAML alias inside its own anchor"))
                    ]
                values += shape[0]
                repeated += shape[0]
                if repeated > MAX_REPEATED_VALUES:
                    message = (
                        f"YAML aliases (*name) here repeat more than {MAX_REPEATED_VALUES} "
                        "values; write the values out instead"
                    )
                    return [RuleProblem(name, line, "", message)]
                reached = len(opened) + shape[1]
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor:
                    shapes[event.anchor] = (1, 0)
                reached = len(opened)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                if event.anchor:
                    shapes[event.anchor] = None
                opened.append(_Opened(event.anchor, values, len(opened) + 1, len(opened) + 1))
                values += 1
                reached = len(opened)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                done = opened.pop()
                reached = done.deepest
                if done.anchor:
                    shapes[done.anchor] = (values - done.before, done.deepest - done.level + 1)
            else:
                continue
            if reached > MAX_DEPTH:
                return [
                    RuleProblem(
                        name,
                        line,
                        "",
                        gettext("nested deeper than %(most)s levels", most=MAX_DEPTH),
                    )
                ]
            if opened:
                opened[-1].deepest = max(opened[-1].deepest, reached)
    except yaml.YAMLError:
        return []  # reading the file reports it, with its place
    return []


def _bundle_files(year: int, files: Files, readable: set[str]) -> list[RuleProblem]:
    """A case's ``bundle_file`` must be one of the uploaded files: nothing else is read."""
    problems: list[RuleProblem] = []
    for path, text in files.items():
        if (
            path not in readable
            or not path.endswith((".yaml", ".yml"))
            or "bundle_file" not in text
        ):
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
                        gettext(
                            "%(name)r is not among the draft's files (give it with them)", name=name
                        ),
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
                    [
                        RuleProblem(
                            str(path),
                            0,
                            "",
                            gettext("not UTF-8 text: %(reason)s", reason=error.reason),
                        )
                    ]
                ) from None
    return files


def declared_extends(files: Files) -> int | None:
    """The year ``ruleset.yaml`` extends, when it says so readably (else the loader tells)."""
    text = files.get("ruleset.yaml")
    if text is None or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return None
    if _yaml_shape("ruleset.yaml", text):
        return None  # not safe to read: checking the files reports why
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
class Checked:
    """A year's files checked: the rule set (None when invalid), problems, tests."""

    ruleset: Ruleset | None
    problems: tuple[RuleProblem, ...]
    tests: TestsSummary | None  # None when the rule files or the case files are invalid


def check_files(year: int, own: Files, parent: Ruleset | None, evaluator: Evaluator) -> Checked:
    """Validate a year's files as ``rules validate`` does, then run its rule tests."""
    from scoring_service.rules.cases.run import run_year
    from scoring_service.rules.cases.schema import CaseFileError

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


def parent_of(ruleset: Ruleset) -> Ruleset | None:
    """The rule set ``ruleset`` extends, as it was read with it (from its own sources)."""
    if ruleset.extends is None:
        return None
    layers = chain_files(ruleset)
    layers.pop(ruleset.year, None)
    with materialised(layers) as root:
        return load_ruleset(ruleset.extends, root)
