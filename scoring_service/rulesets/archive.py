"""A year's rule folder uploaded as a zip (from the pages): its files as a draft takes them.

The archive may hold the folder's files at its top or inside one folder (``2019/`` as a
file manager zips a folder). Like ``files.read_folder``: hidden entries (``.git/``,
``__MACOSX/``) and files that are not rule files are left out. Sizes are checked on the
archive's own declarations and again while reading, so a small zip that unpacks to
gigabytes is refused before it is unpacked.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from scoring_service.domain.errors import InvalidRequest
from scoring_service.rules.files import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, where
from scoring_service.rules.problems import RuleProblem

SUFFIXES = (".yaml", ".yml", ".json")


class ArchiveProblems(InvalidRequest):
    """A zip that cannot be a year's rule folder; ``problems`` as rule files' problems."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in problems))


def _kept(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        not name.endswith("/")
        and not any(p.startswith(".") or p == "__MACOSX" for p in parts)
        and name.endswith(SUFFIXES)
    )


def _common_folder(names: list[str]) -> str:
    """The one folder every file is in, when ``ruleset.yaml`` is not at the top."""
    if "ruleset.yaml" in names:
        return ""
    tops = {PurePosixPath(n).parts[0] for n in names}
    if len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in names):
        return f"{tops.pop()}/"
    return ""


def read_zip(year: int, raw: bytes) -> dict[str, str]:
    """The rule files of a zipped year folder, path inside the folder -> text."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        raise ArchiveProblems([RuleProblem(where(year, ""), 0, "", "not a zip archive")]) from None
    with archive:
        entries = [i for i in archive.infolist() if _kept(i.filename)]
        if not entries:
            raise ArchiveProblems(
                [RuleProblem(where(year, ""), 0, "", "the archive holds no rule file (.yaml)")]
            )
        if len(entries) > MAX_FILES:
            message = f"{len(entries)} files; at most {MAX_FILES}"
            raise ArchiveProblems([RuleProblem(where(year, ""), 0, "", message)])
        prefix = _common_folder([i.filename for i in entries])
        files: dict[str, str] = {}
        problems: list[RuleProblem] = []
        total = unpacked = 0  # bytes the archive declares; bytes read
        for info in entries:
            path = info.filename[len(prefix) :]
            shown = where(year, path)
            if info.file_size > MAX_FILE_BYTES:
                problems.append(RuleProblem(shown, 0, "", f"larger than {MAX_FILE_BYTES} bytes"))
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                message = f"the files hold more than {MAX_TOTAL_BYTES} bytes"
                problems.append(RuleProblem(where(year, ""), 0, "", message))
                break
            try:
                with archive.open(info) as member:
                    # Read one byte past the limit: a size the archive understated shows.
                    data = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as error:
                problems.append(RuleProblem(shown, 0, "", f"cannot be unpacked: {error}"))
                continue
            if len(data) > MAX_FILE_BYTES:
                problems.append(RuleProblem(shown, 0, "", f"larger than {MAX_FILE_BYTES} bytes"))
                continue
            unpacked += len(data)
            if unpacked > MAX_TOTAL_BYTES:
                message = f"the files hold more than {MAX_TOTAL_BYTES} bytes"
                problems.append(RuleProblem(where(year, ""), 0, "", message))
                break
            try:
                files[path] = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                problems.append(RuleProblem(shown, 0, "", f"not UTF-8 text: {error.reason}"))
    if problems:
        raise ArchiveProblems(problems)
    return files
