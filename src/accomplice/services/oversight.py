"""The Commission of Inquiry tracker's use cases: load the shared file, read items with their derived
status, per addressee, as of a day (the progress report), and record a sourced event.

Reading is public (the recommendations and their follow-ups are public facts); loading and adding events
need `oversight:write`. Every write is audited in its own transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from accomplice.errors import InputError, NotFoundError
from accomplice.oversight import (
    STATUSES,
    CoiEvent,
    CoiItem,
    EventLink,
    EventSource,
    ask_statuses,
    derive_status,
    events_as_of,
    parse_seed,
    validate_event,
)
from accomplice.services.auth import Permission, Principal, require
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.oversight import OversightStore

__all__ = [
    "STATUS_LABELS",
    "AddresseeView",
    "ItemView",
    "LoadReport",
    "NewEvent",
    "ProgressReport",
    "add_coi_event",
    "addressee_slug",
    "coi_addressees",
    "coi_item",
    "coi_items",
    "events_linking",
    "load_coi",
    "progress_report",
]

# The shared file is about 100 KB; anything far bigger is not it.
MAX_FILE_BYTES = 5_000_000
STATUS_LABELS = {
    "no_recorded_action": "no recorded action",
    "advanced": "advanced",
    "partially_advanced": "partially advanced",
    "contravened": "contravened",
    "mixed": "mixed (steps forward and contrary acts)",
}
# The ten-year review of the report (OHCHR's update to the Human Rights Council, 2024).
TEN_YEAR_REVIEW = "2024-12-31"


@dataclass(frozen=True, slots=True)
class LoadReport:
    items: int
    asks: int
    events: int


@dataclass(frozen=True, slots=True)
class ItemView:
    item: CoiItem
    status: str
    ask_statuses: tuple[str, ...]
    events: tuple[CoiEvent, ...]  # those bearing on the item up to the day asked for, oldest first

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True, slots=True)
class AddresseeView:
    name: str
    slug: str
    items: tuple[ItemView, ...]

    @property
    def asks(self) -> int:
        return sum(len(v.item.asks) for v in self.items)


@dataclass(frozen=True, slots=True)
class ProgressReport:
    as_of: str
    items: tuple[ItemView, ...]
    addressees: tuple[AddresseeView, ...]
    by_status: tuple[tuple[str, int], ...]  # items per status, in STATUSES order
    asks_by_status: tuple[tuple[str, int], ...]
    events: tuple[CoiEvent, ...]


def _oversight(store: Store) -> OversightStore:
    return OversightStore(store)


def addressee_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_coi(store: Store, principal: Principal, path: Path) -> LoadReport:
    """Load the tracker's file (coi_recommendations.json): items replaced, the file's events replaced,
    events users added kept. A bad file loads nothing."""
    require(principal, Permission.OVERSIGHT_WRITE)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(str(path), f"larger than {MAX_FILE_BYTES:,} bytes; not a tracker file")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON: {exc.msg}", exc.lineno) from exc
    seed = parse_seed(data, str(path))
    asks = sum(len(i.asks) for i in seed.items)
    audit = AuditEntry(
        principal.user,
        "coi.load",
        path.name,
        {"items": len(seed.items), "asks": asks, "events": len(seed.events)},
    )
    _oversight(store).load_seed(seed.items, seed.events, audit)
    return LoadReport(len(seed.items), asks, len(seed.events))


def _view(item: CoiItem, events: Sequence[CoiEvent], as_of: str | None) -> ItemView:
    mine = events_as_of((e for e in events if item.id in e.bears_on), as_of)
    return ItemView(item, derive_status(mine), tuple(ask_statuses(item, mine)), tuple(mine))


def coi_items(store: Store, as_of: str | None = None) -> list[ItemView]:
    """Every item with its status as of `as_of` (today's when None), in the report's order."""
    oversight = _oversight(store)
    events = oversight.events()
    return [_view(item, events, as_of) for item in oversight.items()]


def _item_id(text: str) -> str:
    """ "90(a)", "¶90a", "90 a" → "90a"."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def coi_item(store: Store, item_id: str, as_of: str | None = None) -> ItemView:
    wanted = _item_id(item_id)
    oversight = _oversight(store)
    item = next((i for i in oversight.items() if i.id == wanted), None)
    if item is None:
        raise NotFoundError(f"no COI item {item_id!r} (load the tracker with `accomplice coi load FILE`)")
    return _view(item, oversight.events(item.id), as_of)


def _group(views: Sequence[ItemView]) -> tuple[AddresseeView, ...]:
    names = list(dict.fromkeys(v.item.addressee for v in views))
    return tuple(
        AddresseeView(n, addressee_slug(n), tuple(v for v in views if v.item.addressee == n)) for n in names
    )


def coi_addressees(store: Store, as_of: str | None = None) -> tuple[AddresseeView, ...]:
    return _group(coi_items(store, as_of))


def progress_report(store: Store, as_of: str) -> ProgressReport:
    """Where every item stood on `as_of` (e.g. the ten-year review, 2024-12-31)."""
    check = CoiEvent("check", as_of, "day", "context", "x", ("x",), EventSource("x", "https://x"))
    problems = [p for p in validate_event(check, ["x"], {}) if p.startswith("at:")]
    if problems:
        raise InputError("as_of", problems[0].removeprefix("at: "))
    views = coi_items(store, as_of)
    item_counts = Counter(v.status for v in views)
    ask_counts = Counter(s for v in views for s in v.ask_statuses)
    events = {e.id: e for v in views for e in v.events}
    return ProgressReport(
        as_of,
        tuple(views),
        _group(views),
        tuple((s, item_counts.get(s, 0)) for s in STATUSES),
        tuple((s, ask_counts.get(s, 0)) for s in STATUSES),
        tuple(events_as_of(events.values(), as_of)),
    )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A follow-up event as a user gives it (CLI, API, form)."""

    at: str
    relation: str
    summary: str
    bears_on: tuple[str, ...]
    source_title: str
    source_url: str
    precision: str = "day"
    source_date: str | None = None
    document: str | None = None
    asks: tuple[tuple[str, int], ...] = ()
    links: tuple[EventLink, ...] = ()
    notes: str | None = None


def add_coi_event(store: Store, principal: Principal, new: NewEvent) -> CoiEvent:
    """Record a sourced event; refused (InputError naming the field) without a source or with a bad
    field. The items' statuses follow from it at the next read."""
    require(principal, Permission.OVERSIGHT_WRITE)
    oversight = _oversight(store)
    items = oversight.items()
    event = CoiEvent(
        id=f"EV-{new.at}-{uuid.uuid4().hex[:8]}",
        at=new.at.strip(),
        precision=new.precision,
        relation=new.relation,
        summary=new.summary.strip(),
        bears_on=tuple(dict.fromkeys(_item_id(b) for b in new.bears_on if b.strip())),
        source=EventSource(new.source_title.strip(), new.source_url.strip(), new.source_date or None),
        document=(new.document or "").strip() or None,
        links=new.links,
        asks=tuple((_item_id(i), n) for i, n in new.asks),
        verified=False,  # entered by a user; the shared file's `verified` is its compiler's check
        notes=new.notes,
        created_by=principal.user,
        origin="user",
    )
    problems = validate_event(event, [i.id for i in items], {i.id: len(i.asks) for i in items})
    if problems:
        field, _, message = problems[0].partition(": ")
        raise InputError(field, message)
    audit = AuditEntry(
        principal.user,
        "coi.event.add",
        event.id,
        {"bears_on": list(event.bears_on), "relation": event.relation, "source_url": event.source.url},
    )
    oversight.add_event(replace(event), audit)
    return event


def events_linking(store: Store, kind: str, ref: str) -> list[CoiEvent]:
    """The events that link to an object (an incident's page lists the COI items it bears on)."""
    ids = set(_oversight(store).events_linking(kind, ref))
    return [e for e in _oversight(store).events() if e.id in ids]
