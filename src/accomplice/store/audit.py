"""The audit log: append-only and hash-chained, so that a changed or removed row is found.

Each row's `hash` is the SHA-256 of the canonical JSON of its fields (seq, at, actor, action, subject,
detail) followed by the previous row's hash; the first row follows `GENESIS_HASH`. `verify` recomputes the
chain and names the first row that does not fit. There is no method to update or delete a row, and the
database refuses UPDATE and DELETE on the table (triggers from migration 0003).

What a chain cannot show on its own: rows cut from the end (the last rows gone, the rest intact), or a
log whose every hash was recomputed after an edit by someone who could drop the triggers. Anchors catch
both: `services.audit_anchors` writes the head (seq and hash), signed with a key the database never holds,
to a file or a webhook outside the database, and `verify` checks the chain against them. `missing_triggers`
names the append-only triggers that are gone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, text

from accomplice.store.clock import aware, utc_now
from accomplice.store.schema_auth import audit_log

if TYPE_CHECKING:
    from accomplice.store.store import Store

__all__ = [
    "APPEND_ONLY_TRIGGERS",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditLog",
    "AuditRow",
    "VerifyReport",
    "row_hash",
]

# The "previous hash" of the first row: 64 zeros, so every row has a prev_hash of the same form.
GENESIS_HASH = "0" * 64
# `verify` reads the log in pages of this many rows: constant memory however long the log grows.
VERIFY_PAGE_ROWS = 5_000
# The triggers migration 0003 creates on each backend; `missing_triggers` reports any that are gone.
APPEND_ONLY_TRIGGERS = {
    "postgresql": ("audit_log_no_update_or_delete", "audit_log_no_truncate"),
    "sqlite": ("audit_log_no_update", "audit_log_no_delete"),
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a write records about itself, handed to the store method that performs the write."""

    actor: str | None
    action: str
    subject: str
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str | None
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of recomputing the chain: `ok`, or the first bad row and what is wrong with it."""

    ok: bool
    rows: int
    last_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"audit log intact: {self.rows} rows, last hash {self.last_hash}"
        return f"audit log broken at row {self.first_bad_seq}: {self.reason}"


def canonical_json(value: object) -> str:
    """One text per value: sorted keys, no spaces, non-ASCII kept (hashes must not depend on formatting)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(
    seq: int, at: datetime, actor: str | None, action: str, subject: str, detail: str, prev_hash: str
) -> str:
    """SHA-256 over the canonical JSON of the row's fields, then the previous row's hash."""
    body = canonical_json(
        {
            "seq": seq,
            "at": aware(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
        }
    )
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


class AuditLog:
    """Append and read the audit log of one store. No update, no delete: by design there is no method."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def append(
        self,
        conn: Connection,
        *,
        actor: str | None,
        action: str,
        subject: str,
        detail: Mapping[str, object],
    ) -> AuditRow:
        """Add a row in the caller's transaction (`conn`), so the record and the write commit together."""
        if conn.dialect.name == "postgresql":
            # Writers queue for the chain's head (readers are not blocked): two appends computing the same
            # next seq would otherwise both hash the same previous row. SQLite's BEGIN IMMEDIATE already
            # serialises writers.
            conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        )
        head = last.first()
        seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
        at = utc_now()
        detail_text = canonical_json(dict(detail))
        digest = row_hash(seq, at, actor, action, subject, detail_text, prev)
        conn.execute(
            audit_log.insert().values(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                detail=detail_text,
                prev_hash=prev,
                hash=digest,
            )
        )
        return AuditRow(seq, at, actor, action, subject, json.loads(detail_text), prev, digest)

    def record(self, entry: AuditEntry) -> AuditRow:
        """Append in a transaction of its own, for events that write nothing else."""
        with self.store.writer() as conn:
            return self.append(
                conn, actor=entry.actor, action=entry.action, subject=entry.subject, detail=entry.detail
            )

    def append_entry(self, conn: Connection, entry: AuditEntry) -> AuditRow:
        return self.append(
            conn, actor=entry.actor, action=entry.action, subject=entry.subject, detail=entry.detail
        )

    @staticmethod
    def _row(r: Any) -> AuditRow:
        return AuditRow(
            r.seq, aware(r.at), r.actor, r.action, r.subject, json.loads(r.detail), r.prev_hash, r.hash
        )

    def entries(
        self,
        *,
        limit: int = 100,
        before: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        subject: str | None = None,
    ) -> list[AuditRow]:
        """The newest rows first (or those before `before`), optionally of one actor, action or subject."""
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if before is not None:
            query = query.where(audit_log.c.seq < before)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        with self.store.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(query)]

    def count(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())

    def row_at(self, seq: int) -> AuditRow | None:
        """The row numbered `seq`, or None when there is none (never written, or cut from the log)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).first()
        return self._row(row) if row is not None else None

    def head(self) -> tuple[int, str]:
        """The last row's seq and hash; (0, GENESIS_HASH) for an empty log."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
            ).first()
        return (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS_HASH)

    def missing_triggers(self) -> list[str]:
        """The append-only triggers on audit_log that the database no longer has."""
        dialect = self.store.engine.dialect.name
        expected = APPEND_ONLY_TRIGGERS.get(dialect, ())
        if dialect == "postgresql":
            query = text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal"
            )
        else:
            query = text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        with self.store.engine.connect() as conn:
            present = {str(name) for (name,) in conn.execute(query)}
        return [name for name in expected if name not in present]

    def _pages(self) -> Iterator[Sequence[Any]]:
        after = 0
        while True:
            with self.store.engine.connect() as conn:
                rows = conn.execute(
                    select(audit_log)
                    .where(audit_log.c.seq > after)
                    .order_by(audit_log.c.seq)
                    .limit(VERIFY_PAGE_ROWS)
                ).all()
            if not rows:
                return
            yield rows
            after = rows[-1].seq

    def verify(self) -> VerifyReport:
        """Recompute every row's hash from its fields and the previous row's hash; stop at the first misfit.

        A row is bad when its seq is not the next number (a row before it was removed), its prev_hash is not
        the previous row's hash (removed or reordered), or its hash does not match its fields (altered).
        """
        expected_seq, prev, count = 1, GENESIS_HASH, 0
        for page in self._pages():
            for r in page:
                if r.seq != expected_seq:
                    return VerifyReport(
                        False, count, prev, r.seq, f"expected row {expected_seq} before it (missing)"
                    )
                if r.prev_hash != prev:
                    return VerifyReport(
                        False, count, prev, r.seq, "prev_hash is not the hash of the row before"
                    )
                digest = row_hash(r.seq, r.at, r.actor, r.action, r.subject, r.detail, r.prev_hash)
                if digest != r.hash:
                    return VerifyReport(
                        False, count, prev, r.seq, "hash does not match the row's contents (altered)"
                    )
                prev, expected_seq, count = r.hash, expected_seq + 1, count + 1
        return VerifyReport(True, count, prev)
