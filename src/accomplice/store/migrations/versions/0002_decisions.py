"""Analysts' decisions on screening results (append-only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("query_fingerprint", sa.String(64), nullable=False),
        sa.Column("query_text", sa.Text(), nullable=False),
        sa.Column("entity_key", sa.String(255), nullable=False),
        sa.Column("judgement", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("entity_fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.CheckConstraint("judgement IN ('match', 'no-match')", name="ck_decisions_judgement"),
    )
    op.create_index("ix_decisions_query", "decisions", ["query_fingerprint"])
    op.create_index("ix_decisions_entity", "decisions", ["entity_key"])


def downgrade() -> None:
    op.drop_table("decisions")
