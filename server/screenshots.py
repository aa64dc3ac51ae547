"""``make screenshots``: a PNG of each page, from the shipped demo data, into docs/screenshots/.

The 2018 demo bundle is imported into a temporary SQLite database, an account is made,
the app is served on a free port in a thread, and Chromium (Debian's, driven by
Playwright) signs in and photographs each page at 1366×768, the whole page down to
``MAX_HEIGHT`` pixels. ``serve`` and the browser's flags are shared with the page tests.

    python -m server.screenshots [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from scoring_service.access.roles import command_line
from scoring_service.domain.principals import Principal
from scoring_service.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo-2018.bundle.json"
CHROMIUM = "/usr/bin/chromium"
# As root in a container Chromium needs --no-sandbox; the rest keep it from reaching out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTH, HEIGHT = 1366, 768
MAX_HEIGHT = 2400  # pixels of a long page kept: its top tells what it is
USERNAME, PASSWORD = "office", "screenshots only"
# A county liaison (role unit), and the page photographed as them.
LIAISON = "heping-liaison"
UNIT_PAGES: dict[str, str] = {"rectification": "/years/2018/rectification"}

# name -> address, in the order the README shows them.
PAGES: dict[str, str] = {
    "login": "/login",
    "years": "/",
    "year": "/years/2018",
    "scores": "/years/2018/scores",
    "scores-towns": "/years/2018/scores?kind=town&sort=score&order=asc",
    "unit": "/years/2018/units/441624",
    "findings": "/years/2018/findings?county=441624&overdue=yes",
    "finding": "/years/2018/findings/2018-G1-441624-07-04",
    "inspections": "/years/2018/inspections",
    "inspection": "/years/2018/inspections/2018-G1-441624-07",
    "alerts": "/years/2018/alerts",
    "due": "/years/2018/due?as_of=2018-10-15&within=30",
    "reviews": "/years/2018/reviews",
    "documents": "/years/2018/documents",
    "imports": "/imports",
    "rules": "/rules/2018",
    "admin": "/admin",
}


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 at a free port, in a thread; its base address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def demo_app(folder: Path) -> Flask:
    """The app on a new SQLite database holding the 2018 demo data and one account."""
    from scoring_service.access import accounts
    from scoring_service.assessment import services
    from scoring_service.bootstrap import bootstrap, migrate
    from scoring_service.config import Settings
    from server import create_app

    settings = Settings.from_env(database_url=f"sqlite:///{folder / 'scoring.sqlite'}")
    migrate(settings.database_url)
    wiring = bootstrap(settings)
    try:
        services.import_bundle(wiring.unit_of_work(command_line()), DEMO.read_bytes())
        accounts.create_account(wiring.unit_of_work(command_line()), USERNAME, "admin", PASSWORD)
        accounts.create_account(
            wiring.unit_of_work(command_line()), LIAISON, "unit", PASSWORD, ["441624"]
        )
        _loop(wiring.unit_of_work)
    finally:
        wiring.close()
    return create_app(settings)


def _loop(uow: Callable[[Principal], UnitOfWork]) -> None:
    """What the liaison of 和平县 sent: a report with a site photo, another whose photo is
    the first one re-encoded (flagged as reused), a returned report and an extension
    request, so the queue and the unit's page show each kind."""
    from scoring_service.domain.principals import Role
    from scoring_service.domain.rectification import ReportState
    from scoring_service.records import extensions, reports

    liaison = Principal(None, LIAISON, Role.UNIT, frozenset({"441624"}))
    scene = _scene()
    day = date(2018, 9, 1)
    first = [("现场照片.jpg", _jpeg(scene, (800, 600)))]
    again = [("整改后照片.jpg", _jpeg(scene, (640, 480)))]
    reports.submit_report(
        uow(liaison), "2018-G1-441624-07-04", day=day, text="补助资金已发放到户。", files=first
    )
    reports.submit_report(
        uow(liaison), "2018-G1-441624-07-12", day=day, text="台账已补齐。", files=again
    )
    returned = reports.submit_report(uow(liaison), "2018-G1-441624-07-08", day=day, text="已整改。")
    reports.decide(
        uow(command_line()), returned.id, decision=ReportState.RETURNED, reason="缺少佐证材料"
    )
    extensions.submit_request(
        uow(liaison),
        "2018-G1-441624-09-05",
        day=date(2018, 9, 20),
        new_deadline=date(2018, 12, 20),
        reason="汛期道路中断，工程无法按期完工",
    )


def _scene() -> Any:
    """A picture with some structure: a gradient, a house, a path."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600))
    draw = ImageDraw.Draw(image)
    for y in range(600):
        draw.line([(0, y), (800, y)], fill=(120 + y // 8, 170 + y // 12, 220 - y // 5))
    draw.rectangle([250, 260, 550, 480], fill=(200, 190, 170))
    draw.polygon([(230, 260), (400, 150), (570, 260)], fill=(150, 40, 40))
    draw.rectangle([370, 360, 430, 480], fill=(90, 60, 40))
    draw.polygon([(0, 600), (330, 480), (470, 480), (800, 600)], fill=(110, 110, 100))
    return image


def _jpeg(image: Any, size: tuple[int, int]) -> bytes:
    import io

    out = io.BytesIO()
    image.resize(size).save(out, "JPEG", quality=85)
    return out.getvalue()


def _shoot(page: Any, url: str, target: Path) -> None:
    page.goto(url)
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    width = page.viewport_size["width"]
    page.screenshot(
        path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )


def take(out: Path, chromium: str, width: int = WIDTH) -> list[Path]:
    """Photograph every page of ``PAGES`` into ``out`` at ``width`` pixels; the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with (
        tempfile.TemporaryDirectory() as folder,
        serve(demo_app(Path(folder))) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": HEIGHT}, locale="zh-CN")
        page = context.new_page()
        for name, path in PAGES.items():
            if name != "login" and "login" in page.url:
                page.fill("#username", USERNAME)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
            target = out / f"{name}.png"
            _shoot(page, f"{base}{path}", target)
            written.append(target)
        unit = browser.new_context(viewport={"width": width, "height": HEIGHT}, locale="zh-CN")
        page = unit.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", LIAISON)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for name, path in UNIT_PAGES.items():
            target = out / f"{name}.png"
            _shoot(page, f"{base}{path}", target)
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument(
        "--width", type=int, default=WIDTH, help="the window's width in pixels (390: a phone)"
    )
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"error: no Chromium at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 2
    for path in take(args.out, args.chromium, args.width):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
