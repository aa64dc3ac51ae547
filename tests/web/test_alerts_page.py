"""``/years/{year}/alerts`` with Flask's test client: the alerts the service gives, in a
section per type, each with its responsible group; a scoped person's only."""

from __future__ import annotations

from collections import Counter
from datetime import date

from scoring_service.assessment.services import year_alerts, year_alerts_by_group
from scoring_service.domain.principals import Principal, Role
from tests.helpers.html import parse
from tests.helpers.web import Site

HEPING = Principal(None, "heping", Role.INSPECTOR, frozenset({"441624"}))


def shown(text: str) -> list[tuple[str, str, str, str]]:
    """Each alert row: its section's type, its type, its group and its subject."""
    rows = []
    for section in parse(text).xpath("//section[@data-alert-type]"):
        for row in section.xpath(".//tr[@data-alert]"):
            subject = row.get("data-inspection") or row.get("data-finding") or ""
            rows.append(
                (
                    section.get("data-alert-type"),
                    row.get("data-alert"),
                    row.get("data-group"),
                    subject,
                )
            )
    return rows


def test_the_alerts_by_type_with_their_group(demo: Site) -> None:
    page = demo.client("reader").get("/years/2018/alerts?as_of=2018-12-31")
    assert page.status_code == 200
    _day, found = year_alerts_by_group(demo.uow(), 2018)
    rows = shown(page.text)
    assert len(rows) == len(found) == len(year_alerts(demo.uow(), 2018)[1])
    assert all(section == kind for section, kind, _g, _s in rows)
    expected = Counter(
        (a.alert.type, a.group or "", a.alert.inspection or a.alert.finding or "") for a in found
    )
    assert Counter((kind, group, subject) for _s, kind, group, subject in rows) == expected
    assert {kind for _s, kind, _g, _x in rows} >= {"late_letter", "unescalated_major"}
    # Every alert's group is known: an inspection's, a finding's inspection's, or its own.
    assert all(group for _s, _k, group, _x in rows)
    late = [r for r in rows if r[1] == "late_letter" and r[3] == "2018-G4-441621-07"]
    assert late and late[0][2] == "G4"
    escalation = next(r for r in rows if r[1] == "unescalated_major")
    assert escalation[2] == escalation[3].split("-")[1]  # the group of the finding's inspection
    assert "整改函下发超时" in page.text and "第四组" in page.text


def test_a_scoped_person_sees_only_their_alerts(demo: Site) -> None:
    page = demo.client("heping").get("/years/2018/alerts")
    rows = shown(page.text)
    _day, found = year_alerts(demo.uow(HEPING), 2018)
    assert len(rows) == len(found) > 0
    assert all("-441624-" in subject for *_rest, subject in rows)
    assert not [r for r in rows if r[1] == "missed_month"]  # a group's months concern no unit


def test_an_early_date_has_fewer_alerts_and_a_bad_one_is_refused(demo: Site) -> None:
    client = demo.client("reader")
    early = shown(client.get("/years/2018/alerts?as_of=2018-07-31").text)
    assert len(early) == len(year_alerts(demo.uow(), 2018, as_of=date(2018, 7, 31))[1])
    assert len(early) < len(shown(client.get("/years/2018/alerts").text))
    refused = client.get("/years/2018/alerts?as_of=someday")
    assert refused.status_code in (400, 422)
    assert "YYYY-MM-DD" in refused.text


def test_an_incomplete_sample_names_its_villages(demo: Site) -> None:
    page = demo.client("reader").get("/years/2018/alerts?as_of=2018-12-31")
    details = [
        " ".join(row.text_content().split())
        for row in parse(page.text).xpath("//tr[@data-alert='incomplete_sample']/td[last()]")
    ]
    assert any("村 示例村" in d for d in details), details
    assert not any("村 44" in d for d in details), details
