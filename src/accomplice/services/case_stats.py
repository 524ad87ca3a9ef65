"""Public statistics of §321(b) enforcement, as CBP publishes UFLPA's: cases and declared value detained,
excluded, released and pending, by fiscal year (October–September) and month, HS section and 4-digit
heading, and country of origin. Aggregates only: no case id, party or organisation leaves this module, so
the page and the API answer anonymous readers. The oversight dashboards call `case_statistics` too.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from accomplice.cases import fiscal_month, fiscal_year
from accomplice.cases.hs import UNKNOWN, hs_heading, hs_section
from accomplice.store import Store
from accomplice.store.cases import CaseStore, StatRow

__all__ = [
    "DIMENSIONS",
    "DIMENSION_LABELS",
    "STATUSES",
    "Bucket",
    "CaseStatistics",
    "case_statistics",
    "statistics_csv_rows",
]

STATUSES = ("detained", "excluded", "seized", "released", "pending")
DIMENSIONS = ("fiscal_year", "month", "hs_section", "hs_heading", "origin")
DIMENSION_LABELS = {
    "fiscal_year": "fiscal year",
    "month": "month",
    "hs_section": "HS section",
    "hs_heading": "HS heading (4 digits)",
    "origin": "country of origin",
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """One group's counts: cases and declared value (USD) per status."""

    key: str
    cases: dict[str, int]
    value: dict[str, float]


@dataclass(frozen=True, slots=True)
class CaseStatistics:
    total_cases: int
    total_value: float
    by: dict[str, list[Bucket]]  # dimension → buckets in key order


def _status(row: StatRow) -> str:
    """Where a case stands for the statistics: its final outcome, or pending while there is none."""
    if row.outcome == "excluded":
        return "excluded"
    if row.outcome == "seized":
        return "seized"
    if row.outcome in {"released-not-subject", "released-rebutted"} and row.state != "approval-pending":
        return "released"
    return "pending"


def _keys(row: StatRow) -> dict[str, str]:
    day = row.detained_on or row.opened_on
    return {
        "fiscal_year": f"FY{fiscal_year(day)}",
        "month": fiscal_month(day),
        "hs_section": hs_section(row.hs_code),
        "hs_heading": hs_heading(row.hs_code),
        "origin": row.origin or UNKNOWN,
    }


# The statistics of each store, with the case generation they were counted at: a public page asked
# for them again and again between two case writes answers from here (100,000 cases take seconds to count).
_CACHE: dict[str, tuple[tuple[int, str], CaseStatistics]] = {}
_CACHE_LOCK = threading.Lock()


def case_statistics(store: Store) -> CaseStatistics:
    """Every case counted once per dimension: as detained (if it was) and by its current status; counted
    again only when a case changed since the last count."""
    generation = CaseStore(store).cases_generation()
    with _CACHE_LOCK:
        cached = _CACHE.get(store.url)
    if cached is not None and cached[0] == generation:
        return cached[1]
    stats = _count(store)
    with _CACHE_LOCK:
        _CACHE[store.url] = (generation, stats)
    return stats


def _count(store: Store) -> CaseStatistics:
    counts: dict[str, dict[str, dict[str, int]]] = {
        d: defaultdict(lambda: dict.fromkeys(STATUSES, 0)) for d in DIMENSIONS
    }
    values: dict[str, dict[str, dict[str, float]]] = {
        d: defaultdict(lambda: dict.fromkeys(STATUSES, 0.0)) for d in DIMENSIONS
    }
    total_cases, total_value = 0, 0.0
    for row in CaseStore(store).stat_rows():
        total_cases += 1
        value = row.value or 0.0
        total_value += value
        statuses = [_status(row)] + (["detained"] if row.detained_on else [])
        for dimension, key in _keys(row).items():
            for status in statuses:
                counts[dimension][key][status] += 1
                values[dimension][key][status] += value
    by = {
        d: [
            Bucket(k, counts[d][k], {s: round(v, 2) for s, v in values[d][k].items()})
            for k in sorted(counts[d])
        ]
        for d in DIMENSIONS
    }
    return CaseStatistics(total_cases, round(total_value, 2), by)


def statistics_csv_rows(stats: CaseStatistics) -> Iterator[list[str]]:
    """The statistics as one CSV table: dimension, group, then cases and value per status."""
    yield ["dimension", "group", *(f"{s}_cases" for s in STATUSES), *(f"{s}_value" for s in STATUSES)]
    for dimension in DIMENSIONS:
        for bucket in stats.by[dimension]:
            yield [
                dimension,
                bucket.key,
                *(str(bucket.cases[s]) for s in STATUSES),
                *(f"{bucket.value[s]:.2f}" for s in STATUSES),
            ]
