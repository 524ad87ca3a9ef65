"""What the exposure web pages show: a shipment with its supply chain, a party, the evidence register.

The pages need more than the JSON of `accomplice trace`: the whole supply chain around a shipment (not
only the tainting paths), so that a flow chart can draw every party the engine looked at, with the
tainting paths picked out. These use-cases take the engine built once per store generation
(services.exposure_cache) and return plain values; the web layer only lays them out.

Each use-case takes the reader's `Principal` (services/exposure_visibility.py turns it into what it may
see): confidential sources are shown as services.exposure shows them ("confidential source <id>",
statement withheld) without the `confidential` permission; an importer sees its own shipments only, traced
on the shared records and its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from accomplice.exposure.model import EdgeKind, Shipment, Trace
from accomplice.exposure.rebuttal import rebuttal_checklist
from accomplice.services.auth import Principal
from accomplice.services.exposure import (
    ExposureView,
    OrgScope,
    documents_about,
    held_kinds,
    list_evidence,
    path_json,
    redacted_paths_json,
    stored_documents,
    visible_nodes,
    visible_party_node,
    visible_shipment,
)
from accomplice.services.exposure_cache import cached_view, stored_flags
from accomplice.services.exposure_visibility import may_see_confidential, own_orgs, reader_scope
from accomplice.store import Store
from accomplice.store.exposure import DocumentRecord, ExposureStore, PartyRecord

__all__ = [
    "ChainEdge",
    "ChainNode",
    "EvidenceRegister",
    "PartyPage",
    "ShipmentPage",
    "ShipmentRow",
    "evidence_register",
    "party_page",
    "shipment_page",
    "shipment_rows",
]

# A flow chart with more boxes than this is unreadable on a screen; the nearest parties are drawn and
# the page says how many more the chain holds.
MAX_CHAIN_NODES = 40
# Roles whose party is drawn at tier 0 (where the goods arrive); every other role ships them.
RECEIVING_ROLES = frozenset({"importer", "consignee", "notify"})


@dataclass(frozen=True, slots=True)
class ChainNode:
    """A box of the flow chart: a party (engine node) or a facility, at a tier (0 = importer)."""

    id: str
    name: str
    kind: str  # "party" | "facility"
    tier: int
    roles: tuple[str, ...] = ()  # shipment roles of this party
    country: str | None = None
    listed: str | None = None  # the listed entity's key when the party resolved to one
    tainted: bool = False  # on a tainting path
    source_of_taint: bool = False  # the evidence subject, the DPRK-listed or blocked party itself
    link: str | None = None  # the party page


@dataclass(frozen=True, slots=True)
class ChainEdge:
    """An arrow: goods (supplies, ships), control (owns, with the share) or operation of a facility."""

    kind: str  # EdgeKind value
    from_id: str
    to_id: str
    label: str = ""
    tainted: bool = False


@dataclass(slots=True)
class ShipmentPage:
    record: Shipment
    parties: list[dict[str, object]]  # role, id, node, name, country, resolved, score
    flagged: bool
    reasons: list[str]
    paths: list[dict[str, object]]  # as services.exposure.path_json
    nodes: list[ChainNode]
    edges: list[ChainEdge]
    hidden_nodes: int  # chain parties not drawn (beyond MAX_CHAIN_NODES)
    checklist: list[dict[str, object]]  # rebuttal items: party, name, kind, description, held, reasons
    checked: dict[str, object]  # for a clean shipment: what the engine looked at
    documents: list[DocumentRecord]  # rebuttal documents held for it (its own and party-wide ones)


@dataclass(slots=True)
class PartyPage:
    id: str
    node: str
    name: str
    records: list[PartyRecord]  # the trade parties that are this node (one, or several for a listed key)
    exposed: bool
    paths: list[dict[str, object]]
    downstream: list[tuple[str, str]]  # (node, name)
    upstream: list[tuple[str, str, str]]  # direct suppliers and owners: (node, name, kind)
    shipments: list[Shipment]


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    record: Shipment
    importer: str
    exporter: str
    flagged: bool
    reasons: tuple[str, ...]


def _names(view: ExposureView, record: Shipment) -> dict[str, str]:
    return {role: view.names.get(view.nodes.get(pid, pid), pid) for role, pid in record.parties}


def shipment_rows(store: Store, principal: Principal | None = None) -> list[ShipmentRow]:
    """Every stored shipment the reader may see (an importer: its own), by date, with the flags computed
    once per store generation and trust scope for them all."""
    orgs = reader_scope(principal)
    flags = stored_flags(store, orgs)
    view = flags.view
    owners = view.record_orgs.get("shipments", {})
    rows = []
    for record, reasons in zip(flags.shipments, flags.reasons, strict=True):
        if orgs is not None and owners.get(record.id) not in orgs:
            continue
        names = _names(view, record)
        rows.append(
            ShipmentRow(
                record,
                names.get("importer", ""),
                names.get("exporter") or names.get("manufacturer", ""),
                bool(reasons),
                reasons,
            )
        )
    return rows


def _chain(
    store: Store,
    view: ExposureView,
    record: Shipment,
    trace: Trace,
    orgs: OrgScope = None,
    seen_by_reader: Collection[str] | None = None,
) -> tuple[list[ChainNode], list[ChainEdge], int]:
    """The boxes and arrows of a shipment's flow chart: its parties, the upstream the engine searched,
    every node of the tainting paths, owners of drawn parties and the facilities the paths name.

    `trace` is already redacted for `orgs`; other organisations' relations are not drawn either, and of
    the upstream only the nodes `seen_by_reader` (None: all)."""
    exposure = ExposureStore(store)
    node_of = view.nodes
    supply = [
        (node_of.get(r.supplier, r.supplier), node_of.get(r.buyer, r.buyer), r)
        for r in exposure.supply()
        if not view.hides("relations", r.id, orgs)
    ]
    ownership = [
        (node_of.get(o.owner, o.owner), node_of.get(o.owned, o.owned), o)
        for o in exposure.ownership()
        if not view.hides("ownership", o.id, orgs)
    ]
    shipment = view.shipment(record)
    roles: dict[str, list[str]] = {}
    for role, pid in record.parties:
        roles.setdefault(node_of.get(pid, pid), []).append(role)
    tier: dict[str, int] = {}
    for node, its_roles in roles.items():
        tier[node] = 0 if set(its_roles) <= RECEIVING_ROLES else 1
    # The engine's upstream on the shipment's production window, nearest first: what it searched.
    upstream = [n for n in view.engine.checked_parties(shipment) if n not in tier]
    if seen_by_reader is not None:
        upstream = [n for n in upstream if n in seen_by_reader]
    # Tiers by breadth-first search from the shipment's parties against the goods flow.
    suppliers_of: dict[str, list[str]] = {}
    for supplier, buyer, _ in supply:
        suppliers_of.setdefault(buyer, []).append(supplier)
    wanted = set(upstream)
    queue = deque(n for n in tier if tier[n] == 1)
    while queue:
        buyer = queue.popleft()
        for supplier in suppliers_of.get(buyer, ()):
            if supplier in wanted and supplier not in tier:
                tier[supplier] = tier[buyer] + 1
                queue.append(supplier)
    tainted_edges: set[tuple[str, str, str]] = set()
    tainted_nodes: set[str] = set()
    sources_of_taint: set[str] = set()
    facilities: set[str] = set()
    path_hops = [hop for path in trace.flag.paths for hop in path.hops] if trace.flag else []
    importers = [n for n, r in roles.items() if "importer" in r] or [n for n in tier if tier[n] == 0]
    for hop in path_hops:
        if hop.kind == EdgeKind.SHIPS:
            tainted_nodes.add(hop.from_node)
            for imp in importers:
                if imp != hop.from_node:
                    tainted_edges.add((str(EdgeKind.SHIPS), hop.from_node, imp))
            continue
        tainted_nodes.update((hop.from_node, hop.to_node))
        tainted_edges.add((str(hop.kind), hop.from_node, hop.to_node))
        if hop.kind == EdgeKind.OPERATES:
            facilities.add(hop.to_node)
    if trace.flag:
        for path in trace.flag.paths:
            if path.evidence is not None:
                sources_of_taint.add(path.evidence.subject)
            if path.listing is not None:
                sources_of_taint.add(path.listing.party)
    # Nodes on paths that the breadth-first search did not place (owners, parties off the window).
    changed = True
    while changed:
        changed = False
        for hop in path_hops:
            upstream_hop = hop.kind in (EdgeKind.SUPPLIES, EdgeKind.OWNS)
            if upstream_hop and hop.from_node not in tier and hop.to_node in tier:
                tier[hop.from_node] = tier[hop.to_node] + 1
                changed = True
            elif hop.kind == EdgeKind.OPERATES and hop.to_node not in tier and hop.from_node in tier:
                tier[hop.to_node] = tier[hop.from_node] + 1
                changed = True
    # Owners of the drawn parties, one level, beside the party they own.
    for owner, owned, _ in ownership:
        if owned in tier and owner not in tier:
            tier[owner] = tier[owned] + 1
    order = sorted(
        tier, key=lambda n: (tier[n], n not in tainted_nodes, str(view.names.get(n) or n).casefold())
    )
    drawn = order[:MAX_CHAIN_NODES]
    keep = set(drawn) | {n for n in tainted_nodes if n in tier}
    drawn = [n for n in order if n in keep]
    nodes = []
    for n in drawn:
        is_facility = n in view.facilities or n in facilities
        record_of = view.parties.get(n)
        listed = n if not n.startswith("party:") and not is_facility else None
        country = None
        if is_facility and n in view.facilities:
            country = view.facilities[n].country
        else:
            country = next((p.country for p in view.parties.values() if p.node == n and p.country), None)
        nodes.append(
            ChainNode(
                n,
                view.names.get(n, n),
                "facility" if is_facility else "party",
                tier[n],
                tuple(roles.get(n, ())),
                country,
                listed or (record_of.entity_key if record_of else None),
                n in tainted_nodes,
                n in sources_of_taint,
                None if is_facility else f"/parties/{n}",
            )
        )
    shown = set(drawn)
    edges: list[ChainEdge] = []
    seen: set[tuple[str, str, str]] = set()

    def add(kind: str, a: str, b: str, label: str = "") -> None:
        key = (kind, a, b)
        if a in shown and b in shown and key not in seen:
            seen.add(key)
            edges.append(ChainEdge(kind, a, b, label, key in tainted_edges))

    for n, its_roles in roles.items():
        if set(its_roles) - RECEIVING_ROLES:
            for imp in importers:
                if imp != n:
                    add(str(EdgeKind.SHIPS), n, imp, record.id)
    for supplier, buyer, _relation in supply:
        # The entry's own arrow (exporter to importer) already shows that goods flow.
        if (str(EdgeKind.SHIPS), supplier, buyer) in seen:
            continue
        if tier.get(supplier, -1) > tier.get(buyer, 99):
            add(str(EdgeKind.SUPPLIES), supplier, buyer)
    for owner, owned, o in ownership:
        add(str(EdgeKind.OWNS), owner, owned, f"{o.share:g}%" if o.share is not None else "control")
    for facility in view.facilities.values():
        if not view.hides("facilities", facility.id, orgs):
            add(str(EdgeKind.OPERATES), facility.id, facility.operator)
    for hop in path_hops:  # hops the relations above did not draw (kept ids differ after a decision)
        if hop.kind == EdgeKind.OPERATES:
            add(str(EdgeKind.OPERATES), hop.to_node, hop.from_node)
            continue
        if hop.kind != EdgeKind.SHIPS:
            add(str(hop.kind), hop.from_node, hop.to_node)
    # An OPERATES arrow is drawn from the facility to its operator (goods made there become the
    # operator's), so its tainted key is the reverse of the hop's.
    edges = [
        ChainEdge(
            e.kind, e.from_id, e.to_id, e.label, e.tainted or (e.kind, e.to_id, e.from_id) in tainted_edges
        )
        if e.kind == str(EdgeKind.OPERATES)
        else e
        for e in edges
    ]
    return nodes, edges, max(0, len(order) - len(drawn))


def shipment_page(
    store: Store, shipment_id: str, principal: Principal | None = None, *, max_paths: int = 3
) -> ShipmentPage:
    """A stored shipment, traced on the records the reader trusts, with its chain for the flow chart and,
    if flagged, the checklist ticked from the documents stored for it. An importer sees only its own
    shipments."""
    orgs = reader_scope(principal)
    record = visible_shipment(store, shipment_id, orgs)
    view = cached_view(store, orgs=orgs)
    full = view.engine.trace(view.shipment(record), max_paths=max_paths)
    trace, paths = redacted_paths_json(
        full, view, may_see_confidential=may_see_confidential(principal), orgs=orgs
    )
    documents = stored_documents(store, view, record, orgs)
    seen_by_reader = None if orgs is None else visible_nodes(store, view, orgs)
    nodes, edges, hidden = _chain(store, view, record, trace, orgs, seen_by_reader)
    parties: list[dict[str, object]] = []
    for role, pid in record.parties:
        p = view.parties.get(pid)
        node = view.nodes.get(pid, pid)
        parties.append(
            {
                "role": role,
                "id": pid,
                "node": node,
                "name": p.name if p else view.names.get(node, node),
                "country": p.country if p else None,
                "resolved": p.entity_key if p else None,
                "score": p.score if p and p.entity_key else None,
                "status": p.status if p else "auto",
            }
        )
    checklist = [
        {
            "party": item.party,
            "name": record.id if item.party == record.id else view.names.get(item.party, item.party),
            "kind": item.kind,
            "description": item.description,
            "held": item.held,
            "reasons": [str(r) for r in item.reasons],
        }
        for item in rebuttal_checklist(trace, held_kinds(documents))
    ]
    checked_parties = list(trace.checked.parties)
    if seen_by_reader is not None:
        checked_parties = [n for n in checked_parties if n in seen_by_reader]
    subjects = {str(p["node"]) for p in parties} | {str(i["party"]) for i in checklist}
    checked = {
        "parties": [(n, view.names.get(n, n)) for n in checked_parties],
        "parties_total": trace.checked.parties_total,
        "relations": trace.checked.relations,
        "evidence_records_in_period": trace.checked.evidence_records_in_period,
    }
    return ShipmentPage(
        record,
        parties,
        trace.flag is not None,
        [str(r) for r in trace.flag.reasons] if trace.flag else [],
        paths,
        nodes,
        edges,
        hidden,
        checklist,
        checked,
        documents_about(documents, record.id, subjects),
    )


def party_page(
    store: Store,
    party: str,
    day: date | None = None,
    principal: Principal | None = None,
    *,
    max_paths: int = 3,
) -> PartyPage:
    """A party (a `party:` id or a listed key): its resolution, upstream paths, buyers and shipments.

    An importer may open only parties its own or shared records name, and sees only those records and
    its own shipments."""
    orgs = reader_scope(principal)
    confidential = may_see_confidential(principal)
    view = cached_view(store, orgs=orgs)
    node, seen_by_reader = visible_party_node(store, view, party, orgs)
    records = sorted((p for p in view.parties.values() if p.node == node), key=lambda p: p.id)
    paths = view.engine.exposure(node, day, max_paths=max_paths)
    downstream = sorted(
        (
            (n, view.names.get(n, n))
            for n in view.engine.downstream(node)
            if seen_by_reader is None or n in seen_by_reader
        ),
        key=lambda x: x[1].casefold(),
    )
    exposure = ExposureStore(store)
    ids = {p.id for p in records} | {node}
    upstream: list[tuple[str, str, str]] = []
    for r in exposure.supply():
        if view.hides("relations", r.id, orgs):
            continue
        if view.nodes.get(r.buyer, r.buyer) == node:
            s = view.nodes.get(r.supplier, r.supplier)
            upstream.append((s, view.names.get(s, s), "supplier"))
    for o in exposure.ownership():
        if view.hides("ownership", o.id, orgs):
            continue
        if view.nodes.get(o.owned, o.owned) == node:
            s = view.nodes.get(o.owner, o.owner)
            share = f"owner, {o.share:g}%" if o.share is not None else "controls"
            upstream.append((s, view.names.get(s, s), share))
    shipments = [
        s for s in exposure.shipments(orgs=own_orgs(orgs)) if any(pid in ids for _, pid in s.parties)
    ]
    return PartyPage(
        party,
        node,
        view.names.get(node, node),
        records,
        bool(paths),
        [path_json(p, view, may_see_confidential=confidential, orgs=orgs) for p in paths],
        downstream,
        sorted(set(upstream), key=lambda x: x[1].casefold()),
        shipments,
    )


@dataclass(slots=True)
class EvidenceRegister:
    rows: list[dict[str, object]]
    total: int
    grades: list[str] = field(default_factory=list)


def evidence_register(
    store: Store, principal: Principal | None = None, *, subject: str = "", grade: str = ""
) -> EvidenceRegister:
    """Labour evidence, filtered by subject (part of its name or id) and source reliability grade.

    Without the right to see confidential sources, the grade of a confidential one is not shown and a
    grade filter does not match it: filtering must not reveal what the listing withholds.
    """
    rows = list_evidence(store, principal)
    grades = sorted(
        {str(s["reliability"]) for r in rows if isinstance(s := r["source"], dict) and "reliability" in s}
    )
    wanted = subject.strip().casefold()
    picked: Sequence[dict[str, object]] = rows
    if wanted:
        picked = [
            r
            for r in picked
            if wanted in str(r["subject_name"]).casefold() or wanted in str(r["subject"]).casefold()
        ]
    if grade:
        picked = [r for r in picked if isinstance(s := r["source"], dict) and s.get("reliability") == grade]
    return EvidenceRegister(list(picked), len(rows), grades)
