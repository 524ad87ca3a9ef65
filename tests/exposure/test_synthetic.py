"""The generated network: planted chains flagged with the planted path and source, decoys and the clean
region never flagged, flagged paths valid hop by hop, real listed names planted, seeded and heavy-tailed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from accomplice.exposure.engine import ExposureEngine
from accomplice.exposure.model import EdgeKind
from accomplice.exposure.model import Path as EvidencePath
from accomplice.exposure.network import PRODUCTION_LEAD_DAYS
from accomplice.exposure.synthetic import GeneratorConfig, NamePools, SyntheticNetwork, generate
from accomplice.exposure.tables import day_number
from accomplice.services.exposure_synthetic import name_pools

CONFIG = GeneratorConfig(companies=30_000, relations=150_000, shipments=300_000, seed=7)


@pytest.fixture(scope="module")
def pools(raw_dir: Path) -> NamePools:
    return name_pools(raw_dir)


@pytest.fixture(scope="module")
def network(pools: NamePools) -> SyntheticNetwork:
    return generate(CONFIG, pools)


@pytest.fixture(scope="module")
def engine(network: SyntheticNetwork) -> ExposureEngine:
    return ExposureEngine.from_tables(network.tables)


def test_every_planted_chain_is_flagged_with_its_path_and_every_decoy_is_clean(
    network: SyntheticNetwork, engine: ExposureEngine
) -> None:
    flags = engine.flag_shipments(network.shipments)
    scenarios = {c.scenario for c in network.planted}
    assert len(scenarios) == 13
    for case in network.planted:
        trace = engine.trace(engine.shipment_of(network.shipments, case.shipment))
        if case.reason is None:
            assert trace.flag is None, case
            assert not flags.flagged[case.shipment], case
            continue
        assert flags.flagged[case.shipment], case
        assert trace.flag is not None, case
        assert trace.flag.reasons == (case.reason,), case
        path = next(p for p in trace.flag.paths if p.reason == case.reason)
        assert tuple(h.relation_id for h in path.hops if h.kind == EdgeKind.SUPPLIES) == case.relations, case
        if case.evidence is not None:
            assert path.evidence is not None
            assert path.evidence.id == case.evidence
            assert path.evidence.source.id.startswith("src:planted:")
        if case.listing is not None:
            assert path.listing is not None
            assert path.listing.list_key == case.listing
        if case.ownership:
            assert {h.relation_id for h in path.hops if h.kind == EdgeKind.OWNS} == set(case.ownership)
            assert path.blocked_share == case.blocked_share
        if case.facility is not None:
            assert [h.to_node for h in path.hops if h.kind == EdgeKind.OPERATES] == [case.facility]


def test_no_shipment_of_the_clean_region_is_flagged(
    network: SyntheticNetwork, engine: ExposureEngine
) -> None:
    flags = engine.flag_shipments(network.shipments)
    assert network.known_clean.sum() > len(network.shipments) // 2
    assert not (flags.flagged & network.known_clean).any()
    # The exposed region is not trivially clean: the propagation has real work to do.
    exposed = ~network.known_clean
    assert 0.05 < flags.flagged[exposed].mean() < 0.95


def _valid(path: EvidencePath, engine: ExposureEngine, day: int) -> bool:
    """Every supply hop is a real relation active in the shipment's window, in order, ending at the fact."""
    t = engine.tables
    ids = t.party_ids
    window = (day - PRODUCTION_LEAD_DAYS, day)
    previous = path.hops[0].from_node
    for hop in path.hops[1:]:
        if hop.kind != EdgeKind.SUPPLIES:
            break
        row = int(hop.relation_id.split(":")[1]) if hop.relation_id else -1
        if ids[int(t.supply.supplier[row])] != hop.from_node or ids[int(t.supply.buyer[row])] != hop.to_node:
            return False
        if hop.to_node != previous:
            return False
        if not (t.supply.start[row] <= window[1] and t.supply.end[row] >= window[0]):
            return False
        previous = hop.from_node
    if path.evidence is not None:
        start = path.evidence.period.start
        end = path.evidence.period.end
        if start is not None and day_number(start) > window[1]:
            return False
        if end is not None and day_number(end) < window[0]:
            return False
    return True


def test_paths_of_flagged_background_shipments_are_valid_hop_by_hop(
    network: SyntheticNetwork, engine: ExposureEngine
) -> None:
    flags = engine.flag_shipments(network.shipments)
    rows = np.flatnonzero(flags.flagged)[:300]
    assert len(rows) == 300
    for row in rows.tolist():
        trace = engine.trace(engine.shipment_of(network.shipments, row))
        assert trace.flag is not None, row
        day = int(network.shipments.day[row])
        assert all(_valid(p, engine, day) for p in trace.flag.paths), trace


def test_clean_trace_reports_what_was_checked(network: SyntheticNetwork, engine: ExposureEngine) -> None:
    row = int(np.flatnonzero(network.known_clean)[0])
    trace = engine.trace(engine.shipment_of(network.shipments, row))
    assert trace.flag is None
    assert len(trace.checked.parties) >= 2
    assert trace.checked.relations >= 1


def test_generator_is_seeded(pools: NamePools) -> None:
    small = GeneratorConfig(companies=3_000, relations=15_000, shipments=30_000, seed=3)
    a, b = generate(small, pools), generate(small, pools)
    c = generate(GeneratorConfig(companies=3_000, relations=15_000, shipments=30_000, seed=4), pools)
    assert np.array_equal(a.tables.supply.supplier, b.tables.supply.supplier)
    assert np.array_equal(a.shipments.day, b.shipments.day)
    assert not np.array_equal(a.tables.supply.supplier, c.tables.supply.supplier)


def test_supplier_degree_is_heavy_tailed(network: SyntheticNetwork) -> None:
    degree = np.bincount(network.tables.supply.supplier)
    degree = degree[degree > 0]
    top = np.sort(degree)[::-1]
    # The top 1% of suppliers hold well over 1% of the relations.
    assert top[: max(1, len(top) // 100)].sum() > 0.1 * degree.sum()
    assert top[0] > 20 * np.median(degree)


def test_real_listed_names_are_planted_in_three_scripts(network: SyntheticNetwork, pools: NamePools) -> None:
    names = [network.name(i) for i in range(network.tables.party_count)]
    listed = {name for _, name in pools.dprk_listed}
    assert any(n in listed for n in names)
    assert any(re.search(r"[\u4e00-\u9fff]", n) for n in names)
    assert any(re.search(r"[\u0400-\u04ff]", n) for n in names)
    assert any(re.fullmatch(r"[ -~]+", n) for n in names)
    keys = set(network.tables.listings.list_keys)
    assert any(k.startswith("un:KPe") for k in keys)
