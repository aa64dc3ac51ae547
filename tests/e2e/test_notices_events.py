"""The notices of letters, score runs and rule set versions on SQLite and PostgreSQL: each
write over the API puts its notice in the outbox with its type, subject, units and data; a
refused write puts none; a scoped webhook hears only of its own county's letters."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring_service.domain.notices import EventType, Notice
from scoring_service.notices.deliver import deliver_once
from tests.e2e.test_api_rectification import open_api
from tests.e2e.test_api_rulesets_drafts import CASES, files_2018
from tests.e2e.test_notices import LEASE, RETRY, Receiver, channels, uow
from tests.helpers.api import Api, problem

ROOT = Path(__file__).resolve().parents[2]
Y = "/api/v1/years/2018"
HEPING = "2018-G1-07"  # in county 441624, its letter sent on 2018-07-13
YUANCHENG = "2018-G1-09"  # in county 441602, no letter yet


@pytest.fixture(name="rules_dir")
def rules_dir_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


@pytest.fixture(name="api")
def api_fixture(db_url: str, tmp_path: Path, rules_dir: Path) -> Iterator[Api]:
    for api in open_api(
        db_url, tmp_path / "files", rules_dir=rules_dir, webhook_allowed_hosts="127.0.0.1"
    ):
        api.token("admin-heping", "admin", ["441624"])
        api.token("inspector-heping", "inspector", ["441624"])
        api.token("assessor-heping", "assessor", ["441624"])
        yield api


def notices(api: Api) -> list[Notice]:
    with uow(api) as work:
        return work.notices.of_year(2018)


def test_a_letter_date_set_tells_of_the_letter_and_a_refused_one_tells_nothing(api: Api) -> None:
    url = f"{Y}/inspections/{YUANCHENG}"
    problem(api.patch(url, {"letter_date": "2018-08-01"}, who="inspector"), 422)  # before start
    problem(api.patch(url, {"letter_date": "2018-08-16"}, who="inspector-heping"), 403)
    assert notices(api) == []

    patched = api.patch(url, {"letter_date": "2018-08-16"}, who="inspector")
    assert patched.status_code == 200, patched.get_json()
    [notice] = notices(api)
    assert (notice.type, notice.year, notice.subject) == (EventType.LETTER_ISSUED, 2018, YUANCHENG)
    assert notice.units == ("441602",)
    assert dict(notice.data) == {
        "inspection": YUANCHENG,
        "county": "441602",
        "letter_date": "2018-08-16",
    }
    # The same date again issues no second letter; clearing it issues none either.
    assert api.patch(url, {"letter_date": "2018-08-16"}, who="inspector").status_code == 200
    assert api.patch(url, {"letter_date": None}, who="inspector").status_code == 200
    assert len(notices(api)) == 1


def test_a_scoped_hook_hears_only_of_letters_to_its_county(api: Api) -> None:
    ours, everything = Receiver(), Receiver()
    try:
        wants = {"event_types": ["letter.issued"]}
        hook = api.post(
            "/api/v1/webhooks", {"url": ours.url, "scope": ["441624"], **wants}, who="admin-heping"
        )
        assert hook.status_code == 201, hook.get_json()
        assert api.post("/api/v1/webhooks", {"url": everything.url, **wants}).status_code == 201
        for code, day in ((HEPING, "2018-07-12"), (YUANCHENG, "2018-08-16")):
            patched = api.patch(f"{Y}/inspections/{code}", {"letter_date": day}, who="inspector")
            assert patched.status_code == 200, patched.get_json()
        done = deliver_once(uow(api), channels(), RETRY, lease=LEASE)
        assert (done.routed, done.delivered) == (2, 3)
        [(_headers, body)] = ours.got
        event = json.loads(body)
        assert event["type"] == "letter.issued" and event["subject"] == HEPING
        assert event["data"]["county"] == "441624" and event["data"]["letter_date"] == "2018-07-12"
        heard = sorted(json.loads(b)["data"]["county"] for _h, b in everything.got)
        assert heard == ["441602", "441624"]
    finally:
        ours.close()
        everything.close()


def test_a_stored_score_run_tells_of_itself_and_a_refused_one_tells_nothing(api: Api) -> None:
    runs = f"{Y}/score-runs"
    problem(api.post(runs, {}, who="assessor-heping"), 403)  # a run holds every unit's row
    problem(api.post(runs, {}, who="reader"), 403)
    problem(api.post(runs, {"as_of": "2017-01-01"}, who="assessor"), 422)
    assert notices(api) == []

    response = api.post(runs, {"as_of": "2018-12-31"}, who="assessor")
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    [notice] = notices(api)
    assert (notice.type, notice.year, notice.subject) == (
        EventType.SCORE_RUN_CREATED,
        2018,
        str(run["id"]),
    )
    assert notice.units == ()  # year-wide: it names no unit
    assert dict(notice.data) == {
        "run": run["id"],
        "as_of": "2018-12-31",
        "ruleset_hash": run["ruleset_hash"],
        "rows": len(api.get(f"{runs}/{run['id']}/rows?limit=1000").get_json()["items"]),
    }


def test_a_published_draft_tells_of_its_version_and_a_refused_one_tells_nothing(
    api: Api, rules_dir: Path
) -> None:
    drafts = "/api/v1/rulesets/2018/drafts"
    failing = api.post(drafts, {"files": files_2018(rules_dir)}, who="rule_editor").get_json()
    doc = problem(
        api.post(f"{drafts}/{failing['id']}/publish", {"note": "x"}, who="rule_editor"), 422
    )
    assert doc["errors"]
    fixed = files_2018(rules_dir, cases=CASES.replace("{fired: [R1]}", "{fired: [R2]}"))
    draft = api.post(drafts, {"files": fixed}, who="rule_editor").get_json()
    url = f"{drafts}/{draft['id']}/publish"
    problem(api.post(url, {"note": "R1 raised"}, who="reader"), 403)
    assert notices(api) == []

    response = api.post(url, {"note": "R1 raised to 97%"}, who="rule_editor")
    assert response.status_code == 201, response.get_json()
    version = response.get_json()
    [notice] = notices(api)
    assert (notice.type, notice.year, notice.subject) == (
        EventType.RULESET_PUBLISHED,
        2018,
        f"2018/{version['number']}",
    )
    assert notice.units == ()
    assert dict(notice.data) == {
        "version": version["number"],
        "content_hash": version["content_hash"],
        "note": "R1 raised to 97%",
        "published_by": "rule_editor",
    }
    # Published already: refused, and nothing more is told.
    problem(api.post(url, {"note": "again"}, who="rule_editor"), 409)
    assert len(notices(api)) == 1
