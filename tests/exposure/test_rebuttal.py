"""The rebuttal checklist: one item per (party on the flagged paths × document kind), ticked when held."""

from __future__ import annotations

from accomplice.exposure.rebuttal import (
    COMMERCIAL_INVOICES,
    EXECUTIVE_SUMMARY,
    OWNERSHIP_RECORDS,
    PAYMENT_RECORDS,
    PRODUCTION_RECORDS,
    PURCHASE_ORDERS,
    SUPPLY_CHAIN_MAP,
    WORKFORCE_RECORDS,
    rebuttal_checklist,
)

from .helpers import engine_of, load_cases, shipment_of

CASES = {c["name"]: c for c in load_cases()}


def _trace(name: str, shipment: int = 0):  # type: ignore[no-untyped-def]
    case = CASES[name]
    return engine_of(case).trace(shipment_of(case["shipments"][shipment]))


def test_checklist_names_every_party_on_the_path_and_ticks_what_is_held() -> None:
    trace = _trace("four_tier_seafood_chain_with_evidence_at_tier_3")
    held = {
        "s-2017": [EXECUTIVE_SUMMARY],
        "exporter": [PURCHASE_ORDERS, COMMERCIAL_INVOICES],
        "processor": [WORKFORCE_RECORDS],
    }
    items = rebuttal_checklist(trace, held)
    by = {(i.party, i.kind): i for i in items}
    assert {i.party for i in items} == {"s-2017", "exporter", "cannery", "processor"}
    assert by[("s-2017", EXECUTIVE_SUMMARY)].held
    assert not by[("s-2017", SUPPLY_CHAIN_MAP)].held
    assert by[("exporter", PURCHASE_ORDERS)].held
    assert by[("exporter", COMMERCIAL_INVOICES)].held
    assert not by[("exporter", PAYMENT_RECORDS)].held
    # The tier-3 processor, where the evidence is, must show who worked there.
    assert by[("processor", WORKFORCE_RECORDS)].held
    assert not by[("processor", PRODUCTION_RECORDS)].held
    assert ("cannery", WORKFORCE_RECORDS) in by
    # One item per (party, kind): no duplicates.
    assert len(by) == len(items)


def test_checklist_asks_a_party_blocked_by_ownership_for_its_ownership_records() -> None:
    trace = _trace("indirect_holding_through_a_blocked_entity_counts")
    items = rebuttal_checklist(trace, {"A": [OWNERSHIP_RECORDS]})
    owned = {(i.party, i.held) for i in items if i.kind == OWNERSHIP_RECORDS}
    assert owned == {("A", True), ("B", False)}
    # The listed owner Z is the sanctioned person, not a party to the entry: nothing is asked of it.
    assert all(i.party != "Z" for i in items)


def test_clean_shipment_needs_no_rebuttal() -> None:
    trace = _trace("ownership_of_49_99_percent_does_not_block")
    assert trace.flag is None
    assert rebuttal_checklist(trace, {}) == ()
