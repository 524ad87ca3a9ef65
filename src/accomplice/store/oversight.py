"""Store methods of the Commission of Inquiry tracker (tables in `schema_oversight`), on SQLite and
PostgreSQL alike. Every write is one transaction through the store's writer, with its audit row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from accomplice.oversight import CoiEvent, CoiItem, EventLink, EventSource
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import utc_now
from accomplice.store.schema_oversight import coi_event_items, coi_event_links, coi_events, coi_items
from accomplice.store.store import Store

__all__ = ["OversightStore"]

SEED = "seed"


def _item(row: Any) -> CoiItem:
    return CoiItem(
        id=row.id,
        para=row.para,
        letter=row.letter,
        addressee=row.addressee,
        actor=row.actor,
        text=row.text,
        text_is_summary=bool(row.text_is_summary),
        text_basis=row.text_basis,
        text_incomplete=bool(row.text_incomplete),
        asks=tuple(row.asks),
        source_title=row.source_title,
        source_url=row.source_url,
        source_date=row.source_date,
        verified=bool(row.verified),
        notes=row.notes,
    )


class OversightStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writes ----------------------------------------------------------------------------------------

    def load_seed(self, items: Sequence[CoiItem], events: Sequence[CoiEvent], audit: AuditEntry) -> None:
        """Replace the items and the shared file's events (those users added stay), in one transaction."""
        with self.store.writer() as conn:
            AuditLog(self.store).append_entry(conn, audit)
            seeded = select(coi_events.c.id).where(coi_events.c.origin == SEED)
            conn.execute(delete(coi_event_links).where(coi_event_links.c.event_id.in_(seeded)))
            conn.execute(delete(coi_event_items).where(coi_event_items.c.event_id.in_(seeded)))
            conn.execute(delete(coi_events).where(coi_events.c.origin == SEED))
            known = {r.id for r in conn.execute(select(coi_items.c.id))}
            for position, item in enumerate(items):
                values = {
                    "position": position,
                    "para": item.para,
                    "letter": item.letter,
                    "addressee": item.addressee,
                    "actor": item.actor,
                    "text": item.text,
                    "text_is_summary": item.text_is_summary,
                    "text_basis": item.text_basis,
                    "text_incomplete": item.text_incomplete,
                    "asks": list(item.asks),
                    "source_title": item.source_title,
                    "source_url": item.source_url,
                    "source_date": item.source_date,
                    "verified": item.verified,
                    "notes": item.notes,
                }
                if item.id in known:
                    conn.execute(coi_items.update().where(coi_items.c.id == item.id).values(**values))
                else:
                    conn.execute(insert(coi_items).values(id=item.id, **values))
            for event in events:
                self._insert_event(conn, event)

    def add_event(self, event: CoiEvent, audit: AuditEntry) -> None:
        with self.store.writer() as conn:
            AuditLog(self.store).append_entry(conn, audit)
            self._insert_event(conn, event)

    @staticmethod
    def _insert_event(conn: Connection, event: CoiEvent) -> None:
        conn.execute(
            insert(coi_events).values(
                id=event.id,
                at=event.at,
                precision=event.precision,
                relation=event.relation,
                summary=event.summary,
                document=event.document,
                source_title=event.source.title,
                source_url=event.source.url,
                source_date=event.source.date,
                extra_sources=[{"title": s.title, "url": s.url, "date": s.date} for s in event.extra_sources],
                verified=event.verified,
                notes=event.notes,
                origin=event.origin,
                created_by=event.created_by,
                created_at=utc_now(),
            )
        )
        rows: list[dict[str, object]] = []
        for item_id in event.bears_on:
            own: list[int | None] = [n for i, n in event.asks if i == item_id]
            rows += [{"event_id": event.id, "item_id": item_id, "ask": n} for n in own or [None]]
        conn.execute(insert(coi_event_items), rows)
        if event.links:
            conn.execute(
                insert(coi_event_links),
                [{"event_id": event.id, "kind": k.kind, "ref": k.ref, "label": k.label} for k in event.links],
            )

    # -- reads -----------------------------------------------------------------------------------------

    def items(self) -> list[CoiItem]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(coi_items).order_by(coi_items.c.position)).all()
        return [_item(r) for r in rows]

    def has_event(self, event_id: str) -> bool:
        with self.store.engine.connect() as conn:
            found = conn.execute(select(coi_events.c.id).where(coi_events.c.id == event_id)).first()
        return found is not None

    def events(self, item_id: str | None = None) -> list[CoiEvent]:
        """Every event (or those bearing on `item_id`), oldest first, with their items, asks and links."""
        query = select(coi_events)
        if item_id is not None:
            query = query.where(
                coi_events.c.id.in_(
                    select(coi_event_items.c.event_id).where(coi_event_items.c.item_id == item_id)
                )
            )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [r.id for r in rows]
            bears: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
            links: dict[str, list[EventLink]] = defaultdict(list)
            if ids:
                for r in conn.execute(
                    select(coi_event_items)
                    .where(coi_event_items.c.event_id.in_(ids))
                    .order_by(coi_event_items.c.id)
                ):
                    bears[r.event_id].append((r.item_id, r.ask))
                for r in conn.execute(
                    select(coi_event_links)
                    .where(coi_event_links.c.event_id.in_(ids))
                    .order_by(coi_event_links.c.id)
                ):
                    links[r.event_id].append(EventLink(r.kind, r.ref, r.label))
        events = []
        for r in rows:
            pairs = bears[r.id]
            events.append(
                CoiEvent(
                    id=r.id,
                    at=r.at,
                    precision=r.precision,
                    relation=r.relation,
                    summary=r.summary,
                    bears_on=tuple(dict.fromkeys(i for i, _ in pairs)),
                    source=EventSource(r.source_title, r.source_url, r.source_date),
                    document=r.document,
                    extra_sources=tuple(
                        EventSource(s["title"], s["url"], s.get("date")) for s in r.extra_sources
                    ),
                    links=tuple(links[r.id]),
                    asks=tuple((i, n) for i, n in pairs if n is not None),
                    verified=bool(r.verified),
                    notes=r.notes,
                    created_by=r.created_by,
                    origin=r.origin,
                )
            )
        return events

    def events_linking(self, kind: str, ref: str) -> list[str]:
        """The ids of the events that link to object `ref` of `kind` (for that object's own page)."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(coi_event_links.c.event_id)
                .where(coi_event_links.c.kind == kind, coi_event_links.c.ref == ref)
                .distinct()
            ).all()
        return sorted(r.event_id for r in rows)
