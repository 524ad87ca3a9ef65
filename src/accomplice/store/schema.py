"""Table definitions: the single source for queries and for Alembic's first migration.

Statements are the truth (one row per value per list, with the interval of list versions in which it was
seen); `entities` and `entity_lists` are caches derived from them at import time so that reads are cheap.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["decisions", "entities", "entity_lists", "list_versions", "metadata", "source_lists", "statements"]

# Stable constraint names so that Alembic migrations are identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite's INTEGER PRIMARY KEY is the rowid; BigInteger there would lose autoincrement.
BigId = BigInteger().with_variant(Integer(), "sqlite")

source_lists = Table(
    "source_lists",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("publisher", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("format", String(32), nullable=False),
    Column("licence", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

list_versions = Table(
    "list_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_name", String(64), ForeignKey("source_lists.name"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("data_date", String(32), nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("components", JSON, nullable=False),
    Column("files", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
    Column("warnings", JSON, nullable=False),
    UniqueConstraint("list_name", "seq", name="uq_list_versions_list_seq"),
)

statements = Table(
    "statements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("hash", String(40), nullable=False),
    Column("list_name", String(64), ForeignKey("source_lists.name"), nullable=False),
    Column("entity_key", String(255), nullable=False),
    Column("component", String(32), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("lang", String(16), nullable=True),
    Column("original_value", Text, nullable=True),
    # The key of another entity when the property refers to one (Ownership.owner, UnknownLink.subject...).
    Column("ref_key", String(255), nullable=True),
    # The interval of this list's versions in which the value was seen. An open interval (last_seq NULL)
    # means "still seen in the latest version that covered this component", so an import only touches
    # the rows that changed.
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=True),
    # True when the value belongs to the latest state of its list (kept at import time for fast reads).
    Column("is_current", Boolean, nullable=False),
    Index("ix_statements_entity", "entity_key"),
    Index("ix_statements_list_component_last", "list_name", "component", "last_seq"),
    Index("ix_statements_list_first", "list_name", "first_seq"),
    Index("ix_statements_list_current", "list_name", "is_current"),
    Index("ix_statements_ref_key", "ref_key"),
)

entities = Table(
    "entities",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("schema", String(64), nullable=False),
    Column("caption", Text, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_entities_current_schema", "is_current", "schema"),
)

entity_lists = Table(
    "entity_lists",
    metadata,
    Column("entity_key", String(255), primary_key=True),
    Column("list_name", String(64), ForeignKey("source_lists.name"), primary_key=True),
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=True),  # NULL while listed
    Column("is_current", Boolean, nullable=False),
    Index("ix_entity_lists_list", "list_name", "is_current"),
)

# Analysts' judgements on screening results. Append-only: a changed mind is a new row; the newest row
# for a (query, entity) pair is the one that applies. Per organisation: `org` "" holds the enforcement
# side's shared decisions, any other value a member organisation's own (see Principal.decision_org).
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("query_fingerprint", String(64), nullable=False),
    Column("query_text", Text, nullable=False),
    Column("entity_key", String(255), nullable=False),
    Column("judgement", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("user", String(128), nullable=False),
    # Hash of the listed entity's values when the decision was taken: a changed entity is asked again.
    Column("entity_fingerprint", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("org", String(128), nullable=False, server_default=""),
    CheckConstraint("judgement IN ('match', 'no-match')", name="ck_decisions_judgement"),
    Index("ix_decisions_query", "query_fingerprint"),
    Index("ix_decisions_entity", "entity_key"),
    Index("ix_decisions_org", "org"),
)
