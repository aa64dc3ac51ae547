"""Reused evidence over HTTP (★): a report whose photo equals or nearly equals one submitted
for another finding names that finding, only where the caller reads it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_api_rectification import F1, F2, OTHER, open_api
from tests.helpers.api import Api
from tests.helpers.photos import encoded, photo


@pytest.fixture(name="loop")
def loop_fixture(db_url: str, tmp_path: Path) -> Iterator[Api]:
    for api in open_api(db_url, tmp_path / "files"):
        api.token("heping-inspector", "inspector", ["441624"])
        yield api


def report_on(api: Api, code: str, content: bytes, name: str, who: str = "heping") -> Any:
    """A report with one file, by the unit person ``who``."""
    made = api.client.post(
        f"/api/v1/findings/{code}/reports",
        data={
            "date": "2018-09-01",
            "text": "已整改，附现场照片",
            "files": [(io.BytesIO(content), name)],
        },
        content_type="multipart/form-data",
        headers=api.headers(who),
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_the_same_photo_reencoded_smaller_as_jpeg_is_flagged_with_the_other_finding(
    loop: Api,
) -> None:
    scene = photo(1)
    first = report_on(loop, F1, encoded(scene, "PNG"), "整改前后.png")
    again = encoded(scene, "JPEG", size=(400, 300))
    second = report_on(loop, F2, again, "现场.jpg")
    # Different bytes: only the picture is the same.
    assert second["files"][0]["sha256"] != first["files"][0]["sha256"]

    shown = loop.get(f"/api/v1/reports/{second['id']}", who="inspector").get_json()
    [flag] = shown["reused_evidence"]
    assert (flag["file"], flag["other_file"]) == (
        hashlib.sha256(again).hexdigest(),
        first["files"][0]["sha256"],
    )
    assert (flag["finding"], flag["year"], flag["report"]) == (F1, 2018, first["id"])
    assert flag["distance"] <= 6
    # The other way round, the first report is flagged too, and in the year's list.
    waiting = loop.get("/api/v1/years/2018/reports?state=submitted", who="inspector").get_json()
    flags = {r["finding"]: [u["finding"] for u in r["reused_evidence"]] for r in waiting["items"]}
    assert flags == {F1: [F2], F2: [F1]}


def test_two_different_photos_are_not_flagged(loop: Api) -> None:
    report_on(loop, F1, encoded(photo(1), "JPEG"), "a.jpg")
    second = report_on(loop, F2, encoded(photo(2), "JPEG"), "b.jpg")
    shown = loop.get(f"/api/v1/reports/{second['id']}", who="inspector").get_json()
    assert shown["reused_evidence"] == []


def test_a_scoped_reviewer_is_not_told_of_a_finding_outside_its_reach(loop: Api) -> None:
    scene = photo(7)
    report_on(loop, OTHER, encoded(scene, "PNG"), "other.png", who="yuancheng")
    mine = report_on(loop, F1, encoded(scene, "JPEG", size=(320, 240)), "mine.jpg")

    everyone = loop.get(f"/api/v1/reports/{mine['id']}", who="inspector").get_json()
    assert [r["finding"] for r in everyone["reused_evidence"]] == [OTHER]
    scoped = loop.get(f"/api/v1/reports/{mine['id']}", who="heping-inspector").get_json()
    assert scoped["reused_evidence"] == []
