"""Store methods of continuous monitoring (tables in `schema_monitor`), on SQLite and PostgreSQL alike.

Every write is one transaction through the store's writer (SQLite's BEGIN IMMEDIATE), so that a
re-screening records its new match state, its alerts and their webhook deliveries together or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware, utc_now
from accomplice.store.schema_monitor import (
    monitor_alerts,
    watchlist_entries,
    watchlist_matches,
    watchlists,
    webhook_deliveries,
    webhooks,
)
from accomplice.store.store import CHUNK, Store

__all__ = [
    "Alert",
    "Delivery",
    "EntryMatch",
    "MonitorStore",
    "NewAlert",
    "NewEntry",
    "OrgScope",
    "Watchlist",
    "WatchlistEntry",
    "Webhook",
]


@dataclass(frozen=True, slots=True)
class OrgScope:
    """Which organisations' objects a read returns: all of them, or those of exactly one org."""

    all_orgs: bool
    org: str | None = None

    @classmethod
    def everything(cls) -> OrgScope:
        return cls(True)

    @classmethod
    def only(cls, org: str | None) -> OrgScope:
        return cls(False, org)

    def clause(self, column: Any) -> Any:
        if self.all_orgs:
            return None
        return column.is_(None) if self.org is None else column == self.org


@dataclass(frozen=True, slots=True)
class Watchlist:
    id: int
    name: str
    org: str | None
    created_by: str | None
    created_at: datetime
    entries: int = 0
    open_alerts: int = 0


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to add: the columns of a screening input row."""

    ref: str
    name: str
    schema: str | None = None
    birth_date: str | None = None
    nationality: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    id: int
    watchlist_id: int
    ref: str
    name: str
    schema: str | None
    birth_date: str | None
    nationality: str | None
    identifiers: tuple[tuple[str, str], ...]
    created_at: datetime
    screened_generation: str | None
    screened_at: datetime | None
    org: str | None = None
    # Who keeps the watchlist (its `created_by`): whose decisions apply when it is re-screened.
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class EntryMatch:
    """A match an entry had at its last screening, with the listed entity's fingerprint at that time."""

    entity_key: str
    entity_fingerprint: str
    score: float
    schema: str
    caption: str
    lists: tuple[str, ...]
    explanation: tuple[str, ...]
    decision: str | None = None


@dataclass(frozen=True, slots=True)
class NewAlert:
    watchlist_id: int
    entry_id: int
    entry_ref: str
    entry_name: str
    org: str | None
    entity_key: str
    caption: str
    kind: str
    score: float
    explanation: tuple[str, ...]
    list_name: str | None
    list_seq: int | None
    list_label: str | None


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    watchlist_id: int
    entry_id: int | None
    entry_ref: str
    entry_name: str
    org: str | None
    entity_key: str
    caption: str
    kind: str
    score: float
    explanation: tuple[str, ...]
    list_name: str | None
    list_seq: int | None
    list_label: str | None
    state: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    events: tuple[str, ...]
    org: str | None
    created_by: str | None
    active: bool
    created_at: datetime
    secret: str = ""  # only filled for the delivery worker and once at creation


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: int
    alert_ids: tuple[int, ...]
    payload: str
    attempts: int
    next_attempt_at: datetime | None
    status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


def _watchlist(row: Any, entries: int = 0, open_alerts: int = 0) -> Watchlist:
    created = aware(row.created_at)
    assert created is not None
    return Watchlist(row.id, row.name, row.org, row.created_by, created, entries, open_alerts)


def _entry(row: Any, org: str | None = None, owner: str | None = None) -> WatchlistEntry:
    created = aware(row.created_at)
    assert created is not None
    return WatchlistEntry(
        row.id,
        row.watchlist_id,
        row.ref,
        row.name,
        row.schema,
        row.birth_date,
        row.nationality,
        tuple((str(k), str(v)) for k, v in row.identifiers),
        created,
        row.screened_generation,
        aware(row.screened_at),
        org,
        owner,
    )


def _match(row: Any) -> EntryMatch:
    return EntryMatch(
        row.entity_key,
        row.entity_fingerprint,
        float(row.score),
        row.schema,
        row.caption,
        tuple(row.lists),
        tuple(row.explanation),
        row.decision,
    )


def _alert(row: Any) -> Alert:
    created = aware(row.created_at)
    assert created is not None
    return Alert(
        row.id,
        row.watchlist_id,
        row.entry_id,
        row.entry_ref,
        row.entry_name,
        row.org,
        row.entity_key,
        row.caption,
        row.kind,
        float(row.score),
        tuple(row.explanation),
        row.list_name,
        row.list_seq,
        row.list_label,
        row.state,
        row.acknowledged_by,
        aware(row.acknowledged_at),
        created,
    )


def _webhook(row: Any, *, with_secret: bool = False) -> Webhook:
    created = aware(row.created_at)
    assert created is not None
    return Webhook(
        row.id,
        row.url,
        tuple(row.events),
        row.org,
        row.created_by,
        bool(row.active),
        created,
        row.secret if with_secret else "",
    )


def _delivery(row: Any) -> Delivery:
    created = aware(row.created_at)
    assert created is not None
    return Delivery(
        row.id,
        row.webhook_id,
        tuple(int(i) for i in row.alert_ids),
        row.payload,
        row.attempts,
        aware(row.next_attempt_at),
        row.status_code,
        row.last_error,
        aware(row.delivered_at),
        created,
    )


def _where(query: Any, *clauses: Any) -> Any:
    kept = [c for c in clauses if c is not None]
    return query.where(and_(*kept)) if kept else query


class MonitorStore:
    """Watchlists, entries, match state, alerts, webhooks and deliveries in the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _audit(self, conn: Connection, audit: AuditEntry | None) -> None:
        """Record the write in the audit log, in the write's own transaction."""
        if audit is not None:
            AuditLog(self.store).append_entry(conn, audit)

    # -- watchlists --------------------------------------------------------------------------------

    def create_watchlist(
        self, name: str, *, org: str | None, created_by: str | None, audit: AuditEntry | None = None
    ) -> Watchlist:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            row = conn.execute(
                insert(watchlists)
                .values(name=name, org=org, created_by=created_by, created_at=utc_now())
                .returning(*watchlists.c)
            ).one()
        return _watchlist(row)

    def watchlists(self, scope: OrgScope) -> list[Watchlist]:
        entry_counts = (
            select(watchlist_entries.c.watchlist_id, func.count().label("n"))
            .group_by(watchlist_entries.c.watchlist_id)
            .subquery()
        )
        open_counts = (
            select(monitor_alerts.c.watchlist_id, func.count().label("n"))
            .where(monitor_alerts.c.state == "open")
            .group_by(monitor_alerts.c.watchlist_id)
            .subquery()
        )
        query = _where(
            select(
                watchlists,
                func.coalesce(entry_counts.c.n, 0).label("entry_count"),
                func.coalesce(open_counts.c.n, 0).label("open_count"),
            )
            .select_from(
                watchlists.outerjoin(entry_counts, entry_counts.c.watchlist_id == watchlists.c.id).outerjoin(
                    open_counts, open_counts.c.watchlist_id == watchlists.c.id
                )
            )
            .order_by(watchlists.c.id),
            scope.clause(watchlists.c.org),
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_watchlist(r, int(r.entry_count), int(r.open_count)) for r in rows]

    def watchlist(self, watchlist_id: int) -> Watchlist | None:
        found = [w for w in self.watchlists(OrgScope.everything()) if w.id == watchlist_id]
        return found[0] if found else None

    def delete_watchlist(self, watchlist_id: int, audit: AuditEntry | None = None) -> bool:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            # Deliveries name alerts by id only, so they stay as the record of what was sent.
            result = conn.execute(delete(watchlists).where(watchlists.c.id == watchlist_id))
        return bool(result.rowcount)

    # -- entries -----------------------------------------------------------------------------------

    def add_entries(
        self,
        watchlist_id: int,
        entries: Sequence[NewEntry],
        *,
        created_by: str | None,
        audit: AuditEntry | None = None,
    ) -> list[int]:
        """Add entries; an entry whose reference the watchlist already holds is replaced (and screened
        afresh, since it may now be another person). Returns the ids in input order."""
        now = utc_now()
        ids: list[int] = []
        with self.store.writer() as conn:
            self._audit(conn, audit)
            existing: dict[str, int] = dict(
                conn.execute(
                    select(watchlist_entries.c.ref, watchlist_entries.c.id).where(
                        watchlist_entries.c.watchlist_id == watchlist_id
                    )
                ).all()
            )
            for entry in entries:
                values = {
                    "name": entry.name,
                    "schema": entry.schema,
                    "birth_date": entry.birth_date,
                    "nationality": entry.nationality,
                    "identifiers": [list(pair) for pair in entry.identifiers],
                }
                if entry.ref in existing:
                    entry_id = existing[entry.ref]
                    conn.execute(
                        update(watchlist_entries)
                        .where(watchlist_entries.c.id == entry_id)
                        .values(**values, screened_generation=None, screened_at=None)
                    )
                    conn.execute(delete(watchlist_matches).where(watchlist_matches.c.entry_id == entry_id))
                else:
                    entry_id = conn.execute(
                        insert(watchlist_entries)
                        .values(
                            watchlist_id=watchlist_id,
                            ref=entry.ref,
                            created_by=created_by,
                            created_at=now,
                            **values,
                        )
                        .returning(watchlist_entries.c.id)
                    ).scalar_one()
                    existing[entry.ref] = entry_id
                ids.append(entry_id)
        return ids

    def delete_entry(self, watchlist_id: int, entry_id: int, audit: AuditEntry | None = None) -> bool:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            result = conn.execute(
                delete(watchlist_entries).where(
                    watchlist_entries.c.id == entry_id, watchlist_entries.c.watchlist_id == watchlist_id
                )
            )
        return bool(result.rowcount)

    def entries(self, watchlist_id: int | None = None) -> list[WatchlistEntry]:
        """The entries of one watchlist, or of every watchlist (with its org and owner) for a re-screening."""
        query = (
            select(watchlist_entries, watchlists.c.org, watchlists.c.created_by.label("watchlist_owner"))
            .select_from(
                watchlist_entries.join(watchlists, watchlists.c.id == watchlist_entries.c.watchlist_id)
            )
            .order_by(watchlist_entries.c.id)
        )
        if watchlist_id is not None:
            query = query.where(watchlist_entries.c.watchlist_id == watchlist_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_entry(r, r.org, r.watchlist_owner) for r in rows]

    def count_entries(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(watchlist_entries)).scalar_one())

    def matches(self, entry_ids: Sequence[int]) -> dict[int, list[EntryMatch]]:
        """The last screening's matches of each entry, best first."""
        found: dict[int, list[EntryMatch]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in (entry_ids[i : i + CHUNK] for i in range(0, len(entry_ids), CHUNK)):
                rows = conn.execute(
                    select(watchlist_matches)
                    .where(watchlist_matches.c.entry_id.in_(chunk))
                    .order_by(
                        watchlist_matches.c.entry_id,
                        watchlist_matches.c.score.desc(),
                        watchlist_matches.c.entity_key,
                    )
                ).all()
                for row in rows:
                    found[row.entry_id].append(_match(row))
        return dict(found)

    def record_screening(
        self,
        screened: Sequence[tuple[int, Sequence[EntryMatch]]],
        alerts: Sequence[NewAlert],
        *,
        generation: str,
        payload_of: Any = None,
        receives: Any = None,
    ) -> list[Alert]:
        """Replace the match state of the screened entries, insert the alerts and queue their webhook
        deliveries, in one transaction. `payload_of(webhook, alerts)` renders a delivery's body;
        `receives(webhook, alerts)`, if given, narrows the alerts of the webhook's organisation it gets."""
        now = utc_now()
        created: list[Alert] = []
        with self.store.writer() as conn:
            for entry_id, matches in screened:
                conn.execute(delete(watchlist_matches).where(watchlist_matches.c.entry_id == entry_id))
                if matches:
                    conn.execute(
                        insert(watchlist_matches),
                        [
                            {
                                "entry_id": entry_id,
                                "entity_key": m.entity_key,
                                "entity_fingerprint": m.entity_fingerprint,
                                "score": m.score,
                                "schema": m.schema,
                                "caption": m.caption,
                                "lists": list(m.lists),
                                "explanation": list(m.explanation),
                                "decision": m.decision,
                            }
                            for m in matches
                        ],
                    )
                conn.execute(
                    update(watchlist_entries)
                    .where(watchlist_entries.c.id == entry_id)
                    .values(screened_generation=generation, screened_at=now)
                )
            for alert in alerts:
                row = conn.execute(
                    insert(monitor_alerts)
                    .values(
                        watchlist_id=alert.watchlist_id,
                        entry_id=alert.entry_id,
                        entry_ref=alert.entry_ref,
                        entry_name=alert.entry_name,
                        org=alert.org,
                        entity_key=alert.entity_key,
                        caption=alert.caption,
                        kind=alert.kind,
                        score=alert.score,
                        explanation=list(alert.explanation),
                        list_name=alert.list_name,
                        list_seq=alert.list_seq,
                        list_label=alert.list_label,
                        state="open",
                        created_at=now,
                    )
                    .returning(*monitor_alerts.c)
                ).one()
                created.append(_alert(row))
            if created and payload_of is not None:
                self._queue_deliveries(conn, created, payload_of, now, receives)
        return created

    def _queue_deliveries(
        self, conn: Connection, alerts: Sequence[Alert], payload_of: Any, now: datetime, receives: Any = None
    ) -> None:
        hooks = [_webhook(r) for r in conn.execute(select(webhooks).where(webhooks.c.active.is_(True))).all()]
        for hook in hooks:
            # A webhook without an org (an administrator's) receives every org's alerts.
            chosen = [a for a in alerts if a.kind in hook.events and (hook.org is None or hook.org == a.org)]
            if chosen and receives is not None:
                chosen = receives(hook, chosen)
            if not chosen:
                continue
            conn.execute(
                insert(webhook_deliveries).values(
                    webhook_id=hook.id,
                    alert_ids=[a.id for a in chosen],
                    payload=payload_of(hook, chosen),
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )

    # -- alerts ------------------------------------------------------------------------------------

    def alerts(
        self,
        scope: OrgScope,
        *,
        watchlist_id: int | None = None,
        state: str | None = None,
        kind: str | None = None,
        list_name: str | None = None,
        entity_key: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[Alert]:
        query = _where(
            select(monitor_alerts).order_by(monitor_alerts.c.id.desc()).limit(limit).offset(offset),
            scope.clause(monitor_alerts.c.org),
            None if watchlist_id is None else monitor_alerts.c.watchlist_id == watchlist_id,
            None if state is None else monitor_alerts.c.state == state,
            None if kind is None else monitor_alerts.c.kind == kind,
            None if list_name is None else monitor_alerts.c.list_name == list_name,
            None if entity_key is None else monitor_alerts.c.entity_key == entity_key,
        )
        with self.engine.connect() as conn:
            return [_alert(r) for r in conn.execute(query).all()]

    def alert(self, alert_id: int) -> Alert | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(monitor_alerts).where(monitor_alerts.c.id == alert_id)).one_or_none()
        return _alert(row) if row is not None else None

    def acknowledge(
        self, alert_id: int, *, user: str | None, at: datetime, audit: AuditEntry | None = None
    ) -> Alert | None:
        """Mark an open alert acknowledged; acknowledging it again keeps the first who and when."""
        with self.store.writer() as conn:
            self._audit(conn, audit)
            conn.execute(
                update(monitor_alerts)
                .where(monitor_alerts.c.id == alert_id, monitor_alerts.c.state == "open")
                .values(state="acknowledged", acknowledged_by=user, acknowledged_at=at)
            )
            row = conn.execute(select(monitor_alerts).where(monitor_alerts.c.id == alert_id)).one_or_none()
        return _alert(row) if row is not None else None

    def alerts_per_version(self, scope: OrgScope) -> list[tuple[str, int, str, int]]:
        """(list, version seq, version label, alerts raised) for every version that raised any."""
        query = _where(
            select(
                monitor_alerts.c.list_name,
                monitor_alerts.c.list_seq,
                func.max(monitor_alerts.c.list_label),
                func.count(),
            )
            .where(monitor_alerts.c.list_name.is_not(None))
            .group_by(monitor_alerts.c.list_name, monitor_alerts.c.list_seq)
            .order_by(monitor_alerts.c.list_name, monitor_alerts.c.list_seq),
            scope.clause(monitor_alerts.c.org),
        )
        with self.engine.connect() as conn:
            return [(r[0], int(r[1]), str(r[2]), int(r[3])) for r in conn.execute(query).all()]

    # -- webhooks and deliveries -------------------------------------------------------------------

    def create_webhook(
        self,
        url: str,
        secret: str,
        *,
        events: Sequence[str],
        org: str | None,
        created_by: str | None,
        audit: AuditEntry | None = None,
    ) -> Webhook:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            row = conn.execute(
                insert(webhooks)
                .values(
                    url=url,
                    secret=secret,
                    events=list(events),
                    org=org,
                    created_by=created_by,
                    active=True,
                    created_at=utc_now(),
                )
                .returning(*webhooks.c)
            ).one()
        return _webhook(row, with_secret=True)

    def webhooks(self, scope: OrgScope) -> list[Webhook]:
        query = _where(select(webhooks).order_by(webhooks.c.id), scope.clause(webhooks.c.org))
        with self.engine.connect() as conn:
            return [_webhook(r) for r in conn.execute(query).all()]

    def webhook(self, webhook_id: int, *, with_secret: bool = False) -> Webhook | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one_or_none()
        return _webhook(row, with_secret=with_secret) if row is not None else None

    def set_webhook_active(self, webhook_id: int, active: bool, audit: AuditEntry | None = None) -> bool:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            result = conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(active=active))
        return bool(result.rowcount)

    def delete_webhook(self, webhook_id: int, audit: AuditEntry | None = None) -> bool:
        with self.store.writer() as conn:
            self._audit(conn, audit)
            result = conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
        return bool(result.rowcount)

    def deliveries(self, webhook_id: int | None = None) -> list[Delivery]:
        query = select(webhook_deliveries).order_by(webhook_deliveries.c.id)
        if webhook_id is not None:
            query = query.where(webhook_deliveries.c.webhook_id == webhook_id)
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(query).all()]

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[tuple[Delivery, Webhook]]:
        """Deliveries due by `now`, each claimed by moving its next attempt to `lease_until`.

        The claim is a conditional update on the old due time, so that the server's worker and an
        `accomplice monitor deliver` running beside it never send the same attempt twice.
        """
        query = (
            select(webhook_deliveries, webhooks.c.url, webhooks.c.secret, webhooks.c.active)
            .select_from(webhook_deliveries.join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id))
            .where(webhook_deliveries.c.next_attempt_at <= now, webhooks.c.active.is_(True))
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        claimed: list[tuple[Delivery, Webhook]] = []
        with self.store.writer() as conn:
            rows = conn.execute(query).all()
            for row in rows:
                taken = conn.execute(
                    update(webhook_deliveries)
                    .where(
                        webhook_deliveries.c.id == row.id,
                        webhook_deliveries.c.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=lease_until)
                ).rowcount
                if not taken:
                    continue
                hook = conn.execute(select(webhooks).where(webhooks.c.id == row.webhook_id)).one()
                claimed.append((_delivery(row), _webhook(hook, with_secret=True)))
        return claimed

    def record_attempt(
        self,
        delivery_id: int,
        *,
        attempts: int,
        status_code: int | None,
        error: str | None,
        delivered_at: datetime | None,
        next_attempt_at: datetime | None,
    ) -> None:
        with self.store.writer() as conn:
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(
                    attempts=attempts,
                    status_code=status_code,
                    last_error=error,
                    delivered_at=delivered_at,
                    next_attempt_at=next_attempt_at,
                )
            )

    def pending_deliveries(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(webhook_deliveries)
                    .where(or_(webhook_deliveries.c.next_attempt_at.is_not(None)))
                ).scalar_one()
            )
