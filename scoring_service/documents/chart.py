"""A bar chart of rates drawn as a PNG with Pillow, for the monthly report.

Word shows PNG pictures everywhere, so the chart is drawn on the server, with a CJK font
found on the machine (fonts-noto-cjk, or the fonts Windows and macOS ship); without one
the labels fall back to the unit codes, which any font can draw.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
WIDTH, HEIGHT = 1500, 700
BAR = (0xC0, 0x00, 0x00)
MUTED = (0x99, 0x99, 0x99)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # the unit's name
    code: str  # shown instead of the name when no CJK font is found
    rate: float | None  # 0..1; None: nothing was due


@cache
def cjk_font() -> str | None:
    """A font file that draws Chinese: one fontconfig lists for Chinese (sans first), else
    one of the usual places."""
    listed: list[str] = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        listed = sorted(
            (line.strip().rstrip(":") for line in out.splitlines() if line.strip()),
            key=lambda f: ("Sans" not in f, "Bold" in f, f),
        )
    return next((f for f in (*listed, *FONT_FILES) if Path(f).is_file()), None)


def rate_chart(title: str, bars: Sequence[Bar]) -> bytes:
    """A PNG of one bar per unit, 0-100%, the rate written above each bar."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    path = cjk_font()
    chinese = path is not None

    def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if path is not None:
            return ImageFont.truetype(path, size)
        return ImageFont.load_default(size)

    left, right, top, bottom = 110, WIDTH - 40, 90, HEIGHT - 110
    draw.text(
        (WIDTH / 2, 40), title if chinese else "rate", font=font(34), fill="black", anchor="mm"
    )
    small = font(24)
    for step in range(0, 101, 20):
        y = bottom - (bottom - top) * step / 100
        draw.line([(left, y), (right, y)], fill=(0xDD, 0xDD, 0xDD), width=2)
        draw.text((left - 12, y), f"{step}%", font=small, fill="black", anchor="rm")
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="black", width=3)
    if bars:
        slot = (right - left) / len(bars)
        width = min(120.0, slot * 0.6)
        for i, bar in enumerate(bars):
            middle = left + slot * (i + 0.5)
            label = bar.label if chinese else bar.code
            draw.text((middle, bottom + 14), label, font=small, fill="black", anchor="ma")
            if bar.rate is None:
                draw.text((middle, bottom - 20), "—", font=small, fill=MUTED, anchor="mb")
                continue
            y = bottom - (bottom - top) * max(0.0, min(1.0, bar.rate))
            draw.rectangle([middle - width / 2, y, middle + width / 2, bottom], fill=BAR)
            draw.text(
                (middle, y - 6), f"{bar.rate * 100:.1f}%", font=small, fill="black", anchor="mb"
            )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
