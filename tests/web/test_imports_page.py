"""``/imports`` with Flask's test client: administrators only; a bad bundle's every problem
listed with its pointer and nothing stored; a year held replaced only when confirmed."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scoring_service.access import audit
from scoring_service.assessment.services import list_years
from scoring_service.bundle import InvalidBundle, read_bundle
from tests.helpers.html import parse, texts
from tests.helpers.web import DEMO_2018, ROOT, Site, csrf_token

DEMO_2019 = ROOT / "fixtures" / "demo-2019.bundle.json"


def broken_bundle() -> bytes:
    """The 2019 demo data with three records broken in different places."""
    bundle = json.loads(DEMO_2019.read_text(encoding="utf-8"))
    bundle["units"][3]["kind"] = "province"
    bundle["inspections"][0]["county"] = "nowhere"
    bundle["inspections"][1]["findings"][0]["deadline"] = "2019-02-30"
    return json.dumps(bundle, ensure_ascii=False).encode("utf-8")


def send(client: Any, raw: bytes, **fields: str) -> Any:
    token = csrf_token(client.get("/imports").text)
    return client.post(
        "/imports",
        data={"csrf_token": token, "bundle": (io.BytesIO(raw), "bundle.json"), **fields},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("who", ["reader", "inspector", "heping"])
def test_only_administrators_import(demo: Site, who: str) -> None:
    client = demo.client(who)
    assert client.get("/imports").status_code == 403
    token = csrf_token(client.get("/").text)
    response = client.post(
        "/imports",
        data={"csrf_token": token, "bundle": (io.BytesIO(b"{}"), "b.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "数据导入" not in client.get("/").text  # no link to a page they cannot use


def test_every_problem_of_a_bad_bundle_is_listed_and_nothing_stored(site: Site) -> None:
    client = site.client("office")
    raw = broken_bundle()
    with pytest.raises(InvalidBundle) as expected:
        read_bundle(raw, lambda _year: site.services.rules.current(2019).catalogue)  # type: ignore[union-attr]
    before = list_years(site.uow())
    response = send(client, raw)
    assert response.status_code == 422
    items = parse(response.text).xpath("//ol[@class='problems']/li")
    assert [li.get("data-pointer") for li in items] == [p.pointer for p in expected.value.problems]
    assert len(items) >= 3
    by_pointer = {li.get("data-pointer"): " ".join(li.text_content().split()) for li in items}
    assert any(p.startswith("/units/3") for p in by_pointer)
    finding = next(p for p in by_pointer if p.startswith("/inspections/1/findings/0"))
    assert by_pointer[finding].startswith("第2次督查 › 第1个问题")  # the pointer in words
    assert f"数据包有 {len(items)} 个问题，未保存任何数据" in response.text
    assert list_years(site.uow()) == before


def test_a_year_is_imported_and_a_held_one_replaced_only_when_confirmed(site: Site) -> None:
    client = site.client("office")
    assert client.post("/imports", data={}).status_code == 400  # no CSRF token
    made = send(client, DEMO_2019.read_bytes())
    assert made.status_code == 302
    page = client.get("/imports").text
    assert "已导入2019年度数据" in page
    assert parse(page).xpath("//tr[@data-year='2019']")
    entry = audit.entries(site.uow(), limit=1, action="bundle.import").items[0]
    assert (entry.token, entry.record) == ("office", "2019")

    held = send(client, DEMO_2018.read_bytes())
    assert held.status_code == 409
    assert "replace--asked" in held.text
    assert any("2018" in t for t in texts(held.text, "//p[@class='field-error']"))
    unconfirmed = send(client, DEMO_2018.read_bytes(), replace="yes")
    assert unconfirmed.status_code == 422
    assert "还须确认删除现有数据" in unconfirmed.text
    revision = {y.year: y.revision for y in list_years(site.uow())}[2018]
    assert audit.entries(site.uow(), limit=1, action="bundle.import").items[0].record == "2019"

    replaced = send(client, DEMO_2018.read_bytes(), replace="yes", confirm="yes")
    assert replaced.status_code == 302
    assert "原有数据已被替换" in client.get("/imports").text
    assert {y.year: y.revision for y in list_years(site.uow())}[2018] != revision


def test_a_file_that_is_not_a_bundle_is_refused_in_words(demo: Site) -> None:
    client = demo.client("office")
    response = send(client, b"\x89PNG not json")
    assert response.status_code == 422
    assert parse(response.text).xpath("//ol[@class='problems']/li")
    missing = client.post(
        "/imports",
        data={"csrf_token": csrf_token(client.get("/imports").text)},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422
    assert "请选择要上传的数据包文件" in missing.text
