"""The message catalogue: Chinese by default, English on request, per context."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from babel.support import Translations

from scoring_service import i18n
from scoring_service.i18n import _, best_match, lazy_gettext, ngettext, use_language

# These tests are about the default language itself.
pytestmark = pytest.mark.language(None)


def test_chinese_is_the_default_and_english_reads_the_message_as_written() -> None:
    assert _("rectification rate") == "整改率"
    with use_language("en"):
        assert _("rectification rate") == "rectification rate"
    assert _("rectification rate") == "整改率"


def test_a_message_without_translation_reads_as_written() -> None:
    assert _("no such message %(n)s", n=3) == "no such message 3"


def test_lazy_text_follows_the_language_it_is_read_in() -> None:
    heading = lazy_gettext("rectification rate")
    assert str(heading) == "整改率"
    with use_language("en-GB"):
        assert str(heading) == "rectification rate"


def test_plural_forms_fill_the_number() -> None:
    with use_language("en"):
        assert ngettext("%(num)s finding", "%(num)s findings", 1) == "1 finding"
        assert ngettext("%(num)s finding", "%(num)s findings", 3) == "3 findings"


@pytest.mark.parametrize(
    ("accepted", "chosen"),
    [
        ([("en-US", 1.0)], "en"),
        ([("en-US", 0.5), ("zh-CN", 0.9)], "zh"),
        ([("fr", 1.0), ("en", 0.3)], "en"),
        ([("fr", 1.0)], "zh"),
        ([("*", 1.0)], "zh"),
        ([], "zh"),
    ],
)
def test_accept_language_chooses_the_best_spoken_language(
    accepted: list[tuple[str, float]], chosen: str
) -> None:
    assert best_match(accepted) == chosen


def test_an_unknown_language_is_refused_with_the_choices() -> None:
    with pytest.raises(i18n.UnknownLanguage, match="zh, en"):
        i18n.normalize("fr")


def test_each_thread_reads_in_its_own_language() -> None:
    seen: dict[str, str] = {}

    def read(language: str) -> None:
        with use_language(language):
            seen[language] = _("rectification rate")

    threads = [threading.Thread(target=read, args=(lang,)) for lang in ("en", "zh")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": "rectification rate", "zh": "整改率"}


def test_dates_read_in_the_chinese_form_by_default_and_iso_in_english() -> None:
    import datetime as dt

    assert i18n.format_date(dt.date(2018, 8, 10)) == "2018年8月10日"
    with use_language("en"):
        assert i18n.format_date(dt.date(2018, 8, 10)) == "2018-08-10"


def test_percentages_round_half_up() -> None:
    from decimal import Decimal
    from fractions import Fraction

    assert i18n.format_percent(Decimal("0.8512")) == "85.12%"
    assert i18n.format_percent(Fraction(1, 8), digits=1) == "12.5%"
    assert i18n.format_percent(Fraction(2, 3)) == "66.67%"
    assert i18n.format_percent(None) == "—"


def test_a_label_is_marked_where_it_is_defined_and_translated_where_it_is_read() -> None:
    from scoring_service.i18n.labels import OUTCOMES, label

    assert i18n.N_("overdue") == "overdue"  # marking alone translates nothing
    assert label(OUTCOMES, "overdue") == "逾期未整改"
    assert label(OUTCOMES, "something_new") == "something_new"
    with use_language("en"):
        assert label(OUTCOMES, "overdue") == "overdue"


def test_a_request_naming_no_spoken_language_gets_the_services_default() -> None:
    assert best_match([("fr", 1.0)], default="en") == "en"
    assert best_match([("fr", 1.0), ("zh-TW", 0.2)], default="en") == "zh"


def test_the_refusal_of_an_unknown_language_is_in_the_language_in_force() -> None:
    with pytest.raises(i18n.UnknownLanguage) as refused:
        i18n.normalize("fr")
    assert str(refused.value) == "未知语言 'fr'：可选 zh, en"


def test_the_compiled_catalogue_is_kept_and_follows_an_edited_po(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale = tmp_path / "locale" / "zh" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    po = (i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    (locale / "messages.po").write_text(po, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    first = i18n.compiled_catalogue("zh")
    kept = list((tmp_path / "cache" / "scoring-service").glob("*.mo"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    assert i18n.compiled_catalogue("zh") == first  # read back, the same

    # An edited catalogue takes effect on the next start; the earlier compiled form goes.
    edited = po.replace('msgid "year"\nmsgstr "年度"', 'msgid "year"\nmsgstr "年份"')
    assert edited != po
    (locale / "messages.po").write_text(edited, encoding="utf-8")
    second = i18n.compiled_catalogue("zh")
    assert second != first
    kept = list((tmp_path / "cache" / "scoring-service").glob("*.mo"))
    assert len(kept) == 1 and kept[0].read_bytes() == second
    assert Translations(io.BytesIO(second)).gettext("year") == "年份"

    # A cache that cannot be written: compiled in memory, the same catalogue.
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-cache")
    assert i18n.compiled_catalogue("zh") == second
