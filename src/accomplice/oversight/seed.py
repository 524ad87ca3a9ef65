"""Reading the shared tracker file (`coi_recommendations.json`): items with their asks, and follow-ups.

Every field is checked and a problem names the file and the record (`items[12].asks`), so that a bad file
is one readable line, never a half-loaded tracker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accomplice.errors import InputError
from accomplice.oversight.model import CoiEvent, CoiItem, EventLink, EventSource, validate_event

__all__ = ["CoiSeed", "parse_seed"]


@dataclass(frozen=True, slots=True)
class CoiSeed:
    symbol: str
    title: str
    date: str
    note: str
    items: tuple[CoiItem, ...]
    events: tuple[CoiEvent, ...]


def _text(record: Mapping[str, Any], key: str, where: str, path: str, *, optional: bool = False) -> Any:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"{where}.{key}: expected a non-empty text")
    return value


def _bool(record: Mapping[str, Any], key: str, where: str, path: str, default: bool = False) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise InputError(path, f"{where}.{key}: expected true or false")
    return value


def _item(raw: Any, where: str, path: str) -> CoiItem:
    if not isinstance(raw, dict):
        raise InputError(path, f"{where}: expected an object")
    asks = raw.get("asks")
    if not isinstance(asks, list) or not asks or not all(isinstance(a, str) and a.strip() for a in asks):
        raise InputError(path, f"{where}.asks: expected a list of non-empty texts")
    letter = raw.get("item")
    if letter is not None and not isinstance(letter, str):
        raise InputError(path, f"{where}.item: expected a letter or null")
    return CoiItem(
        id=_text(raw, "id", where, path),
        para=_text(raw, "para", where, path),
        letter=letter,
        addressee=_text(raw, "addressee", where, path),
        actor=_text(raw, "actor", where, path),
        text=_text(raw, "text", where, path),
        text_is_summary=_bool(raw, "text_is_summary", where, path),
        text_basis=_text(raw, "text_basis", where, path),
        text_incomplete=_bool(raw, "text_incomplete", where, path),
        asks=tuple(asks),
        source_title=_text(raw, "source_title", where, path),
        source_url=_text(raw, "source_url", where, path),
        source_date=_text(raw, "source_date", where, path, optional=True),
        verified=_bool(raw, "verified", where, path),
        notes=_text(raw, "notes", where, path, optional=True),
    )


def _event(raw: Any, where: str, path: str) -> CoiEvent:
    if not isinstance(raw, dict):
        raise InputError(path, f"{where}: expected an object")
    bears_on = raw.get("bears_on")
    if not isinstance(bears_on, list) or not all(isinstance(b, str) for b in bears_on):
        raise InputError(path, f"{where}.bears_on: expected a list of item ids")
    extras = raw.get("extra_sources") or []
    if not isinstance(extras, list) or not all(isinstance(x, dict) for x in extras):
        raise InputError(path, f"{where}.extra_sources: expected a list of objects")
    incidents = raw.get("incident_ids") or []
    if not isinstance(incidents, list) or not all(isinstance(x, str) for x in incidents):
        raise InputError(path, f"{where}.incident_ids: expected a list of incident ids")
    document = _text(raw, "document", where, path, optional=True)
    return CoiEvent(
        id=_text(raw, "id", where, path),
        at=_text(raw, "date", where, path),
        precision=_text(raw, "date_precision", where, path),
        relation=_text(raw, "relation", where, path),
        summary=_text(raw, "event", where, path),
        bears_on=tuple(bears_on),
        source=EventSource(
            raw.get("source_title") or "", raw.get("source_url") or "", raw.get("source_date")
        ),
        document=document,
        extra_sources=tuple(
            EventSource(
                str(x.get("source_title") or ""), str(x.get("source_url") or ""), x.get("source_date")
            )
            for x in extras
        ),
        links=tuple(EventLink("incident", ref) for ref in incidents),
        verified=_bool(raw, "verified", where, path),
        notes=_text(raw, "notes", where, path, optional=True),
    )


def parse_seed(data: Any, path: str) -> CoiSeed:
    """The tracker in `data` (the parsed JSON of `path`); InputError names the first bad record."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InputError(path, "expected an object with 'items' and 'followups' (coi_recommendations.json)")
    document = data.get("document") or {}
    if not isinstance(document, dict):
        raise InputError(path, "document: expected an object")
    items = tuple(_item(raw, f"items[{i}]", path) for i, raw in enumerate(data["items"]))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError(path, f"items: item {duplicate!r} appears twice")
    followups = data.get("followups") or []
    if not isinstance(followups, list):
        raise InputError(path, "followups: expected a list")
    events = tuple(_event(raw, f"followups[{i}]", path) for i, raw in enumerate(followups))
    counts = {item.id: len(item.asks) for item in items}
    for i, event in enumerate(events):
        problems = validate_event(event, ids, counts)
        if problems:
            raise InputError(path, f"followups[{i}] ({event.id}): {problems[0]}")
    return CoiSeed(
        symbol=str(document.get("symbol") or "A/HRC/25/63"),
        title=str(document.get("title") or ""),
        date=str(document.get("date") or ""),
        note=str(document.get("note") or ""),
        items=items,
        events=events,
    )
