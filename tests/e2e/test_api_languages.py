"""The API answers people in the language they ask for with ``Accept-Language``, Chinese
when they ask for none (or for one the service does not speak), and never changes what
machines read: problem ``type`` URIs, pointers, field names, enum values, the OpenAPI
document."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.api import Api, api_fixture, make_api, problem  # noqa: F401
from tests.helpers.bundles import spec_bundle
from tests.helpers.english import english_runs

pytestmark = pytest.mark.language(None)  # the service's default, as a client that sets nothing
ENGLISH = {"Accept-Language": "en-US,en;q=0.8"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_an_unknown_address_in_chinese_by_default_and_in_english_on_request(api: Api) -> None:
    chinese = api.client.get("/api/v1/no-such-thing")
    english = api.client.get("/api/v1/no-such-thing", headers=ENGLISH)
    zh, en = problem(chinese, 404), problem(english, 404)
    assert (zh["title"], zh["detail"]) == ("未找到", "此地址没有资源；全部接口见 /api/v1/docs")
    assert (en["title"], en["detail"]) == (
        "Not Found",
        "no resource at this address; the operations are listed at /api/v1/docs",
    )
    assert zh["type"] == en["type"] == "about:blank"
    assert chinese.headers["Content-Language"] == "zh"
    assert english.headers["Content-Language"] == "en"
    for response in (chinese, english):
        assert "Accept-Language" in response.headers["Vary"]


def test_a_problem_type_stays_while_its_title_and_detail_follow_the_language(api: Api) -> None:
    zh = problem(api.client.get("/api/v1/years"), 401)
    en = problem(api.client.get("/api/v1/years", headers=ENGLISH), 401)
    french = problem(api.client.get("/api/v1/years", headers={"Accept-Language": "fr"}), 401)
    assert zh["type"] == en["type"] == "/api/v1/docs#problem-unauthenticated"
    assert zh["title"] == "需要有效的 Bearer 令牌"
    assert en["title"] == "A valid bearer token is required"
    assert zh["detail"] == "请发送令牌：Authorization: Bearer <token>（令牌由管理员创建）"
    assert french == {**zh, "request_id": french["request_id"]}  # a language not spoken: Chinese


def test_bundle_problems_keep_their_pointers_in_every_language(api: Api) -> None:
    bad = spec_bundle()
    bad["units"][0]["kind"] = "province"
    bad["inspections"][0]["findings"][0]["deadline"] = "2018-13-01"
    zh = problem(api.post("/api/v1/bundles", bad), 422)
    en = problem(api.post("/api/v1/bundles", bad, headers=ENGLISH), 422)
    assert (
        [e["pointer"] for e in zh["errors"]]
        == [e["pointer"] for e in en["errors"]]
        == [
            "/units/0/kind",
            "/inspections/0/findings/0/deadline",
        ]
    )
    assert zh["type"] == en["type"] == "/api/v1/docs#problem-invalid-bundle"
    assert zh["title"] == "数据包有问题；未保存任何内容"
    assert zh["detail"] == "数据包有 2 个问题；未保存任何内容"
    assert en["detail"] == "the bundle has 2 problem(s); nothing was stored"
    assert zh["errors"][1]["message"] == "须为 YYYY-MM-DD 格式的日期"
    assert en["errors"][1]["message"] == "must be a date written YYYY-MM-DD"
    for doc in (
        zh,
        api.client.get("/api/v1/findings/NO-SUCH", headers=api.headers(**CHINESE)).get_json(),
    ):
        assert english_runs(f"{doc['title']} {doc['detail']}") == []


def test_alert_details_are_read_in_the_language_and_their_subjects_stay(api: Api) -> None:
    api.load()
    path = "/api/v1/years/2018/alerts?as_of=2018-12-31"
    zh = api.get(path).get_json()["items"]
    en = api.client.get(path, headers=api.headers(**ENGLISH)).get_json()["items"]
    assert zh and len(zh) == len(en)

    def subjects(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in a.items() if k != "detail"} for a in items]

    assert subjects(zh) == subjects(en)
    assert all(english_runs(a["detail"]) == [] for a in zh)
    assert any(english_runs(a["detail"]) for a in en)
    english = api.client.get(path, headers=api.headers(**ENGLISH))
    tagged = api.headers(**ENGLISH, **{"If-None-Match": english.headers["ETag"]})
    again = api.client.get(path, headers=tagged)
    assert again.status_code == 304
    # The Chinese body has its own tag: a cache keyed on Accept-Language keeps both.
    assert api.get(path).headers["ETag"] != english.headers["ETag"]


def test_the_docs_page_is_in_the_language_asked_for(api: Api) -> None:
    chinese = api.client.get("/api/v1/docs").get_data(as_text=True)
    english = api.client.get("/api/v1/docs", headers=ENGLISH).get_data(as_text=True)
    assert chinese.startswith("<!doctype html><html lang='zh'>")
    assert english.startswith("<!doctype html><html lang='en'>")
    assert "<h2 id='problems'>问题类型</h2>" in chinese
    assert "<h2 id='problems'>Problem types</h2>" in english
    assert "<td>需要有效的 Bearer 令牌</td>" in chinese
    # The contract's own descriptions stay English and say so (lang='en'); everything
    # around them and the identifiers (in <code>) is Chinese.
    frame = re.sub(r"<(div|span|td) [^>]*lang='en'>.*?</\1>", " ", chinese, flags=re.S)
    frame = re.sub(r"<(style|code)>.*?</\1>", " ", frame, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", frame))
    assert english_runs(text) == []


def test_the_openapi_document_is_the_same_in_every_language(api: Api) -> None:
    zh = api.client.get("/api/v1/openapi.json")
    en = api.client.get("/api/v1/openapi.json", headers=ENGLISH)
    assert zh.get_json() == en.get_json()
    assert zh.get_json()["components"]["schemas"]  # a real document


@pytest.fixture
def english_service(db_url: str) -> Iterator[Api]:
    yield from make_api(db_url, language="en")


def test_scoring_language_is_the_default_a_request_can_override(english_service: Api) -> None:
    plain = problem(english_service.client.get("/api/v1/years"), 401)
    asked = problem(english_service.client.get("/api/v1/years", headers=CHINESE), 401)
    assert plain["title"] == "A valid bearer token is required"
    assert asked["title"] == "需要有效的 Bearer 令牌"


def test_a_refused_role_is_said_in_the_words_of_the_language(api: Api) -> None:
    api.load()
    event = {"type": "rectified", "date": "2018-08-01"}
    attempts = (
        ("reader", "post", "/api/v1/findings/2018-G1-07-02/events", event),
        ("inspector", "post", "/api/v1/years/2018/score-runs", {}),
        ("assessor", "get", "/api/v1/tokens", None),
    )
    for who, method, path, body in attempts:
        headers = api.headers(who, **CHINESE)
        response = api.client.open(path, method=method.upper(), json=body, headers=headers)
        zh = problem(response, 403)
        # Not one English word: only the token's name, quoted, and nothing else Latin.
        assert english_runs(zh["detail"], min_words=1) == [], zh["detail"]
        assert f"'{who}'" in zh["detail"]
        headers = api.headers(who, **ENGLISH)
        en = problem(api.client.open(path, method=method.upper(), json=body, headers=headers), 403)
        assert re.search(r"[\u4e00-\u9fff]", en["detail"]) is None, en["detail"]
    doc = problem(api.post("/api/v1/findings/2018-G1-07-02/events", event, who="reader"), 403)
    assert doc["detail"] == (
        "'reader'（查阅人员）无权进行此操作：需要“录入督查和问题”的权限，"
        "具有该权限的角色：督查人员，管理员"
    )
