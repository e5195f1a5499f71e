"""A stacked bar chart as SVG text: events per month, one colour per region.

Written by hand rather than with matplotlib: the chart is one simple shape, and a page
that rewrites files only when they change needs the same bytes for the same data
(matplotlib's SVG carries random ids and glyph paths, and a ~40 MB dependency). The SVG
is accessible on its own: a title and a description, a <title> on every bar segment (a
tooltip, and what screen readers announce), and the numbers beside it as Parquet/CSV.
Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Okabe and Ito's palette, told apart with every common colour-vision deficiency; the
# last colour (grey) is for "other regions".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER_COLOUR = "#8C8C8C"

WIDTH = 760
_LEFT, _RIGHT, _TOP, _PLOT_H = 48, 12, 44, 240
_LEGEND_COLUMNS, _LEGEND_ROW = 3, 20


@dataclass(frozen=True)
class Series:
    name: str
    counts: tuple[int, ...]  # one per bar
    colour: str


def nice_step(top: int, ticks: int = 5) -> int:
    """A round gridline step (1, 2 or 5 times a power of ten) giving at most `ticks`
    steps up to `top`."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = int(10 ** math.floor(math.log10(raw)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def stacked_bars_svg(
    bars: Sequence[tuple[str, str]],
    series: Sequence[Series],
    title: str,
    description: str,
) -> str:
    """bars: (label, second line or "") per bar, left to right; series: bottom to top.
    Returns a complete SVG document."""
    n = len(bars)
    totals = [sum(s.counts[i] for s in series) for i in range(n)]
    step = nice_step(max(totals, default=0))
    top = max(step, math.ceil(max(totals, default=0) / step) * step)
    plot_w = WIDTH - _LEFT - _RIGHT
    slot = plot_w / max(n, 1)
    bar_w = slot * 0.7
    axis_y = _TOP + _PLOT_H
    legend_y = axis_y + 44
    rows = math.ceil(len(series) / _LEGEND_COLUMNS)
    height = legend_y + rows * _LEGEND_ROW + 8

    def y(value: float) -> float:
        return axis_y - value / top * _PLOT_H

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="22" font-size="15" font-weight="bold" fill="#0b0c0c">'
        f"{escape(title)}</text>",
    ]
    for tick in range(0, top + 1, step):
        ty = _fmt(y(tick))
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{ty}" y2="{ty}" '
            f'stroke="{"#0b0c0c" if tick == 0 else "#dddddd"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 6}" y="{_fmt(y(tick) + 4)}" text-anchor="end" '
            f'fill="#505a5f">{tick}</text>'
        )
    for i, (label, second) in enumerate(bars):
        x = _LEFT + i * slot + (slot - bar_w) / 2
        base = 0
        for s in series:
            count = s.counts[i]
            if count:
                tip = f"{s.name}, {label} {second}".strip() + f": {_events(count)}"
                parts.append(
                    f'<rect x="{_fmt(x)}" y="{_fmt(y(base + count))}" width="{_fmt(bar_w)}" '
                    f'height="{_fmt(y(base) - y(base + count))}" fill="{s.colour}">'
                    f"<title>{escape(tip)}</title></rect>"
                )
            base += count
        cx = _fmt(x + bar_w / 2)
        parts.append(
            f'<text x="{cx}" y="{axis_y + 16}" text-anchor="middle" fill="#0b0c0c">'
            f"{escape(label)}</text>"
        )
        if second:
            parts.append(
                f'<text x="{cx}" y="{axis_y + 30}" text-anchor="middle" fill="#505a5f">'
                f"{escape(second)}</text>"
            )
    if not any(totals):
        parts.append(
            f'<text x="{_LEFT + plot_w / 2:.0f}" y="{_TOP + _PLOT_H / 2:.0f}" '
            'text-anchor="middle" fill="#505a5f">No events in these months</text>'
        )
    column_w = plot_w / _LEGEND_COLUMNS
    for k, s in enumerate(series):
        lx = _LEFT + (k % _LEGEND_COLUMNS) * column_w
        ly = legend_y + (k // _LEGEND_COLUMNS) * _LEGEND_ROW
        parts.append(
            f'<rect x="{_fmt(lx)}" y="{ly}" width="12" height="12" fill="{s.colour}"/>'
            f'<text x="{_fmt(lx + 18)}" y="{ly + 10}" fill="#0b0c0c">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _fmt(value: float) -> str:
    """Coordinates to a tenth of a pixel, without a trailing .0."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")
