"""Tables of accounts, API tokens, web sessions, login attempts and the audit log.

Secrets never reach the database: passwords are argon2id hashes, API tokens and session ids are stored as
the SHA-256 of their random secret (a stolen backup does not let anyone in). The audit log is append-only
and hash-chained: each row holds the hash of the row before it, so a row changed or removed in the
database breaks the chain that `accomplice audit verify` recomputes.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, String, Table, Text

from accomplice.store.schema import BigId, metadata

__all__ = ["api_tokens", "audit_log", "login_attempts", "sessions", "users"]

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    # The organisation the user works for; an importer sees only its own organisation's objects.
    Column("org", String(128), nullable=True),
    Column("roles", JSON, nullable=False),  # sorted list of role names
    # argon2id in PHC string format (algorithm, parameters and salt included); NULL: no password login.
    Column("password_hash", Text, nullable=True),
    Column("disabled", Boolean, nullable=False),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    # The public part of the token (`acc_<id>_<secret>`): finds the row without revealing the secret.
    Column("id", String(32), primary_key=True),
    Column("user_name", String(64), ForeignKey("users.name"), nullable=False),
    Column("name", Text, nullable=False),
    Column("scopes", JSON, nullable=True),  # sorted permission names; NULL: the user's roles decide
    Column("secret_hash", String(64), nullable=False),  # sha256 hex of the secret part
    Column("org", String(128), nullable=True),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_api_tokens_user", "user_name"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 hex of the cookie value
    Column("user_name", String(64), ForeignKey("users.name"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_user", "user_name"),
    Index("ix_sessions_expires", "expires_at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_name", String(128), nullable=False),  # as typed: unknown names are limited too
    Column("address", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),  # "ok", "bad" or "locked" (refused unchecked)
    Index("ix_login_attempts_user_at", "user_name", "at"),
    Index("ix_login_attempts_address_at", "address", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(128), nullable=True),  # user name; NULL for an anonymous actor
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON, exactly the text that was hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_actor", "actor"),
    Index("ix_audit_log_action", "action"),
)
