"""Photographs for the reused-evidence tests: pictures with real structure (a gradient sky,
shapes, noise), so a perceptual hash sees what it would in a site photo, not a flat colour."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A picture made from ``seed``: the same seed gives the same scene."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    top = [rng.randrange(256) for _ in range(3)]
    bottom = [rng.randrange(256) for _ in range(3)]
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(40, width // 2), y0 + rng.randrange(40, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
    noise = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(image, noise, 0.12)


def encoded(image: Image.Image, kind: str = "PNG", size: tuple[int, int] | None = None) -> bytes:
    """``image`` as the bytes of a file, resized to ``size`` first when given."""
    if size is not None:
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, kind, **({"quality": 80} if kind == "JPEG" else {}))
    return out.getvalue()
