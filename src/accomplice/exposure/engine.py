"""The CAATSA §321(b) presumption engine: which shipments reach North Korean labour, and by which path.

Semantics
---------
*Goods flow.* A `SupplyRelation` moves goods from `supplier` to `buyer`. A party operates its
`Facility` records: evidence about a facility is evidence about its operator's goods (for the days the
facility record and the evidence both cover). A shipment's upstream is the closure over supply relations
from its exporter, manufacturer, consignee and importer. The notify party is left out: it is told of the
arrival (a broker, a bank) and neither makes nor owns the goods.

*Dates.* Every shipment has a production window [day − PRODUCTION_LEAD_DAYS, day] (365 days; the reason is
with the constant in `network.py`). A relation, a piece of evidence, a facility record, a listing or a
holding counts for the shipment when its period overlaps that window. Per-hop windows are simplified to
the shipment's window: a tier-4 relation is not required to precede the tier-3 one. Evidence from 2019 does
not taint a 2015 shipment; an open-ended period, or one that covers 2015, does.

*HS codes.* A relation's HS prefixes name the goods that flow on it (empty: any goods). They are compared
with the shipment's HS code on a path's *first* hop only — the relation that delivers to a party named on
the shipment — because deeper hops carry inputs (raw fish into a cannery, yarn into a garment factory)
whose codes differ from the finished good's. A shipment without an HS code is compared with nothing.
Paths are searched from each named party; a path from the importer reaches the exporter's suppliers as
deeper hops, where HS prefixes are not compared. So a restriction on a relation *into the exporter* only
holds on paths that start at the exporter: with the importer named, the exporter's inputs of other goods
still count (we cannot tell which inputs went into which output). Restrictions on relations into the
importer — the multi-product importer buying garments from one supplier and seafood from another — hold.

*Reasons.* A shipment is flagged when its upstream (its own parties included) reaches:
  (a) LABOUR_EVIDENCE — evidence on a party or on a facility it operates, in period;
  (b) DPRK_LISTED — a party with a `Listing(dprk=True)` in period;
  (c) BLOCKED_BY_OWNERSHIP — a party that OFAC's 50% rule blocks: blocked persons (listings with
      blocked=True, or entities themselves blocked by this rule) hold, in aggregate and each holding in
      period, 50% or more of it. Shares held through an entity that is not itself blocked do not count
      (OFAC FAQ 401). Exactly 50% blocks; 49.99% does not. Holdings without a share figure (control only)
      do not count toward the 50%. Shares are summed in 1/10,000 percent, exactly. Like every other
      record, a holding counts when its period overlaps the window, so two holdings that overlap the
      window but not each other (one sold in March, one bought in June) are summed: a simplification
      towards flagging, as the window is about the goods, not a day's cap table.
  A party that is listed and blocked but not under a DPRK program does not by itself flag a shipment: the
  presumption is about North Korea; its 50% reach over owned entities does.

*Paths.* The shortest paths by supply hops (breadth-first), `max_paths` of them, the shortest path of each
distinct reason first. Hops run from the shipment outward; each hop keeps its record's direction
(SHIPS party → shipment, SUPPLIES supplier → buyer, OPERATES operator → facility, OWNS owner → owned) and
carries the record's id and source. A clean shipment gets `Checked`: every party in its upstream on
the window (its own parties first), the relations looked at (active in the window, first hops matched to
the HS code), and how many evidence records in the engine were in period — none of which concerned a
party of that upstream.

*Bulk.* `flag_shipments` answers the same question for a columnar `ShipmentTable` of millions of rows
without tracing: a shipment is flagged when one of its parties' propagated state holds a reason on its
day (see `network.py`); the property tests check that it agrees with `trace` and with a day-by-day oracle.

*Incremental.* `add_evidence`, `add_supply`, `add_ownership` and `add_listing` extend the propagated state
from the new fact only (downstream of its subject; for holdings and listings, the owned subgraph first),
and return the ids of the parties whose state grew. All four only add facts, and the state is the least
fixed point of monotone rules, so the result equals a full recomputation (property-tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import overload

import numpy as np
import numpy.typing as npt

from accomplice.exposure.model import (
    Checked,
    EdgeKind,
    Evidence,
    Facility,
    Flag,
    FlagReason,
    Hop,
    Listing,
    Ownership,
    Party,
    Path,
    Period,
    Shipment,
    ShipmentRole,
    Source,
    SupplyRelation,
    Trace,
)
from accomplice.exposure.network import (
    PRODUCTION_LEAD_DAYS,
    REASONS,
    BulkFlags,
    Network,
    _gather,
)
from accomplice.exposure.tables import (
    NO_PARTY,
    SHARE_UNITS_PER_PERCENT,
    EvidenceTable,
    FacilityTable,
    ListingTable,
    NumberedIds,
    OwnershipTable,
    ShipmentTable,
    SupplyTable,
    Tables,
    day_number,
    period_days,
    period_of,
    share_units,
)

__all__ = ["PRODUCTION_LEAD_DAYS", "ExposureEngine"]

I64 = npt.NDArray[np.int64]

# A clean trace names the parties it looked at nearest first, up to this many, and counts them all: the
# upstream of a hub importer holds tens of thousands of parties, a list no reader uses and whose strings
# alone cost more than the 50 ms a trace may take; `checked_parties` gives the whole list on demand.
CHECKED_PARTIES_NAMED = 1000

# Roles whose parties make, sell or own the goods (see "Goods flow" above).
TRACED_ROLES = (
    ShipmentRole.EXPORTER,
    ShipmentRole.MANUFACTURER,
    ShipmentRole.CONSIGNEE,
    ShipmentRole.IMPORTER,
)


# Search tree: state (party, deep) → (previous state, supply row), None at a start.
_Parents = dict[tuple[int, bool], tuple[tuple[int, bool], int] | None]


class _Ids(Sequence[str]):
    """Row ids: a base sequence (possibly `NumberedIds`) plus rows appended later, with reverse lookup."""

    def __init__(self, base: Sequence[str]) -> None:
        self.base = base
        self.extra: list[str] = []
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < len(self.base):
            return self.base[index]
        return self.extra[index - len(self.base)]

    def __iter__(self) -> Iterator[str]:
        yield from self.base
        yield from self.extra

    def index_of(self, key: str) -> int | None:
        if isinstance(self.base, NumberedIds):
            found = self.base.index_of(key)
            if found is not None:
                return found
        if self._index is None:
            base = () if isinstance(self.base, NumberedIds) else self.base
            self._index = {k: i for i, k in enumerate(base)}
            self._index.update((k, len(self.base) + i) for i, k in enumerate(self.extra))
        return self._index.get(key)

    def many(self, indices: Sequence[int]) -> tuple[str, ...]:
        """Ids of many rows at once (a clean trace lists thousands of parties)."""
        base = len(self.base)
        if isinstance(self.base, NumberedIds):
            prefix = self.base.prefix
            return tuple(f"{prefix}{i}" if i < base else self.extra[i - base] for i in indices)
        return tuple(self.base[i] if i < base else self.extra[i - base] for i in indices)

    def append(self, key: str) -> int:
        self.extra.append(key)
        index = len(self) - 1
        if self._index is not None:
            self._index[key] = index
        return index


@dataclass(frozen=True, slots=True)
class _Fact:
    """A tainting fact found by the search, with the hops from the start party out to it."""

    depth: int
    reason: FlagReason
    start: int
    hops: tuple[Hop, ...]
    evidence: Evidence | None = None
    listing: Listing | None = None
    blocked_share: float | None = None

    def path(self, ships: Hop | None) -> Path:
        hops = self.hops if ships is None else (ships, *self.hops)
        return Path(hops, self.reason, self.evidence, self.listing, self.blocked_share)


def _concat(array: npt.NDArray[np.generic], values: Sequence[object], dtype: type) -> npt.NDArray[np.generic]:
    return np.concatenate([array, np.asarray(values, dtype=dtype)])


class ExposureEngine:
    """Supply chains, control and labour evidence in; flags with evidence paths out. See module docstring."""

    def __init__(self, tables: Tables, *, lead_days: int = PRODUCTION_LEAD_DAYS) -> None:
        self._tables = tables
        self._parties = _Ids(tables.party_ids)
        tables.party_ids = self._parties
        self._supply_ids = _Ids(tables.supply.ids)
        tables.supply.ids = self._supply_ids
        self._ownership_ids = _Ids(tables.ownership.ids)
        tables.ownership.ids = self._ownership_ids
        self._facility_ids = _Ids(tables.facilities.ids)
        tables.facilities.ids = self._facility_ids
        self._evidence_ids = _Ids(tables.evidence.ids)
        tables.evidence.ids = self._evidence_ids
        self._list_keys = _Ids(tables.listings.list_keys)
        tables.listings.list_keys = self._list_keys
        self._prefix_index = {p: i for i, p in enumerate(tables.hs_prefixes)}
        self._source_index = {s.id: i for i, s in enumerate(tables.sources)}
        # Original values where the engine was given values (their statements, programs, names).
        self._evidence_values: dict[int, Evidence] = {}
        self._listing_values: dict[int, Listing] = {}
        self._network = Network(tables, lead_days)
        self._propagated = False

    # ---- construction ----------------------------------------------------------------------------------
    @classmethod
    def from_tables(cls, tables: Tables, *, lead_days: int = PRODUCTION_LEAD_DAYS) -> ExposureEngine:
        engine = cls(tables, lead_days=lead_days)
        engine.propagate()
        return engine

    @classmethod
    def from_values(
        cls,
        *,
        parties: Iterable[Party],
        listings: Iterable[Listing] = (),
        supply: Iterable[SupplyRelation] = (),
        ownership: Iterable[Ownership] = (),
        facilities: Iterable[Facility] = (),
        evidence: Iterable[Evidence] = (),
        lead_days: int = PRODUCTION_LEAD_DAYS,
    ) -> ExposureEngine:
        tables, evidence_values, listing_values = _tables_of(
            parties, listings, supply, ownership, facilities, evidence
        )
        engine = cls(tables, lead_days=lead_days)
        engine._evidence_values = evidence_values
        engine._listing_values = listing_values
        engine.propagate()
        return engine

    @property
    def tables(self) -> Tables:
        return self._tables

    def _party(self, party_id: str) -> int:
        index = self._parties.index_of(party_id)
        if index is None:
            index = self._parties.append(party_id)
            self._network.add_parties(len(self._parties))
        return index

    def _source(self, source: Source | None) -> int:
        if source is None:
            return -1
        if source.id not in self._source_index:
            self._tables.sources = [*self._tables.sources, source]
            self._source_index[source.id] = len(self._tables.sources) - 1
        return self._source_index[source.id]

    def _append_facility(self, facility: Facility) -> int:
        t = self._tables.facilities
        operator = self._party(facility.operator)
        start, end = period_days(facility.period)
        t.operator = _concat(t.operator, [operator], np.int32)  # type: ignore[assignment]
        t.start = _concat(t.start, [start], np.int32)  # type: ignore[assignment]
        t.end = _concat(t.end, [end], np.int32)  # type: ignore[assignment]
        return self._facility_ids.append(facility.id)

    def _append_listing(self, listing: Listing) -> int:
        t = self._tables.listings
        party = self._party(listing.party)
        start, end = period_days(listing.period)
        t.party = _concat(t.party, [party], np.int32)  # type: ignore[assignment]
        t.dprk = _concat(t.dprk, [listing.dprk], np.bool_)  # type: ignore[assignment]
        t.blocked = _concat(t.blocked, [listing.blocked], np.bool_)  # type: ignore[assignment]
        t.start = _concat(t.start, [start], np.int32)  # type: ignore[assignment]
        t.end = _concat(t.end, [end], np.int32)  # type: ignore[assignment]
        row = self._list_keys.append(listing.list_key)
        self._listing_values[row] = listing
        return row

    def _append_supply(self, relation: SupplyRelation) -> int:
        t = self._tables.supply
        supplier, buyer = self._party(relation.supplier), self._party(relation.buyer)
        start, end = period_days(relation.period)
        row = len(t)
        t.supplier = _concat(t.supplier, [supplier], np.int32)  # type: ignore[assignment]
        t.buyer = _concat(t.buyer, [buyer], np.int32)  # type: ignore[assignment]
        t.start = _concat(t.start, [start], np.int32)  # type: ignore[assignment]
        t.end = _concat(t.end, [end], np.int32)  # type: ignore[assignment]
        if t.source is None:
            t.source = np.full(row, -1, np.int32)
        t.source = _concat(t.source, [self._source(relation.source)], np.int32)  # type: ignore[assignment]
        prefixes = [self._prefix(p) for p in relation.hs_prefixes]
        t.restricted_row = _concat(t.restricted_row, [row] * len(prefixes), np.int32)  # type: ignore[assignment]
        t.restricted_prefix = _concat(t.restricted_prefix, prefixes, np.int32)  # type: ignore[assignment]
        return self._supply_ids.append(relation.id)

    def _prefix(self, prefix: str) -> int:
        if prefix not in self._prefix_index:
            self._tables.hs_prefixes = [*self._tables.hs_prefixes, prefix]
            self._prefix_index[prefix] = len(self._tables.hs_prefixes) - 1
        return self._prefix_index[prefix]

    def _append_ownership(self, holding: Ownership) -> int:
        t = self._tables.ownership
        owner, owned = self._party(holding.owner), self._party(holding.owned)
        start, end = period_days(holding.period)
        row = len(t)
        t.owner = _concat(t.owner, [owner], np.int32)  # type: ignore[assignment]
        t.owned = _concat(t.owned, [owned], np.int32)  # type: ignore[assignment]
        t.share = _concat(t.share, [share_units(holding.share)], np.int64)  # type: ignore[assignment]
        t.start = _concat(t.start, [start], np.int32)  # type: ignore[assignment]
        t.end = _concat(t.end, [end], np.int32)  # type: ignore[assignment]
        if t.source is None:
            t.source = np.full(row, -1, np.int32)
        t.source = _concat(t.source, [self._source(holding.source)], np.int32)  # type: ignore[assignment]
        return self._ownership_ids.append(holding.id)

    def _append_evidence(self, record: Evidence) -> int:
        t = self._tables.evidence
        facility = self._facility_ids.index_of(record.subject)
        party = NO_PARTY if facility is not None else self._party(record.subject)
        start, end = period_days(record.period)
        t.party = _concat(t.party, [party], np.int32)  # type: ignore[assignment]
        t.facility = _concat(t.facility, [-1 if facility is None else facility], np.int32)  # type: ignore[assignment]
        t.start = _concat(t.start, [start], np.int32)  # type: ignore[assignment]
        t.end = _concat(t.end, [end], np.int32)  # type: ignore[assignment]
        t.source = _concat(t.source, [self._source(record.source)], np.int32)  # type: ignore[assignment]
        row = self._evidence_ids.append(record.id)
        self._evidence_values[row] = record
        return row

    # ---- propagation and incremental updates -----------------------------------------------------------
    def propagate(self) -> None:
        """Full propagation: the 50% rule, then every fact carried downstream to its fixed point."""
        self._network.propagate()
        self._propagated = True

    def _ready(self) -> Network:
        if not self._propagated:
            self.propagate()
        return self._network

    def _ids(self, parties: Iterable[int]) -> frozenset[str]:
        return frozenset(self._parties[p] for p in parties)

    def add_evidence(self, evidence: Evidence) -> frozenset[str]:
        network = self._ready()
        row = self._append_evidence(evidence)
        return self._ids(network.add_evidence_rows(np.array([row], np.int64)))

    def add_supply(self, relation: SupplyRelation) -> frozenset[str]:
        network = self._ready()
        row = self._append_supply(relation)
        return self._ids(network.add_supply_rows(np.array([row], np.int64)))

    def add_ownership(self, ownership: Ownership) -> frozenset[str]:
        network = self._ready()
        row = self._append_ownership(ownership)
        return self._ids(network.add_ownership_rows(np.array([row], np.int64)))

    def add_listing(self, listing: Listing) -> frozenset[str]:
        network = self._ready()
        row = self._append_listing(listing)
        return self._ids(network.add_listing_rows(np.array([row], np.int64)))

    def add_facility(self, facility: Facility) -> None:
        """Register a facility (before evidence about it); a facility alone taints nothing."""
        self._append_facility(facility)
        self._network._index_facts()

    # ---- state -----------------------------------------------------------------------------------------
    def status(self) -> dict[str, tuple[tuple[str, int, int], ...]]:
        """The propagated state by party id: (reason, first shipment day, last shipment day) rows."""
        state = self._ready().state
        result: dict[str, list[tuple[str, int, int]]] = {}
        for key, lo, hi in zip(state.key.tolist(), state.lo.tolist(), state.hi.tolist(), strict=True):
            result.setdefault(self._parties[key // 3], []).append((REASONS[key % 3].value, lo, hi))
        return {party: tuple(rows) for party, rows in result.items()}

    def flag_shipments(self, shipments: ShipmentTable) -> BulkFlags:
        """Bulk flags for a columnar table of shipments (bit i of `reasons` = `REASONS[i]`)."""
        return self._ready().flag(shipments)

    def shipment_table(self, shipments: Sequence[Shipment]) -> ShipmentTable:
        """Shipment values as columns for `flag_shipments`, one party per role (customs entries name one).

        A party the engine does not know has no upstream and no facts, so it is left out (NO_PARTY), as
        `trace` leaves it out of its search.
        """
        codes = sorted({s.hs_code for s in shipments if s.hs_code})
        code_index = {c: i for i, c in enumerate(codes)}

        def column(role: ShipmentRole) -> npt.NDArray[np.int32]:
            found = [self._parties.index_of(ids[0]) if (ids := s.party(role)) else None for s in shipments]
            return np.array([NO_PARTY if i is None else i for i in found], np.int32)

        return ShipmentTable(
            day=np.array([day_number(s.day) for s in shipments], np.int32),
            hs=np.array([code_index[s.hs_code] if s.hs_code else -1 for s in shipments], np.int32),
            importer=column(ShipmentRole.IMPORTER),
            exporter=column(ShipmentRole.EXPORTER),
            manufacturer=column(ShipmentRole.MANUFACTURER),
            consignee=column(ShipmentRole.CONSIGNEE),
            hs_codes=codes,
            ids=[s.id for s in shipments],
        )

    def shipment_of(self, shipments: ShipmentTable, row: int) -> Shipment:
        """One row of a shipment table as a value, for tracing it."""
        parties: list[tuple[ShipmentRole, str]] = []
        for role, column in zip(TRACED_ROLES, shipments.party_columns(), strict=True):
            if column[row] >= 0:
                parties.append((role, self._parties[int(column[row])]))
        code = shipments.hs_codes[int(shipments.hs[row])] if shipments.hs[row] >= 0 else ""
        day = period_of(int(shipments.day[row]), int(shipments.day[row])).start
        assert day is not None
        return Shipment(id=shipments.ids[row], day=day, parties=tuple(parties), hs_code=code)

    # ---- tracing ---------------------------------------------------------------------------------------
    def trace(self, shipment: Shipment, *, max_paths: int = 3) -> Trace:
        network = self._ready()
        day = day_number(shipment.day)
        starts: list[tuple[int, ShipmentRole]] = []
        for role, party_id in shipment.parties:
            index = self._parties.index_of(party_id)
            if role in TRACED_ROLES and index is not None and all(index != s for s, _ in starts):
                starts.append((index, role))
        hs = shipment.hs_code or None
        facts = self._search([s for s, _ in starts], day, hs, max_paths)
        if not facts:
            return Trace(shipment.id, None, self._checked(network, [s for s, _ in starts], day, hs))
        role_of = dict(starts)
        paths = []
        for fact in _choose(facts, max_paths):
            ships = Hop(
                EdgeKind.SHIPS,
                self._parties[fact.start],
                shipment.id,
                role_of[fact.start].value,
                None,
                Period(shipment.day, shipment.day),
            )
            paths.append(fact.path(ships))
        reasons = tuple(r for r in REASONS if any(f.reason == r for f in facts))
        return Trace(shipment.id, Flag(shipment.id, reasons, tuple(paths)))

    def checked_parties(self, shipment: Shipment) -> tuple[str, ...]:
        """Every party in a shipment's upstream on its window (what `Checked` counts), nearest first."""
        self._ready()
        day = day_number(shipment.day)
        starts: list[int] = []
        for role, party_id in shipment.parties:
            index = self._parties.index_of(party_id)
            if role in TRACED_ROLES and index is not None and index not in starts:
                starts.append(index)
        return self._upstream(starts, day, shipment.hs_code or None)

    def exposure(self, party: str, day: date | None = None, *, max_paths: int = 3) -> tuple[Path, ...]:
        """A party's upstream taint (its own facts included): on `day`'s production window, or ever."""
        self._ready()
        index = self._parties.index_of(party)
        if index is None:
            return ()
        facts = self._search([index], None if day is None else day_number(day), None, max_paths)
        return tuple(fact.path(None) for fact in _choose(facts, max_paths))

    def downstream(self, party: str) -> frozenset[str]:
        """Every party that buys, directly or through others, from `party` (at any time)."""
        network = self._network
        index = self._parties.index_of(party)
        if index is None:
            return frozenset()
        seen = np.zeros(network.count, np.bool_)
        frontier = np.array([index], np.int64)
        while len(frontier):
            _, rows = _gather(network.out_ptr, network.out_rows, frontier)
            buyers = np.unique(self._tables.supply.buyer[rows])
            buyers = buyers[~seen[buyers]]
            seen[buyers] = True
            frontier = buyers.astype(np.int64)
        return self._ids(np.flatnonzero(seen).tolist())

    def _search(self, starts: list[int], day: int | None, hs: str | None, enough: int) -> list[_Fact]:
        """Breadth-first upstream from `starts`, only through parties whose state holds a reason on `day`.

        A search state is (party, deep): the first hop from a shipment party (deep=False) must match the
        shipment's HS code, deeper hops need not (see module docstring), so a shipment party reached again
        through another one is searched again as a deep state.

        The search stops after a level once it holds `enough` facts and the next level can bring no
        reason not yet found (the state of a party says which reasons lie upstream of it): every fact at
        that depth or less is found, so the shortest paths and the full set of reasons are exact, and a
        tainted hub's upstream of thousands of parties is not walked to the end.
        """
        network = self._network
        supply = self._tables.supply
        parent: _Parents = {(s, False): None for s in starts}
        frontier: list[tuple[int, bool]] = [(s, False) for s in starts]
        facts: list[_Fact] = []
        depth = 0
        while frontier:
            for state in frontier:
                facts.extend(self._facts_at(state, day, depth, parent))
            nodes = np.array([n for n, _ in frontier], np.int64)
            at, rows = _gather(network.in_ptr, network.in_rows, nodes)
            if day is not None:
                keep = (network.supply_lo[rows] <= day) & (day <= network.supply_hi[rows])
                at, rows = at[keep], rows[keep]
            suppliers = supply.supplier[rows].astype(np.int64)
            useful = network.tainted_at(suppliers, day)
            following: list[tuple[int, bool]] = []
            for position, row, supplier in zip(
                at[useful].tolist(), rows[useful].tolist(), suppliers[useful].tolist(), strict=True
            ):
                here = frontier[position]
                if not here[1] and not network.hs_allows(row, hs):
                    continue
                state = (supplier, True)
                if state not in parent:
                    parent[state] = (here, row)
                    following.append(state)
            frontier = following
            depth += 1
            if len(facts) >= enough and frontier:
                found = {REASONS.index(f.reason) for f in facts}
                ahead = network.reasons_at(np.array([n for n, _ in frontier], np.int64), day)
                if ahead <= found:
                    break
        return facts

    def _supply_hops(self, state: tuple[int, bool], parent: _Parents) -> tuple[int, tuple[Hop, ...]]:
        """The start party and the supply hops from it out to `state`."""
        t = self._tables.supply
        hops: list[Hop] = []
        link = parent[state]
        while link is not None:
            previous, row = link
            source = (
                None if t.source is None or t.source[row] < 0 else self._tables.sources[int(t.source[row])]
            )
            hops.append(
                Hop(
                    EdgeKind.SUPPLIES,
                    self._parties[int(t.supplier[row])],
                    self._parties[int(t.buyer[row])],
                    self._supply_ids[row],
                    source,
                    period_of(int(t.start[row]), int(t.end[row])),
                )
            )
            state, link = previous, parent[previous]
        return state[0], tuple(reversed(hops))

    def _facts_at(
        self,
        state: tuple[int, bool],
        day: int | None,
        depth: int,
        parent: _Parents,
    ) -> list[_Fact]:
        network = self._network
        node = state[0]

        def active(lo: int, hi: int) -> bool:
            return day is None or lo <= day <= hi

        found: list[tuple[FlagReason, tuple[Hop, ...], Evidence | None, Listing | None, float | None]] = []
        for row in network.evidence_by_party.get(node, ()):
            if active(int(network.evidence_lo[row]), int(network.evidence_hi[row])):
                found.append((FlagReason.LABOUR_EVIDENCE, (), self._evidence(row), None, None))
        fac = self._tables.facilities
        for facility in network.facilities_by_operator.get(node, ()):
            for row in network.evidence_by_facility.get(facility, ()):
                lo = max(int(network.evidence_lo[row]), int(network.facility_lo[facility]))
                hi = min(int(network.evidence_hi[row]), int(network.facility_hi[facility]))
                if lo <= hi and active(lo, hi):
                    operates = Hop(
                        EdgeKind.OPERATES,
                        self._parties[node],
                        self._facility_ids[facility],
                        self._facility_ids[facility],
                        None,
                        period_of(int(fac.start[facility]), int(fac.end[facility])),
                    )
                    found.append((FlagReason.LABOUR_EVIDENCE, (operates,), self._evidence(row), None, None))
        for row in network.listings_by_party.get(node, ()):
            li = self._tables.listings
            if li.dprk[row] and active(int(network.listing_lo[row]), int(network.listing_hi[row])):
                found.append((FlagReason.DPRK_LISTED, (), None, self._listing(row), None))
        spans = network.blocked.get(node, ())
        on = day if day is not None else (spans[0][0] if spans else None)
        if on is not None:
            explained = self._explain_blocked(node, on)
            if explained is not None:
                found.append((FlagReason.BLOCKED_BY_OWNERSHIP, *explained))
        if not found:
            return []
        start, hops = self._supply_hops(state, parent)
        return [
            _Fact(depth, reason, start, (*hops, *tail), evidence, listing, share)
            for reason, tail, evidence, listing, share in found
        ]

    def _explain_blocked(
        self, node: int, day: int
    ) -> tuple[tuple[Hop, ...], None, Listing | None, float] | None:
        """The holdings that block `node` on `day`, followed up through owners blocked in turn."""
        network = self._network
        blocked = network.blocked_at(node, day)
        if blocked is None:
            return None
        own = self._tables.ownership
        hops: list[Hop] = []
        listing: Listing | None = None
        queue = [blocked]
        seen = {node}
        while queue:
            current = queue.pop(0)
            for row in current.holdings:
                owner = int(own.owner[row])
                source = (
                    None
                    if own.source is None or own.source[row] < 0
                    else self._tables.sources[int(own.source[row])]
                )
                hops.append(
                    Hop(
                        EdgeKind.OWNS,
                        self._parties[owner],
                        self._parties[int(own.owned[row])],
                        self._ownership_ids[row],
                        source,
                        period_of(int(own.start[row]), int(own.end[row])),
                        share=int(own.share[row]) / SHARE_UNITS_PER_PERCENT,
                    )
                )
                if owner in seen:
                    continue
                seen.add(owner)
                for lr in network.listings_by_party.get(owner, ()):
                    li = self._tables.listings
                    if (
                        li.blocked[lr]
                        and network.listing_lo[lr] <= day <= network.listing_hi[lr]
                        and listing is None
                    ):
                        listing = self._listing(lr)
                deeper = network.blocked_at(owner, day)
                if deeper is not None and not network._listed_blocked(owner, day):
                    queue.append(deeper)
        return tuple(hops), None, listing, blocked.share_units / SHARE_UNITS_PER_PERCENT

    def _source_of(self, column: npt.NDArray[np.int32] | None, row: int) -> Source | None:
        if column is None or column[row] < 0:
            return None
        return self._tables.sources[int(column[row])]

    def _evidence(self, row: int) -> Evidence:
        if row in self._evidence_values:
            return self._evidence_values[row]
        t = self._tables.evidence
        subject = (
            self._parties[int(t.party[row])]
            if t.party[row] >= 0
            else self._facility_ids[int(t.facility[row])]
        )
        return Evidence(
            self._evidence_ids[row],
            subject,
            period_of(int(t.start[row]), int(t.end[row])),
            self._tables.sources[int(t.source[row])],
        )

    def _listing(self, row: int) -> Listing:
        if row in self._listing_values:
            return self._listing_values[row]
        t = self._tables.listings
        return Listing(
            self._parties[int(t.party[row])],
            self._list_keys[row],
            dprk=bool(t.dprk[row]),
            blocked=bool(t.blocked[row]),
            period=period_of(int(t.start[row]), int(t.end[row])),
        )

    def _upstream(self, starts: list[int], day: int, hs: str | None) -> tuple[str, ...]:
        order, _ = self._closure(starts, day, hs)
        return self._parties.many(list(dict.fromkeys(order.tolist())))

    def _checked(self, network: Network, starts: list[int], day: int, hs: str | None) -> Checked:
        """The whole upstream on `day`'s window, for a clean shipment: what was looked at and found clean."""
        order, relations = self._closure(starts, day, hs)
        # Breadth-first order, the shipment's own parties first; a start reached again is listed once.
        named: list[int] = []
        seen: set[int] = set()
        for party in order.tolist():
            if len(named) == CHECKED_PARTIES_NAMED:
                break
            if party not in seen:
                seen.add(party)
                named.append(party)
        total = len(order) - int(np.count_nonzero(np.isin(order[len(starts) :], starts)))
        ev_in_period = int(np.count_nonzero((network.evidence_lo <= day) & (day <= network.evidence_hi)))
        return Checked(self._parties.many(named), relations, ev_in_period, total)

    def _closure(self, starts: list[int], day: int, hs: str | None) -> tuple[npt.NDArray[np.int64], int]:
        """Breadth-first upstream on the window: (parties level by level, starts first; relations seen)."""
        network = self._network
        supply = self._tables.supply
        deep = np.zeros(network.count, np.bool_)
        relations = 0
        levels: list[npt.NDArray[np.int64]] = [np.array(starts, np.int64)]
        _, rows = _gather(network.in_ptr, network.in_rows, levels[0])
        first = True
        while len(rows):
            keep = (network.supply_lo[rows] <= day) & (day <= network.supply_hi[rows])
            rows = rows[keep]
            if first and hs:
                rows = rows[[network.hs_allows(r, hs) for r in rows.tolist()]] if len(rows) else rows
            first = False
            relations += len(rows)
            suppliers = supply.supplier[rows].astype(np.int64)
            suppliers = np.unique(suppliers[~deep[suppliers]])
            deep[suppliers] = True
            levels.append(suppliers)
            _, rows = _gather(network.in_ptr, network.in_rows, suppliers)
        return np.concatenate(levels), relations


def _tables_of(
    parties: Iterable[Party],
    listings: Iterable[Listing],
    supply: Iterable[SupplyRelation],
    ownership: Iterable[Ownership],
    facilities: Iterable[Facility],
    evidence: Iterable[Evidence],
) -> tuple[Tables, dict[int, Evidence], dict[int, Listing]]:
    """Values to columns in one pass each (appending row by row would copy the arrays every time)."""
    ids: list[str] = []
    index: dict[str, int] = {}

    def party(key: str) -> int:
        if key not in index:
            index[key] = len(ids)
            ids.append(key)
        return index[key]

    for p in parties:
        party(p.id)
    sources: list[Source] = []
    source_index: dict[str, int] = {}

    def source(value: Source | None) -> int:
        if value is None:
            return -1
        if value.id not in source_index:
            source_index[value.id] = len(sources)
            sources.append(value)
        return source_index[value.id]

    facility_values = list(facilities)
    facility_index = {f.id: i for i, f in enumerate(facility_values)}
    fac_days = [period_days(f.period) for f in facility_values]
    facility_table = FacilityTable(
        operator=np.array([party(f.operator) for f in facility_values], np.int32),
        start=np.array([d[0] for d in fac_days], np.int32),
        end=np.array([d[1] for d in fac_days], np.int32),
        ids=[f.id for f in facility_values],
    )
    listing_values = list(listings)
    list_days = [period_days(li.period) for li in listing_values]
    listing_table = ListingTable(
        party=np.array([party(li.party) for li in listing_values], np.int32),
        dprk=np.array([li.dprk for li in listing_values], np.bool_),
        blocked=np.array([li.blocked for li in listing_values], np.bool_),
        start=np.array([d[0] for d in list_days], np.int32),
        end=np.array([d[1] for d in list_days], np.int32),
        list_keys=[li.list_key for li in listing_values],
    )
    relations = list(supply)
    prefixes: list[str] = []
    prefix_index: dict[str, int] = {}
    restricted_row: list[int] = []
    restricted_prefix: list[int] = []
    for row, relation in enumerate(relations):
        for prefix in relation.hs_prefixes:
            if prefix not in prefix_index:
                prefix_index[prefix] = len(prefixes)
                prefixes.append(prefix)
            restricted_row.append(row)
            restricted_prefix.append(prefix_index[prefix])
    rel_days = [period_days(r.period) for r in relations]
    supply_table = SupplyTable(
        supplier=np.array([party(r.supplier) for r in relations], np.int32),
        buyer=np.array([party(r.buyer) for r in relations], np.int32),
        start=np.array([d[0] for d in rel_days], np.int32),
        end=np.array([d[1] for d in rel_days], np.int32),
        restricted_row=np.array(restricted_row, np.int32),
        restricted_prefix=np.array(restricted_prefix, np.int32),
        source=np.array([source(r.source) for r in relations], np.int32),
        ids=[r.id for r in relations],
    )
    holdings = list(ownership)
    own_days = [period_days(o.period) for o in holdings]
    ownership_table = OwnershipTable(
        owner=np.array([party(o.owner) for o in holdings], np.int32),
        owned=np.array([party(o.owned) for o in holdings], np.int32),
        share=np.array([share_units(o.share) for o in holdings], np.int64),
        start=np.array([d[0] for d in own_days], np.int32),
        end=np.array([d[1] for d in own_days], np.int32),
        source=np.array([source(o.source) for o in holdings], np.int32),
        ids=[o.id for o in holdings],
    )
    records = list(evidence)
    ev_days = [period_days(e.period) for e in records]
    on_facility = [facility_index.get(e.subject, -1) for e in records]
    evidence_table = EvidenceTable(
        party=np.array(
            [-1 if f >= 0 else party(e.subject) for e, f in zip(records, on_facility, strict=True)]
        ),
        facility=np.array(on_facility, np.int32),
        start=np.array([d[0] for d in ev_days], np.int32),
        end=np.array([d[1] for d in ev_days], np.int32),
        source=np.array([source(e.source) for e in records], np.int32),
        ids=[e.id for e in records],
    )
    tables = Tables(
        party_ids=ids,
        supply=supply_table,
        ownership=ownership_table,
        listings=listing_table,
        facilities=facility_table,
        evidence=evidence_table,
        hs_prefixes=prefixes,
        sources=sources,
    )
    return tables, dict(enumerate(records)), dict(enumerate(listing_values))


def _choose(facts: list[_Fact], limit: int) -> list[_Fact]:
    """The shortest fact of each reason first (shortest first), then the next shortest of any reason."""
    ordered = sorted(facts, key=lambda f: (f.depth, REASONS.index(f.reason)))
    chosen: list[_Fact] = []
    for reason in REASONS:
        first = next((f for f in ordered if f.reason == reason), None)
        if first is not None:
            chosen.append(first)
    chosen = sorted(chosen, key=lambda f: (f.depth, REASONS.index(f.reason)))[:limit]
    for fact in ordered:
        if len(chosen) >= limit:
            break
        if all(fact is not c for c in chosen):
            chosen.append(fact)
    return sorted(chosen, key=lambda f: (f.depth, REASONS.index(f.reason)))
