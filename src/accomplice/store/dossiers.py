"""Dossier versions and their comments, and the statement scan the dossiers and the candidate finder read.

Versions are append-only: `add_version` numbers a new one per target in its transaction; `advance` moves a
version one review step forward only if it is still in the state the caller saw (compare-and-set), so two
reviewers clicking at once cannot both succeed; nothing updates `content`. Every write takes an
`AuditEntry` and records it in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from accomplice.errors import InputError, NotFoundError
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware, utc_now
from accomplice.store.schema import statements
from accomplice.store.schema_dossiers import dossier_comments, dossier_versions
from accomplice.store.store import Store

__all__ = [
    "CommentRecord",
    "DossierStore",
    "DossierVersionRecord",
    "StatementRow",
    "content_digest",
    "lists_with_prop",
]

# Keys per IN (...) query: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
KEY_CHUNK = 500
# Rows fetched per round trip while scanning every statement (a million rows in a thousand fetches).
SCAN_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class StatementRow:
    entity_key: str
    list_name: str
    component: str
    schema: str
    prop: str
    value: str
    original_value: str | None
    ref_key: str | None
    first_seq: int
    last_seq: int | None


@dataclass(frozen=True, slots=True)
class DossierVersionRecord:
    id: int
    target_key: str
    version: int
    as_of: str
    caption: str
    content: dict[str, Any]
    content_sha256: str
    state: str
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    id: int
    version_id: int
    claim_id: str
    author: str
    text: str
    created_at: datetime


_COLUMNS = (
    statements.c.entity_key,
    statements.c.list_name,
    statements.c.component,
    statements.c.schema,
    statements.c.prop,
    statements.c.value,
    statements.c.original_value,
    statements.c.ref_key,
    statements.c.first_seq,
    statements.c.last_seq,
)


def _statement(row: Any) -> StatementRow:
    return StatementRow(*row)


def content_digest(content: Mapping[str, Any]) -> str:
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _version(row: Any) -> DossierVersionRecord:
    return DossierVersionRecord(
        row.id,
        row.target_key,
        row.version,
        row.as_of,
        row.caption,
        dict(row.content),
        row.content_sha256,
        row.state,
        row.created_by,
        aware(row.created_at),
        row.reviewed_by,
        aware(row.reviewed_at) if row.reviewed_at else None,
        row.approved_by,
        aware(row.approved_at) if row.approved_at else None,
    )


class DossierStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- statements, every version's (the caller keeps those that hold on its day) ---------------------

    def statements_of(self, keys: Sequence[str]) -> list[StatementRow]:
        """Every statement of these entities, in all versions."""
        found: list[StatementRow] = []
        with self.store.engine.connect() as conn:
            for start in range(0, len(keys), KEY_CHUNK):
                chunk = list(keys[start : start + KEY_CHUNK])
                query = select(*_COLUMNS).where(statements.c.entity_key.in_(chunk))
                found.extend(_statement(r) for r in conn.execute(query))
        return found

    def statements_referring_to(self, keys: Sequence[str]) -> list[StatementRow]:
        """Statements whose value names one of these entities (relations: links, owners, operators)."""
        found: list[StatementRow] = []
        with self.store.engine.connect() as conn:
            for start in range(0, len(keys), KEY_CHUNK):
                chunk = list(keys[start : start + KEY_CHUNK])
                query = select(*_COLUMNS).where(statements.c.ref_key.in_(chunk))
                found.extend(_statement(r) for r in conn.execute(query))
        return found

    def statements_with_values(self, props: Sequence[str], values: Sequence[str]) -> list[StatementRow]:
        """Statements of these properties holding one of these exact values (shared identifiers...)."""
        found: list[StatementRow] = []
        with self.store.engine.connect() as conn:
            for start in range(0, len(values), KEY_CHUNK):
                chunk = list(values[start : start + KEY_CHUNK])
                query = select(*_COLUMNS).where(
                    statements.c.prop.in_(list(props)), statements.c.value.in_(chunk)
                )
                found.extend(_statement(r) for r in conn.execute(query))
        return found

    def iter_statements(self, props: Sequence[str] | None = None) -> Iterator[StatementRow]:
        """Every statement (of these properties), streamed: the candidate finder's one pass."""
        query = select(*_COLUMNS)
        if props is not None:
            query = query.where(statements.c.prop.in_(list(props)))
        with self.store.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=SCAN_CHUNK).execute(query)
            for row in result:
                yield _statement(row)

    # -- versions --------------------------------------------------------------------------------------

    def add_version(
        self,
        target_key: str,
        as_of: str,
        caption: str,
        content: Mapping[str, Any],
        created_by: str,
        audit: AuditEntry,
    ) -> DossierVersionRecord:
        with self.store.writer() as conn:
            latest = conn.execute(
                select(func.max(dossier_versions.c.version)).where(
                    dossier_versions.c.target_key == target_key
                )
            ).scalar()
            number = int(latest or 0) + 1
            new_id = conn.execute(
                dossier_versions.insert().values(
                    target_key=target_key,
                    version=number,
                    as_of=as_of,
                    caption=caption,
                    content=dict(content),
                    content_sha256=content_digest(content),
                    state="draft",
                    created_by=created_by,
                    created_at=utc_now(),
                )
            ).inserted_primary_key
            assert new_id is not None  # an INSERT with an autoincrement key returns it
            detail = {**audit.detail, "version": number, "id": int(new_id[0])}
            AuditLog(self.store).append_entry(
                conn, AuditEntry(audit.actor, audit.action, audit.subject, detail)
            )
            row = conn.execute(select(dossier_versions).where(dossier_versions.c.id == new_id[0])).one()
        return _version(row)

    def versions(self, target_key: str | None = None) -> list[DossierVersionRecord]:
        query = select(dossier_versions).order_by(dossier_versions.c.target_key, dossier_versions.c.version)
        if target_key is not None:
            query = query.where(dossier_versions.c.target_key == target_key)
        with self.store.engine.connect() as conn:
            return [_version(r) for r in conn.execute(query)]

    def version(self, version_id: int) -> DossierVersionRecord:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(dossier_versions).where(dossier_versions.c.id == version_id)).first()
        if row is None:
            raise NotFoundError(f"no dossier version {version_id}")
        return _version(row)

    def advance(self, version_id: int, expected: str, new_state: str, user: str, audit: AuditEntry) -> None:
        """Move the version from `expected` to `new_state`, naming `user`; InputError if it moved first."""
        person, at = {
            "reviewed": (dossier_versions.c.reviewed_by, dossier_versions.c.reviewed_at),
            "approved": (dossier_versions.c.approved_by, dossier_versions.c.approved_at),
        }[new_state]
        with self.store.writer() as conn:
            done = conn.execute(
                dossier_versions.update()
                .where(dossier_versions.c.id == version_id, dossier_versions.c.state == expected)
                .values({"state": new_state, person.key: user, at.key: utc_now()})
            ).rowcount
            if done != 1:
                raise InputError("dossier version", f"{version_id} is no longer {expected}")
            AuditLog(self.store).append_entry(conn, audit)

    def add_comment(self, version_id: int, claim_id: str, author: str, text: str, audit: AuditEntry) -> int:
        with self.store.writer() as conn:
            new_id = conn.execute(
                dossier_comments.insert().values(
                    version_id=version_id, claim_id=claim_id, author=author, text=text, created_at=utc_now()
                )
            ).inserted_primary_key
            AuditLog(self.store).append_entry(conn, audit)
        assert new_id is not None  # an INSERT with an autoincrement key returns it
        return int(new_id[0])

    def comments(self, version_id: int) -> list[CommentRecord]:
        query = (
            select(dossier_comments)
            .where(dossier_comments.c.version_id == version_id)
            .order_by(dossier_comments.c.id)
        )
        with self.store.engine.connect() as conn:
            return [
                CommentRecord(r.id, r.version_id, r.claim_id, r.author, r.text, aware(r.created_at))
                for r in conn.execute(query)
            ]


def lists_with_prop(store: Store, prop: str) -> set[str]:
    """The lists having at least one statement of `prop` (which lists date their entries with createdAt)."""
    query = select(statements.c.list_name).where(statements.c.prop == prop).distinct()
    with store.engine.connect() as conn:
        return set(conn.execute(query).scalars())
