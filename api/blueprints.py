"""Every blueprint of the API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from api.admin import bp as admin
from api.bundles import bp as bundles
from api.documents import bp as documents
from api.due import bp as due
from api.findings import bp as findings
from api.inspections import bp as inspections
from api.meta import bp as meta
from api.rectification import bp as rectification
from api.routing import ApiBlueprint
from api.rulesets import bp as rulesets
from api.rulesets_drafts import bp as rulesets_drafts
from api.scores import bp as scores
from api.webhooks import bp as webhooks
from api.years import bp as years

BLUEPRINTS: tuple[ApiBlueprint, ...] = (
    meta,
    bundles,
    years,
    inspections,
    findings,
    rectification,
    scores,
    due,
    documents,
    rulesets,
    rulesets_drafts,
    admin,
    webhooks,
)
