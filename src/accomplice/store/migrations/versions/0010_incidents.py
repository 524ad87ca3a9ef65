"""Documented abuses: incidents (events after HURIDOCS ESF), their perpetrators (resolved to listed
entities), their victims (identifying fields sealed with AES-GCM, a key outside the database) and the TOTP
secrets of those who may unmask them; on SQLite an FTS5 trigram table for search in every script, on
PostgreSQL a pg_trgm index on the same text.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_totp",
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_incident_totp")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("org", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("acts", sa.JSON(), nullable=False),
        sa.Column("date_edtf", sa.String(length=64), nullable=False),
        sa.Column("date_sort", sa.String(length=10), nullable=False),
        sa.Column("date_precision", sa.String(length=16), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("place_precision", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("public", sa.JSON(), nullable=True),
        sa.Column("published_by", sa.String(length=128), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('restricted', 'published')", name="ck_incidents_state"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("ref", name=op.f("uq_incidents_ref")),
    )
    op.create_index("ix_incidents_country", "incidents", ["country"], unique=False)
    op.create_index("ix_incidents_date_sort", "incidents", ["date_sort"], unique=False)
    op.create_index("ix_incidents_org", "incidents", ["org"], unique=False)
    op.create_index("ix_incidents_state", "incidents", ["state"], unique=False)
    op.create_table(
        "incident_perpetrators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("degree", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=255), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_perpetrators_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_perpetrators")),
    )
    op.create_index(
        "ix_incident_perpetrators_entity_key", "incident_perpetrators", ["entity_key"], unique=False
    )
    op.create_index(
        "ix_incident_perpetrators_incident_id", "incident_perpetrators", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_victims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("consent", sa.String(length=32), nullable=False),
        sa.Column("family_in_dprk", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "consent IN ('internal', 'share-un', 'publish-anonymised')", name="ck_incident_victims_consent"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_victims_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_victims")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_incident_victims_pseudonym")),
    )
    op.create_index("ix_incident_victims_incident_id", "incident_victims", ["incident_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # External-content FTS5 over incidents.search_text; the store keeps it in step on every write.
        op.execute(
            "CREATE VIRTUAL TABLE incident_search USING fts5("
            "search_text, content='incidents', content_rowid='id', tokenize='trigram')"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_incidents_search_trgm ON incidents USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS incident_search")
    for table in ("incident_victims", "incident_perpetrators", "incidents", "incident_totp"):
        op.drop_table(table)
