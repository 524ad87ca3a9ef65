"""Tables of continuous monitoring: watchlists, their entries, what each entry last matched, the alerts
raised when that changes, and the webhooks (with their delivery queue) that carry alerts out.

Defined on the shared `metadata` so that one Alembic environment knows every table; revision 0006 creates
them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from accomplice.store.schema import metadata

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "monitor_alerts",
    "watchlist_entries",
    "watchlist_matches",
    "watchlists",
    "webhook_deliveries",
    "webhooks",
]

ALERT_KINDS = ("new", "changed", "removed")
ALERT_STATES = ("open", "acknowledged")

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    # The organisation that owns the watchlist: an importer sees only its own org's watchlists and alerts.
    Column("org", String(128), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_watchlists_org", "org"),
)

watchlist_entries = Table(
    "watchlist_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watchlist_id", Integer, ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False),
    # The customer's own reference (the `id` column of the uploaded file); adding it again replaces it.
    Column("ref", String(255), nullable=False),
    Column("name", Text, nullable=False),
    Column("schema", String(64), nullable=True),
    Column("birth_date", String(32), nullable=True),
    Column("nationality", String(128), nullable=True),
    # [[kind, value], ...] as the screening record carries them (imo included).
    Column("identifiers", JSON, nullable=False),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The store generation (services.ScreeningIndex.generation) the entry was last screened against.
    Column("screened_generation", String(64), nullable=True),
    Column("screened_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("watchlist_id", "ref", name="uq_watchlist_entries_watchlist_ref"),
)

# The screening state of each entry: the matches it had at its last screening, each with the fingerprint
# of the listed entity as it was then. The next screening compares against these rows, so that only new
# matches and matches whose entity changed raise alerts.
watchlist_matches = Table(
    "watchlist_matches",
    metadata,
    Column(
        "entry_id",
        Integer,
        ForeignKey("watchlist_entries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("entity_key", String(255), primary_key=True),
    Column("entity_fingerprint", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("schema", String(64), nullable=False),
    Column("caption", Text, nullable=False),
    Column("lists", JSON, nullable=False),
    Column("explanation", JSON, nullable=False),
    Column("decision", String(16), nullable=True),
)

monitor_alerts = Table(
    "monitor_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watchlist_id", Integer, ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False),
    # An alert outlives the removal of its entry (the record of what was raised stays); the entry's name
    # and reference are kept on the alert for that reason.
    Column("entry_id", Integer, ForeignKey("watchlist_entries.id", ondelete="SET NULL"), nullable=True),
    Column("entry_ref", String(255), nullable=False),
    Column("entry_name", Text, nullable=False),
    Column("org", String(128), nullable=True),
    Column("entity_key", String(255), nullable=False),
    Column("caption", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", JSON, nullable=False),
    # The list version whose import raised the alert.
    Column("list_name", String(64), nullable=True),
    Column("list_seq", Integer, nullable=True),
    Column("list_label", Text, nullable=True),
    Column("state", String(16), nullable=False),
    Column("acknowledged_by", String(128), nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("kind IN ('new', 'changed', 'removed')", name="ck_monitor_alerts_kind"),
    CheckConstraint("state IN ('open', 'acknowledged')", name="ck_monitor_alerts_state"),
    Index("ix_monitor_alerts_watchlist_state", "watchlist_id", "state"),
    Index("ix_monitor_alerts_org_state", "org", "state"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    # Kept in clear: signing needs it. It is shown once, at creation, and never returned again.
    Column("secret", String(128), nullable=False),
    # Alert kinds delivered (["new", "changed", "removed"]).
    Column("events", JSON, nullable=False),
    Column("org", String(128), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The outbox: one row per (webhook, batch of alerts), written in the transaction that raises the alerts,
# so that no alert is lost between the import and the delivery, and retried until delivered or given up.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("alert_ids", JSON, nullable=False),
    Column("payload", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),  # NULL once delivered or given up
    Column("status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_webhook_deliveries_due", "next_attempt_at"),
)
