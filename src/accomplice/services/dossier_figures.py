"""The dossier's two figures as self-contained SVG: the target's relations, and its supply-chain paths.

Relations: the target in the middle and every entity a claim ties it to on a circle around it, each edge
labelled with the kind of tie (ownership, shared address, link) and coloured by it; names are escaped
and cut (the evidence table has them whole). Paths: one row per exposure path, boxes joined by the hop
kind, read left (the target) to right (the flagged party).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from accomplice.dossiers import Claim
from accomplice.render.charts import FONT, PALETTE

__all__ = ["MAX_NODES", "paths_svg", "relations_svg"]

# More neighbours than this make an unreadable wheel; the rest are counted in the caption.
MAX_NODES = 16
NAME_CHARS = 28
WIDTH, HEIGHT, RADIUS = 720, 520, 190
BOX_W, BOX_H, GAP = 150, 44, 36


def _cut(text: str, size: int = NAME_CHARS) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _frame(title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px;font-family:{FONT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def relations_svg(
    target_key: str, target_name: str, claims: Sequence[Claim], names: Mapping[str, str]
) -> str:
    """The target and the entities its claims name, one edge per (entity, kind)."""
    edges: dict[str, list[str]] = {}
    for claim in claims:
        if claim.related_key and claim.related_key != target_key:
            kinds = edges.setdefault(claim.related_key, [])
            if claim.kind.value not in kinds:
                kinds.append(claim.kind.value)
    shown = sorted(edges)[:MAX_NODES]
    kinds_seen = sorted({k for key in shown for k in edges[key]})
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds_seen)}
    cx, cy = WIDTH / 2, HEIGHT / 2 + 10
    body: list[str] = []
    for i, key in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        x, y = cx + RADIUS * math.cos(angle), cy + RADIUS * math.sin(angle)
        kind = edges[key][0]
        body.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{colour[kind]}" stroke-width="2"/>'
        )
        mx, my = (cx + x) / 2, (cy + y) / 2
        body.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" font-size="9" fill="#333" text-anchor="middle">'
            f"{escape(', '.join(edges[key]))}</text>"
        )
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour[kind]}"/>')
        anchor = "start" if x >= cx else "end"
        dx = 10 if x >= cx else -10
        body.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" font-size="10" text-anchor="{anchor}">'
            f"{escape(_cut(names.get(key, key)))} ({escape(key)})</text>"
        )
    body.append(f'<circle cx="{cx}" cy="{cy}" r="10" fill="#111"/>')
    body.append(
        f'<text x="{cx}" y="{cy - 16}" font-size="12" font-weight="bold" text-anchor="middle">'
        f"{escape(_cut(target_name, 40))}</text>"
    )
    for i, kind in enumerate(kinds_seen):
        body.append(f'<rect x="{8 + 150 * i}" y="6" width="10" height="10" fill="{colour[kind]}"/>')
        body.append(f'<text x="{22 + 150 * i}" y="15" font-size="10">{escape(kind)}</text>')
    more = len(edges) - len(shown)
    desc = f"{target_name} tied to {len(edges)} entities" + (f" ({more} not drawn)" if more else "") + ": "
    desc += "; ".join(f"{names.get(k, k)} ({k}): {', '.join(v)}" for k, v in sorted(edges.items()))
    return _frame(f"Relations of {target_name}", desc, WIDTH, HEIGHT, body)


def paths_svg(paths: Sequence[Mapping[str, object]]) -> str:
    """Each path (`nodes`: names, `hops`: kinds, `reason`) as a row of boxes."""
    rows = [p for p in paths if p.get("nodes")]
    longest = max((len(p["nodes"]) for p in rows), default=1)  # type: ignore[arg-type]
    width = max(WIDTH, longest * (BOX_W + GAP) + 20)
    height = max(len(rows), 1) * (BOX_H + 30) + 20
    body: list[str] = []
    for r, path in enumerate(rows):
        y = 20 + r * (BOX_H + 30)
        nodes = [str(n) for n in path["nodes"]]  # type: ignore[attr-defined]
        hops = [str(h) for h in path.get("hops", ())]  # type: ignore[attr-defined]
        body.append(
            f'<text x="10" y="{y - 4}" font-size="9" fill="#a00">{escape(str(path.get("reason", "")))}</text>'
        )
        for i, name in enumerate(nodes):
            x = 10 + i * (BOX_W + GAP)
            body.append(
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" '
                'fill="#f4f4f4" stroke="#555"/>'
            )
            body.append(f'<text x="{x + 6}" y="{y + 26}" font-size="10">{escape(_cut(name, 24))}</text>')
            if i < len(nodes) - 1:
                x2 = x + BOX_W
                body.append(
                    f'<line x1="{x2}" y1="{y + BOX_H / 2}" x2="{x2 + GAP}" '
                    f'y2="{y + BOX_H / 2}" stroke="#333"/>'
                )
                label = hops[i] if i < len(hops) else ""
                body.append(
                    f'<text x="{x2 + 2}" y="{y + BOX_H / 2 - 4}" font-size="8">{escape(label)}</text>'
                )
    desc = (
        "; ".join(
            " → ".join(str(n) for n in p["nodes"]) + f" ({p.get('reason', '')})"  # type: ignore[attr-defined]
            for p in rows
        )
        or "no supply-chain path"
    )
    return _frame("Supply-chain paths", desc, width, height, body)
