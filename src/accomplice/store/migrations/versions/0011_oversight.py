"""The Commission of Inquiry tracker: its recommendations (items with their atomic asks), the dated and
sourced events that bear on them (no status column: statuses are derived from these events), which items or
asks each event bears on, and the documents and objects (incidents, cases, entities by kind and id) each
event links to.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coi_items",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("para", sa.String(8), nullable=False),
        sa.Column("letter", sa.String(4), nullable=True),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_is_summary", sa.Boolean(), nullable=False),
        sa.Column("text_basis", sa.Text(), nullable=False),
        sa.Column("text_incomplete", sa.Boolean(), nullable=False),
        sa.Column("asks", sa.JSON(), nullable=False),
        sa.Column("source_title", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_date", sa.String(32), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_coi_items"),
    )
    op.create_table(
        "coi_events",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("at", sa.String(10), nullable=False),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("relation", sa.String(24), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("source_title", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_date", sa.String(32), nullable=True),
        sa.Column("extra_sources", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "relation IN ('advances', 'partially_advances', 'contravenes', 'context')",
            name="ck_coi_events_relation",
        ),
        sa.CheckConstraint(
            "length(source_title) > 0 AND length(source_url) > 0", name="ck_coi_events_source"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coi_events"),
    )
    op.create_index("ix_coi_events_at", "coi_events", ["at"])
    op.create_table(
        "coi_event_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(16), nullable=False),
        sa.Column("ask", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["coi_events.id"], name="fk_coi_event_items_event_id_coi_events", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["item_id"], ["coi_items.id"], name="fk_coi_event_items_item_id_coi_items"),
        sa.PrimaryKeyConstraint("id", name="pk_coi_event_items"),
    )
    op.create_index("ix_coi_event_items_item", "coi_event_items", ["item_id"])
    op.create_index("ix_coi_event_items_event", "coi_event_items", ["event_id"])
    op.create_table(
        "coi_event_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["coi_events.id"], name="fk_coi_event_links_event_id_coi_events", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coi_event_links"),
    )
    op.create_index("ix_coi_event_links_event", "coi_event_links", ["event_id"])
    op.create_index("ix_coi_event_links_target", "coi_event_links", ["kind", "ref"])


def downgrade() -> None:
    op.drop_table("coi_event_links")
    op.drop_table("coi_event_items")
    op.drop_table("coi_events")
    op.drop_table("coi_items")
