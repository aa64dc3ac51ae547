"""The OpenAPI document as integrators use it: valid for openapi-spec-validator and Redocly,
described and exemplified throughout, and good enough for a generated client to download
the CSV and XLSX files."""

from __future__ import annotations

import importlib
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openpyxl import load_workbook
from werkzeug.serving import make_server

from edge.context import EXTENSION
from edge.files import CSV, XLSX
from server import create_app
from tests.helpers.api import Api, api_fixture, loaded_fixture, make_api  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / ".ci" / "node"
METHODS = ("get", "post", "put", "patch", "delete")


def document(api: Api) -> dict[str, Any]:
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.get_json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def descriptions(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                yield item
            else:
                yield from descriptions(item)
    elif isinstance(value, list):
        for item in value:
            yield from descriptions(item)


def test_the_document_is_valid_for_openapi_spec_validator(api: Api) -> None:
    validate(document(api))


def test_every_tag_and_parameter_is_described_in_plain_markdown(api: Api) -> None:
    doc = document(api)
    assert doc["tags"] and all(tag.get("description") for tag in doc["tags"])
    for path, method, op in operations(doc):
        assert op["description"], (method, path)
        for param in op["parameters"]:
            assert param.get("description"), (method, path, param["name"])
    # No reStructuredText literal left: CommonMark uses single backticks.
    assert not [text for text in descriptions(doc) if "``" in text]


def test_every_body_and_answer_has_an_example_that_fits_its_schema(api: Api) -> None:
    doc = document(api)
    checked = 0

    def check(media: dict[str, Any], where: str) -> None:
        nonlocal checked
        schema = media["schema"]
        if schema.get("format") == "binary" and "examples" not in media:
            return  # bytes (XLSX): nothing to show
        assert media.get("examples"), where
        for example in media["examples"].values():
            validator = Draft202012Validator({**schema, "components": doc["components"]})
            problems = [e.message for e in validator.iter_errors(example["value"])]
            assert not problems, (where, problems[:3])
            checked += 1

    for path, method, op in operations(doc):
        body = op.get("requestBody")
        if body is not None:
            for media in body["content"].values():
                check(media, f"{method} {path} request")
        for status, answer in op["responses"].items():
            for kind, media in answer.get("content", {}).items():
                check(media, f"{method} {path} {status} {kind}")
    for name, answer in doc["components"]["responses"].items():
        for media in answer["content"].values():
            check(media, name)
    assert checked > 80


def test_file_answers_are_declared_as_binary(api: Api) -> None:
    doc = document(api)
    scores = doc["paths"]["/api/v1/years/{year}/scores"]["get"]["responses"]["200"]["content"]
    assert list(scores) == ["application/json"]  # its files are the operations beside it
    for suffix, media in ((".csv", CSV), (".xlsx", XLSX)):
        for path in (
            "/api/v1/years/{year}/scores",
            "/api/v1/years/{year}/score-runs/{run_id}/rows",
            "/api/v1/years/{year}/inspections/{code}/problems",
        ):
            content = doc["paths"][path + suffix]["get"]["responses"]["200"]["content"]
            assert list(content) == ["application/octet-stream", media], path + suffix
            assert all(c["schema"]["format"] == "binary" for c in content.values())


def test_a_json_operation_declares_one_media_type(api: Api) -> None:
    for path, item in document(api)["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"].get("200", {}).get("content", {})
            if "application/json" not in ok:
                continue
            assert list(ok) == ["application/json"], (method, path)
            names = {p["name"] for p in operation["parameters"]}
            assert not names & {"format", "encoding"}, (method, path)


def test_the_server_comes_from_the_configuration(api: Api, db_url: str) -> None:
    assert document(api)["servers"][0]["url"] == "http://localhost"  # the request's host
    public = "https://scoring.example.gov.cn/gateway/"
    app = create_app({"database_url": db_url, "public_url": public})
    try:
        doc = app.test_client().get("/api/v1/openapi.json").get_json()
        assert doc["servers"][0]["url"] == "https://scoring.example.gov.cn/gateway"
    finally:
        app.extensions[EXTENSION].close()


def test_health_has_one_shape_up_and_down(api: Api) -> None:
    answers = document(api)["paths"]["/api/v1/health"]["get"]["responses"]
    up, down = (answers[code]["content"]["application/json"] for code in ("200", "503"))
    assert up["schema"] == down["schema"] == {"$ref": "#/components/schemas/HealthRead"}
    assert up["examples"]["default"]["value"]["status"] == "up"
    assert down["examples"]["default"]["value"]["status"] == "down"


def redocly() -> list[str] | None:
    """The pinned Redocly CLI: installed by .ci/run in .ci/node, else run through npx."""
    installed = NODE / "node_modules" / ".bin" / "redocly"
    if installed.exists():
        return [str(installed)]
    npx = shutil.which("npx")
    if npx is None:
        return None
    lock = json.loads((NODE / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/@redocly/cli"]["version"]
    return [npx, "--yes", f"@redocly/cli@{version}"]


def test_redocly_recommended_rules_report_no_error(api: Api, tmp_path: Path) -> None:
    command = redocly()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js (npx) is needed for Redocly's linter under CI")
        pytest.skip("Node.js (npx) is not installed")
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document(api), ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [*command, "lint", "--extends", "recommended", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert not errors and result.returncode == 0, errors[:5] or result.stderr[-2000:]


@pytest.fixture
def served(loaded: Api) -> Iterator[str]:
    """The app on a free local port, served by werkzeug in a thread: its base address."""
    server = make_server("127.0.0.1", 0, loaded.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_generated_client_downloads_csv_and_xlsx(
    loaded: Api, served: str, tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document(loaded), ensure_ascii=False), encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    bin_dir = str(Path(sys.executable).parent)
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(tmp_path / "scoring_client"),
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
    )
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("scoring_client")
        year_scores_csv = importlib.import_module(
            "scoring_client.api.scores.scores_year_scores_csv"
        )
        year_scores_xlsx = importlib.import_module(
            "scoring_client.api.scores.scores_year_scores_xlsx"
        )
        problems_xlsx = importlib.import_module(
            "scoring_client.api.inspections.inspections_problem_list_xlsx"
        )
        year_scores = importlib.import_module("scoring_client.api.scores.scores_year_scores")
        client = client_module.AuthenticatedClient(base_url=served, token=loaded.tokens["reader"])
        with client as c:
            csv_file = year_scores_csv.sync(client=c, year=2018)
            xlsx_file = year_scores_xlsx.sync(client=c, year=2018)
            problems = problems_xlsx.sync(client=c, year=2018, code="2018-G1-07")
            page = year_scores.sync(client=c, year=2018, limit=2)
            # The scores operation as declared reads JSON only: the files are the
            # operations beside it, so no call of it can get a file to parse as JSON.
            declared = inspect.signature(year_scores.sync).parameters
            assert "format" not in declared and "encoding" not in declared
    finally:
        sys.path.remove(str(tmp_path))
        for name in [
            m for m in sys.modules if m == "scoring_client" or m.startswith("scoring_client.")
        ]:
            del sys.modules[name]
    text = csv_file.payload.read().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("类别,名次,单位代码")
    assert len(text.splitlines()) == 1 + page.total
    for workbook in (xlsx_file, problems):
        load_workbook(io.BytesIO(workbook.payload.read()))
    assert len(page.items) == 2
