"""Tables of the Commission of Inquiry tracker: the recommendations (items with their asks), the dated,
sourced events that bear on them, which items (or asks) each event bears on, and what each links to.

No status column: a status is derived from the events whenever it is read (accomplice.oversight), so no
status can be set without a source. Defined on the shared `metadata`; revision 0011 creates them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from accomplice.store.schema import metadata

__all__ = ["coi_event_items", "coi_event_links", "coi_events", "coi_items"]

coi_items = Table(
    "coi_items",
    metadata,
    Column("id", String(16), primary_key=True),  # "89a", "91"
    Column("position", Integer, nullable=False),  # the report's order
    Column("para", String(8), nullable=False),
    Column("letter", String(4), nullable=True),
    Column("addressee", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("text", Text, nullable=False),
    # True: our English summary; False: the report's own words. Shown beside every text.
    Column("text_is_summary", Boolean, nullable=False),
    Column("text_basis", Text, nullable=False),
    Column("text_incomplete", Boolean, nullable=False),
    Column("asks", JSON, nullable=False),
    Column("source_title", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("source_date", String(32), nullable=True),
    Column("verified", Boolean, nullable=False),
    Column("notes", Text, nullable=True),
)

coi_events = Table(
    "coi_events",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("at", String(10), nullable=False),  # YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source
    Column("precision", String(16), nullable=False),
    Column("relation", String(24), nullable=False),
    Column("summary", Text, nullable=False),
    Column("document", Text, nullable=True),
    # The source is required by the table too: an event nobody can check never changes a status.
    Column("source_title", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("source_date", String(32), nullable=True),
    Column("extra_sources", JSON, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("notes", Text, nullable=True),
    Column("origin", String(16), nullable=False),  # "seed" (the shared file) or "user"
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "relation IN ('advances', 'partially_advances', 'contravenes', 'context')",
        name="ck_coi_events_relation",
    ),
    CheckConstraint("length(source_title) > 0 AND length(source_url) > 0", name="ck_coi_events_source"),
    Index("ix_coi_events_at", "at"),
)

coi_event_items = Table(
    "coi_event_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(128), ForeignKey("coi_events.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", String(16), ForeignKey("coi_items.id"), nullable=False),
    Column("ask", Integer, nullable=True),  # NULL: every ask of the item; else the ask's number from 1
    Index("ix_coi_event_items_item", "item_id"),
    Index("ix_coi_event_items_event", "event_id"),
)

# Links by kind and id ("incident" + "INC-2023-10-CN-REFOULEMENT", "case" + "12"): generic, so that a link
# to an object of an area installed later resolves once it is there, and that area can ask which events
# link to one of its objects (ix_coi_event_links_target).
coi_event_links = Table(
    "coi_event_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(128), ForeignKey("coi_events.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", Text, nullable=False),
    Column("label", Text, nullable=True),
    Index("ix_coi_event_links_event", "event_id"),
    Index("ix_coi_event_links_target", "kind", "ref"),
)
