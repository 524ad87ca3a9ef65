"""Tables of documented abuses: incidents (events), their perpetrators (with the listed entity screening
resolved each to), their victims (identifying fields sealed, see services.incident_keys) and the TOTP
secrets of the holders of the `victims` permission (sealed the same way).

Defined on the shared `metadata` so that one Alembic environment knows every table; revision 0010 creates
them, and on SQLite also `incident_search`, an FTS5 table with the trigram tokenizer (which matches Korean,
Chinese and Russian text without a word splitter). On PostgreSQL the same search runs on a pg_trgm index.
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
    LargeBinary,
    String,
    Table,
    Text,
)

from accomplice.store.schema import metadata

__all__ = [
    "INCIDENT_STATES",
    "incident_perpetrators",
    "incident_totp",
    "incident_victims",
    "incidents",
]

INCIDENT_STATES = ("restricted", "published")

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(128), nullable=False, unique=True),
    # The team that recorded it: a restricted record is seen by that organisation only ("" = the
    # enforcement side's shared team).
    Column("org", String(128), nullable=False),
    Column("title", Text, nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("acts", JSON, nullable=False),
    Column("date_edtf", String(64), nullable=False),
    # The earliest day the date may mean (YYYY-MM-DD), for ordering timelines.
    Column("date_sort", String(10), nullable=False),
    Column("date_precision", String(16), nullable=False),
    Column("place", Text, nullable=False),
    Column("place_precision", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    # Everything else of the record that identifies nobody (sources, interventions, narrative, notes).
    Column("body", JSON, nullable=False),
    # Title, narrative, place and perpetrators folded into one text for search: never a victim's field.
    Column("search_text", Text, nullable=False),
    Column("state", String(16), nullable=False),
    # The reviewed, redacted version shown on public pages and exports once published.
    Column("public", JSON, nullable=True),
    Column("published_by", String(128), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state IN ('restricted', 'published')", name="ck_incidents_state"),
    Index("ix_incidents_org", "org"),
    Index("ix_incidents_country", "country"),
    Index("ix_incidents_date_sort", "date_sort"),
    Index("ix_incidents_state", "state"),
)

incident_perpetrators = Table(
    "incident_perpetrators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("role", Text, nullable=False),
    Column("degree", String(32), nullable=False),
    # The listed entity screening resolved the name to (a list key), and its score.
    Column("entity_key", String(255), nullable=True),
    Column("score", Float, nullable=True),
    Index("ix_incident_perpetrators_incident_id", "incident_id"),
    Index("ix_incident_perpetrators_entity_key", "entity_key"),
)

incident_victims = Table(
    "incident_victims",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    # What everyone but an unmasking sees; also the associated data of the seal, binding it to its row.
    Column("pseudonym", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("consent", String(32), nullable=False),
    # The risk flag: family still in the DPRK.
    Column("family_in_dprk", Boolean, nullable=False),
    Column("key_id", String(32), nullable=False),
    # nonce || AES-GCM ciphertext of the identity's JSON.
    Column("sealed", LargeBinary, nullable=False),
    CheckConstraint(
        "consent IN ('internal', 'share-un', 'publish-anonymised')", name="ck_incident_victims_consent"
    ),
    Index("ix_incident_victims_incident_id", "incident_id"),
)

incident_totp = Table(
    "incident_totp",
    metadata,
    Column("user_name", String(128), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
