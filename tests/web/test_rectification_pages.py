"""The rectification loop's pages through the Flask client, on both backends: a unit
person's page with its lights and forms, the reviewers' queue, evidence shown and served,
refusals in words, and the scope rule both ways."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.helpers.english import english_runs
from tests.helpers.photos import encoded, photo
from tests.helpers.web import Site, csrf_token, make_site
from tests.web.test_languages import visible_text

MINE = "2018-G1-441624-07-04"  # found in 和平县, overdue at the cutoff
ALSO_MINE = "2018-G1-441624-07-12"
OTHER = "2018-G1-441602-07-09"  # another county's
DESK = "/years/2018/rectification"
QUEUE = "/years/2018/reviews"


@pytest.fixture(name="loop")
def loop_fixture(db_url: str, tmp_path: Path) -> Iterator[Site]:
    made = make_site(db_url, files_dir=str(tmp_path / "files"))
    made.add_person("liaison", "unit", ["441624"])
    made.add_person("yuancheng", "unit", ["441602"])
    yield made
    made.services.close()


def report(client: FlaskClient, code: str, files: list[tuple[bytes, str]], **fields: str) -> Any:
    token = csrf_token(client.get(DESK).text)
    data: dict[str, Any] = {"csrf_token": token, "date": "2018-09-01", "text": "已整改", **fields}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(
        f"/years/2018/findings/{code}/reports", data=data, content_type="multipart/form-data"
    )


def decide(client: FlaskClient, report_id: int, **fields: str) -> Any:
    token = csrf_token(client.get(QUEUE).text)
    return client.post(f"{QUEUE}/reports/{report_id}", data={"csrf_token": token, **fields})


def row_light(html: str, code: str) -> str:
    row = rf'<tr data-finding="{re.escape(code)}">\s*<td>'
    found = re.search(row + r'<span class="light light--(\w+)"[^>]*>([^<]+)<', html)
    assert found, f"{code} is not on the page with a light"
    return f"{found.group(1)} {found.group(2)}"


def test_a_unit_person_lands_on_their_open_findings_with_lights_in_colour_and_word(
    loop: Site,
) -> None:
    client = loop.client("liaison")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith(DESK)
    page = client.get(DESK)
    assert page.status_code == 200
    codes = re.findall(r'<tr data-finding="([^"]+)">', page.text)
    assert MINE in codes and OTHER not in codes
    assert all("441624" in c for c in codes)
    # At the year's cutoff an open finding is past its deadline: red, and said in words.
    assert row_light(page.text, MINE) == "red 已逾期（红灯）"
    # Yellow within the days asked for ahead of the deadline (2018-07-30 for this one).
    early = client.get(f"{DESK}?as_of=2018-07-28&within=3").text
    assert row_light(early, MINE) == "yellow 临近到期（黄灯）"
    assert english_runs(visible_text(page.text)) == []
    # The queue is in the header only for those who decide.
    assert 'href="/years/2018/reviews"' not in page.text
    assert 'href="/years/2018/reviews"' in loop.client("inspector").get("/years/2018").text


def test_a_report_with_a_photo_reaches_the_queue_and_an_accept_rectifies_the_finding(
    loop: Site,
) -> None:
    unit = loop.client("liaison")
    picture = encoded(photo(3), "JPEG")
    sent = report(unit, MINE, [(picture, "现场照片.jpg"), (b"%PDF-1.4\n%%EOF\n", "清单.pdf")])
    assert sent.status_code == 302, sent.text
    assert "待审核" in unit.get(DESK).text

    inspector = loop.client("inspector")
    queue = inspector.get(QUEUE)
    assert queue.status_code == 200
    assert f'data-finding="{MINE}"' in queue.text
    assert english_runs(visible_text(queue.text)) == []
    image = re.search(r'<img src="([^"]+)"', queue.text)
    assert image is not None
    shown = inspector.get(image.group(1))
    assert shown.status_code == 200 and shown.data == picture
    assert shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    report_id = int(re.search(r'data-report="(\d+)"', queue.text).group(1))  # type: ignore[union-attr]
    # The PDF is linked, downloaded as an attachment, never shown inline.
    assert inspector.get(f"/reports/{report_id}/files/1/image").status_code == 404
    pdf = inspector.get(f"/reports/{report_id}/files/1")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")

    done = decide(inspector, report_id, decision="accepted")
    assert done.status_code == 302
    finding = inspector.get(f"/years/2018/findings/{MINE}").text
    assert 'data-field="outcome" data-value="late"' in finding
    assert 'data-type="rectified"' in finding and "已通过" in finding
    assert f'data-finding="{MINE}"' not in inspector.get(QUEUE).text


def test_a_return_without_a_reason_is_refused_beside_the_field_and_with_one_is_shown_to_the_unit(
    loop: Site,
) -> None:
    unit = loop.client("liaison")
    assert report(unit, MINE, []).status_code == 302
    inspector = loop.client("inspector")
    report_id = int(re.search(r'data-report="(\d+)"', inspector.get(QUEUE).text).group(1))  # type: ignore[union-attr]

    refused = decide(inspector, report_id, decision="returned")
    assert refused.status_code == 422
    summary = f'href="#field-report-{report_id}-reason"'
    assert summary in refused.text and 'class="field-error"' in refused.text

    assert decide(inspector, report_id, decision="returned", reason="照片不清晰").status_code == 302
    mine = unit.get(DESK).text
    assert "已退回" in mine and "照片不清晰" in mine
    ledger = unit.get("/years/2018/findings?county=441624").text
    assert f'data-report="{report_id}" data-value="returned"' in ledger


def test_a_file_not_accepted_is_refused_naming_it_and_nothing_is_stored(
    loop: Site, tmp_path: Path
) -> None:
    unit = loop.client("liaison")
    refused = report(unit, MINE, [(b"MZ\x90\x00 not a document", "报告.exe")])
    assert refused.status_code == 422
    assert f'href="#field-report-{MINE}-files"' in refused.text
    assert "报告.exe" in refused.text
    assert not [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert "尚无整改情况报告" in unit.get(DESK).text


def test_a_unit_person_cannot_decide_nor_report_on_another_countys_finding(
    loop: Site,
) -> None:
    unit = loop.client("liaison")
    assert report(loop.client("yuancheng"), OTHER, []).status_code == 302
    assert unit.get(QUEUE).status_code == 403
    token = csrf_token(unit.get(DESK).text)
    assert (
        unit.post(f"{QUEUE}/reports/1", data={"csrf_token": token, "decision": "accepted"})
    ).status_code == 403
    assert report(unit, OTHER, []).status_code == 404
    # Nor is the other county's report, or its files, readable.
    assert unit.get("/reports/1/files/0").status_code == 404


def test_the_queue_flags_a_reused_photo_naming_only_findings_in_the_reviewers_reach(
    loop: Site,
) -> None:
    scene = photo(11)
    assert report(loop.client("yuancheng"), OTHER, [(encoded(scene), "a.png")]).status_code == 302
    liaison = loop.client("liaison")
    assert report(liaison, MINE, [(encoded(scene, "JPEG", (320, 240)), "b.jpg")]).status_code == 302
    assert report(liaison, ALSO_MINE, [(encoded(photo(12), "JPEG"), "c.jpg")]).status_code == 302

    def flagged(who: str) -> dict[str, list[str]]:
        page = loop.client(who).get(QUEUE).text
        found: dict[str, list[str]] = {}
        for article in re.findall(r"<article .*?</article>", page, re.S):
            code = re.search(r'data-finding="([^"]+)"', article).group(1)  # type: ignore[union-attr]
            found[code] = re.findall(r'data-reused-finding="([^"]+)"', article)
        return found

    assert flagged("inspector") == {OTHER: [MINE], MINE: [OTHER], ALSO_MINE: []}
    # Scoped to 和平县: the other county's finding is neither listed nor named.
    assert flagged("heping") == {MINE: [], ALSO_MINE: []}
