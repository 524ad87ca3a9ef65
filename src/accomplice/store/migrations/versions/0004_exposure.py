"""Exposure data: sources, trade parties and their resolution decisions, shipments, supply relations,
ownership, facilities, labour evidence, and the import batches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "exposure_evidence",
    "exposure_facilities",
    "exposure_ownership",
    "exposure_supply",
    "exposure_shipments",
    "exposure_party_decisions",
    "exposure_sources",
    "exposure_parties",
    "exposure_batches",
)


def upgrade() -> None:
    op.create_table(
        "exposure_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_batches")),
        sa.UniqueConstraint("kind", "checksum", name="uq_exposure_batches_kind_checksum"),
    )
    op.create_table(
        "exposure_parties",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("schema", sa.String(length=64), nullable=False),
        sa.Column("norm_key", sa.Text(), nullable=False),
        sa.Column("resolved_key", sa.String(length=255), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["exposure_batches.id"], name=op.f("fk_exposure_parties_batch_id_exposure_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_parties")),
    )
    op.create_index("ix_exposure_parties_resolved", "exposure_parties", ["resolved_key"], unique=False)
    op.create_table(
        "exposure_sources",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "reliability IN ('A', 'B', 'C', 'D', 'E', 'F')", name="ck_exposure_sources_reliability"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["exposure_batches.id"], name=op.f("fk_exposure_sources_batch_id_exposure_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_sources")),
    )
    op.create_table(
        "exposure_facilities",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("operator", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["exposure_batches.id"],
            name=op.f("fk_exposure_facilities_batch_id_exposure_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["operator"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_facilities_operator_exposure_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_facilities")),
    )
    op.create_table(
        "exposure_ownership",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("owned", sa.String(length=255), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_id", sa.String(length=255), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "share IS NULL OR (share >= 0 AND share <= 100)", name="ck_exposure_ownership_share"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["exposure_batches.id"],
            name=op.f("fk_exposure_ownership_batch_id_exposure_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["owned"], ["exposure_parties.id"], name=op.f("fk_exposure_ownership_owned_exposure_parties")
        ),
        sa.ForeignKeyConstraint(
            ["owner"], ["exposure_parties.id"], name=op.f("fk_exposure_ownership_owner_exposure_parties")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["exposure_sources.id"],
            name=op.f("fk_exposure_ownership_source_id_exposure_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_ownership")),
    )
    op.create_index("ix_exposure_ownership_owned", "exposure_ownership", ["owned"], unique=False)
    op.create_table(
        "exposure_party_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_id", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity_key", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(action = 'confirmed') = (entity_key IS NOT NULL)", name="ck_exposure_party_decisions_key"
        ),
        sa.CheckConstraint("action IN ('confirmed', 'split')", name="ck_exposure_party_decisions_action"),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_party_decisions_party_id_exposure_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_party_decisions")),
    )
    op.create_index(
        "ix_exposure_party_decisions_party", "exposure_party_decisions", ["party_id"], unique=False
    )
    op.create_table(
        "exposure_shipments",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("importer", sa.String(length=255), nullable=True),
        sa.Column("exporter", sa.String(length=255), nullable=True),
        sa.Column("consignee", sa.String(length=255), nullable=True),
        sa.Column("notify", sa.String(length=255), nullable=True),
        sa.Column("manufacturer", sa.String(length=255), nullable=True),
        sa.Column("goods", sa.Text(), nullable=False),
        sa.Column("hs_code", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("origin", sa.String(length=8), nullable=True),
        sa.Column("port_lading", sa.Text(), nullable=True),
        sa.Column("port_unlading", sa.Text(), nullable=True),
        sa.Column("vessel_name", sa.Text(), nullable=True),
        sa.Column("vessel_imo", sa.String(length=16), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["exposure_batches.id"],
            name=op.f("fk_exposure_shipments_batch_id_exposure_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["consignee"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_shipments_consignee_exposure_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["exporter"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_shipments_exporter_exposure_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["importer"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_shipments_importer_exposure_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["manufacturer"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_shipments_manufacturer_exposure_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["notify"], ["exposure_parties.id"], name=op.f("fk_exposure_shipments_notify_exposure_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_shipments")),
    )
    op.create_index("ix_exposure_shipments_day", "exposure_shipments", ["day"], unique=False)
    op.create_table(
        "exposure_supply",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("supplier", sa.String(length=255), nullable=False),
        sa.Column("buyer", sa.String(length=255), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("goods", sa.Text(), nullable=False),
        sa.Column("hs_prefixes", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_id", sa.String(length=255), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["exposure_batches.id"], name=op.f("fk_exposure_supply_batch_id_exposure_batches")
        ),
        sa.ForeignKeyConstraint(
            ["buyer"], ["exposure_parties.id"], name=op.f("fk_exposure_supply_buyer_exposure_parties")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["exposure_sources.id"], name=op.f("fk_exposure_supply_source_id_exposure_sources")
        ),
        sa.ForeignKeyConstraint(
            ["supplier"], ["exposure_parties.id"], name=op.f("fk_exposure_supply_supplier_exposure_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_supply")),
    )
    op.create_index("ix_exposure_supply_buyer", "exposure_supply", ["buyer"], unique=False)
    op.create_table(
        "exposure_evidence",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("subject_party", sa.String(length=255), nullable=True),
        sa.Column("subject_facility", sa.String(length=255), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(subject_party IS NULL) <> (subject_facility IS NULL)", name="ck_exposure_evidence_subject"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["exposure_batches.id"], name=op.f("fk_exposure_evidence_batch_id_exposure_batches")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["exposure_sources.id"],
            name=op.f("fk_exposure_evidence_source_id_exposure_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_facility"],
            ["exposure_facilities.id"],
            name=op.f("fk_exposure_evidence_subject_facility_exposure_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_party"],
            ["exposure_parties.id"],
            name=op.f("fk_exposure_evidence_subject_party_exposure_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_evidence")),
    )


def downgrade() -> None:
    for table in TABLES:  # children before the tables they refer to
        op.drop_table(table)
