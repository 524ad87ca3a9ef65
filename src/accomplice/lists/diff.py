"""Compare two versions of a list: which entities were added, removed, or changed in which fields."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from accomplice.lists.model import EntityChange, EntitySnapshot, PropChange

__all__ = ["diff_states"]

# A schema change is reported as a change of this pseudo-property so that it reads like any other field.
SCHEMA_PSEUDO_PROP = "schema"


def _by_prop(values: frozenset[tuple[str, str]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for prop, value in values:
        grouped[prop].add(value)
    return grouped


def _prop_changes(old: EntitySnapshot, new: EntitySnapshot) -> tuple[PropChange, ...]:
    changes: list[PropChange] = []
    if old.schema != new.schema:
        changes.append(PropChange(SCHEMA_PSEUDO_PROP, (new.schema,), (old.schema,)))
    before, after = _by_prop(old.values), _by_prop(new.values)
    for prop in sorted(set(before) | set(after)):
        added = tuple(sorted(after.get(prop, set()) - before.get(prop, set())))
        removed = tuple(sorted(before.get(prop, set()) - after.get(prop, set())))
        if added or removed:
            changes.append(PropChange(prop, added, removed))
    return tuple(changes)


def diff_states(
    old: Mapping[str, EntitySnapshot], new: Mapping[str, EntitySnapshot]
) -> tuple[tuple[EntityChange, ...], tuple[EntityChange, ...], tuple[EntityChange, ...]]:
    """Return (added, removed, changed) entities between two list states, each sorted by key."""
    added = tuple(
        EntityChange(key, new[key].caption, new[key].schema, "added")
        for key in sorted(new.keys() - old.keys())
    )
    removed = tuple(
        EntityChange(key, old[key].caption, old[key].schema, "removed")
        for key in sorted(old.keys() - new.keys())
    )
    changed: list[EntityChange] = []
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        if before.schema == after.schema and before.values == after.values:
            continue
        changed.append(
            EntityChange(key, after.caption, after.schema, "changed", _prop_changes(before, after))
        )
    return added, removed, tuple(changed)
