"""The relations of an entity as a small graph drawn on the server: the entity in the centre, the entities
it is related to on a ring around it, the kind of relation written on each edge.

The page carries no script (the content security policy forbids it), so the layout is computed here and
the template writes plain SVG with one link per node. The drawing is a map to the relations list under
it, which stays the full, accessible record; the graph shows at most `GRAPH_MAX_NODES` neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Edge", "Graph", "Neighbour", "Node", "relation_graph"]

# Geometry of the drawing, in SVG user units (the SVG scales to the width of the page, so on a phone it
# shrinks; the viewBox keeps these proportions).
GRAPH_WIDTH = 760
GRAPH_HEIGHT = 440
NODE_WIDTH = 156
NODE_HEIGHT = 40
CENTRE_WIDTH = 240
CENTRE_HEIGHT = 48
# Room left at the border so that the boxes on the ring stay inside the drawing.
GRAPH_MARGIN = 6
# Ten neighbours (36 degrees apart) leave each box its own place on the ring at this size: two adjacent
# boxes are at least a box width apart across or a box height apart down. A hub entity (Air Koryo has 18
# relations, some OFAC entries hundreds) shows the first ten and says how many more are listed below.
GRAPH_MAX_NODES = 10
# Captions are cut to fit a box (the full name is in the node's tooltip and in the list below).
NODE_CHARS = 19
CENTRE_CHARS = 25
EDGE_LABEL_CHARS = 24
# Edge labels sit this far along the edge from the centre, nearer the neighbour they describe, so that
# labels of adjacent edges do not pile up around the centre box.
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
    width: int
    height: int
    centre: Node
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    hidden: int  # related entities not drawn (beyond GRAPH_MAX_NODES)
    description: str  # the same relations as text, for screen readers


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    cx, cy = GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2
    centre = Node(
        round(cx - CENTRE_WIDTH / 2, 1),
        round(cy - CENTRE_HEIGHT / 2, 1),
        CENTRE_WIDTH,
        CENTRE_HEIGHT,
        _cut(caption, CENTRE_CHARS),
        caption,
        schema,
        True,
        None,
    )
    rx = GRAPH_WIDTH / 2 - NODE_WIDTH / 2 - GRAPH_MARGIN
    ry = GRAPH_HEIGHT / 2 - NODE_HEIGHT / 2 - GRAPH_MARGIN
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i, (n, labels) in enumerate(shown):
        # Start at the top and go round clockwise; with one or two neighbours they sit left and right,
        # where the wide boxes have the most room.
        start = -math.pi / 2 if len(shown) > 2 else math.pi
        angle = start + 2 * math.pi * i / len(shown)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        node = Node(
            round(x - NODE_WIDTH / 2, 1),
            round(y - NODE_HEIGHT / 2, 1),
            NODE_WIDTH,
            NODE_HEIGHT,
            _cut(n.caption, NODE_CHARS),
            n.caption,
            n.schema,
            n.listed,
            n.url,
        )
        nodes.append(node)
        label = _cut(" · ".join(labels), EDGE_LABEL_CHARS)
        lx = cx + (x - cx) * EDGE_LABEL_AT
        ly = cy + (y - cy) * EDGE_LABEL_AT
        edges.append(Edge(cx, cy, round(x, 1), round(y, 1), label, round(lx, 1), round(ly, 1)))
    description = "; ".join(f"{' and '.join(labels)}: {n.caption}" for n, labels in merged.values())
    return Graph(
        GRAPH_WIDTH,
        GRAPH_HEIGHT,
        centre,
        tuple(nodes),
        tuple(edges),
        len(merged) - len(shown),
        description,
    )
