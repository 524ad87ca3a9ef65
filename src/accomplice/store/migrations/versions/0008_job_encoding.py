"""Batch screening jobs remember the text encoding their submitter named for the uploaded file.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the jobs queued before: their files were read without a named encoding.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("encoding", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("encoding")
