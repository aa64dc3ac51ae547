"""Line charts drawn as SVG on the server: no script, printable, the same on every screen.

``line_chart`` places the points; ``templates/chart.html`` draws them. A value of None
(no rate yet: nothing was due) breaks the line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 26


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    segments: list[str]  # "x,y x,y ..." for each unbroken run of values
    dots: list[tuple[float, float, str]]  # x, y and the value as read, for a <title>


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[Line]
    left: int
    right: int


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    low: float,
    high: float,
    ticks: Sequence[float],
    read: Callable[[float], str],
) -> Chart:
    """A chart of ``series`` over ``x_labels`` on a y axis from ``low`` to ``high``."""
    count = max(len(x_labels), 1)
    span = (WIDTH - LEFT - RIGHT) / max(count - 1, 1)
    top, bottom = TOP, HEIGHT - BOTTOM

    def x(i: int) -> float:
        return round(LEFT + i * span, 1)

    def y(v: float) -> float:
        clamped = min(max(v, low), high)
        return round(bottom - (clamped - low) / (high - low) * (bottom - top), 1)

    lines = []
    for s in series:
        segments: list[str] = []
        run: list[str] = []
        dots = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    segments.append(" ".join(run))
                run = []
                continue
            run.append(f"{x(i)},{y(v)}")
            dots.append((x(i), y(v), read(v)))
        if run:
            segments.append(" ".join(run))
        lines.append(Line(s.name, segments, dots))
    return Chart(
        WIDTH,
        HEIGHT,
        [(x(i), label) for i, label in enumerate(x_labels)],
        [(y(t), read(t)) for t in ticks],
        lines,
        LEFT,
        WIDTH - RIGHT,
    )
