"""Lists, versions, statements with provenance, and the entity caches.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "source_lists",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_source_lists"),
    )
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("data_date", sa.String(32), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_name"], ["source_lists.name"], name="fk_list_versions_list_name_source_lists"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_list_versions"),
        sa.UniqueConstraint("list_name", "seq", name="uq_list_versions_list_seq"),
    )
    op.create_table(
        "statements",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hash", sa.String(40), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("entity_key", sa.String(255), nullable=False),
        sa.Column("component", sa.String(32), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("original_value", sa.Text(), nullable=True),
        sa.Column("ref_key", sa.String(255), nullable=True),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_name"], ["source_lists.name"], name="fk_statements_list_name_source_lists"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
    )
    op.create_index("ix_statements_entity", "statements", ["entity_key"])
    op.create_index("ix_statements_list_component_last", "statements", ["list_name", "component", "last_seq"])
    op.create_index("ix_statements_list_first", "statements", ["list_name", "first_seq"])
    op.create_index("ix_statements_list_current", "statements", ["list_name", "is_current"])
    op.create_index("ix_statements_ref_key", "statements", ["ref_key"])
    op.create_table(
        "entities",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_entities"),
    )
    op.create_index("ix_entities_current_schema", "entities", ["is_current", "schema"])
    op.create_table(
        "entity_lists",
        sa.Column("entity_key", sa.String(255), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_name"], ["source_lists.name"], name="fk_entity_lists_list_name_source_lists"
        ),
        sa.PrimaryKeyConstraint("entity_key", "list_name", name="pk_entity_lists"),
    )
    op.create_index("ix_entity_lists_list", "entity_lists", ["list_name", "is_current"])


def downgrade() -> None:
    op.drop_table("entity_lists")
    op.drop_table("entities")
    op.drop_table("statements")
    op.drop_table("list_versions")
    op.drop_table("source_lists")
