"""Geometry of a shipment's supply-chain flow chart, drawn as inline SVG (the CSP allows no script).

Columns by tier, goods flowing left to right: the furthest producers on the left, the importer on the
right. Each box is a party or a facility; arrows are goods (supplies, the shipment itself), control
(ownership, dashed, with the share) and operation of a facility (dotted). The template only writes out
the coordinates computed here; every text goes through Jinja's escaping. Text fitting and the tight
viewBox come from web.layout, shared with the relations graph of the entity page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accomplice.services.exposure_pages import ChainEdge, ChainNode
from accomplice.web.layout import Rect, ViewBox, fit, fit_view, label_rect, wrap

__all__ = ["Arrow", "Box", "Column", "FlowChart", "flow_chart"]

# Box size and spacing in SVG user units (≈ CSS px at 100%): a box holds a name on two lines of about
# 28 Latin or 15 CJK characters each at 13px, and the role/country/listing on a third.
BOX_WIDTH = 220
BOX_HEIGHT = 66
COLUMN_GAP = 64  # room for an arrow and its label between two columns
ROW_GAP = 18
MARGIN = 12
HEADER = 34  # the column headings above the boxes
# Text width budget of a box's name line, in "em" of the 13px font (web.layout measures wide scripts
# at one em a character, Latin at about 0.56).
NAME_EMS = 15.5
# The detail line (roles, country, listed key) in the 11px font, within the box less 10 units each side.
DETAIL_EMS = (BOX_WIDTH - 20) / 11
# Where the template writes the column headings (x = the column's left, y = this baseline), and their
# font size (.flow .col-title), to include them in the drawing's bounds.
COLUMN_TITLE_Y = 22
COLUMN_TITLE_FONT = 11
# An ownership share's label is written this far above the middle of its arrow.
ARROW_LABEL_RISE = 5


@dataclass(frozen=True, slots=True)
class Box:
    node: ChainNode
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]  # the name on one or two lines, shortened to fit (the <title> holds it all)
    detail: str  # roles, country, listed key

    @property
    def cx(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True, slots=True)
class Arrow:
    edge: ChainEdge
    d: str  # the SVG path
    label_x: float
    label_y: float


@dataclass(frozen=True, slots=True)
class Column:
    x: float
    title: str


@dataclass(frozen=True, slots=True)
class FlowChart:
    view: ViewBox  # the bounds of what is drawn (boxes, column headings), a small margin around
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    columns: tuple[Column, ...]
    description: str

    @property
    def width(self) -> int:
        return self.view.width

    @property
    def height(self) -> int:
        return self.view.height


def _column_title(tier: int, kinds: set[str]) -> str:
    if tier == 0:
        return "Importer"
    if tier == 1:
        return "Exporter · tier 1"
    if kinds == {"facility"}:
        return f"Production site · tier {tier}"
    return f"Upstream · tier {tier}"  # suppliers, and owners beside what they own


def _detail(node: ChainNode) -> str:
    parts = list(node.roles)
    if node.kind == "facility":
        parts.append("facility")
    if node.country:
        parts.append(node.country.upper())
    if node.listed:
        parts.append(node.listed)
    return " · ".join(parts)


def flow_chart(nodes: Sequence[ChainNode], edges: Sequence[ChainEdge]) -> FlowChart:
    """Place the boxes in columns (highest tier on the left) and route each arrow between box sides."""
    tiers = sorted({n.tier for n in nodes}, reverse=True)
    column_of = {t: i for i, t in enumerate(tiers)}
    rows: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    for node in nodes:
        col = column_of[node.tier]
        row = rows.get(col, 0)
        rows[col] = row + 1
        x = MARGIN + col * (BOX_WIDTH + COLUMN_GAP)
        y = MARGIN + HEADER + row * (BOX_HEIGHT + ROW_GAP)
        boxes[node.id] = Box(
            node, x, y, BOX_WIDTH, BOX_HEIGHT, wrap(node.name, NAME_EMS), fit(_detail(node), DETAIL_EMS)
        )
    # Centre shorter columns vertically against the tallest one.
    tallest = max(rows.values(), default=0)
    for node_id, box in list(boxes.items()):
        col = column_of[box.node.tier]
        shift = (tallest - rows[col]) * (BOX_HEIGHT + ROW_GAP) / 2
        boxes[node_id] = Box(box.node, box.x, box.y + shift, box.width, box.height, box.lines, box.detail)
    arrows = []
    for edge in edges:
        a, b = boxes.get(edge.from_id), boxes.get(edge.to_id)
        if a is None or b is None:
            continue
        if a.x < b.x:  # left to right: from the right side of a to the left side of b
            x1, y1, x2, y2 = a.x + a.width, a.y + a.height / 2, b.x - 2, b.y + b.height / 2
        elif a.x > b.x:
            x1, y1, x2, y2 = a.x, a.y + a.height / 2, b.x + b.width + 2, b.y + b.height / 2
        else:  # same column: from the bottom of the upper box to the top of the lower one
            upper, lower = (a, b) if a.y < b.y else (b, a)
            x1, y1, x2, y2 = a.cx, upper.y + upper.height, b.cx, lower.y - 2
            if a is lower:
                y1, y2 = lower.y, upper.y + upper.height + 2
        mid = (x1 + x2) / 2
        if x1 == x2 or y1 == y2:
            d = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
        else:
            d = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        arrows.append(Arrow(edge, d, mid, (y1 + y2) / 2 - ARROW_LABEL_RISE))
    columns = tuple(
        Column(
            MARGIN + column_of[t] * (BOX_WIDTH + COLUMN_GAP),
            _column_title(t, {n.kind for n in nodes if n.tier == t}),
        )
        for t in tiers
    )
    drawn = [Rect(b.x, b.y, b.width, b.height) for b in boxes.values()]
    drawn += [label_rect(c.x, COLUMN_TITLE_Y, c.title.upper(), COLUMN_TITLE_FONT, "start") for c in columns]
    drawn += [
        label_rect(a.label_x, a.label_y, a.edge.label, COLUMN_TITLE_FONT) for a in arrows if a.edge.label
    ]
    tainted = [b.node.name for b in boxes.values() if b.node.tainted]
    description = f"{len(boxes)} parties in {len(tiers)} tiers" + (
        f"; tainting path through {', '.join(tainted)}" if tainted else "; no tainting path"
    )
    view = fit_view(drawn) if drawn else ViewBox(0, 0, 0, 0)
    return FlowChart(view, tuple(boxes.values()), tuple(arrows), columns, description)
