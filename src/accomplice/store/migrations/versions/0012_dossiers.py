"""Designation dossiers: each built version of a target's dossier (its content as JSON, the day it is
"as of", and its review: draft → reviewed → approved by different people; an approved version is never
changed) and analysts' comments on the version's claims.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_key", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(128), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_versions"),
        sa.UniqueConstraint("target_key", "version", name="uq_dossier_versions_target_version"),
        sa.CheckConstraint("state IN ('draft', 'reviewed', 'approved')", name="ck_dossier_versions_state"),
    )
    op.create_index("ix_dossier_versions_target", "dossier_versions", ["target_key"])
    op.create_table(
        "dossier_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.String(32), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dossier_versions.id"],
            name="fk_dossier_comments_version_id_dossier_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dossier_comments"),
    )
    op.create_index("ix_dossier_comments_version", "dossier_comments", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_comments_version", table_name="dossier_comments")
    op.drop_table("dossier_comments")
    op.drop_index("ix_dossier_versions_target", table_name="dossier_versions")
    op.drop_table("dossier_versions")
