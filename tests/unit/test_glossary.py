"""One term per idea (/work/shared/notes/glossary.md): a machine value reads the same in the
catalogue's labels, the pages' labels, the files and documents, and the templates; a second
Chinese term for the same value fails here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from scoring_service.i18n import use_language
from scoring_service.i18n.labels import (
    GRADES,
    KINDS,
    MEASURES,
    METRICS,
    OUTCOMES,
    SEVERITIES,
    InChinese,
    label,
)
from scoring_service.reports import exports, text
from web import labels as web_labels

ROOT = Path(__file__).resolve().parents[2]

# The glossary's term and, where it allows one, its short form (narrow columns only).
GLOSSARY: dict[str, dict[str, tuple[str, ...]]] = {
    "outcomes": {
        "on_time": ("按期整改",),
        "late": ("逾期整改",),
        "overdue": ("逾期未整改",),
        "open": ("整改中（未到期）", "整改中"),
    },
    "severities": {"general": ("一般问题", "一般"), "major": ("重大问题", "重大")},
    "grades": {
        "excellent": ("好",),
        "good": ("较好",),
        "fair": ("一般",),
        "poor": ("较差",),
    },
    "measures": {
        "commendation": ("通报表扬",),
        "criticism": ("通报批评",),
        "interview": ("约谈",),
        "accountability": ("问责",),
    },
    "lights": {"red": ("已逾期（红灯）",), "yellow": ("临近到期（黄灯）",)},
    # The metrics count findings by outcome: the outcome's words.
    "metrics": {
        "on_time": ("按期整改",),
        "late": ("逾期整改",),
        "overdue": ("逾期未整改",),
        "open": ("整改中",),
        "fakes": ("虚假整改",),
        "repeats": ("问题反弹",),
        "rate": ("整改率",),
    },
}
CATALOGUE: dict[str, Mapping[str, str]] = {
    "outcomes": OUTCOMES,
    "severities": SEVERITIES,
    "grades": GRADES,
    "measures": MEASURES,
    "lights": web_labels.LIGHTS,
    "metrics": METRICS,
    "kinds": KINDS,
}
# Everything else that names these values: the pages' tables, the files' and documents'.
ELSEWHERE: list[tuple[str, str, Mapping[str, str]]] = [
    ("outcomes", "web.labels.OUTCOMES", InChinese(web_labels.OUTCOMES)),
    ("severities", "web.labels.SEVERITIES", InChinese(web_labels.SEVERITIES)),
    ("grades", "web.labels.GRADES", InChinese(web_labels.GRADES)),
    ("measures", "web.labels.MEASURES", InChinese(web_labels.MEASURES)),
    ("kinds", "web.labels.KINDS", InChinese(web_labels.KINDS)),
    ("outcomes", "reports.exports.OUTCOME_NAMES", exports.OUTCOME_NAMES),
    ("severities", "reports.exports.SEVERITY_NAMES", exports.SEVERITY_NAMES),
    ("metrics", "reports.exports.METRIC_NAMES", exports.METRIC_NAMES),
    ("lights", "reports.exports.DUE_LIGHTS", exports.DUE_LIGHTS),
    ("kinds", "reports.text.KIND_NAMES", text.KIND_NAMES),
    ("grades", "reports.text.GRADE_NAMES", text.GRADE_NAMES),
    ("measures", "reports.text.MEASURE_NAMES", text.MEASURE_NAMES),
]
# Second terms once used for an idea the glossary names otherwise.
DISCARDED = {"超期未改": "逾期未整改", "重复问题": "问题反弹"}


@pytest.mark.parametrize("group", sorted(GLOSSARY))
def test_the_catalogue_holds_the_glossary_s_term(group: str) -> None:
    with use_language("zh"):
        for value, terms in GLOSSARY[group].items():
            assert label(CATALOGUE[group], value) == terms[0] or (
                group == "metrics" and label(CATALOGUE[group], value) in terms
            ), (group, value)


@pytest.mark.parametrize(("group", "where", "table"), ELSEWHERE, ids=[e[1] for e in ELSEWHERE])
def test_every_table_uses_the_catalogue_s_term(
    group: str, where: str, table: Mapping[str, str]
) -> None:
    catalogue = InChinese(CATALOGUE[group])
    allowed = GLOSSARY.get(group, {})
    for value in table:
        terms = {catalogue[value], *allowed.get(value, ())}
        assert table[value] in terms, f"{where}[{value!r}] reads {table[value]!r}, not {terms}"


def test_no_outcome_or_metric_reads_in_two_words() -> None:
    """The same machine value in two tables (an outcome and the metric counting it) reads
    the same, the metric's short form allowed."""
    with use_language("zh"):
        for value in set(OUTCOMES) & set(METRICS):
            outcome, metric = label(OUTCOMES, value), label(METRICS, value)
            assert outcome == metric or outcome.startswith(metric + "（"), value


def _texts() -> list[Path]:
    return [
        *sorted((ROOT / "web" / "templates").glob("*.html")),
        *sorted((ROOT / "scoring_service" / "reports").glob("*.py")),
        *sorted((ROOT / "scoring_service" / "documents").rglob("*.py")),
        *sorted((ROOT / "scoring_service" / "cli").glob("*.py")),
        ROOT / "scoring_service" / "i18n" / "locale" / "zh" / "LC_MESSAGES" / "messages.po",
    ]


@pytest.mark.parametrize("path", _texts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_second_term_is_left_in_pages_files_or_messages(path: Path) -> None:
    content = path.read_text(encoding="utf-8")
    if path.suffix == ".po":  # what people read: the translations, not the English ids
        content = "\n".join(re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', content, flags=re.M))
    for second, term in DISCARDED.items():
        assert second not in content, f"{path.name} says {second!r}; the glossary's is {term!r}"
