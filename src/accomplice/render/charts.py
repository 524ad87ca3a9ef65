"""Server-rendered SVG charts with their numbers: bars, grouped bars, lines.

Every chart is a self-contained `<svg>` (no script, no external font or style), so that it shows in a page
offline, in a PDF (WeasyPrint draws SVG) and in an e-mail. Each carries `role="img"`, a `<title>` and a
`<desc>` with every number, for screen readers; the page shows the same numbers as a table beside it and
`chart_csv` gives them as a download. Labels are escaped: they come from list data and users.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["PALETTE", "ChartSeries", "bar_chart_svg", "chart_csv", "grouped_bar_chart_svg", "line_chart_svg"]

# Okabe & Ito's palette: told apart by readers with any of the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
FONT = "'Noto Sans', 'Noto Sans CJK KR', 'Noto Sans CJK SC', sans-serif"
# Room around the plot: the value axis labels on the left, category labels below, the legend on top.
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 26, 40
AXIS_TICKS = 4
# Category labels longer than this are cut with an ellipsis (the table beside the chart has them whole).
LABEL_CHARS = 14
# A cut label takes about this many pixels at font size 10; closer labels would overlap.
LABEL_SLOT = 60


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One named row of values, one value per category."""

    name: str
    values: tuple[float, ...]


def _nice_top(value: float) -> float:
    """The axis top: AXIS_TICKS steps of a 1-2-5 number (at least 1), so every tick reads round."""
    step = max(value / AXIS_TICKS, 1.0)
    magnitude = 10 ** math.floor(math.log10(step))
    unit = next(m * magnitude for m in (1, 2, 5, 10) if step <= m * magnitude)
    return float(unit * AXIS_TICKS)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _frame(title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px;font-family:{FONT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def _axes(top: float, width: int, height: int) -> list[str]:
    plot_h = height - TOP - BOTTOM
    parts = []
    for i in range(AXIS_TICKS + 1):
        value = top * i / AXIS_TICKS
        y = TOP + plot_h - plot_h * i / AXIS_TICKS
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end" fill="#444">'
            f"{_number(value)}</text>"
        )
    return parts


def _category_labels(categories: Sequence[str], slot: float, height: int) -> list[str]:
    # On a crowded axis every n-th label only, always the last: the table beside the chart has them all.
    every = max(1, math.ceil(LABEL_SLOT / slot))
    parts = []
    for i, label in enumerate(categories):
        if i % every and i != len(categories) - 1:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{height - BOTTOM + 14}" font-size="10" text-anchor="middle" fill="#222">'
            f"{escape(_cut(label))}</text>"
        )
    return parts


def _legend(series: Sequence[ChartSeries]) -> list[str]:
    parts, x = [], LEFT
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="15" font-size="10" fill="#222">{escape(_cut(s.name))}</text>'
        )
        x += 24 + 7 * len(_cut(s.name))
    return parts


def _description(categories: Sequence[str], series: Sequence[ChartSeries]) -> str:
    return "; ".join(
        f"{s.name}: " + ", ".join(f"{c} {_number(v)}" for c, v in zip(categories, s.values, strict=True))
        for s in series
    )


def grouped_bar_chart_svg(
    categories: Sequence[str],
    series: Sequence[ChartSeries],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
) -> str:
    """Bars side by side per category, one colour per series (e.g. designations per year, per list)."""
    top = _nice_top(max((v for s in series for v in s.values), default=0.0))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)
    bar_w = max(1.0, slot * 0.8 / max(len(series), 1))
    body = _axes(top, width, height)
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        for i, (category, value) in enumerate(zip(categories, s.values, strict=True)):
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + bar_w * j
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(s.name)}, {escape(category)}: {_number(value)}</title>'
                "</rect>"
            )
    body += _category_labels(categories, slot, height)
    if len(series) > 1:
        body += _legend(series)
    return _frame(title, _description(categories, series), width, height, body)


def bar_chart_svg(
    points: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 240
) -> str:
    """One bar per category."""
    categories = [label for label, _ in points]
    series = [ChartSeries(title, tuple(float(v) for _, v in points))]
    return grouped_bar_chart_svg(categories, series, title=title, width=width, height=height)


def line_chart_svg(
    categories: Sequence[str],
    series: Sequence[ChartSeries],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
) -> str:
    """One line per series over ordered categories (e.g. the designation gap between lists over time)."""
    top = _nice_top(max((v for s in series for v in s.values), default=0.0))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)
    body = _axes(top, width, height)
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = [(LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * v / top) for i, v in enumerate(s.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), category, value in zip(points, categories, s.values, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(s.name)}, {escape(category)}: {_number(value)}</title></circle>"
            )
    body += _category_labels(categories, slot, height)
    if len(series) > 1:
        body += _legend(series)
    return _frame(title, _description(categories, series), width, height, body)


def chart_csv(categories: Sequence[str], series: Sequence[ChartSeries], *, category_header: str) -> str:
    """The chart's numbers as CSV: one row per category, one column per series (formula-safe cells)."""
    from accomplice.batch.csv_cells import formula_safe_writer

    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow([category_header, *(s.name for s in series)])
    for i, category in enumerate(categories):
        writer.writerow([category, *(_number(s.values[i]).replace(",", "") for s in series)])
    return out.getvalue()
