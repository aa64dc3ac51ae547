"""The rule editing lifecycle over HTTP: versions, drafts, rule tests, dry runs, publishing.

Rule editors (role ``rule_editor``, permission ``edit_rules``) upload a year's files as a
draft, read what it does to the year's scores (a dry run), and publish it; anyone who
may read sees the versions. Draft files travel as JSON: ``{"files": {path: text}}``,
the paths inside the year's folder (``ruleset.yaml``, ``rules.yaml``, ``tests/x.yaml``).
Problems in the files come back as 422 problems whose ``errors`` name the file in the
body (``pointer``), and the file, line and key as ``rules validate`` prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from api.routing import ApiBlueprint
from api.schemas import Number, QueryModel, ReadModel
from edge.bodies import BodyModel
from edge.context import current, uow
from edge.errors import ApiProblem
from scoring_service.access.scope import require_unscoped
from scoring_service.assessment.services import recompute_run
from scoring_service.domain.errors import NotFound
from scoring_service.domain.principals import Permission
from scoring_service.i18n import gettext as _
from scoring_service.rules.files import MAX_FILES, RULES_FOLDER
from scoring_service.rules.problems import RuleProblem
from scoring_service.rulesets import service

bp = ApiBlueprint("rulesets_drafts", __name__, tag="rulesets")
READ, EDIT = Permission.READ, Permission.EDIT_RULES
FilePath = Annotated[str, StringConstraints(min_length=1, max_length=255)]


# --- models ----------------------------------------------------------------------------------


class DraftCreate(BodyModel):
    """A year's files: each path inside the year's folder mapped to its text."""

    files: Annotated[
        dict[FilePath, str],
        Field(
            min_length=1,
            max_length=MAX_FILES,
            description="e.g. {'ruleset.yaml': '...', 'rules.yaml': '...', 'tests/x.yaml': '...'}",
        ),
    ]
    note: Annotated[str, Field(max_length=service.MAX_NOTE, description="what it changes")] = ""


class PublishCreate(BodyModel):
    note: Annotated[
        str,
        Field(min_length=1, max_length=service.MAX_NOTE, description="the change note: what, why"),
    ]


class NewYearCreate(BodyModel):
    from_year: Annotated[int, Field(ge=2000, le=2100, description="the year it extends")]


class DiffQuery(QueryModel):
    as_of: Annotated[
        date | None, Field(description="default: the cutoff of the version in force")
    ] = None


class ExtendsRead(ReadModel):
    year: int
    content_hash: str | None


class TestsRead(ReadModel):
    cases: int
    passed: int
    failed: int
    failures: list[str]


class RuleChangeRead(ReadModel):
    what: Annotated[str, Field(description="a parameter (caps.bonus) or a rule key (R1.when)")]
    old: str | None
    new: str | None


class VersionRead(ReadModel):
    year: int
    number: Annotated[int | None, Field(description="null: the shipped files, not recorded")]
    content_hash: str
    origin: Annotated[str, Field(description="published (from a draft) or shipped (rules/<year>/)")]
    extends: ExtendsRead | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    note: str | None = None
    draft: int | None = None
    in_force: bool
    files: Annotated[dict[str, str] | None, Field(description="path -> text")] = None
    tests: TestsRead | None = None


class VersionList(ReadModel):
    year: int
    in_force: str | None
    items: list[VersionRead]


class DraftRead(ReadModel):
    id: int
    year: int
    status: Annotated[
        str, Field(description="open; stale (another version came into force); published")
    ]
    content_hash: str
    extends: ExtendsRead | None
    base_hash: Annotated[str | None, Field(description="the version in force when made")]
    created_by: str
    created_at: datetime
    note: str
    tests: TestsRead
    published_version: int | None
    files: list[str] | None = None
    texts: Annotated[dict[str, str] | None, Field(description="path -> text")] = None
    rule_changes: list[RuleChangeRead] | None = None
    rule_changes_from: Annotated[
        str | None,
        Field(description="year and hash compared with: the version in force, else the parent"),
    ] = None


class DraftList(ReadModel):
    items: list[DraftRead]


class DraftTestsRead(ReadModel):
    draft: int
    year: int
    tests: TestsRead


class UnitFactsRead(ReadModel):
    rate_band: Annotated[list[str], Field(description="fired rules whose condition reads rate")]
    fired: list[str]
    bonus: Number
    deduction: Number
    score: Number
    grade: str
    rank: int
    measures: list[str]


class UnitChangeRead(ReadModel):
    unit: str
    name: str
    kind: str
    changed: list[str]
    old: UnitFactsRead | None
    new: UnitFactsRead | None
    metrics: Annotated[dict[str, list[Any]], Field(description="metric -> [old, new]")]


class MeasureChangeRead(ReadModel):
    gained: list[str]
    lost: list[str]
    gained_count: int
    lost_count: int


class GradeChangeRead(ReadModel):
    changed: int
    better: int
    worse: int


class ScoreChangeRead(ReadModel):
    up: int
    down: int


class MoverRead(ReadModel):
    unit: str
    name: str
    kind: str
    old_score: Number | None
    new_score: Number | None
    change: Number


class DiffSummaryRead(ReadModel):
    units: int
    changed: int
    grade: GradeChangeRead
    score: ScoreChangeRead
    measures: dict[str, MeasureChangeRead]
    largest_movers: list[MoverRead]


class VersionRef(ReadModel):
    number: int | None
    content_hash: str


class DraftRef(ReadModel):
    id: int | None
    content_hash: str


class DryRunRead(ReadModel):
    title: str
    year: int
    as_of: date
    data_revision: int
    published: VersionRef
    draft: DraftRef
    notes: list[str]
    rule_changes: list[RuleChangeRead]
    summary: DiffSummaryRead
    units: Annotated[list[UnitChangeRead], Field(description="only units where something changed")]


class RecomputationRead(ReadModel):
    run: int
    year: int
    as_of: date
    ruleset_hash: str
    data_revision: int
    current_data_revision: int
    data_changed: bool
    matches: bool
    note: str
    summary: DiffSummaryRead
    differences: list[UnitChangeRead]


# --- helpers ---------------------------------------------------------------------------------


def _draft_id(draft: str) -> int:
    # isdigit() alone takes "¹" and other digits int() does not read.
    if not (draft.isascii() and draft.isdigit()) or not 0 < int(draft) < 2**31:
        raise ApiProblem(
            404, _("no resource has the draft %(draft)r", draft=draft), slug="not-found"
        )
    return int(draft)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _file_pointer(year: int, shown: str) -> str:
    """The body pointer of a file named as problems name it (``rules/2019/rules.yaml``)."""
    prefix = f"{RULES_FOLDER}/{year}/"
    path = shown.split(":", 1)[0]
    return f"/files/{_escape(path.removeprefix(prefix))}" if path.startswith(prefix) else "/files"


def _problem_items(year: int, problems: Iterable[RuleProblem]) -> list[dict[str, Any]]:
    return [
        {
            "pointer": _file_pointer(year, p.file),
            "message": str(p),
            "file": p.file,
            "line": p.line,
            "key": p.key,
        }
        for p in problems
    ]


def _refused(year: int, exc: service.RuleProblems | service.PublishRefused) -> ApiProblem:
    items = _problem_items(year, exc.problems)
    if isinstance(exc, service.PublishRefused) and exc.tests is not None:
        items += [
            {"pointer": _file_pointer(year, line), "message": line} for line in exc.tests.failures
        ]
    if isinstance(exc, service.PublishRefused) and exc.dry_run is not None:
        items.append({"pointer": "", "message": exc.dry_run})  # the draft as a whole
    detail = str(exc).split("\n", 1)[0]
    return ApiProblem(422, detail, slug="validation", errors=items)


@contextmanager
def _refusals(
    year: int, refusal: type[service.RuleProblems | service.PublishRefused] = service.RuleProblems
) -> Iterator[None]:
    """The service's ``refusal`` of the year's files as a 422 naming each file at fault."""
    try:
        yield
    except refusal as exc:
        raise _refused(year, exc) from None


def _draft_location(year: int, draft_id: int) -> dict[str, str]:
    return {"Location": f"/api/v1/rulesets/{year}/drafts/{draft_id}"}


# --- versions --------------------------------------------------------------------------------


@bp.operation(
    "GET",
    "/rulesets/<int:year>/versions",
    summary="List a year's rule set versions",
    permission=READ,
    response=VersionList,
    errors=(404,),
    cache="revalidate",
)
def list_versions(year: int) -> VersionList:
    """Every version of the year, oldest first: the shipped files (the first version) and
    each published one, with who published it, when and why; ``in_force`` marks the one
    that scores use now."""
    found = service.list_versions(uow(), year)
    return VersionList(
        year=found.year,
        in_force=found.in_force,
        items=[VersionRead.model_validate(v, from_attributes=True) for v in found.versions],
    )


@bp.operation(
    "GET",
    "/rulesets/<int:year>/versions/<ref>",
    summary="Read a rule set version with its files",
    permission=READ,
    response=VersionRead,
    errors=(404,),
    cache="revalidate",
)
def get_version(year: int, ref: str) -> VersionRead:
    """A version by number, by content hash (or 8+ of its first digits), or ``current``:
    its files as published. A published version never changes."""
    info, files = service.version_files(uow(), year, None if ref == "current" else ref)
    return VersionRead.model_validate(info, from_attributes=True).model_copy(
        update={"files": dict(files)}
    )


# --- drafts ----------------------------------------------------------------------------------


@bp.operation(
    "POST",
    "/rulesets/<int:year>/drafts",
    summary="Upload a draft of a year's rule set",
    permission=EDIT,
    body=DraftCreate,
    response=DraftRead,
    status=201,
    errors=(404, 422),
)
def create_draft(year: int, body: DraftCreate) -> tuple[DraftRead, dict[str, str]]:
    """Store the year's files as a draft. Refused (422, nothing stored) unless they validate;
    each problem names the file, line and key. The draft's rule tests (``tests/*.yaml``) run
    now and again at publishing; ``rule_changes`` lists what differs from the version in
    force (for a new year: from the version it extends). A draft extends the version in
    force of the year it ``extends``."""
    with _refusals(year):
        made = service.create_draft(uow(), year, body.files, note=body.note)
    return DraftRead.model_validate(made, from_attributes=True), _draft_location(year, made.id)


@bp.operation(
    "GET",
    "/rulesets/<int:year>/drafts",
    summary="List a year's drafts",
    permission=EDIT,
    response=DraftList,
)
def list_drafts(year: int) -> DraftList:
    """The year's drafts, oldest first, with their status and tests at upload."""
    drafts = service.list_drafts(uow(), year)
    return DraftList(items=[DraftRead.model_validate(d, from_attributes=True) for d in drafts])


@bp.operation(
    "GET",
    "/rulesets/<int:year>/drafts/<draft>",
    summary="Read a draft with its files",
    permission=EDIT,
    response=DraftRead,
    errors=(404,),
)
def get_draft(year: int, draft: str) -> DraftRead:
    """A draft: status, what it extends, its tests at upload, and its files' texts."""
    found = service.get_draft(uow(), year, _draft_id(draft), with_texts=True)
    return DraftRead.model_validate(found, from_attributes=True)


@bp.operation(
    "GET",
    "/rulesets/<int:year>/drafts/<draft>/tests",
    summary="Run a draft's rule tests",
    permission=EDIT,
    response=DraftTestsRead,
    errors=(404, 422),
)
def draft_tests(year: int, draft: str) -> DraftTestsRead:
    """Run the draft's rule tests now; each failure names its case file, line and what
    differed."""
    with _refusals(year):
        tested = service.test_draft(uow(), year, _draft_id(draft))
    return DraftTestsRead.model_validate(tested, from_attributes=True)


@bp.operation(
    "GET",
    "/rulesets/<int:year>/drafts/<draft>/diff",
    summary="Dry run: what a draft does to the year's scores",
    permission=EDIT,
    query=DiffQuery,
    response=DryRunRead,
    errors=(404, 422),
)
def draft_diff(year: int, draft: str, query: DiffQuery) -> DryRunRead:
    """Score the year's data under the version in force and under the draft, as of the same
    date (default: the cutoff in force). ``units`` lists only the units where something
    changed: old and new rate band (the fired rules that read ``rate``), fired rules, bonus,
    deduction, score, grade, rank, measures, and the metrics that differ. ``summary`` counts
    grade changes, measures gained and lost (with the units), and the largest movers."""
    # A dry run compares every unit's scores: not for a principal scoped to some units.
    require_unscoped(current(), "a dry run over every unit")
    with _refusals(year):
        result = service.dry_run(uow(), year, draft_id=_draft_id(draft), as_of=query.as_of)
    return DryRunRead.model_validate(result.to_json())


@bp.operation(
    "POST",
    "/rulesets/<int:year>/drafts/<draft>/publish",
    summary="Publish a draft: it becomes the year's version in force",
    permission=EDIT,
    body=PublishCreate,
    response=VersionRead,
    status=201,
    errors=(404, 409, 422),
)
def publish_draft(year: int, draft: str, body: PublishCreate) -> tuple[VersionRead, dict[str, str]]:
    """Validate the draft and run its rule tests again; publish it with the change note. 422
    lists every reason when it does not validate or a rule test fails; 409 when it was
    published already, holds no change, or another version came into force since it was
    made. Score runs made before keep naming their own version."""
    with _refusals(year, service.PublishRefused):
        version = service.publish_draft(uow(), year, _draft_id(draft), note=body.note)
    return VersionRead.model_validate(version, from_attributes=True), {
        "Location": f"/api/v1/rulesets/{year}/versions/{version.number}"
    }


@bp.operation(
    "POST",
    "/rulesets/<int:year>/new-year",
    summary="Start a year's rule set from the previous one",
    permission=EDIT,
    body=NewYearCreate,
    response=DraftRead,
    status=201,
    errors=(404, 409, 422),
)
def new_year(year: int, body: NewYearCreate) -> tuple[DraftRead, dict[str, str]]:
    """A first draft of ``year`` that extends ``from_year``'s version in force, with its own
    cutoff (``year``-12-31) and first inspection month (January); ``texts`` holds the files
    to edit and upload as a new draft."""
    made, files = service.start_new_year(uow(), year, from_year=body.from_year)
    return (
        DraftRead.model_validate(replace(made, texts=files), from_attributes=True),
        _draft_location(year, made.id),
    )


# --- recomputing a run -----------------------------------------------------------------------


@bp.operation(
    "GET",
    "/years/<int:year>/score-runs/<int:run_id>/recomputation",
    summary="Recompute a score run under the rule set version it recorded",
    permission=READ,
    response=RecomputationRead,
    errors=(404,),
    tag="scores",
    cache="revalidate",
)
def recomputation(year: int, run_id: int) -> RecomputationRead:
    """Score the run's year again, as of its date, under the rule set version it recorded
    (whatever version is in force now), on the data held now; ``matches`` says whether
    every row is the same. When the data changed since (``data_changed``), differences may
    come from the data."""
    doc = recompute_run(uow(), run_id)
    if doc.year != year:
        raise NotFound(_("the year %(year)s has no score run %(run_id)s", year=year, run_id=run_id))
    return RecomputationRead.model_validate(doc, from_attributes=True)
