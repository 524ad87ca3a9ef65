"""The columnar propagation core behind `ExposureEngine`: taint as day intervals, spread over supply edges.

See `engine.py` for the semantics. Here, everything is "shipment-day space": an element (a relation, a
piece of evidence, a listing, an ownership) with period [s, e] counts for a shipment on day d exactly when
[s, e] overlaps the production window [d − lead, d], i.e. when s ≤ d ≤ e + lead. So each element is *active*
on the shipment days [s, e + lead], and a chain of elements is active on the intersection of theirs.

The state is one `IntervalSet`, keyed `party * 3 + reason`: the shipment days on which some active chain
links the party to a tainting fact of that reason (the party's own facts included). It is the least
fixed point of

    state[buyer] ⊇ state[supplier] ∩ active(relation)     for every relation supplier → buyer,

seeded with the facts (roots). It is computed frontier by frontier: only intervals not already covered
travel on, so a cycle stops as soon as it brings nothing new, and adding one fact later (incremental)
continues the same iteration from that fact only — the result equals a full recomputation because the
fixed point of a monotone system does not depend on the order in which its rules fire.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accomplice.exposure.intervals import IntervalSet
from accomplice.exposure.model import FlagReason
from accomplice.exposure.tables import (
    OPEN_END,
    OPEN_START,
    SHARE_UNITS_PER_PERCENT,
    ShipmentTable,
    Tables,
)

__all__ = [
    "BLOCKING_SHARE_UNITS",
    "PRODUCTION_LEAD_DAYS",
    "REASONS",
    "BulkFlags",
    "Network",
]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Goods shipped on day d were made from inputs bought up to about a year before: seafood is caught and
# processed within months, garments are cut from fabric bought for a season, timber and steel are stocked
# longer. A year covers one production cycle in every sector we model without reaching back to the supply
# chain of an earlier product generation. CBP reasons in the same terms when it asks for a year of records.
PRODUCTION_LEAD_DAYS = 365

# OFAC's 50% rule: blocked persons' aggregate holding of 50% *or more* blocks (FAQ 398, 401).
BLOCKING_SHARE_UNITS = 50 * SHARE_UNITS_PER_PERCENT

# Reason codes in the state key (party * N_REASONS + code), in FlagReason order.
REASONS = (FlagReason.LABOUR_EVIDENCE, FlagReason.DPRK_LISTED, FlagReason.BLOCKED_BY_OWNERSHIP)
LABOUR, DPRK, BLOCKED = 0, 1, 2
N_REASONS = 3

# Expanding a frontier allocates (frontier rows × out-degree) candidate rows; past this many at once the
# expansion is done in slices, bounding the temporary arrays to a few hundred MB.
EXPANSION_CHUNK_ROWS = 4_000_000
# `spread` merges its recent additions into the state once they reach 1/8 of it: the merge costs a pass
# over the state, so it is paid about log(state) times rather than once per round.
RECENT_MERGE_RATIO = 8


def _csr(index: I32, count: int) -> tuple[I64, I64]:
    """Rows grouped by `index`: (pointer of length count + 1, row numbers in group order)."""
    # Order within a group does not matter: quicksort (a stable sort of int32 is a timsort, ~20x slower).
    order = np.argsort(index).astype(np.int64)
    pointer = np.zeros(count + 1, np.int64)
    np.cumsum(np.bincount(index, minlength=count), out=pointer[1:])
    return pointer, order


def _gather(pointer: I64, order: I64, groups: I64) -> tuple[I64, I64]:
    """For each group in `groups`, its rows: (position in `groups` of each row, row number)."""
    counts = pointer[groups + 1] - pointer[groups]
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), counts)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, order[np.repeat(pointer[groups], counts) + within]


@dataclass(slots=True)
class BulkFlags:
    """Result of bulk flagging: one bool and one reason bit mask (bit i = REASONS[i]) per shipment."""

    flagged: Bools
    reasons: npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class _Derived:
    """What bulk flagging needs beyond the state (see `Network._derive`), with dense row pointers."""

    direct: IntervalSet
    by_prefix: IntervalSet
    slots: I64
    special: Bools
    state_pointer: I64
    direct_pointer: I64
    prefix_pointer: I64
    slot_pointer: I64  # slots of party p: slots[slot_pointer[p]:slot_pointer[p + 1]]


@dataclass(frozen=True, slots=True)
class BlockedAt:
    """Why a party is blocked on one shipment day: its aggregate blocked share and the holdings in it."""

    share_units: int
    holdings: tuple[int, ...]  # ownership rows from blocked owners, active on that day


class Network:
    """Tables plus their adjacency, the blocked-by-ownership days and the propagated state."""

    def __init__(self, tables: Tables, lead_days: int = PRODUCTION_LEAD_DAYS) -> None:
        self.tables = tables
        self.lead = lead_days
        self.count = tables.party_count
        self.state = IntervalSet.empty()
        self.blocked: dict[int, list[tuple[int, int]]] = {}  # party → shipment days blocked by ownership
        self._derived: _Derived | None = None
        self._index_all()

    # ---- adjacency -------------------------------------------------------------------------------------
    def _index_all(self) -> None:
        self._index_supply()
        self._index_facts()
        self._index_ownership()

    def _active(self, start: I32, end: I32) -> tuple[I64, I64]:
        lo = start.astype(np.int64)
        hi = end.astype(np.int64)
        return lo, np.where(hi >= OPEN_END, hi, hi + self.lead)

    def _index_supply(self) -> None:
        supply = self.tables.supply
        self.supply_lo, self.supply_hi = self._active(supply.start, supply.end)
        self.out_ptr, self.out_rows = _csr(supply.supplier, self.count)
        self.in_ptr, self.in_rows = _csr(supply.buyer, self.count)
        self.restricted = np.zeros(len(supply), np.bool_)
        self.restricted[supply.restricted_row] = True
        # HS prefixes by relation row, as sorted columns (millions of restricted rows: no dict of lists).
        order = np.argsort(supply.restricted_row, kind="stable")
        # int64: a Python int searched in an int32 array makes numpy convert the whole array first.
        self.prefix_rows = supply.restricted_row[order].astype(np.int64)
        self.prefix_ids = supply.restricted_prefix[order]
        self._derived = None

    def _index_facts(self) -> None:
        t = self.tables
        self.evidence_lo, self.evidence_hi = self._active(t.evidence.start, t.evidence.end)
        self.facility_lo, self.facility_hi = self._active(t.facilities.start, t.facilities.end)
        self.listing_lo, self.listing_hi = self._active(t.listings.start, t.listings.end)
        on_party = t.evidence.party >= 0
        self.evidence_by_party = _group(np.flatnonzero(on_party), t.evidence.party[on_party])
        on_facility = t.evidence.facility >= 0
        self.evidence_by_facility = _group(np.flatnonzero(on_facility), t.evidence.facility[on_facility])
        self.facilities_by_operator = _group(np.arange(len(t.facilities)), t.facilities.operator)
        self.listings_by_party = _group(np.arange(len(t.listings)), t.listings.party)

    def _index_ownership(self) -> None:
        own = self.tables.ownership
        self.own_lo, self.own_hi = self._active(own.start, own.end)
        figured = np.flatnonzero(own.share >= 0)
        self.holdings_of = _group(figured, own.owned[figured])  # owned → ownership rows with a share
        self.holds = _group(figured, own.owner[figured])  # owner → ownership rows with a share

    def add_parties(self, count: int) -> None:
        """Make room for parties with indices up to `count` − 1 (new parties have no rows yet)."""
        if count <= self.count:
            return
        grow = count - self.count
        self.out_ptr = np.concatenate([self.out_ptr, np.full(grow, self.out_ptr[-1])])
        self.in_ptr = np.concatenate([self.in_ptr, np.full(grow, self.in_ptr[-1])])
        self.count = count
        self._derived = None

    # ---- roots -----------------------------------------------------------------------------------------
    def _labour_roots(self, evidence_rows: I64) -> IntervalSet:
        ev = self.tables.evidence
        fac = self.tables.facilities
        direct = evidence_rows[ev.party[evidence_rows] >= 0]
        via = evidence_rows[ev.facility[evidence_rows] >= 0]
        facility = ev.facility[via]
        key = np.concatenate([ev.party[direct].astype(np.int64), fac.operator[facility].astype(np.int64)])
        lo = np.concatenate(
            [self.evidence_lo[direct], np.maximum(self.evidence_lo[via], self.facility_lo[facility])]
        )
        hi = np.concatenate(
            [self.evidence_hi[direct], np.minimum(self.evidence_hi[via], self.facility_hi[facility])]
        )
        return IntervalSet.normal(key * N_REASONS + LABOUR, lo, hi)

    def _dprk_roots(self, listing_rows: I64) -> IntervalSet:
        li = self.tables.listings
        rows = listing_rows[li.dprk[listing_rows]]
        key = li.party[rows].astype(np.int64) * N_REASONS + DPRK
        return IntervalSet.normal(key, self.listing_lo[rows], self.listing_hi[rows])

    def _blocked_roots(self, blocked: dict[int, list[tuple[int, int]]]) -> IntervalSet:
        rows = [(party, lo, hi) for party, spans in blocked.items() for lo, hi in spans]
        if not rows:
            return IntervalSet.empty()
        arr = np.array(rows, dtype=np.int64)
        return IntervalSet.normal(arr[:, 0] * N_REASONS + BLOCKED, arr[:, 1], arr[:, 2])

    # ---- OFAC 50% rule -----------------------------------------------------------------------------------
    def _listed_blocked(self, party: int, day: int) -> bool:
        li = self.tables.listings
        return any(
            li.blocked[r] and self.listing_lo[r] <= day <= self.listing_hi[r]
            for r in self.listings_by_party.get(party, ())
        )

    def _blocked_owner(self, party: int, day: int, inside: dict[int, int]) -> bool:
        return self._listed_blocked(party, day) or party in inside

    def blocked_at(self, party: int, day: int) -> BlockedAt | None:
        """The OFAC 50% test for `party` on shipment day `day`, with the holdings that make it, or None."""
        if not any(lo <= day <= hi for lo, hi in self.blocked.get(party, ())):
            return None
        own = self.tables.ownership
        holdings = tuple(
            r
            for r in self.holdings_of.get(party, ())
            if self.own_lo[r] <= day <= self.own_hi[r] and self._owner_blocked_on(int(own.owner[r]), day)
        )
        return BlockedAt(int(sum(int(own.share[r]) for r in holdings)), holdings)

    def _owner_blocked_on(self, party: int, day: int) -> bool:
        return self._listed_blocked(party, day) or any(
            lo <= day <= hi for lo, hi in self.blocked.get(party, ())
        )

    def _owned_closure(self, seeds: Iterable[int]) -> set[int]:
        own = self.tables.ownership
        seen: set[int] = set()
        queue = deque(seeds)
        while queue:
            party = queue.popleft()
            for r in self.holds.get(party, ()):
                owned = int(own.owned[r])
                if owned not in seen:
                    seen.add(owned)
                    queue.append(owned)
        return seen

    def compute_blocked(self, seeds: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
        """Recompute the 50% rule on the parties owned, directly or indirectly, by `seeds`; return changes.

        Owners outside that subgraph keep their current status (nothing inside can change it). Time is
        exact: the shipment days are cut at every bound of an element that matters (holdings, listings,
        outside owners' blocked days) and the rule is evaluated once per piece, where nothing changes.
        Within a piece the least fixed point is found by iteration from the listed persons: an entity joins
        once blocked persons (listed, or blocked by an earlier round) hold ≥ 50% of it. Cycles of
        ownership with no blocked person in them therefore stay unblocked, and shares held through an
        entity that is not itself blocked never count (OFAC FAQ 401).
        """
        inside = self._owned_closure(seeds)
        spans: dict[int, list[tuple[int, int]]] = {}
        for component in self._components(inside):
            spans.update(self._blocked_spans(component))
        changed: dict[int, list[tuple[int, int]]] = {}
        for party in inside:
            new = spans.get(party, [])
            if new != self.blocked.get(party, []):
                changed[party] = new
                if new:
                    self.blocked[party] = new
                else:
                    self.blocked.pop(party, None)
        return changed

    def _components(self, inside: set[int]) -> list[set[int]]:
        """Weakly connected pieces of the ownership graph among `inside`: each is decided on its own."""
        own = self.tables.ownership
        parent = {p: p for p in inside}

        def root(p: int) -> int:
            while parent[p] != p:
                parent[p] = parent[parent[p]]
                p = parent[p]
            return p

        for party in inside:
            for r in self.holdings_of.get(party, ()):
                owner = int(own.owner[r])
                if owner in parent:
                    a, b = root(owner), root(party)
                    if a != b:
                        parent[a] = b
        groups: dict[int, set[int]] = defaultdict(set)
        for party in inside:
            groups[root(party)].add(party)
        return list(groups.values())

    def _blocked_spans(self, inside: set[int]) -> dict[int, list[tuple[int, int]]]:
        own = self.tables.ownership
        cuts: set[int] = {OPEN_START}
        for party in inside:
            for r in self.holdings_of.get(party, ()):
                cuts.update((int(self.own_lo[r]), int(self.own_hi[r]) + 1))
                owner = int(own.owner[r])
                for lr in self.listings_by_party.get(owner, ()):
                    cuts.update((int(self.listing_lo[lr]), int(self.listing_hi[lr]) + 1))
                if owner not in inside:
                    for lo, hi in self.blocked.get(owner, ()):
                        cuts.update((lo, hi + 1))
        # Open-ended holdings and listings stay open-ended (OPEN_END, as `_active` leaves them).
        end = OPEN_END
        points = sorted(c for c in cuts if c <= end)
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, day in enumerate(points):
            last = points[i + 1] - 1 if i + 1 < len(points) else end
            for party in self._blocked_on(inside, day):
                current = spans[party]
                if current and current[-1][1] == day - 1:
                    current[-1] = (current[-1][0], last)
                else:
                    current.append((day, last))
        return dict(spans)

    def _blocked_on(self, inside: set[int], day: int) -> set[int]:
        own = self.tables.ownership
        blocked: set[int] = set()
        changed = True
        while changed:
            changed = False
            for party in inside:
                if party in blocked:
                    continue
                total = 0
                for r in self.holdings_of.get(party, ()):
                    if not self.own_lo[r] <= day <= self.own_hi[r]:
                        continue
                    owner = int(own.owner[r])
                    if owner in inside:
                        held = owner in blocked or self._listed_blocked(owner, day)
                    else:
                        held = self._owner_blocked_on(owner, day)
                    if held:
                        total += int(own.share[r])
                if total >= BLOCKING_SHARE_UNITS:
                    blocked.add(party)
                    changed = True
        return blocked

    # ---- propagation -----------------------------------------------------------------------------------
    def propagate(self) -> None:
        li = self.tables.listings
        blocked_listed = np.unique(li.party[li.blocked])
        self.blocked = {}
        self.compute_blocked(blocked_listed.tolist())
        roots = (
            self._labour_roots(np.arange(len(self.tables.evidence), dtype=np.int64))
            .union(self._dprk_roots(np.arange(len(li), dtype=np.int64)))
            .union(self._blocked_roots(self.blocked))
        )
        self.state = IntervalSet.empty()
        self.spread(roots)

    def spread(self, frontier: IntervalSet) -> set[int]:
        """Add `frontier` to the state, carry what is new downstream; return the parties whose state grew."""
        grown = np.zeros(self.count, np.bool_)
        # Two levels: what this call added (`recent`, small) is merged into the large state only when it
        # has grown to a fraction of it, so that a long tail of small rounds does not re-sort the whole
        # state every time. A row covered by the union of both but by neither alone travels once more;
        # harmless (the state only grows) and bounded (the merge makes it covered).
        recent = IntervalSet.empty()
        while len(frontier):
            new = ~self.state.covers(frontier.key, frontier.lo, frontier.hi)
            new[new] = ~recent.covers(frontier.key[new], frontier.lo[new], frontier.hi[new])
            if not new.any():
                break
            fresh = IntervalSet(frontier.key[new], frontier.lo[new], frontier.hi[new])
            recent = recent.union(fresh)
            if len(recent) * RECENT_MERGE_RATIO > len(self.state):
                self.state = self.state.union(recent)
                recent = IntervalSet.empty()
            grown[fresh.key // N_REASONS] = True
            frontier = self._expand(fresh)
        self.state = self.state.union(recent)
        if grown.any():
            self._derived = None
        return set(np.flatnonzero(grown).tolist())

    def _expand(self, fresh: IntervalSet) -> IntervalSet:
        parts: list[IntervalSet] = []
        degree = self.out_ptr[fresh.key // N_REASONS + 1] - self.out_ptr[fresh.key // N_REASONS]
        bounds = np.searchsorted(
            np.cumsum(degree), np.arange(EXPANSION_CHUNK_ROWS, int(degree.sum()), EXPANSION_CHUNK_ROWS)
        )
        for chunk in np.split(np.arange(len(fresh)), bounds):
            if len(chunk) == 0:
                continue
            key = fresh.key[chunk]
            at, rows = _gather(self.out_ptr, self.out_rows, key // N_REASONS)
            lo = np.maximum(fresh.lo[chunk][at], self.supply_lo[rows])
            hi = np.minimum(fresh.hi[chunk][at], self.supply_hi[rows])
            buyer = self.tables.supply.buyer[rows].astype(np.int64)
            parts.append(IntervalSet.normal(buyer * N_REASONS + key[at] % N_REASONS, lo, hi))
        result = IntervalSet.empty()
        for part in parts:
            result = result.union(part)
        return result

    # ---- incremental -----------------------------------------------------------------------------------
    def add_evidence_rows(self, rows: I64) -> set[int]:
        self._index_facts()
        return self.spread(self._labour_roots(rows))

    def add_listing_rows(self, rows: I64) -> set[int]:
        self._index_facts()
        li = self.tables.listings
        grown = self.spread(self._dprk_roots(rows))
        blocked = rows[li.blocked[rows]]
        if len(blocked):
            seeds = li.party[blocked].tolist()
            grown |= self.spread(self._blocked_roots(self.compute_blocked(seeds)))
        return grown

    def add_ownership_rows(self, rows: I64) -> set[int]:
        self._index_ownership()
        seeds = self.tables.ownership.owner[rows].tolist()
        return self.spread(self._blocked_roots(self.compute_blocked(seeds)))

    def add_supply_rows(self, rows: I64) -> set[int]:
        self._index_supply()
        supply = self.tables.supply
        at, state_rows = _party_rows(
            self.state, self.state.pointer(self.count * N_REASONS), supply.supplier[rows]
        )
        edge = rows[at]
        lo = np.maximum(self.state.lo[state_rows], self.supply_lo[edge])
        hi = np.minimum(self.state.hi[state_rows], self.supply_hi[edge])
        key = supply.buyer[edge].astype(np.int64) * N_REASONS + self.state.key[state_rows] % N_REASONS
        return self.spread(IntervalSet.normal(key, lo, hi))

    # ---- queries ---------------------------------------------------------------------------------------
    def tainted_at(self, parties: I64, day: int | None) -> Bools:
        """Whether each party's state holds any reason on `day` (any day at all when `day` is None)."""
        if day is None:
            present = np.zeros(self.count, np.bool_)
            present[self.state.key // N_REASONS] = True
            return present[parties]
        result = np.zeros(len(parties), np.bool_)
        days = np.full(len(parties), day, np.int64)
        for reason in range(N_REASONS):
            result |= self.state.contains(parties * N_REASONS + reason, days)
        return result

    def _derive(self) -> _Derived:
        """What a party named on a shipment holds, for shipments of given goods (HS prefixes on first hops).

        `state` counts every inflow; a shipment party only counts relations whose HS prefixes match the
        shipment's code. For parties with restricted inflows: `direct` = own facts + unrestricted inflows;
        `by_prefix` (keyed slot * 3 + reason, slot = position of (buyer, prefix) in `slots`) = inflows
        restricted to that prefix.
        """
        if self._derived is not None:
            return self._derived
        supply = self.tables.supply
        restricted_rows = np.flatnonzero(self.restricted)
        has_restricted = np.zeros(self.count, np.bool_)
        has_restricted[supply.buyer[restricted_rows]] = True
        buyers = np.flatnonzero(has_restricted).astype(np.int64)
        # The state mixes a party's own facts with its inflows; the own facts are recomputed from rows.
        roots = self._own_roots(buyers)
        pointer = self.state.pointer(self.count * N_REASONS)
        _, rows = _gather(self.in_ptr, self.in_rows, buyers)
        rows = rows[~self.restricted[rows]]
        direct = roots.union(self._inflow(rows, supply.buyer[rows].astype(np.int64), pointer))
        n_prefixes = max(1, len(self.tables.hs_prefixes))
        slot_keys = (
            supply.buyer[supply.restricted_row].astype(np.int64) * n_prefixes + supply.restricted_prefix
        )
        order = np.argsort(slot_keys)
        ordered = slot_keys[order]
        first = np.ones(len(ordered), np.bool_)
        first[1:] = ordered[1:] != ordered[:-1]
        slots = ordered[first]
        slot_of = np.empty(len(order), np.int64)
        slot_of[order] = np.cumsum(first) - 1
        by_prefix = self._inflow(supply.restricted_row.astype(np.int64), slot_of.astype(np.int64), pointer)
        n_keys = self.count * N_REASONS
        self._derived = _Derived(
            direct,
            by_prefix,
            slots,
            has_restricted,
            pointer,
            direct.pointer(n_keys),
            by_prefix.pointer(max(1, len(slots)) * N_REASONS),
            _pointer(slots // n_prefixes, self.count),
        )
        return self._derived

    def _inflow(self, rows: I64, target: I64, pointer: I64) -> IntervalSet:
        """state[supplier] ∩ active(row), keyed target * 3 + reason, for each supply row."""
        at, state_rows = _party_rows(self.state, pointer, self.tables.supply.supplier[rows])
        lo = np.maximum(self.state.lo[state_rows], self.supply_lo[rows[at]])
        hi = np.minimum(self.state.hi[state_rows], self.supply_hi[rows[at]])
        return IntervalSet.normal(target[at] * N_REASONS + self.state.key[state_rows] % N_REASONS, lo, hi)

    def _own_roots(self, parties: I64) -> IntervalSet:
        wanted = np.zeros(self.count, np.bool_)
        wanted[parties] = True
        t = self.tables
        ev_party = (t.evidence.party >= 0) & wanted[np.maximum(t.evidence.party, 0)]
        fac = t.evidence.facility
        ev_fac = (
            (fac >= 0) & wanted[t.facilities.operator[np.maximum(fac, 0)]]
            if len(t.facilities)
            else np.zeros(len(fac), np.bool_)
        )
        labour = self._labour_roots(np.flatnonzero(ev_party | ev_fac))
        dprk = self._dprk_roots(np.flatnonzero(wanted[t.listings.party]))
        blocked = self._blocked_roots({p: s for p, s in self.blocked.items() if wanted[p]})
        return labour.union(dprk).union(blocked)

    def flag(self, shipments: ShipmentTable) -> BulkFlags:
        """Flag every shipment whose parties hold a reason on its day (first hops matched to its HS code)."""
        derived = self._derive()
        direct, by_prefix, slots, has_restricted = (
            derived.direct,
            derived.by_prefix,
            derived.slots,
            derived.special,
        )
        count = len(shipments)
        reasons = np.zeros(count, np.uint8)
        tainted_party = np.zeros(self.count, np.bool_)
        tainted_party[self.state.key // N_REASONS] = True
        prefix_ids = self._code_prefixes(shipments.hs_codes)
        n_prefixes = max(1, len(self.tables.hs_prefixes))
        for column in shipments.party_columns():
            candidate = np.flatnonzero((column >= 0) & tainted_party[np.maximum(column, 0)])
            party = column[candidate].astype(np.int64)
            day = shipments.day[candidate].astype(np.int64)
            # Without an HS code nothing is compared: the full state answers (see `_derive`).
            special = has_restricted[party] & (shipments.hs[candidate] >= 0)
            first = party * N_REASONS
            plain = ~special
            reasons[candidate[plain]] |= self.state.bits_at(
                derived.state_pointer, first[plain], N_REASONS, day[plain]
            )
            reasons[candidate[special]] |= direct.bits_at(
                derived.direct_pointer, first[special], N_REASONS, day[special]
            )
            # Restricted first hops: one lookup per (shipment, prefix of its HS code that some relation uses).
            sub = np.flatnonzero(special)
            if len(sub) == 0 or len(slots) == 0:
                continue
            codes = shipments.hs[candidate[sub]].astype(np.int64)
            at, pref = _gather(prefix_ids[0], prefix_ids[1], codes)
            owner = party[sub][at]
            pos = _find_slots(slots, derived.slot_pointer, owner, owner * n_prefixes + pref)
            known = pos >= 0
            rows = sub[at][known]
            bits = by_prefix.bits_at(derived.prefix_pointer, pos[known] * N_REASONS, N_REASONS, day[rows])
            np.bitwise_or.at(reasons, candidate[rows], bits)
        return BulkFlags(reasons > 0, reasons)

    def _code_prefixes(self, hs_codes: Sequence[str]) -> tuple[I64, I64]:
        """For each shipment HS code, the ids of the relation prefixes it starts with (CSR)."""
        index = {p: i for i, p in enumerate(self.tables.hs_prefixes)}
        pointer = [0]
        ids: list[int] = []
        for code in hs_codes:
            ids.extend(index[code[:n]] for n in range(1, len(code) + 1) if code[:n] in index)
            pointer.append(len(ids))
        return np.array(pointer, np.int64), np.array(ids, np.int64)

    def hs_allows(self, row: int, hs_code: str | None) -> bool:
        if not hs_code or not self.restricted[row]:
            return True
        start = int(np.searchsorted(self.prefix_rows, row, side="left"))
        stop = int(np.searchsorted(self.prefix_rows, row, side="right"))
        prefixes = self.tables.hs_prefixes
        return any(hs_code.startswith(prefixes[int(i)]) for i in self.prefix_ids[start:stop])


def _group(rows: I64 | npt.NDArray[np.intp], by: I32) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for row, key in zip(np.asarray(rows).tolist(), by.tolist(), strict=True):
        grouped[key].append(row)
    return dict(grouped)


def _party_rows(state: IntervalSet, pointer: I64, parties: I32 | I64) -> tuple[I64, I64]:
    """State rows of each party (every reason): (position in `parties`, state row), via a dense pointer."""
    first = parties.astype(np.int64) * N_REASONS
    low = pointer[first]
    counts = pointer[first + N_REASONS] - low
    at = np.repeat(np.arange(len(parties), dtype=np.int64), counts)
    within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return at, np.repeat(low, counts) + within


def _pointer(sorted_groups: I64, count: int) -> I64:
    pointer = np.zeros(count + 1, np.int64)
    np.cumsum(np.bincount(sorted_groups, minlength=count), out=pointer[1:])
    return pointer


def _find_slots(slots: I64, pointer: I64, owner: I64, wanted: I64) -> I64:
    """Position of each `wanted` slot key among its owner's few slots (−1 if absent), by linear scan."""
    start = pointer[owner]
    count = pointer[owner + 1] - start
    found = np.full(len(wanted), -1, np.int64)
    todo = np.flatnonzero(count > 0)
    step = 0
    while len(todo):
        at = start[todo] + step
        match = slots[at] == wanted[todo]
        found[todo[match]] = at[match]
        step += 1
        todo = todo[~match & (count[todo] > step)]
    return found
