"""Random small networks: incremental equals full, bulk equals trace, and both equal a day-by-day oracle.

The oracle below is written from the semantics in `engine.py`'s docstring only, one shipment day at a
time, with no intervals: it filters every record by "overlaps the production window", computes the 50%
rule by plain fixed-point iteration and searches upstream. The engine's interval propagation must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accomplice.exposure.engine import ExposureEngine
from accomplice.exposure.model import (
    Evidence,
    Facility,
    FlagReason,
    Listing,
    Ownership,
    Party,
    Period,
    Shipment,
    ShipmentRole,
    Source,
    SupplyRelation,
)
from accomplice.exposure.network import PRODUCTION_LEAD_DAYS, REASONS

from .helpers import shipment_table

BASE = date(2015, 1, 1)
SOURCE = Source("src", "A report")
SHARES = (10.0, 25.0, 40.0, 49.99, 50.0, 60.0, None)
HS = ("0303", "1604", "61", "6109")


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(st.none() | st.integers(0, 2000))
    length = draw(st.none() | st.integers(0, 900))
    start_day = None if start is None else BASE + timedelta(days=start)
    if length is None:
        return Period(start_day, None)
    end = (start or 0) + length
    return Period(start_day, BASE + timedelta(days=end))


@dataclass
class World:
    parties: list[str]
    facilities: list[Facility]
    supply: list[SupplyRelation]
    ownership: list[Ownership]
    listings: list[Listing]
    evidence: list[Evidence]
    shipments: list[Shipment]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n = draw(st.integers(2, 7))
    parties = [f"p{i}" for i in range(n)]
    party = st.sampled_from(parties)
    facilities = [
        Facility(f"f{i}", draw(party), period=draw(periods())) for i in range(draw(st.integers(0, 2)))
    ]
    supply = [
        SupplyRelation(
            f"r{i}",
            draw(party),
            draw(party),
            draw(periods()),
            tuple(draw(st.lists(st.sampled_from(HS), max_size=2, unique=True))),
            source=SOURCE,
        )
        for i in range(draw(st.integers(0, 12)))
    ]
    ownership = [
        Ownership(f"o{i}", draw(party), draw(party), draw(st.sampled_from(SHARES)), draw(periods()))
        for i in range(draw(st.integers(0, 6)))
    ]
    listings = [
        Listing(
            draw(party),
            f"l{i}",
            dprk=draw(st.booleans()),
            blocked=draw(st.booleans()),
            period=draw(periods()),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    subjects = parties + [f.id for f in facilities]
    evidence = [
        Evidence(f"e{i}", draw(st.sampled_from(subjects)), draw(periods()), SOURCE)
        for i in range(draw(st.integers(0, 3)))
    ]
    shipments = []
    for i in range(draw(st.integers(1, 6))):
        roles = draw(st.lists(st.sampled_from(list(ShipmentRole)), min_size=1, max_size=3, unique=True))
        shipments.append(
            Shipment(
                f"s{i}",
                BASE + timedelta(days=draw(st.integers(0, 2600))),
                tuple((role, draw(party)) for role in roles),
                hs_code=draw(st.sampled_from(("", "030389", "160414", "610910", "940360"))),
            )
        )
    return World(parties, facilities, supply, ownership, listings, evidence, shipments)


def _full(world: World) -> ExposureEngine:
    return ExposureEngine.from_values(
        parties=[Party(p, p) for p in world.parties],
        facilities=world.facilities,
        supply=world.supply,
        ownership=world.ownership,
        listings=world.listings,
        evidence=world.evidence,
    )


def _in(period: Period, day: date) -> bool:
    return period.overlaps(Period(day - timedelta(days=PRODUCTION_LEAD_DAYS), day))


def _goods_match(code: str, prefixes: tuple[str, ...]) -> bool:
    return not code or not prefixes or any(code.startswith(p) for p in prefixes)


def _oracle(world: World, shipment: Shipment) -> set[FlagReason]:
    day = shipment.day
    blocked = {li.party for li in world.listings if li.blocked and _in(li.period, day)}
    by_ownership: set[str] = set()
    changed = True
    while changed:
        changed = False
        for p in world.parties:
            total = sum(
                round(o.share * 10_000)
                for o in world.ownership
                if o.owned == p
                and o.share is not None
                and _in(o.period, day)
                and o.owner in blocked | by_ownership
            )
            if total >= 50 * 10_000 and p not in by_ownership:
                by_ownership.add(p)
                changed = True

    def own_reasons(p: str) -> set[FlagReason]:
        found = set()
        operated = {f.id for f in world.facilities if f.operator == p and _in(f.period, day)}
        if any(_in(e.period, day) and (e.subject == p or e.subject in operated) for e in world.evidence):
            found.add(FlagReason.LABOUR_EVIDENCE)
        if any(li.party == p and li.dprk and _in(li.period, day) for li in world.listings):
            found.add(FlagReason.DPRK_LISTED)
        if p in by_ownership:
            found.add(FlagReason.BLOCKED_BY_OWNERSHIP)
        return found

    reasons: set[FlagReason] = set()
    starts = [p for role, p in shipment.parties if role != ShipmentRole.NOTIFY]
    for start in starts:
        reasons |= own_reasons(start)
        seen: set[str] = set()
        queue = [
            r.supplier
            for r in world.supply
            if r.buyer == start and _in(r.period, day) and _goods_match(shipment.hs_code, r.hs_prefixes)
        ]
        while queue:
            p = queue.pop()
            if p in seen:
                continue
            seen.add(p)
            reasons |= own_reasons(p)
            queue.extend(r.supplier for r in world.supply if r.buyer == p and _in(r.period, day))
    return reasons


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(worlds())
def test_trace_and_bulk_flags_equal_a_day_by_day_oracle(world: World) -> None:
    engine = _full(world)
    bulk = engine.flag_shipments(shipment_table(engine, world.shipments))
    for i, shipment in enumerate(world.shipments):
        want = _oracle(world, shipment)
        trace = engine.trace(shipment)
        got = set() if trace.flag is None else set(trace.flag.reasons)
        assert got == want, shipment
        assert {r for bit, r in enumerate(REASONS) if bulk.reasons[i] & (1 << bit)} == want
        if trace.flag is not None:
            assert {p.reason for p in trace.flag.paths} <= want
            assert len({p.reason for p in trace.flag.paths}) == min(3, len(want))


@SETTINGS
@given(worlds(), st.randoms(use_true_random=False))
def test_adding_facts_one_by_one_equals_full_propagation(world: World, rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    full = _full(world)
    facts: list[object] = [*world.supply, *world.ownership, *world.listings, *world.evidence]
    rnd.shuffle(facts)
    keep = rnd.randint(0, len(facts))
    base, later = facts[:keep], facts[keep:]
    engine = ExposureEngine.from_values(
        parties=[Party(p, p) for p in world.parties],
        facilities=world.facilities,
        supply=[f for f in base if isinstance(f, SupplyRelation)],
        ownership=[f for f in base if isinstance(f, Ownership)],
        listings=[f for f in base if isinstance(f, Listing)],
        evidence=[f for f in base if isinstance(f, Evidence)],
    )
    for fact in later:
        before = engine.status()
        if isinstance(fact, SupplyRelation):
            changed = engine.add_supply(fact)
        elif isinstance(fact, Ownership):
            changed = engine.add_ownership(fact)
        elif isinstance(fact, Listing):
            changed = engine.add_listing(fact)
        else:
            assert isinstance(fact, Evidence)
            changed = engine.add_evidence(fact)
        after = engine.status()
        assert changed == {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert engine.status() == full.status()
    for shipment in world.shipments:
        a, b = engine.trace(shipment), full.trace(shipment)
        assert (a.flag is None) == (b.flag is None)
        if a.flag is not None and b.flag is not None:
            assert a.flag.reasons == b.flag.reasons
