"""The relations of an entity as a small graph drawn on the server: the entity in the centre, the entities
it is related to on a ring around it, the kind of relation written on each edge.

The page carries no script (the content security policy forbids it), so the layout is computed here and
the template writes plain SVG with one link per node. The drawing is a map to the relations list under
it, which stays the full, accessible record; the graph shows at most `GRAPH_MAX_NODES` neighbours. Text
fitting and the tight viewBox come from web.layout, shared with the supply-chain flow chart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from accomplice.web.layout import Rect, ViewBox, fit, fit_view, label_rect, text_ems

__all__ = ["Edge", "Graph", "Neighbour", "Node", "relation_graph"]

# Geometry of the drawing, in SVG user units (≈ CSS px at natural size; the SVG shrinks to the width of a
# phone, keeping its proportions). Three or more neighbours sit on an ellipse of these radii around the
# centre; one or two sit left and right, just far enough for the edge's label to fit between the boxes.
RING_RX = 296
RING_RY = 194
NODE_WIDTH = 156
NODE_HEIGHT = 40
CENTRE_WIDTH = 240
CENTRE_HEIGHT = 48
# Ten neighbours (36 degrees apart) leave each box its own place on the ring at this size: two adjacent
# boxes are at least a box width apart across or a box height apart down. A hub entity (Air Koryo has 18
# relations, some OFAC entries hundreds) shows the first ten and says how many more are listed below.
GRAPH_MAX_NODES = 10
# Font sizes of the stylesheet (.graph .node text, .centre text, .edge-label), to measure the texts.
NODE_FONT = 12
CENTRE_FONT = 13
LABEL_FONT = 11
# Captions are cut to fit a box, less 8 units of padding each side (the full name is in the node's
# tooltip and in the list below); edge labels to about the width of a neighbour's box.
NODE_EMS = (NODE_WIDTH - 16) / NODE_FONT
CENTRE_EMS = (CENTRE_WIDTH - 16) / CENTRE_FONT
EDGE_LABEL_EMS = NODE_WIDTH / LABEL_FONT
# Between side-by-side boxes: room for the label and this much bare edge at each end of it.
LABEL_CLEARANCE = 12
# Edge labels on the ring sit this far along the edge from the centre, nearer the neighbour they
# describe, so that labels of adjacent edges do not pile up around the centre box.
EDGE_LABEL_AT = 0.58


@dataclass(frozen=True, slots=True)
class Neighbour:
    """One related entity as the page knows it: the relation (from the centre's side) and the entity."""

    relation: str
    key: str
    caption: str
    schema: str
    listed: bool
    url: str


@dataclass(frozen=True, slots=True)
class Node:
    x: float  # top-left corner of the box
    y: float
    width: float
    height: float
    text: str
    title: str
    schema: str
    listed: bool
    url: str | None

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def cy(self) -> float:
        return round(self.y + self.height / 2, 1)


@dataclass(frozen=True, slots=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True, slots=True)
class Graph:
    view: ViewBox  # the bounds of what is drawn: no empty space around a single edge
    centre: Node
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    hidden: int  # related entities not drawn (beyond GRAPH_MAX_NODES)
    description: str  # the same relations as text, for screen readers

    @property
    def width(self) -> int:
        return self.view.width

    @property
    def height(self) -> int:
        return self.view.height


def _rect(node: Node) -> Rect:
    return Rect(node.x, node.y, node.width, node.height)


def _radii(labels: list[str], count: int) -> tuple[float, float]:
    """The ellipse the neighbours sit on: the ring, or for one or two neighbours (left and right of the
    centre) the least distance that keeps the longest edge label clear of both boxes."""
    if count > 2:
        return RING_RX, RING_RY
    widest = max(text_ems(label) for label in labels) * LABEL_FONT
    return CENTRE_WIDTH / 2 + widest + 2 * LABEL_CLEARANCE + NODE_WIDTH / 2, 0.0


def relation_graph(key: str, caption: str, schema: str, neighbours: Iterable[Neighbour]) -> Graph | None:
    """Lay out the entity and its neighbours on a ring; None when it has no relation to draw.

    The same neighbour under two relations (owner and director of one firm) is one box with both labels
    on its edge; neighbours keep the order given (the page's order: by relation, then by name).
    """
    merged: dict[str, tuple[Neighbour, list[str]]] = {}
    for n in neighbours:
        if n.key == key:
            continue
        if n.key in merged:
            labels = merged[n.key][1]
            if n.relation not in labels:
                labels.append(n.relation)
        else:
            merged[n.key] = (n, [n.relation])
    if not merged:
        return None
    shown = list(merged.values())[:GRAPH_MAX_NODES]
    labels = [fit(" · ".join(names), EDGE_LABEL_EMS) for _, names in shown]
    rx, ry = _radii(labels, len(shown))
    cx, cy = 0.0, 0.0  # the centre box is the origin; the viewBox follows the drawing wherever it lies
    centre = Node(
        cx - CENTRE_WIDTH / 2,
        cy - CENTRE_HEIGHT / 2,
        CENTRE_WIDTH,
        CENTRE_HEIGHT,
        fit(caption, CENTRE_EMS),
        caption,
        schema,
        True,
        None,
    )
    nodes: list[Node] = []
    edges: list[Edge] = []
    drawn = [_rect(centre)]
    for i, ((n, _), label) in enumerate(zip(shown, labels, strict=True)):
        # Start at the top and go round clockwise; with one or two neighbours they sit left and right,
        # where the wide boxes have the most room.
        start = -math.pi / 2 if len(shown) > 2 else math.pi
        angle = start + 2 * math.pi * i / len(shown)
        x, y = round(cx + rx * math.cos(angle), 1), round(cy + ry * math.sin(angle), 1)
        node = Node(
            round(x - NODE_WIDTH / 2, 1),
            round(y - NODE_HEIGHT / 2, 1),
            NODE_WIDTH,
            NODE_HEIGHT,
            fit(n.caption, NODE_EMS),
            n.caption,
            n.schema,
            n.listed,
            n.url,
        )
        nodes.append(node)
        if len(shown) > 2:
            at = EDGE_LABEL_AT
        else:  # midway between the two boxes' facing sides
            at = (CENTRE_WIDTH / 2 + (rx - NODE_WIDTH / 2 - CENTRE_WIDTH / 2) / 2) / rx
        lx, ly = round(cx + (x - cx) * at, 1), round(cy + (y - cy) * at, 1)
        edges.append(Edge(cx, cy, x, y, label, lx, ly))
        drawn += [_rect(node), label_rect(lx, ly, label, LABEL_FONT)]
    description = "; ".join(f"{' and '.join(names)}: {n.caption}" for n, names in merged.values())
    return Graph(
        fit_view(drawn),
        centre,
        tuple(nodes),
        tuple(edges),
        len(merged) - len(shown),
        description,
    )
