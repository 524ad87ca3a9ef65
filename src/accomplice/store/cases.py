"""Store methods of §321(b) cases and the CAATSA register (tables in `schema_cases`), SQLite and PostgreSQL.

A case's row carries what its events derive (state, deadline, decision), written in the same transaction as
the event, under an optimistic version check: an update that read an older version changes nothing and
raises `StaleCase`, so that of two reviewers deciding at once one wins and the other is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware, utc_now
from accomplice.store.schema_cases import (
    case_documents,
    case_events,
    cases,
    register_entries,
    register_removals,
)
from accomplice.store.schema_monitor import webhook_deliveries, webhooks
from accomplice.store.store import Store

__all__ = [
    "CaseDocument",
    "CaseFields",
    "CaseRow",
    "CaseStore",
    "EventRow",
    "NewCase",
    "NewEvent",
    "RegisterEntry",
    "RegisterRemoval",
    "StaleCase",
    "StatRow",
]


class StaleCase(Exception):
    """The case changed since it was read (its version moved on): the write was not made."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    at: datetime
    kind: str
    by: str | None
    note: str = ""
    party: str | None = None
    outcome: str | None = None
    date_only: bool = False


@dataclass(frozen=True, slots=True)
class EventRow:
    seq: int
    at: datetime
    date_only: bool
    kind: str
    by: str | None
    note: str
    party: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class CaseFields:
    """The columns a case's events derive, rewritten with each event."""

    state: str
    detained_on: date | None
    deadline: date | None
    decided_on: date | None
    outcome: str | None
    decided_by: str | None
    approved_by: str | None
    decision_note: str
    parties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewCase:
    id: str
    title: str
    org: str | None
    source: str
    opened_on: date
    created_by: str | None
    shipments: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    trace: Any = None
    legal_basis: str = ""
    evidence_summary: str = ""
    origin: str | None = None
    hs_code: str | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: str
    title: str
    org: str | None
    source: str
    state: str
    shipments: tuple[str, ...]
    parties: tuple[str, ...]
    trace: Any
    legal_basis: str
    evidence_summary: str
    origin: str | None
    hs_code: str | None
    value: float | None
    opened_on: date
    detained_on: date | None
    deadline: date | None
    decided_on: date | None
    outcome: str | None
    decided_by: str | None
    approved_by: str | None
    decision_note: str
    version: int
    overdue_alerted_at: datetime | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    events: tuple[EventRow, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseDocument:
    id: int
    case_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    item: str
    stage: str
    note: str
    uploaded_by: str | None
    uploaded_at: datetime
    review: str
    review_reason: str
    reviewed_by: str | None
    reviewed_at: datetime | None


def _document(row: Any) -> CaseDocument:
    uploaded = aware(row.uploaded_at)
    assert uploaded is not None
    return CaseDocument(
        row.id,
        row.case_id,
        row.sha256,
        row.size,
        row.media_type,
        row.file_name,
        row.item,
        row.stage,
        row.note,
        row.uploaded_by,
        uploaded,
        row.review,
        row.review_reason,
        row.reviewed_by,
        aware(row.reviewed_at),
    )


@dataclass(frozen=True, slots=True)
class StatRow:
    """What the statistics count of one case."""

    opened_on: date
    detained_on: date | None
    state: str
    outcome: str | None
    origin: str | None
    hs_code: str | None
    value: float | None


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    key: str
    name: str
    names: tuple[str, ...]
    country: str
    effective_date: str
    authority: str
    action: str
    legal_basis: str
    evidence: str
    sector: str
    source_url: str
    list_keys: tuple[str, ...]
    status: str = "listed"
    id: int = 0
    removals: tuple[RegisterRemoval, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RegisterRemoval:
    id: int
    entry_id: int
    reason: str
    requested_by: str | None
    requested_at: datetime
    outcome: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _case(row: Any, events: Sequence[EventRow] = ()) -> CaseRow:
    opened = _day(row.opened_on)
    created = aware(row.created_at)
    updated = aware(row.updated_at)
    assert opened is not None
    assert created is not None
    assert updated is not None
    return CaseRow(
        row.id,
        row.title,
        row.org,
        row.source,
        row.state,
        tuple(row.shipments),
        tuple(row.parties),
        row.trace,
        row.legal_basis,
        row.evidence_summary,
        row.origin,
        row.hs_code,
        row.value,
        opened,
        _day(row.detained_on),
        _day(row.deadline),
        _day(row.decided_on),
        row.outcome,
        row.decided_by,
        row.approved_by,
        row.decision_note,
        row.version,
        aware(row.overdue_alerted_at),
        row.created_by,
        created,
        updated,
        tuple(events),
    )


def _event(row: Any) -> EventRow:
    at = aware(row.at)
    assert at is not None
    return EventRow(row.seq, at, bool(row.date_only), row.kind, row.by, row.note, row.party, row.outcome)


def _entry(row: Any, removals: Sequence[RegisterRemoval] = ()) -> RegisterEntry:
    return RegisterEntry(
        row.key,
        row.name,
        tuple(row.names),
        row.country,
        row.effective_date,
        row.authority,
        row.action,
        row.legal_basis,
        row.evidence,
        row.sector,
        row.source_url,
        tuple(row.list_keys),
        row.status,
        row.id,
        tuple(removals),
    )


def _removal(row: Any) -> RegisterRemoval:
    requested = aware(row.requested_at)
    assert requested is not None
    return RegisterRemoval(
        row.id,
        row.entry_id,
        row.reason,
        row.requested_by,
        requested,
        row.outcome,
        row.decided_by,
        aware(row.decided_at),
        row.decision_note,
    )


def _fields(derived: CaseFields) -> dict[str, Any]:
    return {
        "state": derived.state,
        "detained_on": derived.detained_on,
        "deadline": derived.deadline,
        "decided_on": derived.decided_on,
        "outcome": derived.outcome,
        "decided_by": derived.decided_by,
        "approved_by": derived.approved_by,
        "decision_note": derived.decision_note,
    }


class CaseStore:
    """Cases, their events, and the register, in the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _audit(self, conn: Connection, audit: AuditEntry | None) -> None:
        if audit is not None:
            AuditLog(self.store).append_entry(conn, audit)

    # -- cases -----------------------------------------------------------------------------------

    def _insert_case(self, conn: Connection, case: NewCase, derived: CaseFields) -> None:
        now = utc_now()
        parties = list(dict.fromkeys((*case.parties, *derived.parties)))
        conn.execute(
            insert(cases).values(
                id=case.id,
                title=case.title,
                org=case.org,
                source=case.source,
                shipments=list(case.shipments),
                parties=parties,
                trace=case.trace,
                legal_basis=case.legal_basis,
                evidence_summary=case.evidence_summary,
                origin=case.origin,
                hs_code=case.hs_code,
                value=case.value,
                opened_on=case.opened_on,
                version=1,
                created_by=case.created_by,
                created_at=now,
                updated_at=now,
                **_fields(derived),
            )
        )

    @staticmethod
    def _insert_events(conn: Connection, case_id: str, first_seq: int, events: Sequence[NewEvent]) -> None:
        if not events:
            return
        now = utc_now()
        conn.execute(
            insert(case_events),
            [
                {
                    "case_id": case_id,
                    "seq": first_seq + i,
                    "at": e.at,
                    "date_only": e.date_only,
                    "kind": e.kind,
                    "by": e.by,
                    "note": e.note,
                    "party": e.party,
                    "outcome": e.outcome,
                    "recorded_at": now,
                }
                for i, e in enumerate(events)
            ],
        )

    def create(
        self, case: NewCase, events: Sequence[NewEvent], derived: CaseFields, *, audit: AuditEntry | None
    ) -> None:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            self._insert_case(conn, case, derived)
            self._insert_events(conn, case.id, 1, events)

    def exists(self, case_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is not None

    def append(
        self,
        case_id: str,
        version: int,
        events: Sequence[NewEvent],
        derived: CaseFields,
        *,
        audit: AuditEntry | None,
        conn: Connection | None = None,
    ) -> int:
        """Add events to a case read at `version` and rewrite its derived columns; the new version.

        Raises StaleCase when the case moved on since (nothing is written)."""
        if conn is None:
            with self.store.writer() as own:
                return self.append(case_id, version, events, derived, audit=audit, conn=own)
        values = _fields(derived)
        if derived.parties:
            row = conn.execute(select(cases.c.parties).where(cases.c.id == case_id)).one()
            values["parties"] = list(dict.fromkeys((*row.parties, *derived.parties)))
        changed = conn.execute(
            update(cases)
            .where(and_(cases.c.id == case_id, cases.c.version == version))
            .values(version=version + 1, updated_at=utc_now(), **values)
        )
        if changed.rowcount != 1:
            raise StaleCase(case_id)
        last = conn.execute(select(func.max(case_events.c.seq)).where(case_events.c.case_id == case_id))
        self._insert_events(conn, case_id, (last.scalar() or 0) + 1, events)
        self._audit(conn, audit)
        return version + 1

    def import_histories(
        self,
        new: Sequence[tuple[NewCase, Sequence[NewEvent], CaseFields]],
        existing: Sequence[tuple[str, int, Sequence[NewEvent], CaseFields]],
        *,
        audit: AuditEntry | None,
    ) -> None:
        """New cases and events added to existing ones, all in one transaction (or nothing)."""
        with self.store.writer() as conn:
            self._audit(conn, audit)
            for case, events, derived in new:
                self._insert_case(conn, case, derived)
                self._insert_events(conn, case.id, 1, events)
            for case_id, version, events, derived in existing:
                self.append(case_id, version, events, derived, audit=None, conn=conn)

    def get(self, case_id: str) -> CaseRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
            if row is None:
                return None
            events = conn.execute(
                select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.seq)
            ).all()
        return _case(row, [_event(e) for e in events])

    def page(
        self,
        *,
        orgs: frozenset[str] | None,
        state: str | None = None,
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[CaseRow], int]:
        """A page of cases (newest first) and how many match: `orgs` None = every organisation's."""
        clauses: list[Any] = []
        if orgs is not None:
            clauses.append(cases.c.org.in_(sorted(orgs)) if orgs else cases.c.id.is_(None))
        if state:
            clauses.append(cases.c.state == state)
        if query:
            needle = f"%{query.casefold()}%"
            clauses.append(or_(func.lower(cases.c.id).like(needle), func.lower(cases.c.title).like(needle)))
        where = and_(*clauses) if clauses else None
        page = select(cases).order_by(cases.c.opened_on.desc(), cases.c.id).limit(limit).offset(offset)
        count = select(func.count()).select_from(cases)
        if where is not None:
            page, count = page.where(where), count.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(page).all()
            total = int(conn.execute(count).scalar() or 0)
        return [_case(r) for r in rows], total

    def overdue(self, today: date) -> list[CaseRow]:
        """Cases awaiting the importer's answer past their deadline, not yet alerted."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cases).where(
                    cases.c.state.in_(("detained", "information-requested")),
                    cases.c.deadline < today,
                    cases.c.overdue_alerted_at.is_(None),
                )
            ).all()
        return [_case(r) for r in rows]

    def queue_overdue_alerts(self, overdue: Sequence[CaseRow], payload_of: Any) -> int:
        """Mark the cases alerted and queue one webhook delivery per active webhook that may hear of them
        (an organisation's webhook: its own cases; one without an organisation: all), in one transaction,
        through monitoring's outbox, whose worker signs, sends and retries them. The number queued."""
        if not overdue:
            return 0
        now = utc_now()
        queued = 0
        with self.store.writer() as conn:
            ids = [c.id for c in overdue]
            marked = conn.execute(
                update(cases)
                .where(cases.c.id.in_(ids), cases.c.overdue_alerted_at.is_(None))
                .values(overdue_alerted_at=now)
            )
            if marked.rowcount != len(ids):
                return 0  # another process alerted them first
            hooks = conn.execute(
                select(webhooks.c.id, webhooks.c.org).where(webhooks.c.active.is_(True))
            ).all()
            for hook in hooks:
                chosen = [c for c in overdue if hook.org is None or hook.org == c.org]
                if not chosen:
                    continue
                conn.execute(
                    insert(webhook_deliveries).values(
                        webhook_id=hook.id,
                        alert_ids=[],
                        payload=payload_of(hook.id, chosen),
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                queued += 1
        return queued

    def cases_generation(self) -> tuple[int, str]:
        """What changes whenever any case does: how many there are and the latest write."""
        with self.engine.connect() as conn:
            row = conn.execute(select(func.count(), func.max(cases.c.updated_at)).select_from(cases)).one()
        return int(row[0] or 0), str(row[1])

    def stat_rows(self) -> list[StatRow]:
        query = select(
            cases.c.opened_on,
            cases.c.detained_on,
            cases.c.state,
            cases.c.outcome,
            cases.c.origin,
            cases.c.hs_code,
            cases.c.value,
        )
        with self.engine.connect() as conn:
            return [
                StatRow(
                    _day(r.opened_on) or date.min,
                    _day(r.detained_on),
                    r.state,
                    r.outcome,
                    r.origin,
                    r.hs_code,
                    r.value,
                )
                for r in conn.execute(query)
            ]

    # -- documents -------------------------------------------------------------------------------

    def add_document(
        self,
        case_id: str,
        *,
        sha256: str,
        size: int,
        media_type: str,
        file_name: str,
        item: str,
        stage: str,
        note: str,
        uploaded_by: str | None,
        audit: AuditEntry | None,
    ) -> CaseDocument:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            row = conn.execute(
                insert(case_documents)
                .values(
                    case_id=case_id,
                    sha256=sha256,
                    size=size,
                    media_type=media_type,
                    file_name=file_name,
                    item=item,
                    stage=stage,
                    note=note,
                    uploaded_by=uploaded_by,
                    uploaded_at=utc_now(),
                    review="pending",
                    review_reason="",
                )
                .returning(*case_documents.c)
            ).one()
        return _document(row)

    def documents(self, case_id: str) -> list[CaseDocument]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(case_documents)
                .where(case_documents.c.case_id == case_id)
                .order_by(case_documents.c.id)
            ).all()
        return [_document(r) for r in rows]

    def document(self, case_id: str, document_id: int) -> CaseDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(case_documents).where(
                    case_documents.c.case_id == case_id, case_documents.c.id == document_id
                )
            ).first()
        return _document(row) if row is not None else None

    def review_document(
        self,
        case_id: str,
        document_id: int,
        review: str,
        reason: str,
        reviewer: str | None,
        *,
        audit: AuditEntry,
    ) -> CaseDocument | None:
        with self.store.writer() as conn:
            row = conn.execute(
                update(case_documents)
                .where(case_documents.c.case_id == case_id, case_documents.c.id == document_id)
                .values(review=review, review_reason=reason, reviewed_by=reviewer, reviewed_at=utc_now())
                .returning(*case_documents.c)
            ).first()
            if row is None:
                return None
            self._audit(conn, audit)
        return _document(row)

    # -- register --------------------------------------------------------------------------------

    def upsert_register(
        self, entries: Sequence[RegisterEntry], *, audit: AuditEntry | None
    ) -> tuple[int, int]:
        """Add new entries and update known ones (by key), in one transaction: (added, updated)."""
        added = updated = 0
        now = utc_now()
        with self.store.writer() as conn:
            self._audit(conn, audit)
            known = {
                r.key: r.id for r in conn.execute(select(register_entries.c.key, register_entries.c.id)).all()
            }
            for e in entries:
                values = {
                    "name": e.name,
                    "names": list(e.names),
                    "country": e.country,
                    "effective_date": e.effective_date,
                    "authority": e.authority,
                    "action": e.action,
                    "legal_basis": e.legal_basis,
                    "evidence": e.evidence,
                    "sector": e.sector,
                    "source_url": e.source_url,
                    "list_keys": list(e.list_keys),
                    "updated_at": now,
                }
                if e.key in known:
                    conn.execute(
                        update(register_entries).where(register_entries.c.id == known[e.key]).values(**values)
                    )
                    updated += 1
                else:
                    conn.execute(
                        insert(register_entries).values(key=e.key, status="listed", created_at=now, **values)
                    )
                    added += 1
        return added, updated

    def register(self, *, include_removed: bool = True) -> list[RegisterEntry]:
        query = select(register_entries).order_by(register_entries.c.effective_date, register_entries.c.name)
        if not include_removed:
            query = query.where(register_entries.c.status == "listed")
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            removals = conn.execute(select(register_removals).order_by(register_removals.c.id)).all()
        by_entry: dict[int, list[RegisterRemoval]] = {}
        for r in removals:
            by_entry.setdefault(r.entry_id, []).append(_removal(r))
        return [_entry(r, by_entry.get(r.id, ())) for r in rows]

    def request_removal(
        self, key: str, reason: str, requested_by: str | None, *, audit: AuditEntry | None
    ) -> RegisterRemoval | None:
        with self.store.writer() as conn:
            entry = conn.execute(select(register_entries.c.id).where(register_entries.c.key == key)).first()
            if entry is None:
                return None
            self._audit(conn, audit)
            row = conn.execute(
                insert(register_removals)
                .values(
                    entry_id=entry.id,
                    reason=reason,
                    requested_by=requested_by,
                    requested_at=utc_now(),
                    outcome="pending",
                    decision_note="",
                )
                .returning(*register_removals.c)
            ).one()
        return _removal(row)

    def decide_removal(
        self, removal_id: int, granted: bool, decided_by: str | None, note: str, *, audit: AuditEntry | None
    ) -> RegisterRemoval | None:
        """Decide a pending request; a granted one takes the entry off the register (status removed)."""
        with self.store.writer() as conn:
            changed = conn.execute(
                update(register_removals)
                .where(and_(register_removals.c.id == removal_id, register_removals.c.outcome == "pending"))
                .values(
                    outcome="granted" if granted else "denied",
                    decided_by=decided_by,
                    decided_at=utc_now(),
                    decision_note=note,
                )
                .returning(*register_removals.c)
            ).first()
            if changed is None:
                return None
            if granted:
                conn.execute(
                    update(register_entries)
                    .where(register_entries.c.id == changed.entry_id)
                    .values(status="removed", updated_at=utc_now())
                )
            self._audit(conn, audit)
        return _removal(changed)
