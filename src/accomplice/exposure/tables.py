"""Columnar tables for the exposure engine: every record a row of numpy arrays, parties as int indices.

Ten million shipments cannot be Python objects within 8 GB (a frozen dataclass with slots and its strings
costs several hundred bytes; the columns here cost about 30 bytes a shipment). The object values of
`model.py` and these tables describe the same facts; `ExposureEngine.from_values` converts the former into
the latter, and `synthetic.py` produces the latter directly.

Days are int32 day numbers since 1970-01-01 (`day_number`). An open period side is `OPEN_START` /
`OPEN_END`, far enough out that adding the production lead never overflows int64 arithmetic.
Ids of rows are any `Sequence[str]`: a list for data converted from values, a `NumberedIds` (computed on
demand, no memory) for generated data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import overload

import numpy as np
import numpy.typing as npt

from accomplice.exposure.model import Period, Source

__all__ = [
    "NO_PARTY",
    "OPEN_END",
    "OPEN_START",
    "EvidenceTable",
    "FacilityTable",
    "ListingTable",
    "NumberedIds",
    "OwnershipTable",
    "ShipmentTable",
    "SupplyTable",
    "Tables",
    "day_number",
    "day_of",
    "period_days",
    "share_units",
]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_EPOCH = date(1970, 1, 1)
# Far outside any real date (±2^28 days is ±735,000 years) yet small enough that `end + lead` and the
# group-key packing in `intervals.py` (32 bits per interval bound) stay exact.
OPEN_START = -(1 << 28)
OPEN_END = 1 << 28
NO_PARTY = -1
# Shares are stored as integers in units of 1/10,000 of a percent, so that 25% + 25% is exactly 50% and
# 49.99% is exactly below it: float sums such as 16.67 + 33.33 would otherwise land a hair either side.
SHARE_UNITS_PER_PERCENT = 10_000
NO_SHARE = -1


def day_number(day: date) -> int:
    return (day - _EPOCH).days


def day_of(number: int) -> date | None:
    if number <= OPEN_START or number >= OPEN_END:
        return None
    return _EPOCH + timedelta(days=int(number))


def period_days(period: Period) -> tuple[int, int]:
    start = OPEN_START if period.start is None else day_number(period.start)
    end = OPEN_END if period.end is None else day_number(period.end)
    return start, end


def period_of(start: int, end: int) -> Period:
    return Period(day_of(start), day_of(end))


def share_units(share: float | None) -> int:
    return NO_SHARE if share is None else round(share * SHARE_UNITS_PER_PERCENT)


class NumberedIds(Sequence[str]):
    """Ids `prefix0`, `prefix1`, ... computed on demand: ten million row ids without ten million strings."""

    __slots__ = ("prefix", "size")

    def __init__(self, prefix: str, count: int) -> None:
        self.prefix = prefix
        self.size = count

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(index)
        return f"{self.prefix}{index}"

    def __iter__(self) -> Iterator[str]:
        return (f"{self.prefix}{i}" for i in range(self.size))

    def index_of(self, key: str) -> int | None:
        if not key.startswith(self.prefix) or not key[len(self.prefix) :].isdigit():
            return None
        index = int(key[len(self.prefix) :])
        return index if index < self.size else None


def _i32(values: object) -> I32:
    return np.ascontiguousarray(values, dtype=np.int32)


@dataclass(slots=True)
class SupplyTable:
    """Goods flow supplier → buyer during [start, end]; HS restrictions as a sparse (row, prefix) list."""

    supplier: I32
    buyer: I32
    start: I32
    end: I32
    # Sparse: row `restricted_row[k]` carries HS prefix `hs_prefixes[restricted_prefix[k]]`.
    restricted_row: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    restricted_prefix: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    source: I32 | None = None  # index into Tables.sources, -1 for none
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.supplier, self.buyer = _i32(self.supplier), _i32(self.buyer)
        self.start, self.end = _i32(self.start), _i32(self.end)
        self.restricted_row, self.restricted_prefix = _i32(self.restricted_row), _i32(self.restricted_prefix)
        if not self.ids:
            self.ids = NumberedIds("rel:", len(self.supplier))

    def __len__(self) -> int:
        return len(self.supplier)


@dataclass(slots=True)
class OwnershipTable:
    """`owner` holds `share` (in 1/10,000 percent; -1 = control without a figure) of `owned`."""

    owner: I32
    owned: I32
    share: I64
    start: I32
    end: I32
    source: I32 | None = None
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.owner, self.owned = _i32(self.owner), _i32(self.owned)
        self.share = np.ascontiguousarray(self.share, dtype=np.int64)
        self.start, self.end = _i32(self.start), _i32(self.end)
        if not self.ids:
            self.ids = NumberedIds("own:", len(self.owner))

    def __len__(self) -> int:
        return len(self.owner)


@dataclass(slots=True)
class ListingTable:
    party: I32
    dprk: Bools
    blocked: Bools
    start: I32
    end: I32
    list_keys: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.party = _i32(self.party)
        self.dprk = np.ascontiguousarray(self.dprk, dtype=np.bool_)
        self.blocked = np.ascontiguousarray(self.blocked, dtype=np.bool_)
        self.start, self.end = _i32(self.start), _i32(self.end)
        if not self.list_keys:
            self.list_keys = NumberedIds("list:", len(self.party))

    def __len__(self) -> int:
        return len(self.party)


@dataclass(slots=True)
class FacilityTable:
    operator: I32
    start: I32
    end: I32
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.operator = _i32(self.operator)
        self.start, self.end = _i32(self.start), _i32(self.end)
        if not self.ids:
            self.ids = NumberedIds("fac:", len(self.operator))

    def __len__(self) -> int:
        return len(self.operator)


@dataclass(slots=True)
class EvidenceTable:
    """Labour evidence about a party (`party` ≥ 0) or a facility (`facility` ≥ 0), one of the two."""

    party: I32
    facility: I32
    start: I32
    end: I32
    source: I32  # index into Tables.sources
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.party, self.facility = _i32(self.party), _i32(self.facility)
        self.start, self.end, self.source = _i32(self.start), _i32(self.end), _i32(self.source)
        if not self.ids:
            self.ids = NumberedIds("ev:", len(self.party))

    def __len__(self) -> int:
        return len(self.party)


@dataclass(slots=True)
class ShipmentTable:
    """One row per customs entry; party columns hold party indices or NO_PARTY."""

    day: I32
    hs: I32  # index into Tables.hs_codes, -1 when the entry has no HS code
    importer: I32
    exporter: I32
    manufacturer: I32
    consignee: I32
    hs_codes: Sequence[str] = ()  # the codes that `hs` indexes
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.day, self.hs = _i32(self.day), _i32(self.hs)
        self.importer, self.exporter = _i32(self.importer), _i32(self.exporter)
        self.manufacturer, self.consignee = _i32(self.manufacturer), _i32(self.consignee)
        if not self.ids:
            self.ids = NumberedIds("shp:", len(self.day))

    def __len__(self) -> int:
        return len(self.day)

    def party_columns(self) -> tuple[I32, I32, I32, I32]:
        return (self.exporter, self.manufacturer, self.consignee, self.importer)


def _empty_supply() -> SupplyTable:
    z = np.zeros(0, np.int32)
    return SupplyTable(z, z, z, z)


def _empty_ownership() -> OwnershipTable:
    z = np.zeros(0, np.int32)
    return OwnershipTable(z, z, np.zeros(0, np.int64), z, z)


def _empty_listing() -> ListingTable:
    z = np.zeros(0, np.int32)
    b = np.zeros(0, np.bool_)
    return ListingTable(z, b, b, z, z)


def _empty_facility() -> FacilityTable:
    z = np.zeros(0, np.int32)
    return FacilityTable(z, z, z)


def _empty_evidence() -> EvidenceTable:
    z = np.zeros(0, np.int32)
    return EvidenceTable(z, z, z, z, z)


@dataclass(slots=True)
class Tables:
    """A whole trade network in columns. `party_ids[i]` is the id of party index i."""

    party_ids: Sequence[str]
    supply: SupplyTable = field(default_factory=_empty_supply)
    ownership: OwnershipTable = field(default_factory=_empty_ownership)
    listings: ListingTable = field(default_factory=_empty_listing)
    facilities: FacilityTable = field(default_factory=_empty_facility)
    evidence: EvidenceTable = field(default_factory=_empty_evidence)
    hs_prefixes: Sequence[str] = ()  # referenced by SupplyTable.restricted_prefix
    sources: Sequence[Source] = ()

    @property
    def party_count(self) -> int:
        return len(self.party_ids)
