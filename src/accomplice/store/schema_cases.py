"""Tables of §321(b) cases and of the CAATSA register: each case with the columns its state derives (kept
so that lists and statistics need no replay), its dated events, and the register's entries with their removal
requests.

Defined on the shared `metadata` so that one Alembic environment knows every table; revision 0013 creates
them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from accomplice.store.schema import metadata

__all__ = ["case_documents", "case_events", "cases", "register_entries", "register_removals"]

cases = Table(
    "cases",
    metadata,
    # An external case id is kept as given (an imported history keeps its agency's reference).
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    # The importer's organisation: an importer sees and answers only its own organisation's cases.
    Column("org", String(128), nullable=True),
    # How it was opened: shipment, entity, tip (by hand) or import.
    Column("source", String(16), nullable=False),
    Column("state", String(32), nullable=False),
    Column("shipments", JSON, nullable=False),
    Column("parties", JSON, nullable=False),
    # The trace of the flagged shipment (paths, sources) as it was when the case was opened, frozen.
    Column("trace", JSON, nullable=True),
    Column("legal_basis", Text, nullable=False),
    Column("evidence_summary", Text, nullable=False),
    # What the statistics count by: country of origin, HS code of the goods, declared value (USD).
    Column("origin", String(64), nullable=True),
    Column("hs_code", String(16), nullable=True),
    Column("value", Float, nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("detained_on", Date, nullable=True),
    Column("deadline", Date, nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("decided_by", String(128), nullable=True),
    Column("approved_by", String(128), nullable=True),
    Column("decision_note", Text, nullable=False),
    # Raised on every write: a writer that read an older version is refused (two reviewers deciding at once).
    Column("version", Integer, nullable=False),
    # When the overdue alert went out (once per case).
    Column("overdue_alerted_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_cases_org_state", "org", "state"),
    Index("ix_cases_state_deadline", "state", "deadline"),
    Index("ix_cases_opened_on", "opened_on"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # The event was dated to the day only (an imported history): shown as YYYY-MM-DD.
    Column("date_only", Boolean, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("by", String(128), nullable=True),
    Column("note", Text, nullable=False),
    Column("party", Text, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_events_case_seq", "case_id", "seq", unique=True),
    Index("ix_case_events_kind_at", "kind", "at"),
)

# The importer's documents, each against a checklist item and a supply-chain stage; the bytes are kept by
# their SHA-256 in the blob store (store/blobs.py), the reviewer's mark and reason beside them.
case_documents = Table(
    "case_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String(128), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("item", String(64), nullable=False),  # purchase-order, invoice, payment, transport, ...
    Column("stage", String(128), nullable=False),
    Column("note", Text, nullable=False),
    Column("uploaded_by", String(128), nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("review", String(16), nullable=False),  # pending | accepted | insufficient | inconsistent
    Column("review_reason", Text, nullable=False),
    Column("reviewed_by", String(128), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Index("ix_case_documents_case_id", "case_id"),
)

register_entries = Table(
    "register_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # A stable key (name and date of the action), so that importing the same file twice updates.
    Column("key", String(255), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    # Every name of the entity, in every script ([name, ...]).
    Column("names", JSON, nullable=False),
    Column("country", Text, nullable=False),
    Column("effective_date", String(10), nullable=False),  # ISO, maybe partial (2017-10)
    Column("authority", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("sector", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("list_keys", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # listed | removed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

register_removals = Table(
    "register_removals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("register_entries.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(128), nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),  # pending | granted | denied
    Column("decided_by", String(128), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_note", Text, nullable=False),
)
