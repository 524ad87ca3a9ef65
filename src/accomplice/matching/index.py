"""The candidate index: blocking keys that survive script, romanization and spelling differences.

Candidate generation must not be brute force: every name is reduced to keys (its words, each word's
consonant skeleton, its syllable bigrams in each reading, its transliteration skeleton, its identifiers)
and the index maps each key to the entities that have it. A query collects the entities sharing its keys,
weighted by how rare each key is (inverse document frequency), and only the best few are scored fully.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from accomplice.matching.model import IndexedEntity, NameForms, QueryEntity

__all__ = ["Candidate", "CandidateIndex", "entity_keys"]

# Keys of different kinds are not equally telling: an identifier almost decides, a syllable bigram is
# specific to one romanized name, a word skeleton only says "spelt alike".
KEY_KIND_WEIGHTS = {"i": 4.0, "y": 1.5, "Y": 2.5, "w": 1.0, "s": 0.6, "r": 1.0, "q": 0.5}
# A key shared by more than this share of all entities ("ltd", "kim", "mohammad") carries almost no
# information and costs a long posting walk; it is skipped unless the query has nothing rarer.
MAX_KEY_SHARE = 0.05


def entity_keys(names: Iterable[NameForms], identifiers: Iterable[tuple[str, str]]) -> set[str]:
    keys: set[str] = set()
    for forms in names:
        keys |= forms.keys
    for kind, value in identifiers:
        keys.add(f"i:{kind}:{value}")
    return keys


@dataclass(frozen=True, slots=True)
class Candidate:
    entity: IndexedEntity
    weight: float
    # The query keys that chose the candidates (common keys like "kim" left out): the name pairs worth
    # comparing share at least one of them.
    keys: frozenset[str] = frozenset()


class CandidateIndex:
    """Inverted index from blocking keys to entities; build with `add`, then `freeze`, then query."""

    def __init__(self) -> None:
        self.entities: list[IndexedEntity] = []
        self._building: dict[str, list[int]] | None = defaultdict(list)
        self._postings: dict[str, np.ndarray[Any, np.dtype[np.int32]]] = {}
        self._idf: dict[str, float] = {}
        self._by_key: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[IndexedEntity]:
        return iter(self.entities)

    def add(self, entity: IndexedEntity) -> None:
        if self._building is None:
            raise RuntimeError("index is frozen")
        position = len(self.entities)
        self.entities.append(entity)
        for key in entity.keys or (entity.key,):
            # A merged cluster answers to every member's key.
            self._by_key[key] = position
        for key in entity_keys(entity.names, entity.identifiers):
            self._building[key].append(position)

    def freeze(self) -> CandidateIndex:
        if self._building is None:
            return self
        total = max(1, len(self.entities))
        for key, positions in self._building.items():
            self._postings[key] = np.fromiter(positions, dtype=np.int32, count=len(positions))
            kind_weight = KEY_KIND_WEIGHTS.get(key[0], 1.0)
            self._idf[key] = kind_weight * math.log(1 + total / len(positions))
        self._building = None
        return self

    def get(self, key: str) -> IndexedEntity | None:
        position = self._by_key.get(key)
        return None if position is None else self.entities[position]

    @property
    def key_count(self) -> int:
        return len(self._postings)

    def candidates(self, query: QueryEntity, limit: int) -> list[Candidate]:
        """The `limit` entities sharing the most (and rarest) keys with the query."""
        if self._building is not None:
            self.freeze()
        keys = entity_keys(query.names, query.identifiers)
        max_postings = max(1, int(MAX_KEY_SHARE * len(self.entities)))
        present = [(k, self._postings[k]) for k in keys if k in self._postings]
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
        weights = np.concatenate([np.full(len(p), self._idf[k]) for k, p in usable])
        unique, inverse = np.unique(positions, return_inverse=True)
        totals = np.bincount(inverse, weights=weights)
        top = np.argpartition(-totals, limit - 1)[:limit] if len(unique) > limit else np.arange(len(unique))
        ranked = sorted(((float(totals[i]), int(unique[i])) for i in top), key=lambda wp: (-wp[0], wp[1]))
        return [Candidate(self.entities[position], weight, chosen) for weight, position in ranked]
