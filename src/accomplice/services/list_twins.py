"""The same entity's entries on other lists ("twins"), as screening clusters them, by list key.

OFAC, the UN, the EU and the UK list many North Korean persons and firms each under their own key; the
matching package joins them into clusters (matching.resolve: an explicit UN reference, a strong
identifier, the same exact name) when it builds the screening index. Use-cases that start from one key
(a trade party resolved to `uk:13414`) ask here for the others (`un:KPi.029`, `ofac:19533`, ...).

The clusters come from the screening index, whose build takes seconds to a minute. They depend only on
the lists' content, so they are kept per content (the checksum of each list's latest version): a copy of
a store, or a second store of the same lists, reuses them, and a new list version makes new ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from accomplice.errors import NotFoundError
from accomplice.matching import indexed_entity
from accomplice.matching.model import IndexedEntity
from accomplice.matching.resolve import ClusterLink, cluster_links
from accomplice.services.lists import EntityDetail, entity_detail
from accomplice.services.screening import screening_index
from accomplice.store import EntityRow, Store

__all__ = ["Twin", "entity_twins", "list_twins"]

# One set of lists per process in practice; a second lets a process compare two generations of them.
MAX_CACHED_CONTENTS = 2

_Content = tuple[tuple[str, str | None], ...]
_CLUSTERS: OrderedDict[_Content, dict[str, tuple[str, ...]]] = OrderedDict()
_LOCK = threading.Lock()


def _content(store: Store) -> _Content:
    return tuple((info.name, store.latest_checksum(info.name)) for info in store.lists())


def _clusters(store: Store) -> dict[str, tuple[str, ...]]:
    content = _content(store)
    with _LOCK:
        found = _CLUSTERS.get(content)
        if found is None:
            index = screening_index(store).screener.index
            # Cluster keys only: a persisted index reads them without analysing any names.
            found = {key: keys for keys in index.cluster_keys() if len(keys) > 1 for key in keys}
            _CLUSTERS[content] = found
        _CLUSTERS.move_to_end(content)
        while len(_CLUSTERS) > MAX_CACHED_CONTENTS:
            _CLUSTERS.popitem(last=False)
        return found


def list_twins(store: Store, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each key with its twins on other lists after it (only itself when it has none)."""
    if not keys:
        return {}
    clusters = _clusters(store)
    return {key: (key, *(k for k in clusters.get(key, ()) if k != key)) for key in keys}


@dataclass(frozen=True, slots=True)
class Twin:
    """Another list's entry of the same entity: the entry, and the evidence joining it to the others
    (each link names two keys of the cluster, this one among them)."""

    entity: EntityRow
    links: tuple[ClusterLink, ...]


def _indexed(detail: EntityDetail) -> IndexedEntity:
    props = {prop: detail.values(prop) for prop in {s.prop for s in detail.statements if s.is_current}}
    row = detail.entity
    return indexed_entity(row.key, row.schema, row.caption, props, row.lists)


def entity_twins(store: Store, detail: EntityDetail) -> tuple[Twin, ...]:
    """The entity's entries on other lists, each with why screening takes them for the same entity.

    The cluster comes from the screening index (as screening groups them); the evidence is found again
    among the cluster's members alone (matching.resolve.cluster_links), which reads only those few entries.
    """
    key = detail.entity.key
    details = [detail]
    for twin in list_twins(store, [key])[key][1:]:
        try:
            details.append(entity_detail(store, twin))
        except NotFoundError:  # a list version landed since the clusters were read
            continue
    if len(details) == 1:
        return ()
    links = cluster_links([_indexed(d) for d in details])
    return tuple(
        Twin(d.entity, tuple(link for link in links if d.entity.key in (link.a, link.b))) for d in details[1:]
    )
