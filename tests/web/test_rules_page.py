"""``/rules/{year}`` with Flask's test client: versions for everyone, drafts for rule
editors uploaded as a zipped folder (every problem by file, line and key, or the rule
tests' results), the dry run's movers as the service computes them, publishing with a
note; roles, scope and CSRF."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from scoring_service.domain.principals import Principal, Role
from scoring_service.rules.files import read_folder
from scoring_service.rulesets import service
from tests.helpers.html import attrs, parse, texts
from tests.helpers.web import ROOT, Site, csrf_token

R1 = "when: rate >= 0.95 and overdue_major == 0"
R2 = "when: rate >= 0.90 and (rate < 0.95 or overdue_major > 0)"
CASES = """\
cases:
  - name: rate 0.97 is commended
    metrics: {on_time: 97, overdue: 3, rate: 0.97}
    expect: {fired: [R1], measures: [commendation]}

  - name: rate 0.95 is no longer commended
    metrics: {on_time: 19, overdue: 1, rate: 0.95}
    expect: {fired: [R1]}
"""
EDITOR = Principal(None, "editor", Role.RULE_EDITOR)


def files_2018(cases: str = CASES) -> dict[str, str]:
    """The shipped 2018 rules with R1's threshold raised to 97%, and a rule test of it."""
    files = {k: v for k, v in read_folder(ROOT / "rules" / "2018").items() if "/" not in k}
    files["rules.yaml"] = (
        files["rules.yaml"]
        .replace(R1, R1.replace("0.95", "0.97"))
        .replace(R2, R2.replace("rate < 0.95", "rate < 0.97"))
    )
    files["tests/threshold.yaml"] = cases
    return files


def zipped(files: dict[str, str], folder: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in files.items():
            archive.writestr(folder + path, text)
        archive.writestr("__MACOSX/._rules.yaml", "ignored")
    return out.getvalue()


def upload(client: Any, raw: bytes, note: str = "R1 raised to 97%") -> Any:
    token = csrf_token(client.get("/rules/2018").text)
    return client.post(
        "/rules/2018/drafts",
        data={"csrf_token": token, "note": note, "folder": (io.BytesIO(raw), "2018.zip")},
        content_type="multipart/form-data",
    )


@pytest.fixture
def editor_site(site: Site) -> Site:
    site.add_person("editor", "rule_editor")
    site.add_person("county-editor", "rule_editor", ["441624"])
    return site


def test_versions_for_everyone_drafts_for_editors(demo: Site) -> None:
    client = demo.client("reader")
    page = client.get("/rules/2018")
    assert page.status_code == 200
    versions = service.list_versions(demo.uow(), 2018).versions
    assert attrs(page.text, "data-hash", "tr") == [v.content_hash for v in reversed(versions)]
    assert parse(page.text).xpath("//tr[@data-in-force='true']")
    assert not parse(page.text).xpath("//form[contains(@class, 'upload')]")
    token = csrf_token(page.text)
    refused = client.post("/rules/2018/drafts", data={"csrf_token": token})
    assert refused.status_code == 403
    assert client.get("/rules/2018/drafts/1").status_code == 403
    assert client.get("/rules/1999").status_code == 404  # no rule set for that year


@pytest.mark.language("zh")  # the page reads Chinese; so must the expected problems
def test_a_broken_draft_is_refused_with_file_line_and_key(editor_site: Site) -> None:
    client = editor_site.client("editor")
    files = files_2018()
    files["rules.yaml"] = files["rules.yaml"].replace("when: repeats >= 1", "when: repeats >=")
    with pytest.raises(service.RuleProblems) as expected:
        service.check_draft(editor_site.uow(EDITOR), 2018, files)
    refused = upload(client, zipped(files, "2018/"))
    assert refused.status_code == 422
    listed = texts(refused.text, "//div[@class='error-summary']//li")
    assert listed == [str(p) for p in expected.value.problems]
    assert listed[0].startswith("rules/2018/rules.yaml 第 58 行，键 rules[6].when：")
    assert "R1 raised to 97%" in refused.text  # the note typed is kept
    assert service.list_drafts(editor_site.uow(EDITOR), 2018) == []
    not_zip = upload(client, b"rules.yaml: not a zip")
    assert not_zip.status_code == 422
    assert "not a zip archive" in not_zip.text


def test_draft_tests_dry_run_and_publishing(editor_site: Site) -> None:
    client = editor_site.client("editor")
    made = upload(client, zipped(files_2018(), "2018/"))
    assert made.status_code == 302, made.text
    draft_path = made.headers["Location"]
    draft_id = int(draft_path.rsplit("/", 1)[1])
    page = client.get(draft_path).text
    tests = parse(page).xpath("//section[@data-cases]")[0]
    assert (tests.get("data-cases"), tests.get("data-failed")) == ("2", "1")
    assert texts(page, "//ul[@class='failures']/li") == [
        "rules/2018/tests/threshold.yaml 第 6 行，"
        "rate 0.95 is no longer commended：触发 R2，应为 R1"
    ]

    diff = client.get(f"{draft_path}/diff")
    assert diff.status_code == 200
    doc = service.dry_run(editor_site.uow(EDITOR), 2018, draft_id=draft_id).to_json()
    movers = doc["summary"]["largest_movers"]
    assert movers
    table = parse(diff.text).xpath("//table[contains(@class,'movers')]")[0]
    assert [r.get("data-unit") for r in table.xpath(".//tr[@data-unit]")] == [
        m["unit"] for m in movers
    ]
    lost = parse(diff.text).xpath("//tr[@data-measure='commendation']/td[@data-field='lost']")[0]
    assert lost.get("data-value").split() == doc["summary"]["measures"]["commendation"]["lost"]
    assert doc["summary"]["measures"]["commendation"]["lost_count"] > 0
    names = {u["unit"]: u["name"] for u in doc["units"]}
    first = doc["summary"]["measures"]["commendation"]["lost"][0]
    assert names[first] in lost.text_content() and first not in lost.text_content()
    changed = parse(diff.text).xpath("//table[contains(@class,'unit-changes')]//tr[@data-unit]")
    assert len(changed) == min(200, len(doc["units"]))
    assert "R1.when" in attrs(diff.text, "data-what", "tr")
    assert client.get(f"{draft_path}/diff?as_of=2017-01-01").status_code == 422

    token = csrf_token(page)
    assert client.post(f"{draft_path}/publish", data={"note": "x"}).status_code == 400  # CSRF
    refused = client.post(f"{draft_path}/publish", data={"note": "R1 97%", "csrf_token": token})
    assert refused.status_code == 422  # its rule test fails
    assert "threshold.yaml 第 6 行" in " ".join(
        texts(refused.text, "//div[@class='error-summary']//li")
    )

    fixed = upload(client, zipped(files_2018(CASES.replace("{fired: [R1]}", "{fired: [R2]}"))))
    second = fixed.headers["Location"]
    token = csrf_token(client.get(second).text)
    no_note = client.post(f"{second}/publish", data={"note": " ", "csrf_token": token})
    assert no_note.status_code == 422
    note = {"note": "R1 raised (会议纪要 2019-01-15)", "csrf_token": token}
    asked = client.post(f"{second}/publish", data=note)
    assert asked.status_code == 200  # it moves units: first how many, then a second click
    (confirm,) = parse(asked.text).xpath("//div[contains(@class,'confirm-publish')]")
    moved = doc["summary"]["grade"]["changed"]
    assert confirm.get("data-grade") == str(moved) and moved > 0
    assert f"{moved} 个单位的等次改变" in confirm.text_content()
    assert not parse(client.get("/rules/2018").text).xpath("//tr[@data-version='2']")
    published = client.post(f"{second}/publish", data={**note, "confirmed": "yes"})
    assert published.status_code == 302
    page = client.get("/rules/2018").text
    in_force = parse(page).xpath("//tr[@data-in-force='true']")[0]
    assert in_force.get("data-version") == "2"
    assert "editor" in in_force.text_content() and "会议纪要 2019-01-15" in in_force.text_content()
    stale = client.post(f"{draft_path}/publish", data={"note": "late", "csrf_token": token})
    assert stale.status_code in (409, 422)
    assert parse(client.get(draft_path).text).xpath("//*[@data-status='stale']")


def test_a_scoped_editor_cannot_dry_run_or_store_drafts(editor_site: Site) -> None:
    client = editor_site.client("county-editor")
    assert upload(client, zipped(files_2018())).status_code == 403
    draft = service.create_draft(editor_site.uow(EDITOR), 2018, files_2018())
    assert client.get(f"/rules/2018/drafts/{draft.id}/diff").status_code == 403
