"""Tables of designation dossiers: each built version of a target's dossier, and comments on its claims.

A version is written once (its `content`, the dossier as JSON, with the day it is "as of") and then only
moves forward through review: draft → reviewed → approved, each step by another person. An approved
version is never changed; rebuilding the dossier makes a new version beside it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from accomplice.store.schema import metadata

__all__ = ["DOSSIER_STATES", "dossier_comments", "dossier_versions"]

DOSSIER_STATES = ("draft", "reviewed", "approved")

dossier_versions = Table(
    "dossier_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_key", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("as_of", String(10), nullable=False),
    Column("caption", Text, nullable=False),
    Column("content", JSON, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reviewed_by", String(128), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("approved_by", String(128), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("target_key", "version", name="uq_dossier_versions_target_version"),
    CheckConstraint("state IN ('draft', 'reviewed', 'approved')", name="ck_dossier_versions_state"),
    Index("ix_dossier_versions_target", "target_key"),
)

dossier_comments = Table(
    "dossier_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "version_id",
        Integer,
        ForeignKey("dossier_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("claim_id", String(32), nullable=False),
    Column("author", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_dossier_comments_version", "version_id"),
)
