"""Request and response models of the HTTP API (pydantic v2): ``XCreate``, ``XUpdate``, ``XRead``.

Request bodies reuse the interchange bundle's strict models (spec section 8), so a
record sent alone is checked exactly as it would be inside a bundle. The OpenAPI
document is generated from these same classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from edge.bodies import BodyModel
from scoring_service.bundle.schema import (
    Code,
    FindingIn,
    GroupIn,
    InspectionIn,
    Leader,
    Name,
    PairingIn,
    UnitIn,
)
from scoring_service.bundle.text import XmlSafe
from scoring_service.domain.bounds import LETTER_NUMBER_MAX, REASON_MAX, REPORT_MAX
from scoring_service.domain.model import (
    EventType,
    HouseholdStatus,
    Outcome,
    Severity,
    UnitKind,
    VillageType,
)
from scoring_service.domain.notices import EventType as NoticeType
from scoring_service.domain.principals import Role
from scoring_service.reports.cells import CsvEncoding

PAGE_SIZE = 100  # items per page when the request gives no limit
PAGE_MAX = 1000  # the largest limit a request may ask for
CODE_PATTERN = r"^[^\s/\x00]{1,64}$"  # a code usable in a path (spec: 1-64, no white space)

QueryCode = Annotated[str, StringConstraints(pattern=r"^[^\s\x00]{1,64}$")]
Year = Annotated[int, Field(ge=1900, le=9999)]
Number = int | float


class QueryModel(BaseModel):
    """Query parameters: unknown ones refused; text converted to the declared types."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)


# --- paging ----------------------------------------------------------------------------------


class PageQuery(QueryModel):
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX, description="items per page")] = PAGE_SIZE
    cursor: Annotated[
        str | None,
        Field(max_length=1000, description="the next_cursor of the previous page"),
    ] = None


T = TypeVar("T")


class Page(ReadModel, Generic[T]):
    items: list[T]
    total: Annotated[int, Field(description="items in the whole list, every page")]
    limit: int
    next_cursor: Annotated[str | None, Field(description="pass as cursor for the next page")]

    @classmethod
    def of(cls, page: Any, read: Callable[[Any], T], *, limit: int, **extra: Any) -> Self:
        """A service's page (``items``, ``total``, ``next_cursor``), each item made by ``read``."""
        return cls(
            items=[read(item) for item in page.items],
            total=page.total,
            limit=limit,
            next_cursor=page.next_cursor,
            **extra,
        )


# --- problems (RFC 9457) ---------------------------------------------------------------------


class ProblemItem(ReadModel):
    pointer: Annotated[str, Field(description="JSON pointer (RFC 6901) into the body")]
    message: str
    in_: Annotated[
        Literal["query", "header"] | None,
        Field(alias="in", description="where the value is when not in the body"),
    ] = None


class Problem(ReadModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None
    more_errors: Annotated[
        int | None,
        Field(description="how many problems were found beyond those `errors` lists"),
    ] = None
    request_id: Annotated[
        str | None,
        Field(description="the request's `X-Request-Id`, to quote to support"),
    ] = None


# --- years and structure --------------------------------------------------------------------


class YearRead(ReadModel):
    year: int
    revision: int
    imported_at: datetime | None
    units: int
    inspections: int
    findings: int
    events: int


class YearList(ReadModel):
    items: list[YearRead]


class UnitCreate(UnitIn):
    """A unit (spec section 1): a village needs its parent town and a village_type."""


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent() -> Any:
    """A field that may be left out of a PATCH body but is never null."""
    return Field(default=None, json_schema_extra=_drop_default)


def given(body: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body gives, by name (those left out are not changed)."""
    return {name: getattr(body, name) for name in body.model_fields_set}


class UnitUpdate(BodyModel):
    """Change a unit's name or (for a village) its type; code, kind and parent stay."""

    name: Name = absent()
    village_type: VillageType = absent()


class UnitRead(ReadModel):
    year: int
    code: str
    name: str
    kind: UnitKind
    parent: str | None
    village_type: VillageType | None


class UnitPage(Page[UnitRead]):
    pass


class UnitQuery(PageQuery):
    kind: UnitKind | None = None
    parent: QueryCode | None = None


class PairingCreate(PairingIn):
    """A helping unit paired with a village for the year."""


class PairingRead(ReadModel):
    year: int
    helping_unit: str
    village: str


class PairingPage(Page[PairingRead]):
    pass


class PairingQuery(PageQuery):
    helping_unit: QueryCode | None = None
    village: QueryCode | None = None


class GroupCreate(GroupIn):
    """An inspection group (督查小组) and the counties it covers."""


class GroupUpdate(BodyModel):
    """Change a group's name, leader or counties (the whole list)."""

    name: Name = absent()
    leader: Leader = absent()
    counties: list[Code] = absent()


class GroupRead(ReadModel):
    year: int
    code: str
    name: str
    leader: str
    counties: list[str]


class GroupPage(Page[GroupRead]):
    pass


class GroupQuery(PageQuery):
    county: QueryCode | None = None


class VillageNode(ReadModel):
    code: str
    name: str
    village_type: VillageType | None
    helping_units: list[str]


class TownNode(ReadModel):
    code: str
    name: str
    villages: list[VillageNode]


class CountyNode(ReadModel):
    code: str
    name: str
    towns: list[TownNode]


class HelpingUnitNode(ReadModel):
    code: str
    name: str
    villages: list[str]


class StructureRead(ReadModel):
    """The year's units as a tree, the helping units with their villages, and the groups."""

    year: int
    counties: list[CountyNode]
    helping_units: list[HelpingUnitNode]
    groups: list[GroupRead]


# --- inspections and findings -------------------------------------------------------------------


class InspectionCreate(InspectionIn):
    """An inspection with its sample and findings, checked as in a bundle (spec section 8)."""


class InspectionUpdate(BodyModel):
    """Set the day the rectification letter was issued (null: not issued) and its number in
    the year (null: its place in the year); a field left out is not changed."""

    letter_date: date | None = None
    letter_number: Annotated[
        int | None,
        Field(
            ge=1,
            le=LETTER_NUMBER_MAX,
            description="the letter's number in the year (市督查〔2018〕N号), another "
            "inspection of the year holding it is refused; null: the letter's place in the year",
        ),
    ] = None


class FindingCreate(FindingIn):
    """A finding added to an inspection already held; found_on is the inspection's end_date."""


class HouseholdRead(ReadModel):
    code: str
    village: str
    status: HouseholdStatus


class SampleRead(ReadModel):
    towns: list[str]
    villages: list[str]
    households: list[HouseholdRead]


class FindingStateRead(ReadModel):
    """A finding's state at the as-of date (spec section 3)."""

    as_of: date
    outcome: Outcome
    effective_deadline: date
    rectified: bool
    completed_on: date | None
    fakes: int
    repeat: bool
    repeat_of: str | None
    escalated_on: date | None


class FindingRecord(ReadModel):
    year: int
    code: str
    inspection: str
    unit: str
    criterion: str
    category: str
    severity: Severity
    description: str
    deadline: date
    found_on: date
    responsible: list[str]


class FindingRead(FindingRecord):
    state: Annotated[
        FindingStateRead | None, Field(description="null when found after the as-of date")
    ]


class InspectionSummaryRead(ReadModel):
    year: int
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    findings: int


class InspectionRead(ReadModel):
    year: int
    code: str
    group: str
    county: str
    start_date: date
    end_date: date
    letter_date: date | None
    letter_number: Annotated[
        int | None, Field(description="the letter's number as set; null: its place in the year")
    ]
    sample: SampleRead
    findings: list[FindingRecord]


class InspectionPage(Page[InspectionSummaryRead]):
    pass


class InspectionQuery(PageQuery):
    group: QueryCode | None = None
    county: QueryCode | None = None


ExportFormat = Literal["json", "csv", "xlsx"]
CsvEncodingParam = Annotated[
    CsvEncoding,
    Field(
        description="the encoding of format=csv: utf-8 (with a byte-order mark) or gb18030 "
        "(for older Chinese Excel and WPS set-ups); other formats ignore it"
    ),
]


class ProblemListQuery(QueryModel):
    format: ExportFormat = "json"
    encoding: CsvEncodingParam = "utf-8"


class ProblemListRow(ReadModel):
    number: int
    finding: str
    unit: str
    unit_name: str
    criterion: str
    criterion_name: str
    category: str
    category_name: str
    severity: Severity
    description: str
    deadline: date
    responsible: list[str]
    responsible_names: list[str]


class ProblemListRead(ReadModel):
    """The inspection's problem list (问题清单), to attach to the rectification letter."""

    year: int
    inspection: str
    county: str
    county_name: str
    group: str
    group_name: str
    start_date: date
    end_date: date
    rows: list[ProblemListRow]


class FindingQuery(PageQuery):
    year: Year
    as_of: Annotated[date | None, Field(description="state date (default: the cutoff)")] = None
    unit: Annotated[QueryCode | None, Field(description="found at this unit or under it")] = None
    counts_for: Annotated[
        QueryCode | None, Field(description="counts for this unit (spec section 4)")
    ] = None
    inspection: QueryCode | None = None
    category: QueryCode | None = None
    criterion: QueryCode | None = None
    severity: Severity | None = None
    outcome: Outcome | None = None
    overdue: bool | None = None
    repeat: bool | None = None


class FindingPage(Page[FindingRead]):
    as_of: date


class FindingOneQuery(QueryModel):
    year: Annotated[Year | None, Field(description="needed when the code is held in two years")] = (
        None
    )
    as_of: date | None = None


class EventRead(ReadModel):
    year: int
    finding: str
    seq: Annotated[int, Field(description="submission order")]
    type: EventType
    date: dt.date
    new_deadline: dt.date | None = None
    reason: str | None = None
    note: str | None = None
    to: str | None = None


class CountsFor(ReadModel):
    unit: str
    reasons: list[Literal["found", "territorial", "paired", "responsible"]]


class FindingDetailRead(FindingRead):
    """A finding with its whole history, in the order the events apply."""

    events: list[EventRead]
    counts_for: list[CountsFor]


class EventPage(Page[EventRead]):
    pass


class EventsQuery(PageQuery):
    year: Year | None = None


class EventPostQuery(QueryModel):
    year: Annotated[Year | None, Field(description="needed when the code is held in two years")] = (
        None
    )


# --- bundles ------------------------------------------------------------------------------------


class BundleQuery(QueryModel):
    replace: Annotated[bool, Field(description="swap a year already held, in one transaction")] = (
        False
    )


class StoredCounts(ReadModel):
    units: int
    pairings: int
    groups: int
    inspections: int
    findings: int
    events: int


class ImportRead(ReadModel):
    year: int
    replaced: bool
    counts: StoredCounts


# --- scores -------------------------------------------------------------------------------------


class MetricsRead(ReadModel):
    findings: int
    due: int
    on_time: int
    late: int
    overdue: int
    open: int
    overdue_major: int
    overdue_by_category: dict[str, int]
    fakes: int
    repeats: int
    rate: Annotated[float | None, Field(description="rounded half up to 4 decimals")]


class FiredRead(ReadModel):
    rule: str
    name: str
    bonus: Number
    deduction: Number


class ScoreRowRead(ReadModel):
    """One scored unit, as spec section 9."""

    unit: str
    name: str
    kind: UnitKind
    metrics: MetricsRead
    fired: list[FiredRead]
    bonus: Number
    deduction: Number
    score: Number
    grade: Literal["excellent", "good", "fair", "poor"]
    measures: list[Literal["commendation", "criticism", "interview", "accountability"]]
    rank: int


class ScoreRunCreate(BodyModel):
    as_of: Annotated[date | None, Field(description="default: the rule set's cutoff")] = None


# Built from the service layer's runs (``from_attributes``). The docstrings of response
# models are published in the OpenAPI document, so the why is said here: a run's own
# ``rows`` are its score rows, so ``rows`` here (counts per kind) reads its ``kind_counts``
# and ``scores`` reads its ``rows``.
class ScoreRunRead(ReadModel):
    id: int
    year: int
    as_of: date
    ruleset_hash: str
    data_revision: int
    engine: str
    created_at: datetime
    rows: Annotated[
        dict[str, int],
        Field(
            description="how many score rows the run holds of each unit kind, in the rows' order",
            examples=[{"county": 7, "town": 35, "helping_unit": 35}],
            validation_alias="kind_counts",
        ),
    ]


class ScoreRunCreated(ScoreRunRead):
    """The stored run with every row (spec section 9)."""

    scores: Annotated[list[ScoreRowRead], Field(validation_alias="rows")]


class ScoreRunPage(Page[ScoreRunRead]):
    pass


class ScoreRunsQuery(PageQuery):
    as_of: date | None = None


class LatestRunQuery(QueryModel):
    as_of: date | None = None


class ScoreRowsQuery(PageQuery):
    kind: UnitKind | None = None
    format: ExportFormat = "json"
    encoding: CsvEncodingParam = "utf-8"


class ScoresQuery(ScoreRowsQuery):
    as_of: Annotated[date | None, Field(description="default: the rule set's cutoff")] = None


class ScoreRowPage(Page[ScoreRowRead]):
    run_id: int


class ScoresPage(Page[ScoreRowRead]):
    year: int
    as_of: date
    run_id: Annotated[int | None, Field(description="the stored run served; null: computed now")]
    ruleset_hash: str
    data_revision: int


class AsOfQuery(QueryModel):
    as_of: Annotated[date | None, Field(description="default: the rule set's cutoff")] = None


class ExplanationQuery(AsOfQuery):
    format: ExportFormat = "json"
    encoding: CsvEncodingParam = "utf-8"


class ExplainedUnit(ReadModel):
    code: str
    name: str
    kind: UnitKind
    parent: str | None


class ExplainedRule(ReadModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    rule: str
    name: str
    when: str
    values: dict[str, Any]
    fired: bool
    reference: str


class CapRead(ReadModel):
    total: Number
    cap: Number | None
    applied: bool


class ExplainedGrade(ReadModel):
    from_score: str
    forced_by: list[str]
    grade: str


class ExplainedFinding(ReadModel):
    code: str
    inspection: str
    found_at: str
    criterion: str
    severity: Severity
    found_on: date
    deadline: date
    effective_deadline: date
    completed_on: date | None
    outcome: Outcome
    fakes: int
    repeat_of: str | None
    counts_because: list[str]


class ExplanationRead(ReadModel):
    """Why a unit scored what it did: metrics, every rule and the values it read, caps, grade,
    and every finding that counts for it with why."""

    year: int
    as_of: date
    ruleset: str
    unit: ExplainedUnit
    row: ScoreRowRead
    rules: list[ExplainedRule]
    caps: dict[str, CapRead]
    grade: ExplainedGrade
    findings: list[ExplainedFinding]


class AlertRead(ReadModel):
    type: Literal[
        "late_letter", "long_inspection", "incomplete_sample", "missed_month", "unescalated_major"
    ]
    inspection: str | None = None
    group: str | None = None
    month: str | None = None
    finding: str | None = None
    detail: str


class AlertsQuery(PageQuery):
    as_of: Annotated[date | None, Field(description="default: the rule set's cutoff")] = None
    type: (
        Literal[
            "late_letter",
            "long_inspection",
            "incomplete_sample",
            "missed_month",
            "unescalated_major",
        ]
        | None
    ) = None
    format: Annotated[
        ExportFormat, Field(description="csv and xlsx hold the whole list (no paging)")
    ] = "json"
    encoding: CsvEncodingParam = "utf-8"


class AlertPage(Page[AlertRead]):
    year: int
    as_of: date


class TrendQuery(PageQuery):
    kind: Annotated[UnitKind | None, Field(description="only units of this scored kind")] = None


class TrendPointRead(ReadModel):
    """A unit at one month end, as its score row at that date says."""

    as_of: date
    findings: int
    overdue: int
    rate: Annotated[float | None, Field(description="rounded half up to 4 decimals")]
    score: Number
    grade: str
    rank: int


class TrendSeriesRead(ReadModel):
    unit: str
    name: str
    kind: UnitKind
    points: Annotated[list[TrendPointRead], Field(description="one per month end, in order")]


class TrendPage(Page[TrendSeriesRead]):
    year: int
    months: Annotated[list[date], Field(description="the month ends of the year, in order")]
    ruleset_hash: str
    data_revision: int


# --- rule sets ---------------------------------------------------------------------------------


class PointsRead(ReadModel):
    points: Number
    per: str | None


class RuleRead(ReadModel):
    id: str
    name: str
    description: str
    reference: str
    when: str
    bonus: PointsRead | None
    deduction: PointsRead | None
    measures: list[str]
    grade: str | None


class GradeBandRead(ReadModel):
    grade: str
    min: Number | None


class AttributionRead(ReadModel):
    territorial: bool
    helping_unit_categories: list[str]


class ParametersRead(ReadModel):
    base_score: Number
    cutoff: date
    late_credit: Number
    severity_weights: dict[str, Number]
    caps: dict[str, Number | None]
    scored_kinds: list[UnitKind]
    attribution: AttributionRead
    grades: list[GradeBandRead]
    alerts: dict[str, int | date]


class CatalogueItemRead(ReadModel):
    code: str
    name: str


class CatalogueCategoryRead(ReadModel):
    code: str
    name: str
    items: list[CatalogueItemRead]


class RulesetSummaryRead(ReadModel):
    year: int
    content_hash: str
    extends: int | None
    cutoff: date
    rules: int


class RulesetList(ReadModel):
    items: list[RulesetSummaryRead]


class RulesetRead(ReadModel):
    year: int
    content_hash: str
    extends: int | None
    parameters: ParametersRead
    rules: list[RuleRead]
    catalogue: list[CatalogueCategoryRead]


# --- tokens and audit ---------------------------------------------------------------------------


class TokenCreate(BodyModel):
    name: Annotated[
        str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*\S"), XmlSafe
    ]
    role: Role
    scope: Annotated[
        list[Code] | None,
        Field(min_length=1, description="unit codes (at least one); null or absent: every unit"),
    ] = None


class TokenRead(ReadModel):
    id: int
    name: str
    role: Role
    scope: list[str] | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    active: bool


class TokenCreated(TokenRead):
    token: Annotated[str, Field(description="the bearer token; shown this once, never stored")]


class TokenList(ReadModel):
    items: list[TokenRead]


class TokenQuery(QueryModel):
    include_revoked: bool = False


class WebhookCreate(BodyModel):
    url: Annotated[
        str,
        StringConstraints(min_length=1, max_length=2000, pattern=r"^[^\x00\s]*$"),
        Field(description="an http(s) address at a host of SCORING_WEBHOOK_ALLOWED_HOSTS"),
    ]
    event_types: Annotated[
        list[NoticeType],
        Field(min_length=1, max_length=len(NoticeType), description="the event types wanted"),
    ]
    secret: Annotated[
        str | None,
        StringConstraints(min_length=16, max_length=200, pattern=r"^[^\x00]*$"),
        Field(
            description="the signing secret (16-200 characters); absent: one is made and "
            "shown in the answer once"
        ),
    ] = None
    scope: Annotated[
        list[Code] | None,
        Field(min_length=1, description="unit codes (at least one); null or absent: every unit"),
    ] = None


class WebhookRead(ReadModel):
    id: int
    url: str
    event_types: list[NoticeType]
    scope: list[str] | None
    created_at: datetime
    created_by: str
    active: bool


class WebhookCreated(WebhookRead):
    secret: Annotated[
        str | None,
        Field(description="the signing secret when the service made it; shown this once"),
    ]


class WebhookList(ReadModel):
    items: list[WebhookRead]


class AuditRead(ReadModel):
    id: int
    at: datetime
    token: str
    action: str
    record_type: str
    record: str
    year: int | None
    detail: Any


class AuditPage(Page[AuditRead]):
    pass


_NoNul = StringConstraints(pattern=r"^[^\x00]*$")


class AuditQuery(PageQuery):
    token: Annotated[str, _NoNul, Field(max_length=100)] | None = None
    action: Annotated[str, _NoNul, Field(max_length=64)] | None = None
    record_type: Annotated[str, _NoNul, Field(max_length=32)] | None = None
    record: Annotated[str, _NoNul, Field(max_length=300)] | None = None
    year: Year | None = None
    since: datetime | None = None
    until: datetime | None = None


# --- health -------------------------------------------------------------------------------------


class CheckRead(ReadModel):
    status: Literal["up", "down"]
    detail: str | None = None


class RulesetsCheckRead(CheckRead):
    years: list[int]


class HealthChecks(ReadModel):
    database: CheckRead
    rulesets: RulesetsCheckRead


class HealthRead(ReadModel):
    status: Literal["up", "down"]
    checks: HealthChecks


# --- the rectification loop (spec section 10) ---------------------------------------------------

LoopText = Annotated[str, StringConstraints(min_length=1, max_length=REPORT_MAX, pattern=r"\S")]
LoopReason = Annotated[str, StringConstraints(min_length=1, max_length=REASON_MAX, pattern=r"\S")]


class LoopQuery(QueryModel):
    year: Annotated[Year | None, Field(description="needed when the code is held in two years")] = (
        None
    )


class ReportCreate(BodyModel):
    """A rectification report (整改情况报告): the day the rectification was completed and the
    measures taken. As JSON without files, or as `multipart/form-data` with the same fields
    and zero or more `files` (PDF, JPEG, PNG, DOCX, XLSX by content; each at most 20 MB,
    together 50 MB, at most 10)."""

    date: Annotated[dt.date, Field(description="the day the rectification was completed")]
    text: Annotated[LoopText, Field(description="the measures taken, 1 to 4,000 characters")]


class EvidenceFileRead(ReadModel):
    name: str
    size: int
    media_type: str
    sha256: str
    url: str


class DecisionRead(ReadModel):
    by: str
    at: datetime
    reason: str | None


class ReusedEvidenceRead(ReadModel):
    """A file of this report that equals, or nearly equals (a perceptual hash a few bits
    apart: the same photo re-encoded or resized), one submitted for another finding."""

    file: Annotated[str, Field(description="the SHA-256 of this report's file")]
    other_file: Annotated[str, Field(description="the SHA-256 of the file submitted there")]
    finding: Annotated[str, Field(description="the other finding's code")]
    year: Annotated[int, Field(description="the other finding's year")]
    report: Annotated[int, Field(description="the report that submitted it there")]
    distance: Annotated[
        int, Field(description="bits of the 64-bit pHash apart (0: the same picture or bytes)")
    ]


class ReportRead(ReadModel):
    id: int
    year: int
    finding: str
    state: Literal["submitted", "accepted", "returned"]
    date: dt.date
    text: str
    files: list[EvidenceFileRead]
    submitted_by: str
    submitted_at: datetime
    decision: DecisionRead | None
    reused_evidence: Annotated[
        list[ReusedEvidenceRead],
        Field(
            description="files also submitted for another finding the caller reads (a "
            "reused photo may be a false rectification); findings outside the caller's "
            "reach are not named"
        ),
    ]


class ReportList(ReadModel):
    items: list[ReportRead]


class ReportsQuery(QueryModel):
    state: Annotated[
        Literal["submitted", "accepted", "returned"] | None,
        Field(description="keep only reports in this state (`submitted`: waiting)"),
    ] = None


class ReportDecisionCreate(BodyModel):
    """Accept the report (a `rectified` event dated the report's date is recorded) or return
    it; a reason is required when returned."""

    decision: Literal["accepted", "returned"]
    reason: LoopReason | None = None


class ExtensionRequestCreate(BodyModel):
    """An extension request (延期申请): asked on `date` (default today), not after the
    deadline in force then, for a later `new_deadline`."""

    date: Annotated[dt.date | None, Field(description="the day asked (default: today)")] = None
    new_deadline: dt.date
    reason: LoopReason


class ExtensionRequestRead(ReadModel):
    id: int
    year: int
    finding: str
    state: Literal["submitted", "approved", "refused"]
    date: dt.date
    new_deadline: dt.date
    reason: str
    submitted_by: str
    submitted_at: datetime
    decision: DecisionRead | None


class ExtensionRequestList(ReadModel):
    items: list[ExtensionRequestRead]


class ExtensionRequestsQuery(QueryModel):
    state: Annotated[
        Literal["submitted", "approved", "refused"] | None,
        Field(description="keep only requests in this state (`submitted`: waiting)"),
    ] = None


class RequestDecisionCreate(BodyModel):
    """Approve the request (an `extension` event dated the request's date, with its new
    deadline, is recorded) or refuse it; a reason is required when refused."""

    decision: Literal["approved", "refused"]
    reason: LoopReason | None = None
