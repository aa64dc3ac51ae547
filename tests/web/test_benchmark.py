"""The pages' benchmark end to end at a tiny scale: every page answered 200 and timed.

No figure is checked: times depend on the machine."""

from __future__ import annotations

import pytest

from benchmarks import web_pages


def test_the_pages_benchmark_times_every_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert web_pages.main(["--scale", "0.05", "--requests", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("scale 0.05")
    timed = [line.split("  ")[0].strip() for line in table[2:]]
    assert timed == [what for what, _, _ in web_pages._pages("u", "t", "f")]
    assert all(set(line.split()) & {"ok", "MISSED"} for line in table[2:])  # p95's verdict
    after = {line.split("  ")[0].strip(): line.rstrip() for line in table[2:]}
    for page in web_pages.AFTER_EVENT_PAGES:  # judged against the after-an-event target too
        assert after[page].endswith(("ok", "MISSED"))
