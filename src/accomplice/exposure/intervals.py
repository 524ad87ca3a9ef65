"""Sets of integer day intervals keyed by group, as sorted numpy columns: the engine's propagated state.

An `IntervalSet` holds rows (key, lo, hi) meaning "for group `key`, every day lo..hi (inclusive)". It is
kept *normal*: sorted by (key, lo), and no two rows of one key overlap or touch (touching days merge, as
days are integers). In a normal set, a day or an interval that the union covers is covered by one row,
which makes membership one binary search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["IntervalSet"]

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Bounds are packed into the low 32 bits of a sort key beside the group in the high bits; they are
# offset by 2^31 so that every bound in [-2^31, 2^31) packs as a non-negative number.
_SHIFT = np.int64(32)
_OFFSET = np.int64(1 << 31)
# `bits_at` expands (query × row) pairs: 2M queries of ~6 rows is ~12M pairs, a few hundred MB at most.
BITS_CHUNK_QUERIES = 2_000_000


def _pack(key: I64, value: I64) -> I64:
    return (key << _SHIFT) + (value + _OFFSET)


@dataclass(slots=True)
class IntervalSet:
    key: I64
    lo: I64
    hi: I64
    # (key, lo) packed for binary search, computed on first use: sets are never changed in place.
    _packed: I64 | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls) -> IntervalSet:
        z = np.zeros(0, np.int64)
        return cls(z, z.copy(), z.copy())

    @classmethod
    def normal(cls, key: I64, lo: I64, hi: I64, *, runs: bool = False) -> IntervalSet:
        """The normal form of arbitrary rows: drop empty ones, sort, merge overlapping and touching ones."""
        keep = lo <= hi
        key, lo, hi = key[keep], lo[keep], hi[keep]
        if len(key) == 0:
            return cls.empty()
        # A union concatenates two sorted sets (`runs`): a stable sort (timsort) merges them in linear
        # time; arbitrary rows sort faster with quicksort.
        order = np.argsort(_pack(key, lo), kind="stable" if runs else "quicksort")
        key, lo, hi = key[order], lo[order], hi[order]
        # Running maximum of `hi` within each key: packing the key above the bound makes one global
        # running maximum restart at every key (keys are sorted ascending).
        running = np.maximum.accumulate(_pack(key, hi))
        running_hi = running - (key << _SHIFT) - _OFFSET
        starts = np.ones(len(key), dtype=np.bool_)
        starts[1:] = (key[1:] != key[:-1]) | (lo[1:] > running_hi[:-1] + 1)
        first = np.flatnonzero(starts)
        return cls(key[first], lo[first], np.maximum.reduceat(hi, first))

    def __len__(self) -> int:
        return len(self.key)

    def union(self, other: IntervalSet) -> IntervalSet:
        if len(other) == 0:
            return self
        if len(self) == 0:
            return other
        return IntervalSet.normal(
            np.concatenate([self.key, other.key]),
            np.concatenate([self.lo, other.lo]),
            np.concatenate([self.hi, other.hi]),
            runs=True,
        )

    def _row_at(self, key: I64, day: I64) -> tuple[I64, Bools]:
        """For each (key, day): the row whose lo is the greatest ≤ day within key, and whether one exists."""
        if self._packed is None:
            self._packed = _pack(self.key, self.lo)
        row = np.searchsorted(self._packed, _pack(key, day), side="right").astype(np.int64) - 1
        found = row >= 0
        safe = np.where(found, row, 0)
        if len(self) == 0:
            return safe, np.zeros(len(key), np.bool_)
        found &= self.key[safe] == key
        return safe, found

    def contains(self, key: I64, day: I64) -> Bools:
        """Whether each `day` lies in the set of its `key`."""
        row, found = self._row_at(key, day)
        if len(self) == 0:
            return found
        return found & (self.hi[row] >= day)

    def covers(self, key: I64, lo: I64, hi: I64) -> Bools:
        """Whether each interval [lo, hi] of `key` lies wholly inside the set."""
        row, found = self._row_at(key, lo)
        if len(self) == 0:
            return found
        return found & (self.hi[row] >= hi)

    def pointer(self, n_keys: int) -> I64:
        """Row ranges by key, dense: rows of key k are pointer[k]:pointer[k + 1] (keys < n_keys)."""
        pointer = np.zeros(n_keys + 1, np.int64)
        np.cumsum(np.bincount(self.key, minlength=n_keys), out=pointer[1:])
        return pointer

    def contains_at(self, pointer: I64, key: I64, day: I64) -> Bools:
        """`contains` through a dense pointer: no binary search, a few gathers per query (rows per key
        are few); much faster than `contains` for millions of unsorted queries."""
        start = pointer[key]
        count = pointer[key + 1] - start
        hit = np.zeros(len(key), np.bool_)
        todo = np.flatnonzero(count > 0)
        step = 0
        while len(todo):
            row = start[todo] + step
            hit[todo] = (self.lo[row] <= day[todo]) & (day[todo] <= self.hi[row])
            step += 1
            todo = todo[~hit[todo] & (count[todo] > step)]
        return hit

    def bits_at(self, pointer: I64, first: I64, width: int, day: I64) -> npt.NDArray[np.uint8]:
        """For keys first .. first + width − 1 of each query: bit (key − first) set where `day` is in the
        set of that key. Every (query, row) pair of those keys at once — a party holds a few rows (about
        six on the generated networks) — reduced per query; in slices to bound the pair arrays."""
        bits = np.zeros(len(first), np.uint8)
        for lo_q in range(0, len(first), BITS_CHUNK_QUERIES):
            part = slice(lo_q, lo_q + BITS_CHUNK_QUERIES)
            start = pointer[first[part]]
            count = pointer[first[part] + width] - start
            has = np.flatnonzero(count > 0)
            if len(has) == 0:
                continue
            counts = count[has]
            offsets = np.cumsum(counts) - counts
            owner = np.repeat(np.arange(len(has), dtype=np.int64), counts)
            row = np.repeat(start[has] - offsets, counts) + np.arange(int(counts.sum()), dtype=np.int64)
            when = np.repeat(day[part][has], counts)
            inside = (self.lo[row] <= when) & (when <= self.hi[row])
            shift = (self.key[row] - np.repeat(first[part][has], counts)).astype(np.uint8)
            pair_bits = np.where(inside, np.uint8(1) << shift, np.uint8(0)).astype(np.uint8)
            del owner
            bits[lo_q + has] = np.bitwise_or.reduceat(pair_bits, offsets)
        return bits

    def keys(self) -> I64:
        return np.unique(self.key)

    def rows_of(self, key: int) -> list[tuple[int, int]]:
        start = int(np.searchsorted(self.key, key, side="left"))
        stop = int(np.searchsorted(self.key, key, side="right"))
        return [(int(self.lo[i]), int(self.hi[i])) for i in range(start, stop)]
