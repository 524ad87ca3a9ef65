"""Items, asks, events and the rule that turns dated, sourced events into a status.

A status is never typed in: it is what the events dated on or before a day say. The relations are the
shared data's vocabulary (coi_recommendations.json `relation_vocabulary`):

- advances: a step that implements or moves the item forward;
- partially_advances: a partial or unilateral step;
- contravenes: an act contrary to the item;
- context: relevant background, not an implementation step (shown, never counted).

The rule (`derive_status`), over the non-context events up to the day asked for:
no event → "no recorded action"; contrary acts and steps forward both → "mixed"; contrary acts only →
"contravened"; any full step → "advanced"; partial steps only → "partially advanced". A later event does
not erase an earlier one: a resolution that advanced ¶94(a) in 2014 still did after the 2024 veto, and the
reader sees both ("mixed") rather than whichever came last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "LINK_KINDS",
    "RELATIONS",
    "STATUSES",
    "CoiEvent",
    "CoiItem",
    "EventLink",
    "EventSource",
    "ask_statuses",
    "date_key",
    "derive_status",
    "events_as_of",
    "validate_event",
]

ADVANCES, PARTIAL, CONTRAVENES, CONTEXT = "advances", "partially_advances", "contravenes", "context"
RELATIONS = (ADVANCES, PARTIAL, CONTRAVENES, CONTEXT)
NO_ACTION, ADVANCED, PARTIALLY, CONTRAVENED, MIXED = (
    "no_recorded_action",
    "advanced",
    "partially_advanced",
    "contravened",
    "mixed",
)
STATUSES = (NO_ACTION, ADVANCED, PARTIALLY, CONTRAVENED, MIXED)
# What an event may link to. "document" is any public document by address; the others are objects of this
# software by kind and id, so that a link to an incident or a case made today resolves once that area is
# installed (the page shows the reference until then).
LINK_KINDS = ("document", "incident", "case", "entity", "list_version")
DATE_PRECISIONS = ("day", "month", "year", "approximate")
# A date as the sources give it: a day, a month or a year (ISO, partial where the source is).
_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_WEB = re.compile(r"^https?://[^\s]+$")
MAX_TEXT = 4000
MAX_TITLE = 500


@dataclass(frozen=True, slots=True)
class CoiItem:
    """One recommendation (¶89(a) ... ¶94(j)) with its atomic asks. `text_is_summary` marks our own English
    summary (from the Japanese translation) against the report's verbatim words; both stay visible."""

    id: str
    para: str
    letter: str | None
    addressee: str
    actor: str
    text: str
    text_is_summary: bool
    text_basis: str
    text_incomplete: bool
    asks: tuple[str, ...]
    source_title: str
    source_url: str
    source_date: str | None
    verified: bool
    notes: str | None = None

    @property
    def label(self) -> str:
        return f"¶{self.para}({self.letter})" if self.letter else f"¶{self.para}"


@dataclass(frozen=True, slots=True)
class EventSource:
    title: str
    url: str
    date: str | None = None


@dataclass(frozen=True, slots=True)
class EventLink:
    """What an event bears on or rests on: a document by address, or an object by kind and id."""

    kind: str
    ref: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class CoiEvent:
    """A dated, sourced follow-up bearing on items (and, optionally, on some of their asks only:
    `asks` holds (item id, ask number from 1) pairs; empty means every ask of each item)."""

    id: str
    at: str
    precision: str
    relation: str
    summary: str
    bears_on: tuple[str, ...]
    source: EventSource
    document: str | None = None
    extra_sources: tuple[EventSource, ...] = ()
    links: tuple[EventLink, ...] = ()
    asks: tuple[tuple[str, int], ...] = ()
    verified: bool = True
    notes: str | None = None
    created_by: str | None = None
    origin: str = "seed"
    tags: tuple[str, ...] = field(default=())

    def touches(self, item_id: str, ask: int) -> bool:
        if item_id not in self.bears_on:
            return False
        own = [n for i, n in self.asks if i == item_id]
        return not own or ask in own


def date_key(at: str) -> str:
    """A sortable, comparable form of a partial date: a month or year compares as its first day."""
    parts = at.split("-")
    while len(parts) < 3:
        parts.append("01")
    return "-".join(parts)


def events_as_of(events: Iterable[CoiEvent], as_of: str | None) -> list[CoiEvent]:
    """The events dated on or before `as_of` (all when None), oldest first."""
    chosen = [e for e in events if as_of is None or date_key(e.at) <= date_key(as_of)]
    return sorted(chosen, key=lambda e: (date_key(e.at), e.id))


def derive_status(events: Iterable[CoiEvent]) -> str:
    """The status the events say (see the module's docstring for the rule)."""
    relations = {e.relation for e in events if e.relation != CONTEXT}
    if not relations:
        return NO_ACTION
    forward = relations & {ADVANCES, PARTIAL}
    if CONTRAVENES in relations:
        return MIXED if forward else CONTRAVENED
    return ADVANCED if ADVANCES in relations else PARTIALLY


def ask_statuses(item: CoiItem, events: Sequence[CoiEvent]) -> list[str]:
    """The status of each ask of `item` (in order), from the events that touch it."""
    return [derive_status(e for e in events if e.touches(item.id, n)) for n in range(1, len(item.asks) + 1)]


def _problem_with_date(at: str) -> str | None:
    return None if _DATE.match(at) else f"date {at!r} is not YYYY, YYYY-MM or YYYY-MM-DD"


def validate_event(event: CoiEvent, known_items: Iterable[str], ask_counts: dict[str, int]) -> list[str]:
    """Every problem with `event`, each as (field, message); empty when it may be recorded. An event
    without a source (a title and a web address) is refused: a status must rest on something a reader can
    open."""
    problems: list[str] = []
    if (why := _problem_with_date(event.at)) is not None:
        problems.append(f"at: {why}")
    if event.precision not in DATE_PRECISIONS:
        problems.append(f"precision: {event.precision!r} is not one of {', '.join(DATE_PRECISIONS)}")
    if event.relation not in RELATIONS:
        problems.append(f"relation: {event.relation!r} is not one of {', '.join(RELATIONS)}")
    if not event.summary.strip():
        problems.append("event: say what happened")
    elif len(event.summary) > MAX_TEXT:
        problems.append(f"event: at most {MAX_TEXT:,} characters")
    if not event.source.title.strip():
        problems.append("source_title: an event needs a source (its title)")
    elif len(event.source.title) > MAX_TITLE:
        problems.append(f"source_title: at most {MAX_TITLE} characters")
    if not _WEB.match(event.source.url.strip()):
        problems.append("source_url: an event needs a source address (http or https)")
    for extra in event.extra_sources:
        if not extra.title.strip() or not _WEB.match(extra.url):
            problems.append("extra_sources: each needs a title and an http(s) address")
    known = set(known_items)
    if not event.bears_on:
        problems.append("bears_on: name at least one item (e.g. 90a)")
    for item_id in event.bears_on:
        if item_id not in known:
            problems.append(f"bears_on: no item {item_id!r}")
    for item_id, n in event.asks:
        if item_id not in event.bears_on:
            problems.append(f"asks: {item_id}.{n} is of an item the event does not bear on")
        elif not 1 <= n <= ask_counts.get(item_id, 0):
            problems.append(f"asks: item {item_id} has no ask {n}")
    for link in event.links:
        if link.kind not in LINK_KINDS:
            problems.append(f"links: kind {link.kind!r} is not one of {', '.join(LINK_KINDS)}")
        elif not link.ref.strip():
            problems.append(f"links: a {link.kind} link needs its id or address")
        elif link.kind == "document" and not _WEB.match(link.ref):
            problems.append("links: a document link is an http(s) address")
    return problems
