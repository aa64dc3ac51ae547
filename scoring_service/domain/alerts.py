"""Process alerts: the work plan's duties of the inspectors, checked as of a date (spec 7)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scoring_service.domain.model import (
    EventType,
    HouseholdStatus,
    Inspection,
    Sample,
    Severity,
    VillageType,
    YearData,
)
from scoring_service.domain.names import shown_names
from scoring_service.domain.ruleset import AlertParams
from scoring_service.i18n import N_, format_date, gettext

# One sentence of an alert's detail: its message (marked for the catalogue) and the facts
# that fill it. The sentence is written when the alert is read, in the reader's language.
Sentence = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Alert:
    type: str
    sentences: tuple[Sentence, ...]
    inspection: str | None = None
    group: str | None = None
    month: str | None = None  # "2018-08"
    finding: str | None = None

    @property
    def detail(self) -> str:
        """What the alert says, in the language in force; dates as people read them."""
        return gettext("; ").join(
            gettext(
                message,
                **{k: format_date(v) if isinstance(v, date) else v for k, v in facts.items()},
            )
            for message, facts in self.sentences
        )

    def to_json(self) -> dict[str, str]:
        """The alert with its subject and detail, leaving out the subjects it has not."""
        out = {"type": self.type}
        for key in ("inspection", "group", "month", "finding"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["detail"] = self.detail
        return out

    @property
    def sort_key(self) -> tuple[str, ...]:
        return (
            self.type,
            self.inspection or "",
            self.group or "",
            self.month or "",
            self.finding or "",
        )


def process_alerts(data: YearData, params: AlertParams, as_of: date) -> list[Alert]:
    """Every process alert as of ``as_of``; only inspections ended by then count."""
    inspections = [i for i in data.inspections if i.end_date <= as_of]
    village_type = {u.code: u.village_type for u in data.units}
    # A village is named as a clerk knows it, not by its 12-digit code.
    shown = shown_names((u.code, u.name) for u in data.units)
    alerts: list[Alert] = []
    for insp in inspections:
        # A letter dated after as_of is not known yet: the inspection has no letter so far.
        letter = insp.letter_date if insp.letter_date and insp.letter_date <= as_of else None
        letter_delay = (letter - insp.end_date).days if letter else None
        if letter_delay is not None and letter_delay > params.letter_days:
            alerts.append(
                Alert(
                    "late_letter",
                    _sentence(
                        N_(
                            "rectification letter issued %(days)s days after the inspection "
                            "ended (at most %(limit)s)"
                        ),
                        days=letter_delay,
                        limit=params.letter_days,
                    ),
                    inspection=insp.code,
                )
            )
        elif letter is None and (as_of - insp.end_date).days > params.letter_days:
            alerts.append(
                Alert(
                    "late_letter",
                    _sentence(
                        N_(
                            "no rectification letter by %(as_of)s, %(days)s days after the "
                            "inspection ended (at most %(limit)s)"
                        ),
                        as_of=as_of,
                        days=(as_of - insp.end_date).days,
                        limit=params.letter_days,
                    ),
                    inspection=insp.code,
                )
            )
        days = (insp.end_date - insp.start_date).days + 1
        if days > params.max_days:
            alerts.append(
                Alert(
                    "long_inspection",
                    _sentence(
                        N_("the inspection lasted %(days)s days (at most %(limit)s)"),
                        days=days,
                        limit=params.max_days,
                    ),
                    inspection=insp.code,
                )
            )
        gaps = _sample_gaps(insp.sample, village_type, params, shown)
        if gaps:
            alerts.append(Alert("incomplete_sample", tuple(gaps), inspection=insp.code))
    alerts.extend(_missed_months(data, inspections, params, as_of))
    alerts.extend(_unescalated(data, params, as_of))
    return sorted(alerts, key=lambda a: a.sort_key)


def _sentence(message: str, **facts: Any) -> tuple[Sentence]:
    return ((message, facts),)


def _sample_gaps(
    sample: Sample,
    village_type: Mapping[str, VillageType | None],
    params: AlertParams,
    shown: Mapping[str, str],
) -> list[Sentence]:
    gaps: list[Sentence] = []
    poor = sum(village_type.get(v) is VillageType.POOR for v in sample.villages)
    ordinary = sum(village_type.get(v) is VillageType.ORDINARY for v in sample.villages)
    for message, have, need in (
        (N_("%(have)s towns sampled (at least %(need)s)"), len(sample.towns), params.min_towns),
        (
            N_("%(have)s poor villages sampled (at least %(need)s)"),
            poor,
            params.min_poor_villages,
        ),
        (
            N_("%(have)s ordinary villages sampled (at least %(need)s)"),
            ordinary,
            params.min_ordinary_villages,
        ),
    ):
        if have < need:
            gaps.append((message, {"have": have, "need": need}))
    households: dict[str, list[HouseholdStatus]] = defaultdict(list)
    for h in sample.households:
        households[h.village].append(h.status)
    for village in sample.villages:
        statuses = households.get(village, [])
        pre_exit = statuses.count(HouseholdStatus.PRE_EXIT)
        not_exited = statuses.count(HouseholdStatus.NOT_EXITED)
        if (
            len(statuses) < params.min_households
            or pre_exit < params.min_pre_exit
            or not_exited < params.min_not_exited
        ):
            gaps.append(
                (
                    N_(
                        "village %(village)s: %(households)s households, %(pre_exit)s pre-exit, "
                        "%(not_exited)s not exited (at least %(min_households)s, "
                        "%(min_pre_exit)s, %(min_not_exited)s)"
                    ),
                    {
                        "village": shown.get(village, village),
                        "households": len(statuses),
                        "pre_exit": pre_exit,
                        "not_exited": not_exited,
                        "min_households": params.min_households,
                        "min_pre_exit": params.min_pre_exit,
                        "min_not_exited": params.min_not_exited,
                    },
                )
            )
    return gaps


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _missed_months(
    data: YearData, inspections: list[Inspection], params: AlertParams, as_of: date
) -> list[Alert]:
    started: set[tuple[str, int]] = {
        (i.group, i.start_date.month) for i in inspections if i.start_date.year == data.year
    }
    first = params.inspections_from
    alerts: list[Alert] = []
    if first.year > data.year:
        return []
    for month in range(first.month if first.year == data.year else 1, 13):
        if _month_end(data.year, month) > as_of:
            break  # a month counts once it is over, or on its last day
        for group in data.groups:
            if (group.code, month) not in started:
                label = f"{data.year}-{month:02d}"
                alerts.append(
                    Alert(
                        "missed_month",
                        _sentence(
                            N_("group %(group)s (%(leader)s) started no inspection in %(month)s"),
                            group=group.code,
                            leader=group.leader,
                            month=label,
                        ),
                        group=group.code,
                        month=label,
                    )
                )
    return alerts


def _unescalated(data: YearData, params: AlertParams, as_of: date) -> list[Alert]:
    escalations: dict[str, list[date]] = defaultdict(list)
    for event in data.events:
        if event.type is EventType.ESCALATED:
            escalations[event.finding].append(event.date)
    alerts: list[Alert] = []
    for finding in data.findings:
        if finding.severity is not Severity.MAJOR or finding.found_on > as_of:
            continue
        limit = finding.found_on + timedelta(days=params.escalation_days)
        if as_of <= limit:
            continue
        if not any(d <= limit for d in escalations.get(finding.code, ())):
            alerts.append(
                Alert(
                    "unescalated_major",
                    _sentence(
                        N_("major finding not reported to the leading group by %(limit)s"),
                        limit=limit,
                    ),
                    finding=finding.code,
                )
            )
    return alerts
