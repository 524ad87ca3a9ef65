"""The hand-checked chains of tests/cases/exposure: flags, reasons, paths and sources, trace and bulk."""

from __future__ import annotations

from typing import Any

import pytest

from accomplice.exposure.model import EdgeKind, FlagReason, Path
from accomplice.exposure.network import REASONS

from .helpers import engine_of, load_cases, shipment_of, shipment_table

CASES = load_cases()


def _matches(path: Path, want: dict[str, Any]) -> bool:
    if path.reason != FlagReason(want["reason"]):
        return False
    assert path.hops[0].kind == EdgeKind.SHIPS
    supplies = [h.relation_id for h in path.hops if h.kind == EdgeKind.SUPPLIES]
    if supplies != want["relations"]:
        return False
    if "evidence" in want and (path.evidence is None or path.evidence.id != want["evidence"]):
        return False
    if "source" in want and (path.evidence is None or path.evidence.source.id != want["source"]):
        return False
    if "listing" in want and (path.listing is None or path.listing.list_key != want["listing"]):
        return False
    if "facility" in want:
        operates = [h for h in path.hops if h.kind == EdgeKind.OPERATES]
        if [h.to_node for h in operates] != [want["facility"]]:
            return False
    if "ownership" in want:
        owns = {h.relation_id for h in path.hops if h.kind == EdgeKind.OWNS}
        if owns != set(want["ownership"]):
            return False
    return "blocked_share" not in want or path.blocked_share == pytest.approx(want["blocked_share"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hand_checked_chain_flags_with_expected_paths(case: dict[str, Any]) -> None:
    engine = engine_of(case)
    for row in case["shipments"]:
        shipment = shipment_of(row)
        expect = row["expect"]
        trace = engine.trace(shipment)
        if not expect["reasons"]:
            assert trace.flag is None, (row["id"], trace.flag)
            if "checked" in expect:
                assert set(trace.checked.parties) == set(expect["checked"]), row["id"]
            continue
        assert trace.flag is not None, row["id"]
        assert set(trace.flag.reasons) == {FlagReason(r) for r in expect["reasons"]}, row["id"]
        for want in expect.get("paths", []):
            assert any(_matches(p, want) for p in trace.flag.paths), (row["id"], want, trace.flag.paths)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bulk_flags_agree_with_traces_on_hand_checked_chains(case: dict[str, Any]) -> None:
    engine = engine_of(case)
    shipments = [shipment_of(row) for row in case["shipments"]]
    bulk = engine.flag_shipments(shipment_table(engine, shipments))
    for i, row in enumerate(case["shipments"]):
        want = {FlagReason(r) for r in row["expect"]["reasons"]}
        got = {r for bit, r in enumerate(REASONS) if bulk.reasons[i] & (1 << bit)}
        assert got == want, row["id"]
        assert bool(bulk.flagged[i]) == bool(want)


def test_every_path_hop_carries_its_record_and_source() -> None:
    case = next(c for c in CASES if c["name"] == "four_tier_seafood_chain_with_evidence_at_tier_3")
    engine = engine_of(case)
    trace = engine.trace(shipment_of(case["shipments"][0]))
    assert trace.flag is not None
    path = trace.flag.paths[0]
    assert [h.kind for h in path.hops] == [EdgeKind.SHIPS, EdgeKind.SUPPLIES, EdgeKind.SUPPLIES]
    assert path.hops[0].from_node == "exporter"
    assert path.hops[0].relation_id == "exporter"
    ends = [(h.from_node, h.to_node) for h in path.hops[1:]]
    assert ends == [("cannery", "exporter"), ("processor", "cannery")]
    assert all(h.source is not None for h in path.hops[1:])
    assert path.evidence is not None
    assert path.evidence.subject == "processor"


def test_downstream_lists_every_direct_and_indirect_buyer() -> None:
    case = next(c for c in CASES if c["name"] == "four_tier_seafood_chain_with_evidence_at_tier_3")
    engine = engine_of(case)
    assert engine.downstream("processor") == {"cannery", "exporter", "importer"}
    assert engine.downstream("importer") == frozenset()
    loop = engine_of(
        next(c for c in CASES if c["name"] == "supply_cycle_terminates_and_still_finds_the_evidence")
    )
    assert loop.downstream("A") == {"A", "B", "C"}


def test_exposure_of_a_party_follows_the_day_it_is_asked_about() -> None:
    from datetime import date

    case = next(c for c in CASES if c["name"] == "four_tier_seafood_chain_with_evidence_at_tier_3")
    engine = engine_of(case)
    paths = engine.exposure("importer", date(2017, 1, 1))
    assert [h.relation_id for h in paths[0].hops] == ["r-exp", "r-can", "r-proc"]
    assert paths[0].evidence is not None
    assert engine.exposure("importer", date(2014, 1, 1)) == ()
    assert engine.exposure("importer") == paths  # ever: the same evidence
    assert engine.exposure("fishing") == ()
