"""One entity's history on the lists: in which versions it appeared, and what each version changed.

Computed from the entity's statements (each valid over an interval of its list's versions) and the
versions' components, with the same rule as a list diff: a version that did not cover a component (an
OFAC update without its alias file) carries that component's values from the last version that did. So
the history of an entity agrees with the diffs of its list, version by version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from accomplice.lists.diff import diff_states
from accomplice.lists.model import (
    COMPONENT_MAIN,
    ENTITY_ID_PROP,
    EntitySnapshot,
    PropChange,
    StatementView,
    VersionInfo,
)

__all__ = ["ListingEvent", "entity_history"]

# What a version did to the entity. "relisted": present again after a version without it.
ADDED, RELISTED, CHANGED, UNCHANGED, REMOVED = "added", "relisted", "changed", "unchanged", "removed"


@dataclass(frozen=True, slots=True)
class ListingEvent:
    """One version of one list as it concerns the entity: listed (added, relisted, changed, unchanged)
    or, for the first version without it after one with it, removed."""

    list_name: str
    seq: int
    label: str
    kind: str
    changes: tuple[PropChange, ...] = ()

    @property
    def listed(self) -> bool:
        return self.kind != REMOVED


def _state_at(
    statements: Sequence[StatementView], coverage: Mapping[str, int], caption: str
) -> EntitySnapshot | None:
    """The entity as the version with this coverage states it, or None when that version omits it."""
    held = []
    for s in statements:
        at = coverage.get(s.component)
        if at is not None and s.first_seq <= at <= s.last_seq:
            held.append(s)
    presence = [s for s in held if s.component == COMPONENT_MAIN and s.prop == ENTITY_ID_PROP]
    if not presence:
        return None
    values = frozenset((s.prop, s.value) for s in held if s.prop != ENTITY_ID_PROP)
    return EntitySnapshot(presence[0].schema, caption, values)


def entity_history(
    statements: Iterable[StatementView],
    versions: Mapping[str, Sequence[VersionInfo]],
    caption: str = "",
) -> tuple[ListingEvent, ...]:
    """Every version of every list that listed the entity, and each version that dropped it.

    `statements` are all the entity's statements (current and past) with their resolved intervals;
    `versions` are the versions of the lists they come from. Events are ordered by list, then version.
    """
    by_list: dict[str, list[StatementView]] = defaultdict(list)
    for s in statements:
        by_list[s.list_name].append(s)
    events: list[ListingEvent] = []
    for list_name in sorted(by_list):
        rows = by_list[list_name]
        key = rows[0].entity_key
        coverage: dict[str, int] = {}
        previous: EntitySnapshot | None = None
        seen = False
        for version in sorted(versions.get(list_name, ()), key=lambda v: v.seq):
            coverage.update((component, version.seq) for component in version.components)
            state = _state_at(rows, coverage, caption)
            if state is None:
                if previous is not None:
                    events.append(ListingEvent(list_name, version.seq, version.label, REMOVED))
            elif previous is None:
                kind = RELISTED if seen else ADDED
                events.append(ListingEvent(list_name, version.seq, version.label, kind))
                seen = True
            else:
                changed = diff_states({key: previous}, {key: state})[2]
                changes = changed[0].changes if changed else ()
                kind = CHANGED if changes else UNCHANGED
                events.append(ListingEvent(list_name, version.seq, version.label, kind, changes))
            previous = state
    return tuple(events)
