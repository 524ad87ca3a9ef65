"""The lists as they stood on a day, entity by entity: what a back-dated dossier or candidate run reads.

`lists_on` picks each list's version in force (dossiers.asof); `entities_on` keeps, of an entity's
statements over all versions, those that held that day, so that a dossier "as of 2023-12-28" shows the
names, identifiers and listings of that day and nothing designated later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from accomplice.dossiers.asof import ListsAsOf, lists_as_of
from accomplice.lists.model import ENTITY_ID_PROP
from accomplice.store import Store
from accomplice.store.dossiers import DossierStore, StatementRow, lists_with_prop

__all__ = ["LISTING_DATE_PROP", "EntityOnDay", "entities_on", "holding", "lists_on"]

# The property in which a list gives each entry's own listing date (UN, EU, UK, OpenSanctions tables).
LISTING_DATE_PROP = "createdAt"


def lists_on(store: Store, day: str) -> ListsAsOf:
    versions = {info.name: store.versions(info.name) for info in store.lists()}
    return lists_as_of(versions, day, lists_with_prop(store, LISTING_DATE_PROP))


@dataclass(slots=True)
class EntityOnDay:
    key: str
    schema: str
    statements: list[StatementRow] = field(default_factory=list)
    # list name -> the day (or version label) it was first listed there
    lists: dict[str, str] = field(default_factory=dict)

    def values(self, *props: str) -> list[str]:
        return list(dict.fromkeys(s.value for s in self.statements if s.prop in props))


def holding(rows: Iterable[StatementRow], asof: ListsAsOf) -> list[StatementRow]:
    """The rows that held on the day (entry-dated lists: only entries listed by then)."""
    rows = list(rows)
    too_late: set[tuple[str, str]] = set()
    for row in rows:
        if row.prop == LISTING_DATE_PROP and asof.entry_dated(row.list_name) and row.value[:10] > asof.day:
            too_late.add((row.list_name, row.entity_key))
    undated: set[tuple[str, str]] = {
        (r.list_name, r.entity_key) for r in rows if asof.entry_dated(r.list_name)
    } - {(r.list_name, r.entity_key) for r in rows if r.prop == LISTING_DATE_PROP}
    return [
        r
        for r in rows
        if asof.holds(r.list_name, r.component, r.first_seq, r.last_seq)
        and (r.list_name, r.entity_key) not in too_late
        and (r.list_name, r.entity_key) not in undated
    ]


def entities_on(store: Store, asof: ListsAsOf, keys: Sequence[str]) -> dict[str, EntityOnDay]:
    """The entities among `keys` that some list named on the day, with that day's statements."""
    found: dict[str, EntityOnDay] = {}
    for row in holding(DossierStore(store).statements_of(keys), asof):
        entity = found.setdefault(row.entity_key, EntityOnDay(row.entity_key, row.schema))
        entity.statements.append(row)
    versions = {name: {v.seq: v for v in store.versions(name)} for name in asof.states}
    for entity in found.values():
        for row in entity.statements:
            if row.prop == ENTITY_ID_PROP:
                first = versions[row.list_name].get(row.first_seq)
                entity.lists[row.list_name] = first.data_date or first.label if first else str(row.first_seq)
        dated = {r.list_name: r.value[:10] for r in entity.statements if r.prop == LISTING_DATE_PROP}
        entity.lists.update((name, day) for name, day in dated.items() if name in entity.lists)
    return {k: e for k, e in found.items() if e.lists}
