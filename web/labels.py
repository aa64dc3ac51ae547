"""The words people read for the service's machine values. Those the command line, the
exports and the pages share (grades, measures, kinds, outcomes, severities, reasons, alert
types, and roles, which refusals name) are ``scoring_service.i18n.labels``: one word for
each value everywhere. The ones only the pages show (event types, letter states,
households, drafts) are here. The machine value stays in ``data-value`` attributes and
exports; these are what a page shows."""

from __future__ import annotations

from collections.abc import Mapping

from scoring_service.i18n import N_
from scoring_service.i18n.labels import ALERT_TYPES as ALERTS
from scoring_service.i18n.labels import (
    DELIVERY_STATES,
    GRADES,
    KINDS,
    LIGHTS,
    MEASURES,
    OUTCOMES,
    REASONS,
    ROLES,
    SEVERITIES,
)
from scoring_service.i18n.labels import label as label

__all__ = [
    "ALERTS",
    "CHANNELS",
    "DELIVERY_STATES",
    "DRAFTS",
    "EVENTS",
    "GRADES",
    "HOUSEHOLDS",
    "KINDS",
    "LETTERS",
    "LIGHTS",
    "MEASURES",
    "OUTCOMES",
    "REASONS",
    "REPORT_STATES",
    "REQUEST_STATES",
    "ROLES",
    "SEVERITIES",
    "label",
]

# The channels notices leave by (scoring_service.notices).
CHANNELS: Mapping[str, str] = {"webhook": N_("Webhook"), "email": N_("Email")}

EVENTS: Mapping[str, str] = {
    "rectified": N_("Rectified"),
    "extension": N_("Extension"),
    "lookback_passed": N_("Look-back passed"),
    "lookback_failed": N_("Look-back failed"),
    "escalated": N_("Escalated"),
}

LETTERS: Mapping[str, str] = {
    "on_time": N_("Issued on time"),
    "late": N_("Issued late"),
    "missing": N_("Not issued, overdue"),
    "pending": N_("Not issued yet, still in time"),
    "not_ended": N_("The inspection had not ended"),
}
HOUSEHOLDS: Mapping[str, str] = {
    "pre_exit": N_("Due to exit poverty"),
    "not_exited": N_("Not exited"),
}
DRAFTS: Mapping[str, str] = {
    "open": N_("Open"),
    "stale": N_("Stale: another version came into force"),
    "published": N_("Published"),
}
REPORT_STATES: Mapping[str, str] = {
    "submitted": N_("Waiting for review"),
    "accepted": N_("Accepted"),
    "returned": N_("Returned"),
}
REQUEST_STATES: Mapping[str, str] = {
    "submitted": N_("Waiting for review"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
}
