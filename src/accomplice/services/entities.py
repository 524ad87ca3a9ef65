"""The entity page's use-case: what the store knows about an entity, and its history on the lists."""

from __future__ import annotations

from dataclasses import dataclass

from accomplice.lists.history import ListingEvent, entity_history
from accomplice.services.list_twins import Twin, entity_twins
from accomplice.services.lists import EntityDetail, entity_detail
from accomplice.store import Store

__all__ = ["EntityOverview", "entity_overview"]


@dataclass(frozen=True, slots=True)
class EntityOverview:
    """An entity with its relations (`detail`), list by list the versions that listed, changed or
    dropped it (`history`), and its entries on other lists as screening groups them (`twins`)."""

    detail: EntityDetail
    history: tuple[ListingEvent, ...]
    twins: tuple[Twin, ...] = ()


def entity_overview(store: Store, key: str) -> EntityOverview:
    """The entity and its list history: one read of the entity, one of each of its lists' versions.

    The history comes from the statements the entity read already holds (every version's, not only the
    current ones), so it costs only the version catalogue of the few lists that name the entity. The
    twins come from the screening index's clusters (built once per set of lists) and one read of each.
    """
    detail = entity_detail(store, key)
    lists = sorted({s.list_name for s in detail.statements})
    versions = {name: store.versions(name) for name in lists}
    history = entity_history(detail.statements, versions, detail.entity.caption)
    return EntityOverview(detail, history, entity_twins(store, detail))
