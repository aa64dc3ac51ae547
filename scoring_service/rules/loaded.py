"""Rule sets loaded once per content: kept in memory for the process, and on disk for the
next process.

Loading a year's rule files (reading the YAML, validating it against the schema, checking
every rule and condition: ``rules.loader``) costs a command more than scoring a province
with them, most of it in importing the validating libraries. What it gives depends only on
the bytes of the rule folder's files, the folder's name (problems and sources are named
from it) and the code that reads them. So a loaded rule set is kept under a key made of
those: in memory, and pickled in the user's cache folder beside the compiled message
catalogues (``$XDG_CACHE_HOME/scoring-service/rules``, by default under ``~/.cache``).
Any edit of a file, of this code or of its libraries gives another key, so what is kept
never goes stale; files with problems are never kept. The folder is used only while the
user alone can write it (a pickle is code), each file is written whole or not at all, and
the least recently used go past ``KEPT_ON_DISK``. A cache that cannot be used (no home, a
read-only one) costs the next command the load, nothing else.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import sys
import tempfile
import threading
from importlib.util import find_spec
from pathlib import Path

from scoring_service.domain.ruleset import Ruleset
from scoring_service.i18n import gettext as _
from scoring_service.rules.problems import RuleFileError, RuleProblem, UnknownRulesetYear, unique

RULES_DIR_ENV = "SCORING_RULES_DIR"
_REPO_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
YEAR_DIR = re.compile(r"^\d{4}$")

# Loaded rule sets by folder, year and the bytes of every rule file there: reading bytes
# is cheap, loading is not, and any edit gives a new fingerprint.
_CACHE_SIZE = 32
_cache: dict[tuple[str, int, str], Ruleset] = {}
_cache_lock = threading.Lock()

KEPT_ON_DISK = 32
# Changed when what is pickled changes its form.
_FORMAT = "scoring-ruleset-1"
# The code a loaded rule set comes from: the rule files' readers and the domain's types.
_PACKAGE = Path(__file__).resolve().parents[1]
_CODE_FOLDERS = (_PACKAGE / "rules", _PACKAGE / "domain")
# The libraries that read the files, by a file that names their version.
_LIBRARIES = (("pydantic", "version.py"), ("yaml", "__init__.py"))


def default_rules_dir() -> Path:
    """``$SCORING_RULES_DIR`` when set, else the repository's top-level ``rules/``."""
    configured = os.environ.get(RULES_DIR_ENV)
    return Path(configured) if configured else _REPO_RULES_DIR


def display_dir(rules_dir: Path) -> str:
    """How problems name the rules directory: its last component (``rules``)."""
    return rules_dir.name or str(rules_dir)


def year_dirs(rules_dir: Path) -> list[int]:
    """Years with a directory and a ``ruleset.yaml`` in it."""
    if not rules_dir.is_dir():
        return []
    return sorted(
        int(entry.name)
        for entry in rules_dir.iterdir()
        if entry.is_dir() and YEAR_DIR.match(entry.name) and (entry / "ruleset.yaml").is_file()
    )


def available_years(rules_dir: Path | None = None) -> list[int]:
    """Years that have a rule set folder (``<year>/ruleset.yaml``), ascending."""
    return year_dirs(rules_dir or default_rules_dir())


def load_ruleset(year: int, rules_dir: Path | None = None) -> Ruleset:
    """The year's checked rule set; raises ``RuleFileError`` listing every problem."""
    directory = rules_dir or default_rules_dir()
    if year not in year_dirs(directory):
        where = f"{display_dir(directory)}/{year}/ruleset.yaml"
        raise UnknownRulesetYear(
            year, [RuleProblem(where, 0, "", _("no rule set for %(year)s", year=year))]
        )
    files = _fingerprint(directory)
    key = (str(directory.resolve()), year, files)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    on_disk = _disk_key(display_dir(directory), year, files)
    ruleset = _read_kept(on_disk)
    if ruleset is None:
        from scoring_service.rules.loader import load_year  # the validating libraries

        loaded, problems = load_year(directory, year)
        if loaded is None:
            raise RuleFileError(unique(problems))
        ruleset = loaded
        _write_kept(on_disk, ruleset)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = ruleset
    return ruleset


def _fingerprint(rules_dir: Path) -> str:
    digest = hashlib.sha256()
    for year in year_dirs(rules_dir):
        for path in sorted((rules_dir / str(year)).iterdir()):
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                digest.update(f"{year}/{path.name}\0".encode())
                digest.update(path.read_bytes())
                digest.update(b"\0")
    return digest.hexdigest()


@functools.cache
def _code_fingerprint() -> str:
    """The bytes of the code that loads rule files, the interpreter's and the libraries'
    versions: read once per process."""
    digest = hashlib.sha256(f"{_FORMAT}\0{sys.implementation.cache_tag}\0".encode())
    sources = sorted(path for folder in _CODE_FOLDERS for path in folder.glob("*.py"))
    for library, file in _LIBRARIES:
        spec = find_spec(library)
        if spec is not None and spec.submodule_search_locations:
            sources.append(Path(spec.submodule_search_locations[0]) / file)
    for path in sources:
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _disk_key(folder_name: str, year: int, files: str) -> str:
    text = f"{_code_fingerprint()}\0{folder_name}\0{year}\0{files}"
    return hashlib.sha256(text.encode()).hexdigest()


def _private_folder(*, create: bool) -> Path | None:
    """The cache folder, when the user alone can write it (created when asked); else None."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (which the XDG rules ignore)
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):  # no home to speak of
            return None
    folder = Path(base) / "scoring-service" / "rules"
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None  # someone else could put a pickle there
    return folder


def _read_kept(key: str) -> Ruleset | None:
    """The rule set kept under ``key``, or None."""
    folder = _private_folder(create=False)
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as file:
            if os.fstat(file.fileno()).st_uid != os.getuid():
                return None
            kept = pickle.load(file)
    except Exception:  # none, cut short, or unreadable: the files are loaded afresh
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return kept if isinstance(kept, Ruleset) else None


def _write_kept(key: str, ruleset: Ruleset) -> None:
    """Keep ``ruleset`` under ``key``, whole or not at all; then prune the least used."""
    folder = _private_folder(create=True)
    if folder is None:
        return
    try:
        data = pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, folder / f"{key}.pickle")
        except BaseException:
            os.unlink(temporary)
            raise
        kept = sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns)
        for old in kept[:-KEPT_ON_DISK]:
            old.unlink(missing_ok=True)
    except Exception:  # a full disk, a read-only folder: the next command loads the files
        return
