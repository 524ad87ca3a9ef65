"""Values of the CAATSA §321(b) exposure engine: parties, goods flows, control, labour evidence, flags.

CAATSA §321(b) (22 U.S.C. 9241a) presumes that significant goods mined, produced or manufactured wholly or
in part by North Korean nationals anywhere in the world are forced-labour goods. The engine answers, for
every shipment: does its supply chain reach (a) a source saying North Korean nationals work for a party or
at a facility in the period that matters, (b) a DPRK-listed entity, or (c) a party blocked under OFAC's
50% rule — and by which path, on which sources?

Everything here is a plain value: no storage, no I/O. Party ids are store keys (`ofac:12312`) for listed
entities and `party:<id>` for parties known only from trade data.

The trade records (`Shipment`, `SupplyRelation`, `Ownership`, `Facility`, `Evidence`, with their `Source`)
are defined once, here, for the three places that hold them: the file reader (`batch.exposure`) makes them
from a file's rows with parties named by their `norm_key`; the import gives the parties their ids and the
store keeps them so (`store.exposure`); the engine traces them with parties named by graph node. The columns
of their files are described beside them, in `exposure.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = [
    "FACILITY_PREFIX",
    "SHIPMENT_ROLES",
    "Checked",
    "Edge",
    "EdgeKind",
    "Evidence",
    "Facility",
    "Flag",
    "FlagReason",
    "Hop",
    "Listing",
    "Ownership",
    "Party",
    "Path",
    "Period",
    "Shipment",
    "ShipmentRole",
    "Source",
    "SupplyRelation",
    "Trace",
    "facility_id",
]


@dataclass(frozen=True, slots=True)
class Period:
    """A closed interval of days; None on a side means open (since ever / until now)."""

    start: date | None = None
    end: date | None = None

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, other: Period) -> bool:
        return (self.start is None or other.end is None or self.start <= other.end) and (
            self.end is None or other.start is None or other.start <= self.end
        )


ALWAYS = Period()


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from: a document, a URL, a date, a reliability grade, and whether it may be shown.

    Reliability follows the Admiralty (NATO) source grading: A completely reliable ... F cannot be judged.
    In a file just read, a source with an empty title is a row's reference (`source_id` alone) to a source
    stored earlier; the import puts the stored source in its place or refuses the file.
    """

    id: str
    title: str
    url: str | None = None
    published: date | None = None
    reliability: str = "F"
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class Party:
    """A firm, person or body in the trade data, resolved to a listed entity where screening found one."""

    id: str
    name: str
    country: str | None = None
    schema: str = "LegalEntity"
    # How the party's name was resolved to a listed entity: the score and the explanation, kept as evidence.
    resolved_score: float | None = None
    resolved_explanation: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """That a party is on a sanctions list, and whether the listing concerns North Korea."""

    party: str
    list_key: str
    programs: tuple[str, ...] = ()
    dprk: bool = False
    blocked: bool = True  # an SDN-style asset freeze (what OFAC's 50% rule propagates)
    period: Period = ALWAYS
    # The list entry the listing is read from, when it is not `party` itself: the same entity's entry on
    # another list (a UK entry's UN twin), so that a path names the entry that actually says DPRK.
    entry: str | None = None


class ShipmentRole(StrEnum):
    IMPORTER = "importer"
    EXPORTER = "exporter"
    CONSIGNEE = "consignee"
    NOTIFY = "notify"
    MANUFACTURER = "manufacturer"


# The roles a shipment names parties in, in the order customs entries list them.
SHIPMENT_ROLES = tuple(ShipmentRole)


@dataclass(frozen=True, slots=True)
class Shipment:
    """One customs entry: who was involved in which role, what goods, from where, when.

    The one shipment record: the reader makes it from a file's row (parties named by their `norm_key`), the
    store holds it (parties by party id) and the engine traces it (parties by graph node).
    """

    id: str
    day: date
    parties: tuple[tuple[ShipmentRole, str], ...]  # (role, party), roles in SHIPMENT_ROLES order
    goods: str = ""
    hs_code: str = ""
    quantity: float | None = None
    value: float | None = None
    origin: str | None = None  # country code
    port_lading: str | None = None
    port_unlading: str | None = None
    vessel_name: str | None = None
    vessel_imo: str | None = None

    def party(self, role: ShipmentRole) -> tuple[str, ...]:
        return tuple(p for r, p in self.parties if r == role)


@dataclass(frozen=True, slots=True)
class SupplyRelation:
    """Goods flow: `supplier` sells (goods with these HS code prefixes) to `buyer` during `period`."""

    id: str
    supplier: str
    buyer: str
    period: Period = ALWAYS
    hs_prefixes: tuple[str, ...] = ()  # empty: any goods
    tier: int | None = None  # as declared by the importer (1 = direct supplier)
    source: Source | None = None
    goods: str = ""  # the goods in words, for readers (the engine goes by `hs_prefixes`)


@dataclass(frozen=True, slots=True)
class Ownership:
    """Control: `owner` holds `share` percent of `owned` during `period` (None: control without a figure)."""

    id: str
    owner: str
    owned: str
    share: float | None = None
    period: Period = ALWAYS
    source: Source | None = None


# Facility ids live beside party ids in the engine's graph; this prefix keeps them apart. (A party's
# `norm_key` in a file just read never starts with it either: folding drops the colon.)
FACILITY_PREFIX = "facility:"


def facility_id(text: str) -> str:
    """The id of a facility as a file names it (`12` or `facility:12`), always with the prefix."""
    text = text.strip()
    return text if text.startswith(FACILITY_PREFIX) else f"{FACILITY_PREFIX}{text}"


@dataclass(frozen=True, slots=True)
class Facility:
    """A place where goods are made (a seafood plant, a garment factory), run by `operator`."""

    id: str
    operator: str
    name: str = ""
    location: str = ""
    country: str | None = None
    period: Period = ALWAYS


@dataclass(frozen=True, slots=True)
class Evidence:
    """The core fact: a source states that North Korean nationals work (worked) for a party or at a facility.

    `subject` is a party id or a facility id (`FACILITY_PREFIX`). The period is when the work happened,
    not when the source was published; evidence from 2019 does not taint a 2015 shipment unless its
    period says so.
    """

    id: str
    subject: str
    period: Period
    source: Source
    statement: str = ""
    workers: int | None = None


class EdgeKind(StrEnum):
    SUPPLIES = "supplies"  # goods flow from supplier to buyer
    OPERATES = "operates"  # a party runs a facility (goods made there are the party's goods)
    OWNS = "owns"  # control
    SHIPS = "ships"  # a party in a shipment role


@dataclass(frozen=True, slots=True)
class Edge:
    kind: EdgeKind
    source_node: str
    target_node: str
    period: Period = ALWAYS
    share: float | None = None
    relation_id: str | None = None
    evidence_source: Source | None = None


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of an evidence path, with the record and source that support it."""

    kind: EdgeKind
    from_node: str
    to_node: str
    relation_id: str | None
    source: Source | None
    period: Period = ALWAYS
    share: float | None = None  # for an OWNS hop: the percentage held


class FlagReason(StrEnum):
    LABOUR_EVIDENCE = "labour_evidence"  # a source places North Korean workers in the chain
    DPRK_LISTED = "dprk_listed"  # a DPRK-program listed entity is in the chain
    BLOCKED_BY_OWNERSHIP = "blocked_by_ownership"  # OFAC 50% rule: owned ≥ 50% by blocked persons


@dataclass(frozen=True, slots=True)
class Path:
    """From the shipment to the tainting fact, hop by hop."""

    hops: tuple[Hop, ...]
    reason: FlagReason
    evidence: Evidence | None = None
    listing: Listing | None = None
    blocked_share: float | None = None  # for the 50% rule: the aggregate share held by blocked persons


@dataclass(frozen=True, slots=True)
class Flag:
    shipment: str
    reasons: tuple[FlagReason, ...]
    paths: tuple[Path, ...]  # the shortest paths, each with its sources


@dataclass(frozen=True, slots=True)
class Checked:
    """For a clean shipment: what the engine looked at, so that "nothing found" can be shown and argued."""

    parties: tuple[str, ...] = ()  # nearest first; at most engine.CHECKED_PARTIES_NAMED of them
    relations: int = 0
    evidence_records_in_period: int = 0
    parties_total: int = 0  # how many parties the upstream holds (`parties` may name only the nearest)


@dataclass(frozen=True, slots=True)
class Trace:
    shipment: str
    flag: Flag | None
    checked: Checked = field(default_factory=Checked)

    @property
    def presumptively_barred(self) -> bool:
        return self.flag is not None
