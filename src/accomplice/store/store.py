"""The store: versioned list statements in SQLite or PostgreSQL behind one small API.

`Store` is a facade over parts that each do one job on the same engine, composed rather than inherited
so that each part can be read (and tested) alone and names only what it needs:

- `list_versions.ListVersions`: the catalogue of lists and their versions;
- `list_import.ListImport`: a new version of a list, in one transaction;
- `list_history.ListHistory`: a list as it stood at a version, and diffs between versions;
- `entities.EntityReads` and `entity_page.read_entity_page`: entities, their statements and relations;
- `name_lookup.NameLookup`: plain substring lookup over names;
- `decisions.DecisionLog`: analysts' screening decisions;
- `generation.ChangeMarks`: what caches ask to know whether the lists changed.

Other areas keep their tables in modules of their own (`store/exposure.py`, `store/monitor.py`, ...) over
the same seam: `Store.engine` for reads, `Store.writer()` for one write transaction, `store.clock` for time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from accomplice.lists.model import (
    ENTITY_ID_PROP,
    EntityRecord,
    EntitySnapshot,
    ImportReport,
    ListDiff,
    ListInfo,
    ListSpec,
    ProgressFn,
    SourceFile,
    StatementView,
    VersionInfo,
)
from accomplice.matching.decisions import Decision
from accomplice.store import migrate
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.decisions import DecisionLog
from accomplice.store.engine import make_engine, writer
from accomplice.store.entities import EntityReads, EntityRow
from accomplice.store.entity_page import EntityBundle, read_entity_page
from accomplice.store.generation import ChangeMarks
from accomplice.store.list_history import ListHistory
from accomplice.store.list_import import ListImport
from accomplice.store.list_versions import ListVersions
from accomplice.store.name_lookup import NameLookup
from accomplice.store.sql import CHUNK

# CHUNK stays importable from here for the store modules that take it with `Store`.
__all__ = ["CHUNK", "ENTITY_ID_PROP", "EntityBundle", "EntityRow", "Store", "open_store"]


class Store:
    """Versioned sanctions-list statements in one database (SQLite file or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._versions = ListVersions(engine)
        self._import = ListImport(engine)
        self._history = ListHistory(engine, self._versions)
        self._entities = EntityReads(engine)
        self._names = NameLookup(engine, self._entities)
        self._decisions = DecisionLog(engine, AuditLog(self))
        self._marks = ChangeMarks(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def file_path(self) -> Path | None:
        """The database file of an SQLite store; None for an in-memory one or another database."""
        url = self.engine.url
        database = url.database
        if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return None
        if database.startswith("file:"):
            return None  # a URI filename (shared in-memory databases): no file to sit beside
        return Path(database).resolve()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def writer(self) -> AbstractContextManager[Connection]:
        """A write transaction on this store (the one write seam: see `engine.writer`)."""
        return writer(self.engine)

    # -- lists and versions (list_versions, list_import, list_history) ------------------------------

    def lists(self) -> list[ListInfo]:
        return self._versions.lists()

    def versions(self, list_name: str) -> list[VersionInfo]:
        return self._versions.versions(list_name)

    def version(self, list_name: str, ref: str | int | None = None) -> VersionInfo:
        """Find a version by number, label, data date, `latest` or `previous` (None means latest)."""
        return self._versions.version(list_name, ref)

    def latest_checksum(self, list_name: str) -> str | None:
        return self._versions.latest_checksum(list_name)

    def import_version(
        self,
        spec: ListSpec,
        records: Sequence[EntityRecord],
        *,
        components: Sequence[str],
        files: Sequence[SourceFile],
        checksum: str,
        label: str | None = None,
        data_date: str | None = None,
        warnings: Sequence[str] = (),
        progress: ProgressFn | None = None,
    ) -> ImportReport:
        """Store `records` as the next version of `spec.name`, in one transaction (see `ListImport`)."""
        return self._import.import_version(
            spec,
            records,
            components=components,
            files=files,
            checksum=checksum,
            label=label,
            data_date=data_date,
            warnings=warnings,
            progress=progress,
        )

    def snapshot(self, list_name: str, seq: int) -> dict[str, EntitySnapshot]:
        """The state of a list as of version `seq`, carrying over components that version did not cover."""
        return self._history.snapshot(list_name, seq)

    def diff(self, list_name: str, old: str | int | None = None, new: str | int | None = None) -> ListDiff:
        """Compare two versions of a list (by default the two latest)."""
        return self._history.diff(list_name, old, new)

    # -- entities (entities, entity_page, name_lookup) -----------------------------------------------

    def entity(self, key: str) -> EntityRow | None:
        return self._entities.entity(key)

    def entity_rows(self, keys: Sequence[str]) -> dict[str, EntityRow]:
        """Several entities by key in two queries, however many keys; unknown keys are left out."""
        return self._entities.entity_rows(keys)

    def entity_statements(self, key: str, *, current_only: bool = False) -> list[StatementView]:
        return self._entities.entity_statements(key, current_only=current_only)

    def entity_with_relations(self, key: str, max_relations: int) -> EntityBundle | None:
        """An entity, every statement of it, the current relations naming it and the entities they name."""
        return read_entity_page(self.engine, key, max_relations)

    def referencing(self, key: str) -> list[str]:
        """Keys of current entities (relations) whose properties point at `key`."""
        return self._entities.referencing(key)

    def values_of(self, keys: Sequence[str], prop: str) -> dict[str, set[str]]:
        """Every value (in any version) of `prop` for each of `keys`."""
        return self._entities.values_of(keys, prop)

    def current_values(self, list_name: str, keys: Sequence[str], prop: str) -> dict[str, set[str]]:
        """The values of `prop` that the latest version of `list_name` holds for each of `keys`."""
        return self._entities.current_values(list_name, keys, prop)

    def iter_current_statements(self, list_name: str | None = None) -> Iterator[StatementView]:
        return self._entities.iter_current_statements(list_name)

    def count_current_entities(self, schemas: Iterable[str] | None = None) -> int:
        return self._entities.count_current_entities(schemas)

    def iter_current_entities(self) -> Iterator[EntityRow]:
        return self._entities.iter_current_entities()

    def iter_current_properties(
        self, schemas: Iterable[str] | None = None
    ) -> Iterator[tuple[EntityRow, dict[str, list[str]]]]:
        """Every current entity (of `schemas`) with its current values grouped by property."""
        return self._entities.iter_current_properties(schemas)

    def lookup_names(self, text: str, limit: int = 20) -> list[EntityRow]:
        """Plain case-insensitive substring lookup over current names and aliases (no fuzzy matching)."""
        return self._names.lookup_names(text, limit)

    def matching_names(self, keys: Sequence[str], text: str) -> dict[str, list[tuple[str, str]]]:
        """For each of `keys`, its current (property, name) pairs that `lookup_names(text)` matches."""
        return self._names.matching_names(keys, text)

    # -- decisions (decisions) -----------------------------------------------------------------------

    def add_decision(self, decision: Decision, audit: AuditEntry | None = None) -> None:
        """Record an analyst's decision (append-only), with `audit` in the same transaction."""
        self._decisions.add_decision(decision, audit)

    def decisions(
        self, *, org: str | None, entity_key: str | None = None, query_fingerprint: str | None = None
    ) -> list[Decision]:
        """The decisions of organisation `org` ("" = the enforcement side's shared ones), oldest first."""
        return self._decisions.decisions(org=org, entity_key=entity_key, query_fingerprint=query_fingerprint)

    def decisions_mark(self) -> str:
        """Changes whenever a decision is added (by any process): lets caches of decisions reload them."""
        return self._decisions.decisions_mark()

    # -- change marks for caches (generation) --------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever any list gets a new version: lets caches (the screening index) know to rebuild."""
        return self._marks.generation()

    def versions_fingerprint(self) -> str:
        """A hash of every list version the store holds: what a persisted screening index was built from."""
        return self._marks.versions_fingerprint()

    def local_writes(self) -> int:
        """List versions and decisions written to this store by this process so far."""
        return self._marks.local_writes()


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """Open (and migrate) the store at `url`, or the configured default (embedded SQLite)."""
    if url is None:
        from accomplice.settings import get_settings

        url = get_settings().db_url
    make_url(url)  # raises a clear ArgumentError on a malformed URL before we touch anything
    engine = make_engine(url)
    if upgrade:
        migrate.upgrade(engine)
    return Store(engine)
