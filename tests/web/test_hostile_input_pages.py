"""The pages refuse text XML cannot hold and workbooks that unpack past their limits, in
words beside the field, storing nothing."""

from __future__ import annotations

import io

from tests.helpers.html import texts
from tests.helpers.web import Site, csrf_token
from tests.unit.test_upload_bounds import one_huge_cell

Y = "/years/2018"
HEPING = "2018-G1-441624-07"


def test_a_noncharacter_in_a_finding_s_description_is_refused_beside_the_field(
    demo: Site,
) -> None:
    client = demo.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    finding = {
        "code": f"{HEPING}-98",
        "unit": "441624103",
        "criterion": "7.1",
        "severity": "major",
        "description": "档案\ufffe不全",
        "deadline": "2018-09-30",
        "csrf_token": csrf_token(client.get(path).text),
    }
    refused = client.post(f"{path}/findings", data=finding)
    assert refused.status_code == 422
    assert "第 3 个字符 U+FFFE 不能用于文本" in texts(refused.text, "//p[@class='field-error']")
    assert f"{HEPING}-98" not in client.get(path).text


def test_a_workbook_unpacking_past_the_limit_is_refused_in_words(demo: Site) -> None:
    client = demo.client("inspector")
    path = f"{Y}/inspections/{HEPING}"
    sent = {
        "csrf_token": csrf_token(client.get(path).text),
        "problem_list": (io.BytesIO(one_huge_cell(60 * 1024 * 1024)), "问题清单.xlsx"),
    }
    refused = client.post(f"{path}/problem-list", data=sent, content_type="multipart/form-data")
    assert refused.status_code == 422
    problems = texts(refused.text, "//div[@class='error-summary']//li")
    assert any("解压后超过 50 MiB" in p for p in problems), problems
