"""Counting what a list holds: entities (people, organisations, vessels...) apart from the links between them.

A list's records include relation rows (OFAC's "Linked To", ownerships, associates): in FollowTheMoney
they are edge schemata. Counted together they read as "1,692 entities added" when 436 of them are links,
so every interface counts the two apart through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from accomplice.lists.model import EntityChange, ListDiff, VersionInfo

__all__ = [
    "ADDED_LINKS",
    "ADDED_RECORDS",
    "REMOVED_LINKS",
    "REMOVED_RECORDS",
    "DiffCounts",
    "EntityCounts",
    "VersionCounts",
    "diff_counts",
    "is_link_schema",
    "split_changes",
    "version_counts",
]

# Keys of a version's stored counts (Store.import_version): records per schema, and records (entities and
# links together, as older versions stored them) and links added and removed since the version before.
SCHEMA_COUNT_PREFIX = "schema:"
ADDED_RECORDS = "added_entities"
REMOVED_RECORDS = "removed_entities"
ADDED_LINKS = "added_links"
REMOVED_LINKS = "removed_links"


@cache
def is_link_schema(schema: str) -> bool:
    """A relation between entities (an FtM edge: Ownership, UnknownLink, Family...), not an entity."""
    # Imported here: loading FtM's model (70 YAML schemata) is a fifth of a CLI call's start-up, and most
    # processes that import the store (`accomplice screen`) never ask about a schema.
    from followthemoney import model

    found = model.get(schema)
    return found is not None and bool(found.edge)


@dataclass(frozen=True, slots=True)
class EntityCounts:
    entities: int
    links: int


@dataclass(frozen=True, slots=True)
class VersionCounts:
    held: EntityCounts
    added: EntityCounts
    removed: EntityCounts


def version_counts(version: VersionInfo) -> VersionCounts:
    """Entities and links a version holds, adds and removes, from the counts stored with it."""
    entities = links = 0
    for name, count in version.counts.items():
        if name.startswith(SCHEMA_COUNT_PREFIX):
            if is_link_schema(name.removeprefix(SCHEMA_COUNT_PREFIX)):
                links += count
            else:
                entities += count
    counts = version.counts
    added_links, removed_links = counts.get(ADDED_LINKS, 0), counts.get(REMOVED_LINKS, 0)
    return VersionCounts(
        EntityCounts(entities, links),
        EntityCounts(counts.get(ADDED_RECORDS, 0) - added_links, added_links),
        EntityCounts(counts.get(REMOVED_RECORDS, 0) - removed_links, removed_links),
    )


def split_changes(changes: Iterable[EntityChange]) -> tuple[list[EntityChange], list[EntityChange]]:
    """(entities, links) of a diff section, each in its original order."""
    entities: list[EntityChange] = []
    links: list[EntityChange] = []
    for change in changes:
        (links if is_link_schema(change.schema) else entities).append(change)
    return entities, links


@dataclass(frozen=True, slots=True)
class DiffCounts:
    added: EntityCounts
    removed: EntityCounts
    changed: EntityCounts


def _count(changes: Iterable[EntityChange]) -> EntityCounts:
    entities, links = split_changes(changes)
    return EntityCounts(len(entities), len(links))


def diff_counts(diff: ListDiff) -> DiffCounts:
    """How many entities and how many links a diff adds, removes and changes."""
    return DiffCounts(_count(diff.added), _count(diff.removed), _count(diff.changed))
