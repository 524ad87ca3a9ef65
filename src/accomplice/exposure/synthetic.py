"""A seeded generator of realistic trade networks with a ground truth, straight into columnar tables.

Pure: it takes its name pools (real listed names are loaded by the caller, e.g. bench/ or a service) and
a seed, and returns tables; nothing is read or written. See docs/exposure-generator.md.

The network has three parts:

* **Region A (clean background).** Sectors (seafood, garments, timber, construction materials,
  electronics), each a chain of 4–6 stages (raw material → processing → manufacturing → trading →
  export → import). Suppliers are drawn with a heavy tail (a few hubs sell to many), relations run one
  stage up, have periods, and half carry the HS prefixes of the goods of their stage. Region A holds no
  evidence, no listing and no blocked owner, and its parties buy only from region A: every shipment whose
  parties are all in region A is *known clean*.
* **Region B (exposed background).** The same sectors, plus trading loops (cycles), random holdings with
  blocked owners, DPRK-listed entities carrying real listed names, and labour evidence on parties and
  facilities with periods. B buys from A and from B; A never buys from B. Its shipments are not labelled:
  they give the propagation its realistic load; correctness on them is the property tests' job.
* **Planted chains.** Small isolated chains built to a scenario — evidence at tier 3, facility evidence,
  a DPRK-listed supplier, 50% / 25%+25% / chained 50% ownership, a supply cycle; and decoys: evidence
  after or long before the shipment, 49.99%, a holding through an unblocked entity, an ended holding,
  goods of another HS code — each with its shipment, the expected reason (None for decoys), the expected
  supply relations hop by hop and the expected fact. Their parties carry real Chinese and Russian names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import overload

import numpy as np
import numpy.typing as npt

from accomplice.exposure.model import FlagReason, Source
from accomplice.exposure.tables import (
    OPEN_END,
    OPEN_START,
    SHARE_UNITS_PER_PERCENT,
    EvidenceTable,
    FacilityTable,
    ListingTable,
    NumberedIds,
    OwnershipTable,
    ShipmentTable,
    SupplyTable,
    Tables,
    day_number,
)

__all__ = [
    "PORTS",
    "SECTORS",
    "GeneratorConfig",
    "NamePools",
    "PlantedCase",
    "Port",
    "Sector",
    "SyntheticNetwork",
    "generate",
]

I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Port:
    locode: str  # UN/LOCODE
    name: str
    country: str


PORTS: tuple[Port, ...] = (
    Port("CNDLC", "Dalian", "CN"),
    Port("CNDDG", "Dandong", "CN"),
    Port("CNTAO", "Qingdao", "CN"),
    Port("CNSHA", "Shanghai", "CN"),
    Port("CNNGB", "Ningbo", "CN"),
    Port("CNTXG", "Tianjin Xingang", "CN"),
    Port("RUVVO", "Vladivostok", "RU"),
    Port("RUNJK", "Nakhodka", "RU"),
    Port("KRPUS", "Busan", "KR"),
    Port("USLGB", "Long Beach", "US"),
    Port("USLAX", "Los Angeles", "US"),
    Port("USSEA", "Seattle", "US"),
    Port("USTIW", "Tacoma", "US"),
    Port("USNYC", "New York", "US"),
    Port("NLRTM", "Rotterdam", "NL"),
    Port("DEHAM", "Hamburg", "DE"),
)
_LADING = tuple(i for i, p in enumerate(PORTS) if p.country in {"CN", "RU", "KR"})
_UNLADING = tuple(i for i, p in enumerate(PORTS) if p.country in {"US", "NL", "DE"})


@dataclass(frozen=True, slots=True)
class Sector:
    name: str
    stages: tuple[str, ...]
    # HS prefixes of the goods each stage sells to the next (one entry per relation tier).
    goods: tuple[tuple[str, ...], ...]
    # Real HS-6 codes of the finished goods shipped from exporter to importer.
    shipped: tuple[str, ...]
    weight: float
    cities: tuple[str, ...]


SECTORS: tuple[Sector, ...] = (
    Sector(
        "seafood",
        ("fishing", "processing", "canning", "export", "import"),
        (("0303", "0302"), ("0304", "0307"), ("1604", "1605"), ("1604", "1605", "0304")),
        ("160414", "160420", "160554", "030487"),
        0.25,
        ("Dalian", "Dandong", "Hunchun", "Qingdao", "Vladivostok", "Nakhodka"),
    ),
    Sector(
        "garments",
        ("yarn", "weaving", "garment factory", "trading", "export", "import"),
        (("5205",), ("5208",), ("61", "62"), ("61", "62"), ("61", "62")),
        ("610910", "611030", "620342", "620462"),
        0.30,
        ("Dandong", "Shenyang", "Hunchun", "Qingdao", "Ningbo"),
    ),
    Sector(
        "timber",
        ("logging", "sawmill", "export", "import"),
        (("4403",), ("4407", "4403"), ("4407", "4403")),
        ("440399", "440719"),
        0.10,
        ("Khabarovsk", "Vladivostok", "Suifenhe", "Manzhouli"),
    ),
    Sector(
        "construction",
        ("quarry and mill", "fabrication", "export", "import"),
        (("2523", "7207"), ("6810", "7214"), ("6810", "7214")),
        ("681091", "721420"),
        0.15,
        ("Dandong", "Tianjin", "Vladivostok", "Dalian"),
    ),
    Sector(
        "electronics",
        ("components", "assembly", "brand", "export", "import"),
        (("8542",), ("8471", "8517"), ("8471", "8517"), ("8471", "8517")),
        ("847130", "847150", "851762"),
        0.20,
        ("Shenzhen", "Dongguan", "Shenyang", "Dalian"),
    ),
)

# Synthetic name parts in three scripts, combined per company on demand (no million-string lists).
_LATIN_WORDS = (
    "Haiyang",
    "Hengda",
    "Jinxin",
    "Xinda",
    "Hongyuan",
    "Tianli",
    "Huafeng",
    "Yongsheng",
    "Zhongxing",
)
_LATIN_TRADES = {
    "seafood": "Seafood",
    "garments": "Garment",
    "timber": "Wood Industry",
    "construction": "Building Materials",
    "electronics": "Electronics",
}
_HANZI_CITIES = {
    "Dalian": "大连",
    "Dandong": "丹东",
    "Hunchun": "珲春",
    "Qingdao": "青岛",
    "Shenyang": "沈阳",
}
_HANZI_WORDS = ("海洋", "恒达", "金鑫", "鑫达", "宏源", "天利", "华丰", "永盛", "中兴")
_HANZI_TRADES = {
    "seafood": "水产",
    "garments": "服装",
    "timber": "木业",
    "construction": "建材",
    "electronics": "电子",
}
_CYRILLIC_WORDS = ("Восток", "Приморье", "Амур", "Тайга", "Океан", "Дальрыба", "Сибирь", "Берег")
_CYRILLIC_TRADES = {
    "seafood": "Рыба",
    "garments": "Текстиль",
    "timber": "Лес",
    "construction": "Стройматериалы",
    "electronics": "Электроника",
}
_RUSSIAN_CITIES = {"Vladivostok", "Nakhodka", "Khabarovsk"}
_IMPORTERS = ("Pacific", "Harbor", "Coastal", "Summit", "Evergreen", "Liberty", "Meridian", "Northwind")
_IMPORT_TRADES = {
    "seafood": "Foods Inc",
    "garments": "Apparel LLC",
    "timber": "Lumber Co",
    "construction": "Supply Corp",
    "electronics": "Devices Inc",
}

# --- Tuning: each number says what real trade data it imitates -------------------------------------------
# Share of companies in region B (exposed): border-region trade with North Korean labour is a minority of
# the sector but not a rarity (Dandong, Hunchun, the Russian Far East).
EXPOSED_SHARE = 0.3
# Supplier choice: offset = size * u**k puts P(offset < x) = (x/size)**(1/k): with k = 3 the top 1% of
# suppliers take about a fifth of the relations — the heavy tail of real supplier networks.
SUPPLIER_SKEW = 3.0
BUYER_SKEW = 2.0
# Half of the relations declare what goods they carry (importers' supplier files often do, traders not).
RESTRICTED_SHARE = 0.5
# Trading loops (re-invoicing, round-tripping) among exposed parties: rare but they exist.
LOOP_SHARE = 0.005
# Relations start between 2010 and 2024; 30% are still open; the rest last 3 years on average (90 days min).
FIRST_DAY = day_number(date(2010, 1, 1))
LAST_DAY = day_number(date(2024, 12, 31))
OPEN_SHARE = 0.3
MEAN_DURATION_DAYS = 3 * 365
MIN_DURATION_DAYS = 90
# Shipments fall in 2014-2025 (within their relation's period).
SHIPMENT_FIRST_DAY = day_number(date(2014, 1, 1))
SHIPMENT_LAST_DAY = day_number(date(2025, 12, 31))
# Facts in region B, per exposed company: labour evidence at raw and processing stages (a report names a
# few hundred firms and plants), DPRK listings, blocked (non-DPRK) listings, holdings.
EVIDENCE_RATE = 0.002
DPRK_LISTED_RATE = 0.0005
BLOCKED_RATE = 0.001
HOLDING_RATE = 0.02
# A third of holdings in region B are held by blocked persons, so that the 50% rule has work to do.
BLOCKED_HOLDER_SHARE = 0.3
HOLDING_SHARES = (10.0, 20.0, 25.0, 30.0, 40.0, 49.99, 50.0, 51.0, 60.0, 75.0, 100.0)
# Shipments name a manufacturer 40% of the time and a consignee 30% of the time.
MANUFACTURER_SHARE = 0.4
CONSIGNEE_SHARE = 0.3
# Shipped codes are drawn from a fixed-width table per (sector, prefix): 12 columns hold 1, 2, 3 or 4 codes
# an equal number of times each.
SHIPPED_CHOICES = 12
# One planted chain per this many companies (at least PLANTED_MIN).
COMPANIES_PER_PLANTED = 1000
PLANTED_MIN = 26


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    companies: int = 10_000
    relations: int = 50_000
    shipments: int = 100_000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class NamePools:
    """Real names to plant. `dprk_listed` and `blocked` are (list key, name) pairs."""

    dprk_listed: Sequence[tuple[str, str]]
    blocked: Sequence[tuple[str, str]]
    chinese: Sequence[str]
    russian: Sequence[str]


@dataclass(frozen=True, slots=True)
class PlantedCase:
    """A planted chain: its shipment row, what the engine must say, and the path it must find."""

    scenario: str
    shipment: int
    reason: FlagReason | None  # None: a decoy, the shipment must be clean
    relations: tuple[str, ...] = ()  # supply relation ids from the exporter outward
    evidence: str | None = None
    listing: str | None = None
    ownership: tuple[str, ...] = ()
    blocked_share: float | None = None
    facility: str | None = None


class CompanyNames(Sequence[str]):
    """Company names, computed on demand from the company's sector, stage, region and index."""

    def __init__(self, network: SyntheticNetwork) -> None:
        self._network = network

    def __len__(self) -> int:
        return self._network.tables.party_count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._network.name(index)

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


@dataclass(slots=True)
class SyntheticNetwork:
    tables: Tables
    shipments: ShipmentTable
    sector: npt.NDArray[np.int8]  # per company; -1 for planted parties
    stage: npt.NDArray[np.int8]
    exposed: npt.NDArray[np.bool_]  # region B (or planted)
    known_clean: npt.NDArray[np.bool_]  # per shipment: all parties in region A
    planted: tuple[PlantedCase, ...]
    port_lading: npt.NDArray[np.int16]
    port_unlading: npt.NDArray[np.int16]
    planted_names: dict[int, str] = field(default_factory=dict)

    def name(self, index: int) -> str:
        if index in self.planted_names:
            return self.planted_names[index]
        sector = SECTORS[int(self.sector[index])]
        stage = int(self.stage[index])
        word = index % 9
        if stage == len(sector.stages) - 1:
            importer = _IMPORTERS[index % len(_IMPORTERS)]
            return f"{importer} {_LATIN_TRADES[sector.name]} {_IMPORT_TRADES[sector.name]} {index}"
        city = sector.cities[index % len(sector.cities)]
        trade = sector.name
        if city in _RUSSIAN_CITIES:
            return f"ООО «{_CYRILLIC_WORDS[word % len(_CYRILLIC_WORDS)]}{_CYRILLIC_TRADES[trade]}-{index}»"
        if city in _HANZI_CITIES and index % 2:
            return f"{_HANZI_CITIES[city]}{_HANZI_WORDS[word]}{_HANZI_TRADES[trade]}有限公司{index}"
        return f"{city} {_LATIN_WORDS[word]} {_LATIN_TRADES[trade]} Co Ltd {index}"

    @property
    def names(self) -> CompanyNames:
        return CompanyNames(self)


def _skewed(rng: np.random.Generator, size: int, count: int, skew: float) -> npt.NDArray[np.int64]:
    return np.minimum((size * rng.random(count) ** skew).astype(np.int64), size - 1)


def _periods(rng: np.random.Generator, count: int) -> tuple[I32, I32]:
    start = rng.integers(FIRST_DAY, LAST_DAY + 1, count)
    length = np.maximum(rng.exponential(MEAN_DURATION_DAYS, count), MIN_DURATION_DAYS).astype(np.int64)
    end = np.where(rng.random(count) < OPEN_SHARE, OPEN_END, start + length)
    return start.astype(np.int32), end.astype(np.int32)


@dataclass(slots=True)
class _Layout:
    """Background companies laid out in contiguous blocks per (sector, stage, region)."""

    start: dict[tuple[int, int, int], int]
    size: dict[tuple[int, int, int], int]
    sector: npt.NDArray[np.int8]
    stage: npt.NDArray[np.int8]
    exposed: npt.NDArray[np.bool_]


def _layout(companies: int) -> _Layout:
    start: dict[tuple[int, int, int], int] = {}
    size: dict[tuple[int, int, int], int] = {}
    sectors, stages, exposed = [], [], []
    at = 0
    total_weight = sum(s.weight for s in SECTORS)
    for k, sector in enumerate(SECTORS):
        per_stage = max(4, int(companies * sector.weight / total_weight / len(sector.stages)))
        for s in range(len(sector.stages)):
            clean = max(2, int(per_stage * (1 - EXPOSED_SHARE)))
            # The exposed block comes first: exposed buyers draw from [exposed, clean] and so find exposed
            # hubs; clean buyers draw from the clean block only.
            for region, n in ((1, max(2, per_stage - clean)), (0, clean)):
                start[(k, s, region)] = at
                size[(k, s, region)] = n
                sectors.append(np.full(n, k, np.int8))
                stages.append(np.full(n, s, np.int8))
                exposed.append(np.full(n, region == 1))
                at += n
    return _Layout(start, size, np.concatenate(sectors), np.concatenate(stages), np.concatenate(exposed))


class _Rows:
    """Growing columns for the planted part (small), appended after the background rows."""

    def __init__(self, *names: str) -> None:
        self.columns: dict[str, list[int]] = {n: [] for n in names}

    def add(self, **values: int) -> int:
        for name, column in self.columns.items():
            column.append(values[name])
        return len(next(iter(self.columns.values()))) - 1

    def array(self, name: str, dtype: type = np.int32) -> npt.NDArray[np.generic]:
        return np.array(self.columns[name], dtype=dtype)


def generate(config: GeneratorConfig, names: NamePools) -> SyntheticNetwork:
    """A network of about `config.companies` companies; see the module docstring for its shape."""
    rng = np.random.default_rng(config.seed)
    planted_count = max(PLANTED_MIN, config.companies // COMPANIES_PER_PLANTED)
    layout = _layout(max(100, config.companies - planted_count * 6))
    n_background = len(layout.sector)

    # ---- background supply relations -------------------------------------------------------------------
    weights = np.array([s.weight for s in SECTORS])
    n_loops = int(config.relations * LOOP_SHARE)
    n_rel = max(0, config.relations - n_loops - planted_count * 6)
    rel_sector = rng.choice(len(SECTORS), n_rel, p=weights / weights.sum())
    rel_tier = np.zeros(n_rel, np.int64)
    supplier = np.zeros(n_rel, np.int64)
    buyer = np.zeros(n_rel, np.int64)
    buyer_exposed = rng.random(n_rel) < EXPOSED_SHARE
    prefix_choice = np.full(n_rel, -1, np.int64)
    hs_prefixes: list[str] = sorted({p for s in SECTORS for goods in s.goods for p in goods})
    prefix_index = {p: i for i, p in enumerate(hs_prefixes)}
    restricted = rng.random(n_rel) < RESTRICTED_SHARE
    for k, sector in enumerate(SECTORS):
        in_sector = np.flatnonzero(rel_sector == k)
        tiers = len(sector.stages) - 1
        rel_tier[in_sector] = rng.integers(0, tiers, len(in_sector))
        for t in range(tiers):
            for region in (0, 1):
                rows = in_sector[(rel_tier[in_sector] == t) & (buyer_exposed[in_sector] == bool(region))]
                if len(rows) == 0:
                    continue
                bkey = (k, t + 1, region)
                buyer[rows] = layout.start[bkey] + _skewed(rng, layout.size[bkey], len(rows), BUYER_SKEW)
                # A clean buyer buys only from clean suppliers; an exposed one from both (exposed first).
                first = (k, t, 1) if region else (k, t, 0)
                supply_size = layout.size[(k, t, 0)] + (layout.size[(k, t, 1)] if region else 0)
                supplier[rows] = layout.start[first] + _skewed(rng, supply_size, len(rows), SUPPLIER_SKEW)
                goods = sector.goods[t]
                pick = rng.integers(0, len(goods), len(rows))
                prefix_choice[rows] = np.array([prefix_index[g] for g in goods])[pick]
    # Trading loops among exposed parties: from a stage back to the one below it.
    loop_sector = rng.choice(len(SECTORS), n_loops, p=weights / weights.sum())
    loop_supplier = np.zeros(n_loops, np.int64)
    loop_buyer = np.zeros(n_loops, np.int64)
    for k, sector in enumerate(SECTORS):
        rows = np.flatnonzero(loop_sector == k)
        back = rng.integers(0, len(sector.stages) - 2, len(rows))
        for tier in range(len(sector.stages) - 2):
            sub = rows[back == tier]
            hi, lo = (k, tier + 1, 1), (k, tier, 1)
            loop_supplier[sub] = layout.start[hi] + _skewed(rng, layout.size[hi], len(sub), SUPPLIER_SKEW)
            loop_buyer[sub] = layout.start[lo] + _skewed(rng, layout.size[lo], len(sub), BUYER_SKEW)
    rel_start, rel_end = _periods(rng, n_rel + n_loops)
    restricted_rows = np.flatnonzero(restricted)
    supply_supplier = np.concatenate([supplier, loop_supplier])
    supply_buyer = np.concatenate([buyer, loop_buyer])

    # ---- background holdings, listings, facilities and evidence (region B carries the facts) ------------
    exposed_ids = np.flatnonzero(layout.exposed)
    clean_ids = np.flatnonzero(~layout.exposed)
    n_blocked = max(1, int(len(exposed_ids) * BLOCKED_RATE))
    blocked_parties = rng.choice(exposed_ids, n_blocked, replace=False)
    raw_exposed = exposed_ids[layout.stage[exposed_ids] <= 1]
    n_dprk = max(1, int(len(exposed_ids) * DPRK_LISTED_RATE))
    dprk_parties = rng.choice(raw_exposed, n_dprk, replace=False)
    n_hold = int(len(exposed_ids) * HOLDING_RATE)
    owner_b = np.where(
        rng.random(n_hold) < BLOCKED_HOLDER_SHARE,
        rng.choice(blocked_parties, n_hold),
        rng.choice(exposed_ids, n_hold),
    )
    owned_b = rng.choice(exposed_ids, n_hold)
    n_hold_a = int(len(clean_ids) * HOLDING_RATE)
    owner_a, owned_a = rng.choice(clean_ids, n_hold_a), rng.choice(clean_ids, n_hold_a)
    own_owner = np.concatenate([owner_b, owner_a])
    own_owned = np.concatenate([owned_b, owned_a])
    own_share = (
        np.array(HOLDING_SHARES)[rng.integers(0, len(HOLDING_SHARES), len(own_owner))]
        * SHARE_UNITS_PER_PERCENT
    ).round()
    own_start, own_end = _periods(rng, len(own_owner))
    n_evidence = max(1, int(len(exposed_ids) * EVIDENCE_RATE))
    evidence_subject = rng.choice(exposed_ids[layout.stage[exposed_ids] <= 2], n_evidence)
    on_facility = rng.random(n_evidence) < 0.5
    facility_operator = evidence_subject[on_facility]
    fac_start, fac_end = _periods(rng, len(facility_operator))
    fac_start[:] = OPEN_START  # the plant has been run by its operator for as long as the records go
    ev_start, ev_end = _periods(rng, n_evidence)
    ev_party = np.where(on_facility, -1, evidence_subject)
    ev_facility = np.full(n_evidence, -1, np.int64)
    ev_facility[on_facility] = np.arange(len(facility_operator))

    sources: list[Source] = [
        Source(f"src:synthetic:{i}", f"Synthetic labour report {i} (generated)", reliability="B")
        for i in range(16)
    ]
    ev_source = rng.integers(0, len(sources), n_evidence)
    listing_party = np.concatenate([dprk_parties, blocked_parties])
    listing_dprk = np.concatenate([np.ones(n_dprk, np.bool_), np.zeros(n_blocked, np.bool_)])
    listing_start = np.full(len(listing_party), OPEN_START)
    listing_end = np.full(len(listing_party), OPEN_END)
    # Pools are walked in a seeded random order, so that every list (UN, OFAC) contributes names.
    names = NamePools(
        dprk_listed=[names.dprk_listed[i] for i in rng.permutation(len(names.dprk_listed))],
        blocked=[names.blocked[i] for i in rng.permutation(len(names.blocked))],
        chinese=[names.chinese[i] for i in rng.permutation(len(names.chinese))],
        russian=[names.russian[i] for i in rng.permutation(len(names.russian))],
    )
    list_keys: list[str] = [names.dprk_listed[i % len(names.dprk_listed)][0] for i in range(n_dprk)]
    list_keys += [names.blocked[i % len(names.blocked)][0] for i in range(n_blocked)]
    planted_names: dict[int, str] = {}
    for i, party in enumerate(dprk_parties.tolist()):
        planted_names[party] = names.dprk_listed[i % len(names.dprk_listed)][1]
    for i, party in enumerate(blocked_parties.tolist()):
        planted_names[party] = names.blocked[i % len(names.blocked)][1]

    # ---- planted chains ---------------------------------------------------------------------------------
    plant = _Planter(
        rng,
        names,
        n_background,
        n_rel + n_loops,
        len(own_owner),
        len(facility_operator),
        n_evidence,
        len(listing_party),
        prefix_index,
        planted_names,
    )
    for i in range(planted_count):
        plant.chain(_SCENARIOS[i % len(_SCENARIOS)])

    # ---- shipments: background (exporter → importer relations) then planted -----------------------------
    n_ship = max(0, config.shipments - len(plant.cases))
    last_tier = np.array([len(s.stages) - 2 for s in SECTORS])
    export_rel = np.flatnonzero(rel_tier == last_tier[rel_sector])
    pick = export_rel[rng.integers(0, len(export_rel), n_ship)]
    first_day = np.maximum(rel_start[pick].astype(np.int64), SHIPMENT_FIRST_DAY)
    last_day = np.maximum(np.minimum(rel_end[pick].astype(np.int64), SHIPMENT_LAST_DAY), first_day)
    spread = (rng.random(n_ship) * (last_day - first_day + 1)).astype(np.int64)
    ship_day = (first_day + spread).astype(np.int32)
    hs_codes = sorted({c for s in SECTORS for c in s.shipped})
    code_index = {c: i for i, c in enumerate(hs_codes)}
    # Each shipment's code: one of its sector's shipped codes, under the relation's HS prefix if it has one.
    # Table rows: (sector, prefix + 1); columns: SHIPPED_CHOICES codes drawn cyclically from the fitting ones.
    table = np.zeros((len(SECTORS), len(hs_prefixes) + 1, SHIPPED_CHOICES), np.int32)
    for k, sector in enumerate(SECTORS):
        for pid in range(-1, len(hs_prefixes)):
            prefix = "" if pid < 0 else hs_prefixes[pid]
            codes = [code_index[c] for c in sector.shipped if c.startswith(prefix)] or [
                code_index[sector.shipped[0]]
            ]
            table[k, pid + 1] = [codes[j % len(codes)] for j in range(SHIPPED_CHOICES)]
    ship_prefix = np.where(restricted[pick], prefix_choice[pick], -1) + 1
    ship_hs = table[rel_sector[pick], ship_prefix, rng.integers(0, SHIPPED_CHOICES, n_ship)]
    exporter = supply_supplier[pick]
    importer = supply_buyer[pick]
    # A named manufacturer is one of the exporter's suppliers (any of its in-relations).
    in_order = np.argsort(supply_buyer, kind="stable")
    in_ptr = np.zeros(n_background + 1, np.int64)
    np.cumsum(np.bincount(supply_buyer, minlength=n_background), out=in_ptr[1:])
    degree = in_ptr[exporter + 1] - in_ptr[exporter]
    with_manufacturer = (rng.random(n_ship) < MANUFACTURER_SHARE) & (degree > 0)
    choice = in_ptr[exporter] + (rng.random(n_ship) * np.maximum(degree, 1)).astype(np.int64)
    manufacturer = np.where(
        with_manufacturer, supply_supplier[in_order[np.minimum(choice, len(in_order) - 1)]], -1
    )
    consignee = np.where(rng.random(n_ship) < CONSIGNEE_SHARE, importer, -1)
    parties = (exporter, importer, np.maximum(manufacturer, 0))
    known_clean = ~layout.exposed[parties[0]] & ~layout.exposed[parties[1]]
    known_clean &= (manufacturer < 0) | ~layout.exposed[parties[2]]

    # ---- assemble -----------------------------------------------------------------------------------------
    p = plant
    supply = SupplyTable(
        supplier=np.concatenate([supply_supplier, p.supply.array("supplier")]),
        buyer=np.concatenate([supply_buyer, p.supply.array("buyer")]),
        start=np.concatenate([rel_start, p.supply.array("start")]),
        end=np.concatenate([rel_end, p.supply.array("end")]),
        restricted_row=np.concatenate([restricted_rows, p.restricted.array("row")]),
        restricted_prefix=np.concatenate([prefix_choice[restricted_rows], p.restricted.array("prefix")]),
    )
    ownership = OwnershipTable(
        owner=np.concatenate([own_owner, p.ownership.array("owner")]),
        owned=np.concatenate([own_owned, p.ownership.array("owned")]),
        share=np.concatenate([own_share.astype(np.int64), p.ownership.array("share", np.int64)]),
        start=np.concatenate([own_start, p.ownership.array("start")]),
        end=np.concatenate([own_end, p.ownership.array("end")]),
    )
    listings = ListingTable(
        party=np.concatenate([listing_party, p.listings.array("party")]),
        dprk=np.concatenate([listing_dprk, p.listings.array("dprk", np.bool_)]),
        blocked=np.ones(len(listing_party) + len(p.listing_keys), np.bool_),
        start=np.concatenate([listing_start, p.listings.array("start")]),
        end=np.concatenate([listing_end, p.listings.array("end")]),
        list_keys=[*list_keys, *p.listing_keys],
    )
    facilities = FacilityTable(
        operator=np.concatenate([facility_operator, p.facilities.array("operator")]),
        start=np.concatenate([fac_start, p.facilities.array("start")]),
        end=np.concatenate([fac_end, p.facilities.array("end")]),
    )
    evidence = EvidenceTable(
        party=np.concatenate([ev_party, p.evidence.array("party")]),
        facility=np.concatenate([ev_facility, p.evidence.array("facility")]),
        start=np.concatenate([ev_start, p.evidence.array("start")]),
        end=np.concatenate([ev_end, p.evidence.array("end")]),
        source=np.concatenate([ev_source, p.evidence.array("source") + len(sources)]),
    )
    sources.extend(p.sources)
    n_parties = n_background + p.parties
    tables = Tables(
        party_ids=NumberedIds("party:", n_parties),
        supply=supply,
        ownership=ownership,
        listings=listings,
        facilities=facilities,
        evidence=evidence,
        hs_prefixes=hs_prefixes,
        sources=sources,
    )
    ps = p.shipments
    planted_hs = np.array([code_index[c] for c in p.shipment_codes], np.int32).reshape(-1)
    shipments = ShipmentTable(
        day=np.concatenate([ship_day, ps.array("day")]),
        hs=np.concatenate([ship_hs, planted_hs]),
        importer=np.concatenate([importer, ps.array("importer")]),
        exporter=np.concatenate([exporter, ps.array("exporter")]),
        manufacturer=np.concatenate([manufacturer, np.full(len(p.cases), -1)]),
        consignee=np.concatenate([consignee, np.full(len(p.cases), -1)]),
        hs_codes=hs_codes,
    )
    cases = tuple(replace(case, shipment=n_ship + case.shipment) for case in p.cases)
    n_total = len(shipments)
    lading = np.array(_LADING, np.int16)[rng.integers(0, len(_LADING), n_total)]
    unlading = np.array(_UNLADING, np.int16)[rng.integers(0, len(_UNLADING), n_total)]
    return SyntheticNetwork(
        tables=tables,
        shipments=shipments,
        sector=np.concatenate([layout.sector, np.full(p.parties, -1, np.int8)]),
        stage=np.concatenate([layout.stage, np.full(p.parties, -1, np.int8)]),
        exposed=np.concatenate([layout.exposed, np.ones(p.parties, np.bool_)]),
        known_clean=np.concatenate([known_clean, np.zeros(len(p.cases), np.bool_)]),
        planted=cases,
        port_lading=lading,
        port_unlading=unlading,
        planted_names=planted_names,
    )


_SCENARIOS = (
    "labour_tier3",
    "facility",
    "dprk_listed",
    "blocked_50",
    "blocked_25_25",
    "blocked_chain",
    "cycle",
    "decoy_evidence_after",
    "decoy_evidence_before",
    "decoy_49_99",
    "decoy_indirect_unblocked",
    "decoy_ownership_ended",
    "decoy_hs_mismatch",
)
# Planted shipments fall between these days, far enough inside the data for every window.
PLANTED_FIRST_DAY = day_number(date(2016, 1, 1))
PLANTED_LAST_DAY = day_number(date(2024, 6, 30))
# Planted relations start three years before their shipment and stay open.
PLANTED_LEAD_DAYS = 3 * 365
# (HS code shipped, its prefix on the exporter → importer relation, a prefix of other goods)
_PLANTED_GOODS = (("160414", "1604", "8471"), ("620462", "62", "1604"))


class _Planter:
    """Builds the planted chains: new parties after the background ones, rows after the background rows."""

    def __init__(
        self,
        rng: np.random.Generator,
        names: NamePools,
        party0: int,
        supply0: int,
        ownership0: int,
        facility0: int,
        evidence0: int,
        listing0: int,
        prefix_index: dict[str, int],
        planted_names: dict[int, str],
    ) -> None:
        self.rng = rng
        self.names = names
        self.party0, self.parties = party0, 0
        self.supply0, self.ownership0, self.facility0, self.evidence0 = (
            supply0,
            ownership0,
            facility0,
            evidence0,
        )
        self.listing0 = listing0
        self.prefix_index = prefix_index
        self.planted_names = planted_names
        self.supply = _Rows("supplier", "buyer", "start", "end")
        self.restricted = _Rows("row", "prefix")
        self.ownership = _Rows("owner", "owned", "share", "start", "end")
        self.listings = _Rows("party", "dprk", "start", "end")
        self.listing_keys: list[str] = []
        self.facilities = _Rows("operator", "start", "end")
        self.evidence = _Rows("party", "facility", "start", "end", "source")
        self.shipments = _Rows("day", "importer", "exporter")
        self.shipment_codes: list[str] = []
        self.sources: list[Source] = []
        self.cases: list[PlantedCase] = []
        self._named = 0

    def party(self, name: str | None = None) -> int:
        index = self.party0 + self.parties
        self.parties += 1
        if name is None:
            pool = self.names.chinese if self._named % 3 else self.names.russian
            name = pool[(self._named // 3) % len(pool)]
            self._named += 1
        self.planted_names[index] = name
        return index

    def relation(self, supplier: int, buyer: int, day: int, prefix: str | None = None) -> str:
        row = self.supply.add(supplier=supplier, buyer=buyer, start=day - PLANTED_LEAD_DAYS, end=OPEN_END)
        if prefix is not None:
            self.restricted.add(row=self.supply0 + row, prefix=self.prefix_index[prefix])
        return f"rel:{self.supply0 + row}"

    def holding(self, owner: int, owned: int, share: float, end: int = OPEN_END) -> str:
        units = round(share * SHARE_UNITS_PER_PERCENT)
        row = self.ownership.add(owner=owner, owned=owned, share=units, start=OPEN_START, end=end)
        return f"own:{self.ownership0 + row}"

    def listed(self, dprk: bool) -> tuple[int, str]:
        pool = self.names.dprk_listed if dprk else self.names.blocked
        key, name = pool[len(self.listing_keys) % len(pool)]
        party = self.party(name)
        self.listings.add(party=party, dprk=int(dprk), start=OPEN_START, end=OPEN_END)
        self.listing_keys.append(key)
        return party, key

    def labour(self, subject: int, start: int, end: int, *, facility: bool = False) -> tuple[str, str | None]:
        source = len(self.sources)
        self.sources.append(
            Source(f"src:planted:{source}", f"Planted labour report {source} (generated)", reliability="A")
        )
        fac_id = None
        if facility:
            row = self.facilities.add(operator=subject, start=OPEN_START, end=OPEN_END)
            fac_id = f"fac:{self.facility0 + row}"
            ev = self.evidence.add(
                party=-1, facility=self.facility0 + row, start=start, end=end, source=source
            )
        else:
            ev = self.evidence.add(party=subject, facility=-1, start=start, end=end, source=source)
        return f"ev:{self.evidence0 + ev}", fac_id

    def chain(self, scenario: str) -> None:
        day = int(self.rng.integers(PLANTED_FIRST_DAY, PLANTED_LAST_DAY + 1))
        code, prefix, other = _PLANTED_GOODS[len(self.cases) % len(_PLANTED_GOODS)]
        raw, proc, man, exp, imp = (self.party() for _ in range(5))
        r01 = self.relation(raw, proc, day)
        r12 = self.relation(proc, man, day)
        r23 = self.relation(man, exp, day)
        self.relation(exp, imp, day, prefix)
        row = len(self.cases)
        self.shipments.add(day=day, importer=imp, exporter=exp)
        self.shipment_codes.append(code)
        case = PlantedCase(scenario, row, None)
        if scenario == "labour_tier3":
            ev, _ = self.labour(proc, day - 300, day + 200)
            case = PlantedCase(scenario, row, FlagReason.LABOUR_EVIDENCE, (r23, r12), evidence=ev)
        elif scenario == "facility":
            ev, fac = self.labour(man, day - 200, OPEN_END, facility=True)
            case = PlantedCase(scenario, row, FlagReason.LABOUR_EVIDENCE, (r23,), evidence=ev, facility=fac)
        elif scenario == "dprk_listed":
            listed, key = self.listed(dprk=True)
            r_listed = self.relation(listed, raw, day)
            case = PlantedCase(scenario, row, FlagReason.DPRK_LISTED, (r23, r12, r01, r_listed), listing=key)
        elif scenario == "blocked_50":
            owner, _ = self.listed(dprk=False)
            o = self.holding(owner, proc, 50.0)
            case = PlantedCase(
                scenario, row, FlagReason.BLOCKED_BY_OWNERSHIP, (r23, r12), ownership=(o,), blocked_share=50.0
            )
        elif scenario == "blocked_25_25":
            (o1, _), (o2, _) = self.listed(dprk=False), self.listed(dprk=False)
            h = (self.holding(o1, man, 25.0), self.holding(o2, man, 25.0))
            case = PlantedCase(
                scenario, row, FlagReason.BLOCKED_BY_OWNERSHIP, (r23,), ownership=h, blocked_share=50.0
            )
        elif scenario == "blocked_chain":
            owner, _ = self.listed(dprk=False)
            holding = self.party()
            h = (self.holding(holding, proc, 60.0), self.holding(owner, holding, 50.0))
            case = PlantedCase(
                scenario, row, FlagReason.BLOCKED_BY_OWNERSHIP, (r23, r12), ownership=h, blocked_share=60.0
            )
        elif scenario == "cycle":
            self.relation(man, proc, day)
            ev, _ = self.labour(raw, OPEN_START, OPEN_END)
            case = PlantedCase(scenario, row, FlagReason.LABOUR_EVIDENCE, (r23, r12, r01), evidence=ev)
        elif scenario == "decoy_evidence_after":
            self.labour(proc, day + 30, OPEN_END)
        elif scenario == "decoy_evidence_before":
            self.labour(proc, day - 1200, day - 400)
        elif scenario == "decoy_49_99":
            owner, _ = self.listed(dprk=False)
            self.holding(owner, proc, 49.99)
        elif scenario == "decoy_indirect_unblocked":
            owner, _ = self.listed(dprk=False)
            holding = self.party()
            self.holding(owner, holding, 40.0)
            self.holding(holding, proc, 60.0)
        elif scenario == "decoy_ownership_ended":
            owner, _ = self.listed(dprk=False)
            self.holding(owner, proc, 60.0, end=day - 500)
        elif scenario == "decoy_hs_mismatch":
            # The importer also buys other goods from a tainted supplier: they cannot feed this shipment.
            tainted = self.party()
            self.relation(tainted, imp, day, other)
            self.labour(tainted, OPEN_START, OPEN_END)
        self.cases.append(case)
