"""Write ``api/openapi_examples.json``: the OpenAPI document's examples, taken from the real
answers of a run through every operation on the spec's example bundle.

    .venv/bin/python -m tests.helpers.openapi_examples

Lists are cut to their first two items and long texts to 300 characters, so the document
stays small; ``tests/e2e/test_openapi_document.py`` checks that every example still
validates against its schema.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from scoring_service.db import upgrade
from tests.helpers.api import make_api
from tests.helpers.bundles import spec_bundle

OUT = Path(__file__).resolve().parents[2] / "api" / "openapi_examples.json"
Y = "/api/v1/years/2018"
INSPECTION = {
    "code": "2018-G1-08",
    "group": "G1",
    "county": "441624",
    "start_date": "2018-08-14",
    "end_date": "2018-08-15",
    "letter_date": None,
    "sample": {
        "towns": ["441624101"],
        "villages": ["441624101201"],
        "households": [{"code": "H7", "village": "441624101201", "status": "pre_exit"}],
    },
    "findings": [
        {
            "code": "2018-G1-08-01",
            "unit": "441624101",
            "criterion": "6.2",
            "severity": "major",
            "description": "资金仍滞留",
            "deadline": "2018-09-15",
        }
    ],
}
FINDING = {
    "code": "2018-G1-07-03",
    "unit": "441624101202",
    "criterion": "7.2",
    "severity": "general",
    "description": "户有卡不全",
    "deadline": "2018-08-30",
    "responsible": ["SZ-NS-001"],
}


def shorten(value: Any) -> Any:
    """``value`` with lists cut to two items and texts to 300 characters."""
    if isinstance(value, list):
        return [shorten(v) for v in value[:2]]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    return value


def first_lines(text: str, count: int = 3) -> str:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[:count]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def collect(db_url: str) -> dict[str, Any]:
    """Every operation called once, with its request and answer."""
    found: dict[str, Any] = {}
    for api in make_api(db_url, webhook_allowed_hosts="systems.example.gov.cn"):

        def call(
            op: str, method: str, path: str, body: Any = None, status: int = 200, api: Any = api
        ) -> Any:
            response = api.client.open(path, method=method, json=body, headers=api.headers())
            assert response.status_code == status, (op, response.get_data(as_text=True))
            entry = found.setdefault(op, {})
            if body is not None:
                entry["request"] = shorten(body)
            if response.mimetype == "application/json":
                entry["response"] = shorten(response.get_json())
            return response

        bundle = spec_bundle()
        call("bundles_import_year", "POST", "/api/v1/bundles", bundle, 201)
        call("years_years", "GET", "/api/v1/years")
        call("years_year", "GET", Y)
        call("years_structure", "GET", f"{Y}/structure")
        call("years_list_units", "GET", f"{Y}/units?limit=2")
        town = {"code": "441624102", "name": "东水镇", "kind": "town", "parent": "441624"}
        call("years_create_unit", "POST", f"{Y}/units", town, 201)
        call("years_get_unit", "GET", f"{Y}/units/441624")
        call("years_update_unit", "PATCH", f"{Y}/units/441624102", {"name": "东水镇（新）"})
        call("years_list_pairings", "GET", f"{Y}/pairings")
        pairing = {"helping_unit": "SZ-NS-001", "village": "441624101202"}
        call("years_create_pairing", "POST", f"{Y}/pairings", pairing, 201)
        call("years_get_pairing", "GET", f"{Y}/pairings/SZ-NS-001/441624101202")
        call("years_delete_pairing", "DELETE", f"{Y}/pairings/SZ-NS-001/441624101202", None, 204)
        call("years_list_groups", "GET", f"{Y}/groups")
        group = {"code": "G2", "name": "第二组", "leader": "李明", "counties": ["441602"]}
        call("years_create_group", "POST", f"{Y}/groups", group, 201)
        call("years_get_group", "GET", f"{Y}/groups/G1")
        call("years_update_group", "PATCH", f"{Y}/groups/G2", {"leader": "王强"})
        call("inspections_list_inspections", "GET", f"{Y}/inspections")
        call("inspections_create_inspection", "POST", f"{Y}/inspections", INSPECTION, 201)
        call("inspections_get_inspection", "GET", f"{Y}/inspections/2018-G1-07")
        letter = {"letter_date": "2018-08-17", "letter_number": 2}
        call("inspections_update_inspection", "PATCH", f"{Y}/inspections/2018-G1-08", letter)
        add = f"{Y}/inspections/2018-G1-07/findings"
        call("inspections_add_finding", "POST", add, FINDING, 201)
        problems = f"{Y}/inspections/2018-G1-07/problems"
        call("inspections_problem_list", "GET", problems)
        text = call("inspections_problem_list_csv", "GET", problems + ".csv").get_data(as_text=True)
        found["inspections_problem_list"]["csv"] = first_lines(text)
        found["inspections_problem_list_csv"]["csv"] = first_lines(text)
        call("findings_list_findings", "GET", "/api/v1/findings?year=2018&limit=2")
        call("findings_get_finding", "GET", "/api/v1/findings/2018-G1-07-01")
        call("findings_list_events", "GET", "/api/v1/findings/2018-G1-07-01/events")
        event = {"type": "rectified", "date": "2018-09-10", "note": "资金已拨付到位"}
        call("findings_post_event", "POST", "/api/v1/findings/2018-G1-08-01/events", event, 201)
        # The way up before the extension below moves 2018-G1-07-03's deadline.
        call("due_path", "GET", f"{Y}/units/441624/path?as_of=2018-08-04")
        report_body = {"date": "2018-09-05", "text": "资金已拨付到位，附拨付凭证"}
        report = call(
            "rectification_submit_report",
            "POST",
            "/api/v1/findings/2018-G1-07-03/reports",
            report_body,
            201,
        ).get_json()
        call("rectification_finding_reports", "GET", "/api/v1/findings/2018-G1-07-03/reports")
        # What is due while the report waits: it names the report.
        call("due_due_list", "GET", f"{Y}/due?as_of=2018-08-28&within=6")
        call("rectification_year_reports", "GET", f"{Y}/reports?state=submitted")
        call("rectification_get_report", "GET", f"/api/v1/reports/{report['id']}")
        decision = {"decision": "returned", "reason": "缺少拨付凭证"}
        call(
            "rectification_decide_report",
            "POST",
            f"/api/v1/reports/{report['id']}/decision",
            decision,
        )
        ask = {"date": "2018-08-20", "new_deadline": "2018-09-30", "reason": "资金待拨付"}
        asked = call(
            "rectification_submit_request",
            "POST",
            "/api/v1/findings/2018-G1-07-03/extension-requests",
            ask,
            201,
        ).get_json()
        call(
            "rectification_finding_requests",
            "GET",
            "/api/v1/findings/2018-G1-07-03/extension-requests",
        )
        call("rectification_year_requests", "GET", f"{Y}/extension-requests")
        call("rectification_get_request", "GET", f"/api/v1/extension-requests/{asked['id']}")
        call(
            "rectification_decide_request",
            "POST",
            f"/api/v1/extension-requests/{asked['id']}/decision",
            {"decision": "approved"},
        )
        run = call("scores_create_run", "POST", f"{Y}/score-runs", {"as_of": "2018-12-31"}, 201)
        run_id = run.get_json()["id"]
        call("scores_list_runs", "GET", f"{Y}/score-runs")
        call("scores_latest_run", "GET", f"{Y}/score-runs/latest")
        call("scores_get_run", "GET", f"{Y}/score-runs/{run_id}")
        call("scores_run_rows", "GET", f"{Y}/score-runs/{run_id}/rows?limit=2")
        text = call("scores_run_rows_csv", "GET", f"{Y}/score-runs/{run_id}/rows.csv").get_data(
            as_text=True
        )
        rows_csv = {"csv": first_lines(text)}
        found["scores_run_rows"]["csv"] = found["scores_run_rows_csv"]["csv"] = rows_csv["csv"]
        call("scores_year_scores", "GET", f"{Y}/scores?as_of=2018-12-31&limit=2")
        text = call("scores_year_scores_csv", "GET", f"{Y}/scores.csv").get_data(as_text=True)
        found["scores_year_scores"]["csv"] = found["scores_year_scores_csv"]["csv"] = first_lines(
            text
        )
        call("scores_explanation", "GET", f"{Y}/units/441624/explanation")
        call("scores_alerts", "GET", f"{Y}/alerts")
        call("scores_trend", "GET", f"{Y}/trend?kind=county&limit=1")
        call("rulesets_list_rulesets", "GET", "/api/v1/rulesets")
        call("rulesets_get_ruleset", "GET", "/api/v1/rulesets/2018")
        call("rulesets_drafts_list_versions", "GET", "/api/v1/rulesets/2018/versions")
        current = call(
            "rulesets_drafts_get_version", "GET", "/api/v1/rulesets/2018/versions/current"
        )
        files = current.get_json()["files"]
        files["rules.yaml"] = files["rules.yaml"].replace(
            "予以全市通报表扬", "予以全市通报表扬（经复核）", 1
        )
        draft_body = {"files": files, "note": "R1 description reviewed"}
        created = call(
            "rulesets_drafts_create_draft", "POST", "/api/v1/rulesets/2018/drafts", draft_body, 201
        )
        found["rulesets_drafts_create_draft"]["request"] = {
            "files": {"rules.yaml": files["rules.yaml"][:300]},
            "note": "R1 description reviewed",
        }
        draft = created.get_json()["id"]
        drafts = "/api/v1/rulesets/2018/drafts"
        call("rulesets_drafts_list_drafts", "GET", drafts)
        call("rulesets_drafts_get_draft", "GET", f"{drafts}/{draft}")
        call("rulesets_drafts_draft_tests", "GET", f"{drafts}/{draft}/tests")
        call("rulesets_drafts_draft_diff", "GET", f"{drafts}/{draft}/diff")
        note = {"note": "R1 description reviewed (会议纪要 2020-01-15)"}
        call("rulesets_drafts_publish_draft", "POST", f"{drafts}/{draft}/publish", note, 201)
        new_year = "/api/v1/rulesets/2020/new-year"
        call("rulesets_drafts_new_year", "POST", new_year, {"from_year": 2019}, 201)
        call("rulesets_drafts_recomputation", "GET", f"{Y}/score-runs/{run_id}/recomputation")
        token = {"name": "county-441624", "role": "inspector", "scope": ["441624"]}
        made = call("admin_create_token", "POST", "/api/v1/tokens", token, 201).get_json()
        found["admin_create_token"]["response"]["token"] = "sst_" + "0" * 43
        call("admin_list_tokens", "GET", "/api/v1/tokens")
        call("admin_revoke_token", "DELETE", f"/api/v1/tokens/{made['id']}")
        hook = {
            "url": "https://systems.example.gov.cn/scoring/notices",
            "event_types": ["finding.overdue", "report.submitted"],
            "scope": ["441624"],
        }
        made = call("webhooks_create_webhook", "POST", "/api/v1/webhooks", hook, 201).get_json()
        found["webhooks_create_webhook"]["response"]["secret"] = "0" * 43
        call("webhooks_list_webhooks", "GET", "/api/v1/webhooks")
        call("webhooks_delete_webhook", "DELETE", f"/api/v1/webhooks/{made['id']}")
        call("admin_audit_log", "GET", "/api/v1/audit?limit=2")
        call("meta_health", "GET", "/api/v1/health")
        found["meta_health"]["503"] = {
            "status": "down",
            "checks": {
                "database": {"status": "down", "detail": "OperationalError"},
                "rulesets": {"status": "up", "detail": None, "years": [2018, 2019]},
            },
        }
        found["meta_openapi"] = {
            "application/json": {"openapi": "3.1.0", "info": {"title": "...", "version": "1.0.0"}}
        }
        found["meta_docs"] = {"text/html": "<!doctype html><html lang='en'>…</html>"}
    return dict(sorted(found.items()))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/examples.sqlite"
        upgrade(url)
        found = collect(url)
    OUT.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(found)} operations")


if __name__ == "__main__":
    main()
