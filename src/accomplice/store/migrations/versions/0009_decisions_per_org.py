"""Screening decisions per organisation.

`decisions.org` says whose decision a row is: "" = the enforcement side's shared decisions (every row
recorded so far), any other value a member organisation's own. Screening for an organisation applies its
decisions only, and the enforcement side's screening applies the shared ones only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite adds a NOT NULL column with a default in place, and the index with it.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("org", sa.String(128), nullable=False, server_default=""))
        batch.create_index("ix_decisions_org", ["org"])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_org")
        batch.drop_column("org")
