"""The documents an importer needs to rebut the §321(b) presumption for a flagged shipment.

CAATSA §321(b) gives no documentation guidance of its own; the presumption is rebutted, as under the
UFLPA, by "clear and convincing evidence" that no forced labour was used. CBP's *Operational Guidance for
Importers* under the UFLPA (June 2022) names what it asks for: tracing of the whole supply chain — every
entity from raw material to the imported good, with a flow chart or map of the production process; the
transaction documents for each step (purchase orders, commercial invoices, packing lists, proof of
payment, transport documents such as bills of lading); production records; and workforce records
(employee lists, wage and payroll records, recruitment records) showing who did the work — here, that
no North Korean nationals did; an executive summary; and English translations of foreign-language
documents. For a party blocked under OFAC's 50% rule, what rebuts is its ownership: share registers
and corporate records.

`rebuttal_checklist` turns a flagged trace into one item per (party on the flagged paths × document kind
that applies to that party), ticked where the importer already holds the document. Items about the whole
entry (executive summary, chain map, translations) are keyed by the shipment id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from accomplice.exposure.model import EdgeKind, FlagReason, Trace

__all__ = [
    "COMMERCIAL_INVOICES",
    "DOCUMENT_KINDS",
    "ENGLISH_TRANSLATIONS",
    "EXECUTIVE_SUMMARY",
    "OWNERSHIP_RECORDS",
    "PACKING_LISTS",
    "PAYMENT_RECORDS",
    "PRODUCTION_RECORDS",
    "PURCHASE_ORDERS",
    "SUPPLY_CHAIN_MAP",
    "TRANSPORT_DOCUMENTS",
    "WORKFORCE_RECORDS",
    "ChecklistItem",
    "rebuttal_checklist",
]

EXECUTIVE_SUMMARY = "executive_summary"
SUPPLY_CHAIN_MAP = "supply_chain_map"
ENGLISH_TRANSLATIONS = "english_translations"
PURCHASE_ORDERS = "purchase_orders"
COMMERCIAL_INVOICES = "commercial_invoices"
PACKING_LISTS = "packing_lists"
PAYMENT_RECORDS = "payment_records"
TRANSPORT_DOCUMENTS = "transport_documents"
PRODUCTION_RECORDS = "production_records"
WORKFORCE_RECORDS = "workforce_records"
OWNERSHIP_RECORDS = "ownership_records"

DOCUMENT_KINDS: dict[str, str] = {
    EXECUTIVE_SUMMARY: (
        "Executive summary of the supply chain and of the evidence that no North Korean labour was used"
    ),
    SUPPLY_CHAIN_MAP: (
        "Flow chart or map of the supply chain from raw material to the imported good, every party named"
    ),
    ENGLISH_TRANSLATIONS: "English translations of every document not in English",
    PURCHASE_ORDERS: "Purchase orders",
    COMMERCIAL_INVOICES: "Commercial invoices",
    PACKING_LISTS: "Packing lists",
    PAYMENT_RECORDS: "Proof of payment (bank transfers, payment records)",
    TRANSPORT_DOCUMENTS: "Transport documents (bills of lading, waybills)",
    PRODUCTION_RECORDS: "Production records showing where and when the goods were made",
    WORKFORCE_RECORDS: "Workforce records: employee lists, wage and payroll records, recruitment records",
    OWNERSHIP_RECORDS: "Share register and corporate records showing who owns the party",
}

_ENTRY_KINDS = (EXECUTIVE_SUMMARY, SUPPLY_CHAIN_MAP, ENGLISH_TRANSLATIONS)
_TRANSACTION_KINDS = (
    PURCHASE_ORDERS,
    COMMERCIAL_INVOICES,
    PACKING_LISTS,
    PAYMENT_RECORDS,
    TRANSPORT_DOCUMENTS,
)
_PRODUCER_KINDS = (PRODUCTION_RECORDS, WORKFORCE_RECORDS)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One document to provide: for which party (or the whole entry), of which kind, held or not, and why."""

    party: str
    kind: str
    description: str
    held: bool
    reasons: tuple[FlagReason, ...]


def rebuttal_checklist(trace: Trace, held: Mapping[str, Collection[str]]) -> tuple[ChecklistItem, ...]:
    """The checklist for a flagged trace (empty for a clean one), in path order, ticked from `held`.

    Who needs what: every party in a transaction on a flagged path (the shipment's parties and both ends
    of each supply hop) needs the transaction documents; every party that makes goods on a path (a
    supplier on a supply hop, the shipment's exporter or manufacturer, the operator of a facility named
    by evidence) needs production and workforce records; a party blocked under the 50% rule needs its
    ownership records. `held[party]` holds the kinds already at hand; `held[shipment id]` those for the
    whole entry.
    """
    if trace.flag is None:
        return ()
    kinds: dict[str, list[str]] = {}
    reasons: dict[str, list[FlagReason]] = {}

    def need(party: str, wanted: tuple[str, ...], reason: FlagReason) -> None:
        current = kinds.setdefault(party, [])
        current.extend(k for k in wanted if k not in current)
        why = reasons.setdefault(party, [])
        if reason not in why:
            why.append(reason)

    for path in trace.flag.paths:
        for hop in path.hops:
            if hop.kind == EdgeKind.SHIPS:
                need(hop.from_node, _TRANSACTION_KINDS, path.reason)
                if hop.relation_id in {"exporter", "manufacturer"}:
                    need(hop.from_node, _PRODUCER_KINDS, path.reason)
            elif hop.kind == EdgeKind.SUPPLIES:
                need(hop.to_node, _TRANSACTION_KINDS, path.reason)
                need(hop.from_node, _TRANSACTION_KINDS + _PRODUCER_KINDS, path.reason)
            elif hop.kind == EdgeKind.OPERATES:
                need(hop.from_node, _PRODUCER_KINDS, path.reason)
            elif hop.kind == EdgeKind.OWNS:
                need(hop.to_node, (OWNERSHIP_RECORDS,), path.reason)
    entry_reasons = tuple(dict.fromkeys(p.reason for p in trace.flag.paths))
    entry_held = held.get(trace.shipment, ())
    items = [
        ChecklistItem(trace.shipment, kind, DOCUMENT_KINDS[kind], kind in entry_held, entry_reasons)
        for kind in _ENTRY_KINDS
    ]
    for party, wanted in kinds.items():
        have = held.get(party, ())
        why = tuple(reasons[party])
        items.extend(ChecklistItem(party, kind, DOCUMENT_KINDS[kind], kind in have, why) for kind in wanted)
    return tuple(items)
