"""The geometry shared by the relations graph and the supply-chain flow chart (web.layout), and the two
figures' viewBoxes: they fit what is drawn, with no empty space around a single edge."""

from __future__ import annotations

import pytest

from accomplice.services.exposure_pages import ChainEdge, ChainNode
from accomplice.web.flowchart import flow_chart
from accomplice.web.graph import CENTRE_HEIGHT, Neighbour, relation_graph
from accomplice.web.layout import (
    VIEW_MARGIN,
    Rect,
    ViewBox,
    bounds,
    fit,
    fit_view,
    label_rect,
    text_ems,
    wrap,
)


def test_wide_characters_measure_one_em_and_latin_less() -> None:
    assert text_ems("丹东") == 2.0
    assert text_ems("Kim") == pytest.approx(0.68 + 2 * 0.56)


def test_fit_cuts_with_an_ellipsis_only_what_is_too_wide() -> None:
    assert fit("KOREA DAESONG BANK", 20) == "KOREA DAESONG BANK"
    cut = fit("KOREA DAESONG GENERAL TRADING CORPORATION", 10)
    assert cut.endswith("…")
    assert text_ems(cut) <= 10 + 1


def test_wrap_breaks_at_spaces_and_breaks_cjk_anywhere() -> None:
    assert wrap("KOREA DAESONG GENERAL TRADING", 11) == ("KOREA DAESONG", "GENERAL TRADING")
    cjk = wrap("丹东鸿祥实业发展有限公司", 5)
    assert cjk[0] == "丹东鸿祥实"
    assert cjk[1].endswith("…")


def test_bounds_hold_every_rect() -> None:
    box = bounds([Rect(10, 20, 5, 5), Rect(-3, 30, 4, 1)])
    assert (box.x, box.y, box.right, box.bottom) == (-3, 20, 15, 31)
    with pytest.raises(ValueError, match="bounds of nothing"):
        bounds([])


def test_view_is_the_bounds_plus_the_margin_in_whole_units() -> None:
    view = fit_view([Rect(0.5, 0.5, 99.2, 10)], margin=4)
    assert view == ViewBox(-4, -4, 108, 19)
    assert str(view) == "-4 -4 108 19"


def test_label_rect_follows_the_text_anchor() -> None:
    middle = label_rect(100, 50, "owner", 10)
    start = label_rect(100, 50, "owner", 10, "start")
    end = label_rect(100, 50, "owner", 10, "end")
    assert middle.cx == pytest.approx(100)
    assert start.x == 100
    assert end.right == pytest.approx(100)
    assert middle.cy == pytest.approx(50)


def _neighbour(i: int, relation: str = "Associate") -> Neighbour:
    return Neighbour(relation, f"ofac:{i}", f"PARTY NUMBER {i}", "Organization", True, f"/entities/ofac:{i}")


def test_a_single_relation_is_drawn_without_empty_space_around_it() -> None:
    graph = relation_graph("ofac:1", "KOREA DAESONG BANK", "Organization", [_neighbour(2)])
    assert graph is not None
    # One edge between two boxes side by side: the figure is as tall as the centre box plus the margin
    # (the ring layout drew it in a 760 x 440 frame, 390 units of it empty).
    assert graph.height <= CENTRE_HEIGHT + 2 * VIEW_MARGIN + 1
    node = graph.nodes[0]
    edge = graph.edges[0]
    # The label sits between the two boxes, clear of both.
    label = label_rect(edge.label_x, edge.label_y, edge.label, 11)
    assert node.x + node.width <= label.x
    assert label.right <= graph.centre.x


def test_the_graph_view_holds_every_box_of_a_ring() -> None:
    graph = relation_graph("ofac:1", "HUB", "Organization", [_neighbour(i) for i in range(2, 14)])
    assert graph is not None
    assert len(graph.nodes) == 10
    assert graph.hidden == 2
    v = graph.view
    for n in (graph.centre, *graph.nodes):
        assert v.x <= n.x
        assert n.x + n.width <= v.x + v.width
        assert v.y <= n.y
        assert n.y + n.height <= v.y + v.height
    # Tight: some box touches each side but for the margin.
    assert min(n.x for n in graph.nodes) - v.x <= VIEW_MARGIN + 1
    assert min(n.y for n in graph.nodes) - v.y <= VIEW_MARGIN + 1


def test_the_flow_chart_view_holds_its_boxes_and_column_titles() -> None:
    nodes = [
        ChainNode("imp", "ACME IMPORTS", "party", 0, ("importer",), "us"),
        ChainNode(
            "exp", "丹东鸿祥实业发展有限公司", "party", 1, ("exporter",), "cn", "ofac:20564", True, True
        ),
        ChainNode("own", "OWNER HOLDINGS", "party", 2, ("owner",), "cn"),
    ]
    edges = [ChainEdge("ships", "exp", "imp", "", True), ChainEdge("owns", "own", "exp", "60%")]
    chart = flow_chart(nodes, edges)
    v = chart.view
    for b in chart.boxes:
        assert v.x <= b.x
        assert b.x + b.width <= v.x + v.width
        assert v.y <= b.y
        assert b.y + b.height <= v.y + v.height
    assert v.y <= 22 - 11  # the column titles' baseline is at 22
    assert v.x + v.width - max(b.x + b.width for b in chart.boxes) <= VIEW_MARGIN + 1
