"""Bundle import: a whole year at once, all or nothing (spec section 8)."""

from __future__ import annotations

from api.routing import ApiBlueprint
from api.schemas import BundleQuery, ImportRead, StoredCounts
from edge.context import uow
from scoring_service.assessment.services import import_bundle
from scoring_service.bundle.schema import BundleIn
from scoring_service.domain.principals import Permission

bp = ApiBlueprint("bundles", __name__, tag="bundles")


@bp.operation(
    "POST",
    "/bundles",
    summary="Import a year's bundle",
    permission=Permission.ADMIN,
    query=BundleQuery,
    raw_body=BundleIn,
    response=ImportRead,
    status=201,
    errors=(409, 422),
)
def import_year(query: BundleQuery, raw: bytes) -> tuple[ImportRead, dict[str, str]]:
    """Check a bundle (format ``assessment-bundle/1``) and store it in one transaction.

    Nothing is stored if anything is wrong: 422 lists every problem with its JSON pointer.
    A year already held is refused (409) unless ``replace=true``, which swaps it whole."""
    summary = import_bundle(uow(), raw, replace=query.replace)
    counts = StoredCounts(
        units=summary.units,
        pairings=summary.pairings,
        groups=summary.groups,
        inspections=summary.inspections,
        findings=summary.findings,
        events=summary.events,
    )
    result = ImportRead(year=summary.year, replaced=summary.replaced, counts=counts)
    return result, {"Location": f"/api/v1/years/{summary.year}"}
