"""Response models of the exposure API (api/exposure.py): the typed contract of traces, records,
parties and documents published at /openapi.json.

The services build plain JSON objects (the same ones `accomplice trace` writes); these models validate
that what leaves the server has the documented shape. Keys that an object carries only sometimes (a
path's `withheld`, `evidence`, `listing`; a trace's `checked` or `rebuttal`; a confidential source's
missing title fields) are optional here, and the routes answer with `response_model_exclude_unset`, so
that an absent key stays absent instead of becoming `null`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DocumentOut",
    "EvidenceOut",
    "HopOut",
    "PartyDecisionOut",
    "PartyExposureOut",
    "PartyOut",
    "PathOut",
    "RelationRecordOut",
    "StoredOut",
    "TraceOut",
]


class _Model(BaseModel):
    # Fields named after Python keywords or builtins (`from`, `list`) are published under their alias.
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class PeriodOut(_Model):
    start: str | None = Field(description="First day the fact held (ISO date); null: open.")
    end: str | None = Field(description="Last day the fact held (ISO date); null: open.")


class SourceOut(_Model):
    """A source as the reader may see it: a confidential one is its id and "confidential source <id>"."""

    id: str
    title: str
    url: str | None = None
    published: str | None = None
    reliability: str | None = Field(default=None, description="Admiralty grade A … F.")
    confidential: bool


class HopOut(_Model):
    kind: str = Field(description="ships, supplies, owns or operates.")
    from_node: str = Field(alias="from")
    from_name: str
    to: str
    to_name: str
    record: str | None = Field(description="The id of the record the hop rests on.")
    period: PeriodOut
    source: SourceOut | None


class EvidenceOut(_Model):
    """Labour evidence: North Korean nationals working for a party or at a facility."""

    id: str
    subject: str = Field(description="A party id (node) or a facility id.")
    subject_name: str
    period: PeriodOut
    statement: str = Field(description="'(withheld: confidential source)' without the right to see it.")
    workers: int | None
    source: SourceOut | None


class PathListingOut(_Model):
    entity: str = Field(description="The listed entry's key (the party's own, or its twin's).")
    name: str
    list_name: str = Field(alias="list")
    programs: list[str]
    dprk: bool
    blocked: bool


class PathOut(_Model):
    """A path from the shipment (or party) to the fact that taints it."""

    reason: str = Field(description="labour_evidence, dprk_listed or blocked_by_ownership.")
    hops: list[HopOut]
    withheld: str | None = Field(
        default=None, description="Present when the rest of the path rests on records the reader may not see."
    )
    evidence: EvidenceOut | None = None
    listing: PathListingOut | None = None
    blocked_share: float | None = Field(default=None, description="Percent held by blocked persons.")


class TracePartyOut(_Model):
    """A party of a shipment with its resolution (`node` and `name` only for a party not stored)."""

    role: str
    node: str
    name: str
    id: str | None = None
    country: str | None = None
    resolved: str | None = Field(default=None, description="The listed entity's key it resolved to.")
    score: float | None = None
    status: str | None = None
    explanation: list[str] | None = None
    decided_by: str | None = None
    decided_at: str | None = None


class VesselOut(_Model):
    name: str | None
    imo: str | None


class NodeOut(_Model):
    node: str
    name: str


class CheckedOut(_Model):
    """For a clean shipment: what the engine looked at, among the records the reader may see."""

    parties: list[NodeOut]
    relations: int
    evidence_records_in_period: int


class RebuttalItemOut(_Model):
    party: str = Field(description="The party (node) the document is about, or the entry id.")
    kind: str
    description: str
    held: bool
    reasons: list[str]


class TraceOut(_Model):
    """One shipment traced: flagged or not, why, the paths, and what the importer must show."""

    shipment: str
    date: str
    goods: str | None
    hs_code: str | None
    origin: str | None
    vessel: VesselOut | None
    parties: list[TracePartyOut]
    flagged: bool
    reasons: list[str]
    paths: list[PathOut]
    checked: CheckedOut | None = Field(default=None, description="Clean shipments only.")
    rebuttal: list[RebuttalItemOut] | None = Field(default=None, description="Flagged shipments only.")


class PartyExposureOut(_Model):
    party: str
    node: str
    name: str
    day: str | None
    exposed: bool
    paths: list[PathOut]
    downstream: list[str] = Field(description="Nodes the party's goods reach, that the reader may see.")


class RelationRecordOut(_Model):
    id: str
    supplier: str
    supplier_name: str
    buyer: str
    buyer_name: str
    tier: int | None
    goods: str
    hs_prefixes: list[str]
    period: PeriodOut
    source: SourceOut | None


class StoredPartyOut(_Model):
    id: str
    name: str
    resolved: str | None
    status: str


class StoredOut(_Model):
    """What an import or a POST of records stored (or found already stored: `unchanged`)."""

    batch: int
    unchanged: bool
    counts: dict[str, int]
    ids: list[str]
    parties: list[StoredPartyOut]


class PartyDecisionOut(_Model):
    action: str = Field(description="confirmed or split.")
    entity: str | None
    reason: str
    by: str
    at: str


class PartyOut(_Model):
    """A trade party with its resolution and the analysts' decision that applies."""

    id: str
    name: str
    country: str | None
    resolved: str | None
    score: float | None
    status: str
    explanation: list[str]
    decision: PartyDecisionOut | None


class DocumentOut(_Model):
    """A stored rebuttal document (the bytes are at `download`)."""

    id: int
    shipment: str | None = Field(description="null: about the party for every shipment.")
    subject: str
    kind: str
    description: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    note: str
    uploaded_by: str
    uploaded_at: str
    download: str
