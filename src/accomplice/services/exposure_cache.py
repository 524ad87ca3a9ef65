"""The engine over the store, built once per store, generation of its data and trust scope instead of
once per request.

`build_view` reads every exposure record and propagates taint over the whole network: far too much to do
for every API trace or page. The view depends on the exposure batches (every record arrives in one), the
analysts' party decisions and the list versions (listings and their DPRK programmes); all three are only
ever appended to, so one query of their counts and newest ids (`ExposureStore.generation`) tells whether
anything was written since the cached build, by this process or any other (a CLI import while the
server runs). Each read pays that query; a build happens only after a write.

Which records count depends on the reader (services/exposure_visibility.py): the enforcement side
traces with every record, an importer with the shared records and its own organisation's. So the records
are read once per generation and an engine is built over them per trust scope, lazily (a server that only
importers use never builds the enforcement side's), and kept for the generation: at most
MAX_CACHED_SCOPES of them, the least recently used going first.

The cached view is shared by concurrent requests and never changed once built: a write leads to a new
view, built under a lock so that concurrent requests after a write wait for one build instead of each
starting their own. New evidence or relations are not applied to the cached engine in place (the engine
could, see `ExposureEngine.add_evidence`): requests still tracing on it would see it half updated, and a
batch may replace records or sources it already holds; a rebuild is always right.

Values derived from a whole view (the flags of every stored shipment for the /shipments page) are kept
with it (`per_generation`) and go when it goes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar, cast

from accomplice.exposure.model import Shipment
from accomplice.exposure.network import REASONS
from accomplice.services.exposure_visibility import OrgScope, own_orgs
from accomplice.store import Store
from accomplice.store.exposure import SHARED, ExposureStore, PartyRecord

if TYPE_CHECKING:
    from accomplice.services.exposure import ExposureRecords, ExposureView

__all__ = [
    "MAX_CACHED_SCOPES",
    "MAX_CACHED_STORES",
    "StoredFlags",
    "cached_view",
    "per_generation",
    "stored_flags",
]

# A server serves one store; tests and scripts open many in one process, whose views must not pile up.
# A few let a process that alternates between two or three stores (a copy for a dry run) keep them.
MAX_CACHED_STORES = 4
# Engines kept per store generation, one per trust scope (the enforcement side, each importer that
# reads): each holds the whole shared network, so they cost memory like the store's own view; sixteen
# cover the importers active at once on a deployment without keeping every one that ever logged in.
MAX_CACHED_SCOPES = 16

T = TypeVar("T")


@dataclass(slots=True)
class _Scoped:
    view: ExposureView
    derived: dict[str, object] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(slots=True)
class _Entry:
    generation: str
    records: ExposureRecords
    scopes: OrderedDict[OrgScope, _Scoped] = field(default_factory=OrderedDict)


_CACHE: OrderedDict[str, _Entry] = OrderedDict()
# One build at a time: requests after a write wait for the build under way instead of each starting one.
_BUILD_LOCK = threading.Lock()


def _read(store: Store) -> ExposureRecords:
    # Imported here: services.exposure calls this module from the use-cases it defines.
    from accomplice.services.exposure import read_records

    return read_records(store)


def _build(store: Store, extra_parties: Iterable[PartyRecord] = (), orgs: OrgScope = None) -> ExposureView:
    from accomplice.services.exposure import build_view

    return build_view(store, extra_parties=extra_parties, orgs=orgs)


def _view_of(records: ExposureRecords, orgs: OrgScope) -> ExposureView:
    from accomplice.services.exposure import view_of

    return view_of(records, orgs)


def _fresh(store: Store, generation: str) -> _Entry | None:
    entry = _CACHE.get(store.url)
    return entry if entry is not None and entry.generation == generation else None


def _entry(store: Store) -> _Entry:
    """The records of the store's current generation (read again only after a write); call under lock."""
    generation = ExposureStore(store).generation()
    entry = _fresh(store, generation)
    if entry is None:
        # Labelled with the generation read before the reads: a write landing during the build makes
        # the next request build again, never serve the write as missing.
        entry = _Entry(generation, _read(store))
        _CACHE[store.url] = entry
    _CACHE.move_to_end(store.url)
    while len(_CACHE) > MAX_CACHED_STORES:
        _CACHE.popitem(last=False)
    return entry


def _scope_key(orgs: OrgScope) -> OrgScope:
    # The shared records count for everyone: {"acme"} and {"acme", ""} are the same scope.
    return None if orgs is None else frozenset(orgs) - {SHARED}


def _scoped(store: Store, orgs: OrgScope) -> _Scoped:
    key = _scope_key(orgs)
    entry = _fresh(store, ExposureStore(store).generation())
    scoped = entry.scopes.get(key) if entry is not None else None
    if scoped is not None:
        return scoped
    with _BUILD_LOCK:
        # Read again: the build this request waited for may be of a newer generation than the first read.
        entry = _entry(store)
        scoped = entry.scopes.get(key)
        if scoped is None:
            scoped = _Scoped(_view_of(entry.records, key))
            entry.scopes[key] = scoped
        entry.scopes.move_to_end(key)
        while len(entry.scopes) > MAX_CACHED_SCOPES:
            entry.scopes.popitem(last=False)
        return scoped


def cached_view(
    store: Store, *, extra_parties: Iterable[PartyRecord] = (), orgs: OrgScope = None
) -> ExposureView:
    """The engine over the records a reader limited to `orgs` trusts (None: every record), as of the
    store's current generation, built only after a write.

    `extra_parties` (parties of a request, not stored) are added to the returned view's names without
    touching the shared engine when that is all they need: a party of its own has no record in the
    engine, and a party resolved to an entity that stored parties are resolved to already has its
    listings there. A party resolved to any other listed entity brings listings the engine does not
    hold, so the view is then built afresh for this request (as `build_view(store, extra_parties=...)`).
    """
    view = _scoped(store, orgs).view
    extra = [p for p in extra_parties if p.id not in view.parties]
    if not extra:
        return view
    known_nodes = {p.node for p in view.parties.values()}
    if any(p.entity_key is not None and p.node not in known_nodes for p in extra):
        return _build(store, extra, orgs)
    parties = dict(view.parties)
    nodes = dict(view.nodes)
    names = dict(view.names)
    for p in extra:
        parties[p.id] = p
        nodes[p.id] = p.node
        names.setdefault(p.node, p.name)
    return replace(view, parties=parties, nodes=nodes, names=names)


def per_generation(
    store: Store, name: str, compute: Callable[[Store, ExposureView], T], orgs: OrgScope = None
) -> T:
    """`compute(store, view)` once per store generation and trust scope, kept with the cached view."""
    entry = _scoped(store, orgs)
    if name not in entry.derived:
        with entry.lock:
            if name not in entry.derived:
                entry.derived[name] = compute(store, entry.view)
    return cast(T, entry.derived[name])


@dataclass(frozen=True, slots=True)
class StoredFlags:
    """Every stored shipment (by date) with the reasons it is flagged for, empty when clean."""

    view: ExposureView
    shipments: tuple[Shipment, ...]
    reasons: tuple[tuple[str, ...], ...]


def _flag_stored(store: Store, view: ExposureView) -> StoredFlags:
    # One bulk pass over the propagated state (`ExposureEngine.flag_shipments`) instead of a trace per
    # shipment: the flag and its reasons are the same (property-tested), the paths are not needed.
    return _flag_records(view, tuple(ExposureStore(store).shipments()))


def _flag_records(view: ExposureView, records: tuple[Shipment, ...]) -> StoredFlags:
    engine = view.engine
    flags = engine.flag_shipments(engine.shipment_table([view.shipment(r) for r in records]))
    reasons = tuple(
        tuple(str(reason) for bit, reason in enumerate(REASONS) if mask >> bit & 1)
        for mask in flags.reasons.tolist()
    )
    return StoredFlags(view, records, reasons)


def _flag_own(orgs: frozenset[str]) -> Callable[[Store, ExposureView], StoredFlags]:
    def compute(store: Store, view: ExposureView) -> StoredFlags:
        return _flag_records(view, tuple(ExposureStore(store).shipments(orgs=orgs)))

    return compute


def stored_flags(store: Store, orgs: OrgScope = None) -> StoredFlags:
    """The flags of every stored shipment a reader limited to `orgs` may see (None: all), each flagged
    on the engine of the records that reader trusts, computed once per store generation and scope."""
    own = own_orgs(orgs)
    if own is None:
        return per_generation(store, "stored_flags", _flag_stored)
    return per_generation(store, "stored_flags", _flag_own(own), own)
