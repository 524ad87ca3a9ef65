"""Values that flow between loaders, the store and the interfaces. No I/O here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "COMPONENT_MAIN",
    "ENTITY_ID_PROP",
    "EntityChange",
    "EntityRecord",
    "EntitySnapshot",
    "ImportReport",
    "ListDiff",
    "ListInfo",
    "ListSpec",
    "ProgressFn",
    "PropChange",
    "SourceFile",
    "StatementView",
    "Value",
    "VersionInfo",
    "statement_hash",
]

# Called as progress(stage, done, total) by long operations; total is 0 when unknown.
ProgressFn = Callable[[str, int, int], None]

# Every version of every list carries the "main" component: the file that says which entities exist.
# Formats split over several files (OFAC: sdn.csv + add.csv + alt.csv) tag the other files' values with
# their own component so that a version built from fewer files (a lone sdn.csv) does not read as the
# removal of every alias and address.
COMPONENT_MAIN = "main"
# The statement that says "this entity exists in this list", after nomenklatura's convention: its value
# is the key itself, so an entity without any other value in a component still has a presence.
ENTITY_ID_PROP = "id"


@dataclass(frozen=True, slots=True)
class Value:
    """One property value of one entity, as a loader read it."""

    prop: str
    value: str
    component: str = COMPONENT_MAIN
    lang: str | None = None
    original_value: str | None = None


@dataclass(slots=True)
class EntityRecord:
    """An entity as one list version states it: a stable key, an FtM schema and its values."""

    key: str
    schema: str
    caption: str
    values: list[Value] = field(default_factory=list)


def statement_hash(key: str, prop: str, value: str, lang: str | None) -> str:
    """Identity of a statement across versions: the same key, property, value and language."""
    # \x1f (unit separator) cannot occur in cleaned FtM values, so the join is unambiguous.
    raw = "\x1f".join((key, prop, value, lang or ""))
    return hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file that went into a list version, kept so that a version can be traced to its bytes."""

    name: str
    component: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ListSpec:
    """What a list is and where it comes from; stored once per list name."""

    name: str
    title: str
    publisher: str
    source_url: str
    format: str
    licence: str


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    title: str
    publisher: str
    source_url: str
    format: str
    licence: str
    versions: int
    latest_seq: int | None
    latest_label: str | None
    latest_imported_at: datetime | None
    current_entities: int  # people, organisations, vessels... in the latest version, links not included
    current_links: int = 0  # relations between them (lists.counts.is_link_schema)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    list_name: str
    seq: int
    label: str
    data_date: str | None
    imported_at: datetime
    checksum: str
    components: tuple[str, ...]
    files: tuple[SourceFile, ...]
    counts: dict[str, int]
    warnings: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"{self.list_name}@{self.seq}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import did: a new version, or nothing because the files were already loaded."""

    list_name: str
    version: VersionInfo
    unchanged: bool
    added_statements: int
    removed_statements: int
    retained_statements: int
    warnings: tuple[str, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class StatementView:
    """A stored value with its provenance: which list said it, first and last seen in which version."""

    entity_key: str
    list_name: str
    component: str
    schema: str
    prop: str
    value: str
    lang: str | None
    original_value: str | None
    first_seq: int
    last_seq: int
    first_seen: str
    last_seen: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class EntitySnapshot:
    """An entity as of one version: its schema, caption and the set of (property, value) pairs."""

    schema: str
    caption: str
    values: frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PropChange:
    prop: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntityChange:
    key: str
    caption: str
    schema: str
    kind: str  # "added" | "removed" | "changed"
    changes: tuple[PropChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ListDiff:
    list_name: str
    old: VersionInfo
    new: VersionInfo
    added: tuple[EntityChange, ...]
    removed: tuple[EntityChange, ...]
    changed: tuple[EntityChange, ...]
    carried_components: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)
