"""Exposure data per organisation, and the documents importers hold to rebut the presumption.

`exposure_batches.org` says whose records a batch brought ("" = shared records of the enforcement and
research roles); the no-op check for a re-imported file becomes per organisation. `exposure_documents`
stores uploaded rebuttal documents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot drop a constraint in place, so Alembic copies the table there.
    with op.batch_alter_table("exposure_batches") as batch:
        batch.add_column(sa.Column("org", sa.String(128), nullable=False, server_default=""))
        batch.drop_constraint("uq_exposure_batches_kind_checksum", type_="unique")
        batch.create_unique_constraint("uq_exposure_batches_kind_checksum_org", ["kind", "checksum", "org"])
        batch.create_index("ix_exposure_batches_org", ["org"])
    op.create_table(
        "exposure_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org", sa.String(128), nullable=False, server_default=""),
        sa.Column("shipment_id", sa.String(255), nullable=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["exposure_shipments.id"],
            name="fk_exposure_documents_shipment_id_exposure_shipments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exposure_documents"),
    )
    op.create_index("ix_exposure_documents_shipment", "exposure_documents", ["shipment_id"])
    op.create_index("ix_exposure_documents_subject", "exposure_documents", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_exposure_documents_subject", table_name="exposure_documents")
    op.drop_index("ix_exposure_documents_shipment", table_name="exposure_documents")
    op.drop_table("exposure_documents")
    with op.batch_alter_table("exposure_batches") as batch:
        batch.drop_index("ix_exposure_batches_org")
        batch.drop_constraint("uq_exposure_batches_kind_checksum_org", type_="unique")
        batch.create_unique_constraint("uq_exposure_batches_kind_checksum", ["kind", "checksum"])
        batch.drop_column("org")
