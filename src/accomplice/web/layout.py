"""Geometry shared by the figures the server draws as inline SVG: the relations graph of an entity page
(web.graph) and the supply-chain flow chart of a shipment (web.flowchart).

Pages carry no script (the content security policy forbids it), so text cannot be measured in the
browser: it is measured here in "em" of its font (wide CJK characters one em, others about 0.56), cut or
wrapped to fit its box, and the figure's viewBox is the bounds of what is drawn plus a small margin, so
that no figure carries empty space around its content. The templates give the SVG its natural size as
width and height and the stylesheet lets it shrink to the page (max-width: 100%, height: auto), so a
figure scales down on a phone instead of being clipped. Pure functions: values in, values out.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Rect", "ViewBox", "bounds", "fit", "fit_view", "label_rect", "text_ems", "wrap"]

# Advance of a character in em of its font: CJK and other wide characters fill the em square; a Latin
# sans-serif letter averages about 0.56 em, a capital about 0.68 (lists write most names in capitals,
# and at 0.56 a centre caption in bold capitals ran past its box).
WIDE_EM = 1.0
NARROW_EM = 0.56
CAPITAL_EM = 0.68
# A line of text is this many ems tall (the font's ascent and descent), for the bounds of a label.
LINE_EMS = 1.25
# Room kept around a figure's content, in SVG user units: a box's stroke and a focus outline (3 units
# wide, centred on the edge) stay inside the drawing.
VIEW_MARGIN = 4


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned box in SVG user units; (x, y) is its top-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True, slots=True)
class ViewBox:
    """An SVG viewBox with whole-unit corners: the template writes `viewBox="{{ view }}"`."""

    x: int
    y: int
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.x} {self.y} {self.width} {self.height}"


def _ems(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return WIDE_EM
    return CAPITAL_EM if ch.isupper() else NARROW_EM


def text_ems(text: str) -> float:
    """The width of `text` in em of its font."""
    return sum(_ems(ch) for ch in text)


def fit(text: str, ems: float) -> str:
    """`text` cut with an ellipsis to about `ems` em of width (wide scripts count double)."""
    used = 0.0
    for i, ch in enumerate(text):
        used += _ems(ch)
        if used > ems:
            return text[: max(i - 1, 1)].rstrip() + "…"
    return text


def wrap(text: str, ems: float, lines: int = 2) -> tuple[str, ...]:
    """`text` broken at spaces into at most `lines` lines of about `ems` em; the last one cut to fit.

    Words wider than a line (CJK names have no spaces) are broken anywhere.
    """
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines - 1:
        used, cut, space = 0.0, len(rest), -1
        for i, ch in enumerate(rest):
            if ch == " ":
                space = i
            used += _ems(ch)
            if used > ems:
                cut = space if space > 0 else i
                break
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(fit(rest, ems))
    return tuple(out)


def label_rect(x: float, y: float, text: str, font_px: float, anchor: str = "middle") -> Rect:
    """The box a one-line label takes, drawn at (x, y) with `text-anchor` `anchor` and its baseline
    centred on y (`dominant-baseline="middle"`)."""
    width = text_ems(text) * font_px
    height = LINE_EMS * font_px
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Rect(left, y - height / 2, width, height)


def bounds(rects: Iterable[Rect]) -> Rect:
    """The smallest box holding every rect; ValueError when there is none."""
    items = list(rects)
    if not items:
        raise ValueError("bounds of nothing")
    left = min(r.x for r in items)
    top = min(r.y for r in items)
    return Rect(left, top, max(r.right for r in items) - left, max(r.bottom for r in items) - top)


def fit_view(rects: Iterable[Rect], margin: float = VIEW_MARGIN) -> ViewBox:
    """The viewBox of a figure: the bounds of what it draws, `margin` around, widened to whole units."""
    box = bounds(rects)
    left, top = math.floor(box.x - margin), math.floor(box.y - margin)
    return ViewBox(left, top, math.ceil(box.right + margin) - left, math.ceil(box.bottom + margin) - top)
