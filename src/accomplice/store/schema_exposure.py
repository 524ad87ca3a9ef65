"""Tables of the exposure (CAATSA §321(b)) data: trade parties, shipments, supply, ownership, facilities,
labour evidence, the sources behind them, and the import batches that brought them in.

Defined on the shared `metadata` of `store/schema.py`, so that one Alembic history covers every table.
Rows name parties by their `exposure_parties.id` (`party:<slug>-<hash>`); which listed entity a party
is, if any, is the party's automatic resolution overridden by the newest analyst decision
(`exposure_party_decisions`, append-only), so that a changed mind never rewrites the trade records.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from accomplice.store.schema import metadata

__all__ = [
    "exposure_batches",
    "exposure_documents",
    "exposure_evidence",
    "exposure_facilities",
    "exposure_ownership",
    "exposure_parties",
    "exposure_party_decisions",
    "exposure_shipments",
    "exposure_sources",
    "exposure_supply",
]

# Ids of records and parties; party ids are `party:` + a slug of at most 48 characters + a 12-digit hash.
ID = 255

# One row per imported file (or API submission): what, which file, its checksum, counts, who and when.
# The same kind and checksum again is a no-op, which the unique constraint enforces under concurrency.
exposure_batches = Table(
    "exposure_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("user", String(128), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    # The organisation whose records these are: an importer's own shipments and declared suppliers are
    # seen only by that organisation (and by the enforcement roles); "" = shared records, entered by
    # enforcement analysts or researchers. Not NULL, so that the no-op check below is per organisation.
    Column("org", String(128), nullable=False, server_default=""),
    UniqueConstraint("kind", "checksum", "org", name="uq_exposure_batches_kind_checksum_org"),
    Index("ix_exposure_batches_org", "org"),
)

exposure_sources = Table(
    "exposure_sources",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("published", Date, nullable=True),
    # Admiralty (NATO) grading of the source's reliability: A completely reliable ... F cannot be judged.
    Column("reliability", String(1), nullable=False),
    Column("confidential", Boolean, nullable=False),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    CheckConstraint("reliability IN ('A', 'B', 'C', 'D', 'E', 'F')", name="ck_exposure_sources_reliability"),
)

exposure_parties = Table(
    "exposure_parties",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("country", String(8), nullable=True),
    Column("schema", String(64), nullable=False),
    # The folded name and country: the identity of a party across rows and files.
    Column("norm_key", Text, nullable=False),
    # The automatic resolution by screening: the listed entity's key (NULL: none at the threshold), the
    # score and the explanation lines, kept as evidence of why the party was taken for that entity.
    Column("resolved_key", String(ID), nullable=True),
    Column("score", Float, nullable=True),
    Column("explanation", JSON, nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=False),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    Index("ix_exposure_parties_resolved", "resolved_key"),
)

# Analysts' decisions on a party's resolution. Append-only: the newest row for a party applies.
exposure_party_decisions = Table(
    "exposure_party_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party_id", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("entity_key", String(ID), nullable=True),
    Column("reason", Text, nullable=False),
    Column("user", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("action IN ('confirmed', 'split')", name="ck_exposure_party_decisions_action"),
    CheckConstraint(
        "(action = 'confirmed') = (entity_key IS NOT NULL)", name="ck_exposure_party_decisions_key"
    ),
    Index("ix_exposure_party_decisions_party", "party_id"),
)

exposure_shipments = Table(
    "exposure_shipments",
    metadata,
    Column("id", String(ID), primary_key=True),  # the customs entry id
    Column("day", Date, nullable=False),
    Column("importer", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("exporter", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("consignee", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("notify", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("manufacturer", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("goods", Text, nullable=False),
    Column("hs_code", String(16), nullable=False),
    Column("quantity", Float, nullable=True),
    Column("value", Float, nullable=True),
    Column("origin", String(8), nullable=True),
    Column("port_lading", Text, nullable=True),
    Column("port_unlading", Text, nullable=True),
    Column("vessel_name", Text, nullable=True),
    Column("vessel_imo", String(16), nullable=True),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    Index("ix_exposure_shipments_day", "day"),
)

exposure_supply = Table(
    "exposure_supply",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("supplier", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("buyer", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("tier", Integer, nullable=True),
    Column("goods", Text, nullable=False),
    Column("hs_prefixes", JSON, nullable=False),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("source_id", String(ID), ForeignKey("exposure_sources.id"), nullable=True),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    Index("ix_exposure_supply_buyer", "buyer"),
)

exposure_ownership = Table(
    "exposure_ownership",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("owner", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("owned", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("share", Float, nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("source_id", String(ID), ForeignKey("exposure_sources.id"), nullable=True),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    CheckConstraint("share IS NULL OR (share >= 0 AND share <= 100)", name="ck_exposure_ownership_share"),
    Index("ix_exposure_ownership_owned", "owned"),
)

exposure_facilities = Table(
    "exposure_facilities",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("operator", String(ID), ForeignKey("exposure_parties.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("country", String(8), nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
)

# Labour evidence: a source says North Korean nationals work(ed) for a party or at a facility.
exposure_evidence = Table(
    "exposure_evidence",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("subject_party", String(ID), ForeignKey("exposure_parties.id"), nullable=True),
    Column("subject_facility", String(ID), ForeignKey("exposure_facilities.id"), nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("source_id", String(ID), ForeignKey("exposure_sources.id"), nullable=False),
    Column("statement", Text, nullable=False),
    Column("workers", Integer, nullable=True),
    Column("batch_id", Integer, ForeignKey("exposure_batches.id"), nullable=False),
    CheckConstraint(
        "(subject_party IS NULL) <> (subject_facility IS NULL)", name="ck_exposure_evidence_subject"
    ),
)

# Documents an importer holds to rebut the presumption for a flagged shipment (purchase orders, payroll
# records...), one row per uploaded file. `subject` is the party (engine node: listed key or party id)
# or the shipment itself the document is about; `shipment_id` NULL = about the party for every shipment
# (a supplier's workforce records). The bytes are kept in the store so that a backup holds everything.
exposure_documents = Table(
    "exposure_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org", String(128), nullable=False, server_default=""),
    Column("shipment_id", String(ID), ForeignKey("exposure_shipments.id"), nullable=True),
    Column("subject", String(ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("media_type", String(128), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("content", LargeBinary, nullable=False),
    Column("user", String(128), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Index("ix_exposure_documents_shipment", "shipment_id"),
    Index("ix_exposure_documents_subject", "subject"),
)
