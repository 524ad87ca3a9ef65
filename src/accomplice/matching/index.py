"""The candidate index: blocking keys that survive script, romanization and spelling differences.

Candidate generation must not be brute force: every name is reduced to keys (its words, each word's
consonant skeleton, its syllable bigrams in each reading, its transliteration skeleton, its identifiers)
and the index maps each key to the entities that have it. A query collects the entities sharing its keys,
weighted by how rare each key is (inverse document frequency), and only the best few are scored fully.

A frozen index is a handful of flat arrays (`IndexTables`): the keys by a stable 64-bit hash, each key's
postings, and the entities as compact records analysed again only when a query touches them. The same
arrays are what a persisted index maps from disk (store.index_files), so a fresh build and a persisted
index answer through one code path, and server processes that map the same files share their pages.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from accomplice.matching.model import IndexedEntity, NameForms, QueryEntity

__all__ = [
    "TABLE_NAMES",
    "Candidate",
    "CandidateIndex",
    "EntitySource",
    "IndexTables",
    "TextTable",
    "entity_keys",
    "key_hash",
]

# Keys of different kinds are not equally telling: an identifier almost decides, a syllable bigram is
# specific to one romanized name, a word skeleton only says "spelt alike".
KEY_KIND_WEIGHTS = {"i": 4.0, "y": 1.5, "Y": 2.5, "w": 1.0, "s": 0.6, "r": 1.0, "q": 0.5}
# A key shared by more than this share of all entities ("ltd", "kim", "mohammad") carries almost no
# information and costs a long posting walk; it is skipped unless the query has nothing rarer.
MAX_KEY_SHARE = 0.05
# Bytes of the key hash: 64 bits keep accidental collisions between a few million keys below one in a
# million, and the key text stored beside each hash rules out the rest.
KEY_HASH_BYTES = 8

Array = np.ndarray[Any, Any]


def entity_keys(names: Iterable[NameForms], identifiers: Iterable[tuple[str, str]]) -> set[str]:
    keys: set[str] = set()
    for forms in names:
        keys |= forms.keys
    for kind, value in identifiers:
        keys.add(f"i:{kind}:{value}")
    return keys


def key_hash(key: str) -> int:
    """A hash of a key that is the same in every process (Python's own `hash` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=KEY_HASH_BYTES).digest(), "little")


def _hashes(keys: Sequence[str]) -> Array:
    return np.fromiter((key_hash(k) for k in keys), dtype=np.uint64, count=len(keys))


def _blob(texts: Sequence[str]) -> tuple[Array, Array]:
    """Strings as one UTF-8 byte array and the offsets where each starts (n + 1 offsets)."""
    encoded = [t.encode() for t in texts]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=starts[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), starts


# The arrays of a frozen index, by the name each is saved under.
TABLE_NAMES = (
    "key_hash",  # uint64, sorted: the hash of every key
    "key_start",  # int64, len + 1: where each key's postings start in `postings`
    "key_text",  # uint8: the keys' UTF-8 text, to tell a hash collision from the key
    "key_text_start",  # int64, len + 1
    "postings",  # int32: entity positions, grouped by key
    "entity_hash",  # uint64, sorted: the hash of every list key of every entity
    "entity_position",  # int32: the entity each list key belongs to
)


@dataclass(frozen=True, slots=True)
class IndexTables:
    """The frozen index as flat arrays (in memory, or mapped read-only from files)."""

    key_hash: Array
    key_start: Array
    key_text: Array
    key_text_start: Array
    postings: Array
    entity_hash: Array
    entity_position: Array

    @staticmethod
    def build(postings: Mapping[str, Sequence[int]], by_key: Mapping[str, int]) -> IndexTables:
        keys = sorted(postings, key=key_hash)
        lengths = np.fromiter((len(postings[k]) for k in keys), dtype=np.int64, count=len(keys))
        starts = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        flat = np.fromiter((p for k in keys for p in postings[k]), dtype=np.int32, count=int(starts[-1]))
        text, text_start = _blob(keys)
        entity_keys_sorted = sorted(by_key, key=key_hash)
        return IndexTables(
            key_hash=_hashes(keys),
            key_start=starts,
            key_text=text,
            key_text_start=text_start,
            postings=flat,
            entity_hash=_hashes(entity_keys_sorted),
            entity_position=np.fromiter(
                (by_key[k] for k in entity_keys_sorted), dtype=np.int32, count=len(entity_keys_sorted)
            ),
        )

    def as_dict(self) -> dict[str, Array]:
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def _key_at(self, i: int) -> bytes:
        return bytes(self.key_text[int(self.key_text_start[i]) : int(self.key_text_start[i + 1])])

    def postings_of(self, keys: Sequence[str]) -> list[tuple[str, Array]]:
        """(key, postings) for each of `keys` the index holds, in the order given."""
        if not keys or not len(self.key_hash):
            return []
        hashes = _hashes(keys)
        found = np.searchsorted(self.key_hash, hashes)
        out = []
        for key, h, i in zip(keys, hashes, found.tolist(), strict=True):
            encoded = key.encode()
            # Equal hashes sit side by side; the key text tells them apart.
            while i < len(self.key_hash) and self.key_hash[i] == h:
                if self._key_at(i) == encoded:
                    out.append((key, self.postings[int(self.key_start[i]) : int(self.key_start[i + 1])]))
                    break
                i += 1
        return out

    def positions_of(self, key: str) -> list[int]:
        """Positions of the entities that may have list key `key` (the caller checks which one has)."""
        h = np.uint64(key_hash(key))
        i = int(np.searchsorted(self.entity_hash, h))
        out = []
        while i < len(self.entity_hash) and self.entity_hash[i] == h:
            out.append(int(self.entity_position[i]))
            i += 1
        return out

    @property
    def key_count(self) -> int:
        return len(self.key_hash)


class EntitySource(Protocol):
    """Where a frozen index finds its entities: a list in memory, or records analysed on demand."""

    def __len__(self) -> int: ...

    def entity(self, position: int) -> IndexedEntity: ...

    def cluster_keys(self, position: int) -> tuple[str, ...]: ...


class _ListedEntities:
    def __init__(self, entities: list[IndexedEntity]) -> None:
        self.entities = entities

    def __len__(self) -> int:
        return len(self.entities)

    def entity(self, position: int) -> IndexedEntity:
        return self.entities[position]

    def cluster_keys(self, position: int) -> tuple[str, ...]:
        entity = self.entities[position]
        return entity.keys or (entity.key,)


@dataclass(frozen=True, slots=True)
class Candidate:
    entity: IndexedEntity
    weight: float
    # The query keys that chose the candidates (common keys like "kim" left out): the name pairs worth
    # comparing share at least one of them.
    keys: frozenset[str] = frozenset()


class CandidateIndex:
    """Inverted index from blocking keys to entities; build with `add`, then `freeze`, then query.

    `CandidateIndex.from_tables` opens a frozen index from its arrays and an entity source instead (a
    persisted index).
    """

    def __init__(self) -> None:
        self._added: list[IndexedEntity] = []
        self._building: dict[str, list[int]] | None = defaultdict(list)
        self._by_key: dict[str, int] = {}
        self._tables: IndexTables | None = None
        self._entities: EntitySource = _ListedEntities(self._added)

    @classmethod
    def from_tables(cls, tables: IndexTables, entities: EntitySource) -> CandidateIndex:
        index = cls()
        index._building = None
        index._tables = tables
        index._entities = entities
        return index

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[IndexedEntity]:
        """Every entity (a persisted index analyses each one's names: slow, for benchmarks and tools)."""
        return (self._entities.entity(i) for i in range(len(self._entities)))

    def add(self, entity: IndexedEntity) -> None:
        if self._building is None:
            raise RuntimeError("index is frozen")
        position = len(self._added)
        self._added.append(entity)
        for key in entity.keys or (entity.key,):
            # A merged cluster answers to every member's key.
            self._by_key[key] = position
        for key in entity_keys(entity.names, entity.identifiers):
            self._building[key].append(position)

    def freeze(self) -> CandidateIndex:
        if self._building is None:
            return self
        self._tables = IndexTables.build(self._building, self._by_key)
        self._building = None
        self._by_key = {}
        return self

    @property
    def tables(self) -> IndexTables:
        self.freeze()
        assert self._tables is not None  # freeze() set them
        return self._tables

    @property
    def entity_source(self) -> EntitySource:
        return self._entities

    def entity_at(self, position: int) -> IndexedEntity:
        return self._entities.entity(position)

    def cluster_keys(self) -> Iterator[tuple[str, ...]]:
        """The list keys of each entity, leading key first, without analysing any names."""
        return (self._entities.cluster_keys(i) for i in range(len(self._entities)))

    def get(self, key: str) -> IndexedEntity | None:
        for position in self.tables.positions_of(key):
            if key in self._entities.cluster_keys(position):
                return self._entities.entity(position)
        return None

    @property
    def key_count(self) -> int:
        return self.tables.key_count

    def _idf(self, key: str, postings: int) -> float:
        kind_weight = KEY_KIND_WEIGHTS.get(key[0], 1.0)
        return kind_weight * math.log(1 + max(1, len(self)) / postings)

    def candidates(self, query: QueryEntity, limit: int) -> list[Candidate]:
        """The `limit` entities sharing the most (and rarest) keys with the query."""
        # Sorted, so that the weights are summed in the same order in every process.
        keys = sorted(entity_keys(query.names, query.identifiers))
        max_postings = max(1, int(MAX_KEY_SHARE * len(self)))
        present = self.tables.postings_of(keys)
        usable = [(k, p) for k, p in present if len(p) <= max_postings]
        if not usable and present:
            # Only very common keys ("KIM", "TRADING"): use the rarest of them rather than nothing.
            usable = sorted(present, key=lambda kp: len(kp[1]))[:2]
        if not usable:
            return []
        chosen = frozenset(k for k, _ in usable)
        # Sum each entity's key weights without touching every entity: concatenate the postings, group
        # equal positions and add their weights (vectorised; cost follows the postings, not the index size).
        positions = np.concatenate([p for _, p in usable])
        weights = np.concatenate([np.full(len(p), self._idf(k, len(p))) for k, p in usable])
        unique, inverse = np.unique(positions, return_inverse=True)
        totals = np.bincount(inverse, weights=weights)
        top = np.argpartition(-totals, limit - 1)[:limit] if len(unique) > limit else np.arange(len(unique))
        ranked = sorted(((float(totals[i]), int(unique[i])) for i in top), key=lambda wp: (-wp[0], wp[1]))
        return [Candidate(self._entities.entity(position), weight, chosen) for weight, position in ranked]


@dataclass(frozen=True, slots=True)
class TextTable:
    """A read-only map from text to text as flat arrays (in memory, or mapped from files): sorted hashes
    of the keys, the keys' text (to tell collisions apart) and the values."""

    hash: Array
    key_text: Array
    key_start: Array
    value_text: Array
    value_start: Array

    @staticmethod
    def build(mapping: Mapping[str, str]) -> TextTable:
        keys = sorted(mapping, key=key_hash)
        key_text, key_start = _blob(keys)
        value_text, value_start = _blob([mapping[k] for k in keys])
        return TextTable(_hashes(keys), key_text, key_start, value_text, value_start)

    def as_dict(self, prefix: str) -> dict[str, Array]:
        return {f"{prefix}_{name}": getattr(self, name) for name in TEXT_TABLE_PARTS}

    @staticmethod
    def from_dict(prefix: str, arrays: Mapping[str, Array]) -> TextTable:
        return TextTable(*(arrays[f"{prefix}_{name}"] for name in TEXT_TABLE_PARTS))

    def __len__(self) -> int:
        return len(self.hash)

    def get(self, key: str) -> str | None:
        h = np.uint64(key_hash(key))
        i = int(np.searchsorted(self.hash, h))
        encoded = key.encode()
        while i < len(self.hash) and self.hash[i] == h:
            if bytes(self.key_text[int(self.key_start[i]) : int(self.key_start[i + 1])]) == encoded:
                start, end = int(self.value_start[i]), int(self.value_start[i + 1])
                return bytes(self.value_text[start:end]).decode()
            i += 1
        return None


TEXT_TABLE_PARTS = ("hash", "key_text", "key_start", "value_text", "value_start")
