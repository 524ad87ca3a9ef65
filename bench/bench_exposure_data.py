"""Exposure data speed: import with party resolution, engine build from the store, tracing.

    .venv/bin/python bench/bench_exposure_data.py [--parties 2000] [--shipments 5000] [--pages]

A store holding the DPRK lists of OFAC, UN, EU and UK (as the tests use) receives generated but
realistic trade data: firm names ("Dandong Haiyang Seafood Co. Ltd."), one in ten of them a listed
entity's own name so that resolution has hits, supply chains three tiers deep, labour evidence on one
supplier in twenty, and shipments from the tier-1 suppliers. Figures:

- relations import: rows/s and parties screened/s, beside the baseline of screening the same names with
  `services.screen_records` alone (the import's extra cost is parsing, validation and the transaction);
- engine build from the store (`build_view`), and tracing every stored shipment (`trace_stored`);
- with `--pages`, what a server request costs: tracing one stored shipment (`trace_stored_one`, the API's
  GET /api/shipments/{id}/trace) and the /shipments page's rows (`shipment_rows`) on the engine cached per
  store generation, beside the same work with the engine rebuilt for each request as before the cache;
  and the same trace for an importer, on its own trust scope's engine (shared records and its own).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.services import exposure
from accomplice.services.auth import Principal, Role
from accomplice.services.exposure_pages import shipment_rows
from accomplice.store import Store
from accomplice.store.exposure import ExposureStore
from common import SEED, Table, bench_store

CATALOGUE = [
    c
    for c in services.SHARED_CATALOGUE
    if c.path
    in (
        "ofac/2023-12-28",
        "un/un_consolidated_2026-02-27.xml",
        "eu/eu_journal_consolidated_32017R1509.csv",
        "uk/hmt_conlist_2018-04-13.csv",
    )
]
CITIES = ("Dandong", "Qingdao", "Hunchun", "Dalian", "Yanji", "Shenyang", "Ningbo", "Harbin", "Tumen")
TRADES = ("Seafood", "Garment", "Timber", "Trading", "Mining", "Food Processing", "Textile", "Logistics")
WORDS = ("Haiyang", "Hongyuan", "Xinyuan", "Dongfang", "Jinhai", "Tianlong", "Huaxin", "Ruifeng", "Shengli")
# One party in this many carries a listed entity's own name (resolution hits); one in EVIDENCE_EVERY
# suppliers has labour evidence.
LISTED_EVERY = 10
EVIDENCE_EVERY = 20
TIERS = 3
# Requests timed per variant with --pages: enough for a stable p50 and a p99 with the cached engine; the
# rebuild-per-request variant costs a build (tenths of a second to seconds) per request, so it is timed
# fewer times (its p99 is then its maximum).
CACHED_REQUESTS = 300
# Shipments an importer organisation stores for the importer's row: its own trust scope, own engine.
IMPORTER_SHIPMENTS = 100
IMPORTER = Principal("bench-importer", frozenset({Role.IMPORTER}), "bench-importer-org")
REBUILT_REQUESTS = 20
PAGE_REPEATS = 20
REBUILT_PAGE_REPEATS = 3


def _names(count: int, listed: list[str], rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        if len(names) % LISTED_EVERY == 0 and listed:
            name = rng.choice(listed)
        else:
            name = f"{rng.choice(CITIES)} {rng.choice(WORDS)} {rng.choice(TRADES)} Co. Ltd. {len(names)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _csv(path: Path, header: str, rows: list[tuple[object, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=2000)
    parser.add_argument("--shipments", type=int, default=5000)
    parser.add_argument("--pages", action="store_true", help="also time server requests (see docstring)")
    args = parser.parse_args()
    rng = random.Random(SEED)
    store = bench_store("exposure-dprk", CATALOGUE)
    started = time.perf_counter()
    index = services.screening_index(store)
    index_seconds = time.perf_counter() - started
    listed = sorted(
        row.caption
        for row in store.iter_current_entities()
        if row.schema in ("Organization", "Company") and row.caption.isascii()
    )
    names = _names(args.parties, listed, rng)
    per_tier = len(names) // (TIERS + 1)
    tiers = [names[i * per_tier : (i + 1) * per_tier] for i in range(TIERS + 1)]
    relations: list[tuple[object, ...]] = []
    for upper, lower in zip(tiers[1:], tiers[:-1], strict=True):
        for supplier in upper:
            relations.append(
                (supplier, "cn", rng.choice(lower), "cn", "2015", "", "Supplier declaration", "B")
            )
    evidence: list[tuple[object, ...]] = [
        (s, "cn", "2016", "2020", "North Korean workers", "Field report", "C")
        for s in tiers[-1][::EVIDENCE_EVERY]
    ]
    shipments: list[tuple[object, ...]] = [
        (
            f"E-{n}",
            f"2018-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"US Importer {n % 50} Inc.",
            "us",
            rng.choice(tiers[0]),
            "cn",
            "0304.75",
        )
        for n in range(args.shipments)
    ]
    table = Table(("step", "rows", "seconds", "rows/s", "note"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rel_file = _csv(
            folder / "relations.csv",
            "supplier,supplier_country,buyer,buyer_country,start,end,source_title,source_reliability",
            relations,
        )
        ev_file = _csv(
            folder / "evidence.csv",
            "subject,subject_country,start,end,statement,source_title,source_reliability",
            evidence,
        )
        ship_file = _csv(
            folder / "shipments.csv",
            "id,date,importer,importer_country,exporter,exporter_country,hs_code",
            shipments,
        )
        started = time.perf_counter()
        baseline = list(
            services.screen_records(
                index,
                (services.ScreeningRecord(str(n), name, None, None, "cn") for n, name in enumerate(names)),
            )
        )
        screen_seconds = time.perf_counter() - started
        hits = sum(bool(r.matches) for r in baseline)
        table.add(
            "baseline: screen_records of the party names",
            len(names),
            screen_seconds,
            len(names) / screen_seconds,
            f"{hits} hits",
        )
        started = time.perf_counter()
        result = exposure.import_file(store, "relations", rel_file, user="bench", index=index)
        seconds = time.perf_counter() - started
        table.add(
            "import relations (parse, resolve, store)",
            len(relations),
            seconds,
            len(relations) / seconds,
            f"{len(result.parties)} parties, {result.resolved} resolved",
        )
        started = time.perf_counter()
        again = exposure.import_file(store, "relations", rel_file, user="bench", index=index)
        assert again.batch.unchanged
        table.add("re-import of the same file", len(relations), time.perf_counter() - started, "", "no-op")
        exposure.import_file(store, "evidence", ev_file, user="bench", index=index)
        started = time.perf_counter()
        ship = exposure.import_file(store, "shipments", ship_file, user="bench", index=index)
        seconds = time.perf_counter() - started
        table.add(
            "import shipments",
            len(shipments),
            seconds,
            len(shipments) / seconds,
            f"{len(ship.parties)} parties",
        )
        started = time.perf_counter()
        exposure.build_view(store)
        table.add(
            "engine build from the store (build_view)", len(relations), time.perf_counter() - started, "", ""
        )
        out = io.StringIO()
        report = exposure.trace_stored(store, out)
        table.add(
            "trace every stored shipment (incl. build)",
            report.shipments,
            report.seconds,
            report.shipments / report.seconds,
            f"{report.flagged} flagged",
        )
    print(f"screening index: {index.entities:,} entities, built in {index_seconds:.1f}s")
    print(table.markdown())
    if args.pages:
        print()
        print(_pages(store, list(ship.record_ids), rng).markdown())


def _timed(call: Callable[[], object], times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def _row(table: Table, what: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    table.add(what, len(ms), statistics.median(ms), p99, ms[-1])


def _rebuilt_trace(store: Store, shipment_id: str) -> object:
    """GET /api/shipments/{id}/trace as it was: the whole engine built for the request."""
    records = ExposureStore(store).shipments([shipment_id])
    view = exposure.build_view(store)
    return next(exposure.trace_shipments(view, records))


def _rebuilt_rows(store: Store) -> object:
    """The /shipments page's rows as they were: the engine built, then every shipment traced."""
    view = exposure.build_view(store)
    return [view.engine.trace(view.shipment(r), max_paths=1) for r in ExposureStore(store).shipments()]


def _importer_shipments(store: Store, shipment_ids: list[str]) -> list[str]:
    """Copies of some stored shipments under an importer organisation (new entry ids): its own."""
    parties = {p.id: p for p in exposure.list_parties(store)}
    items = []
    for record in ExposureStore(store).shipments(shipment_ids):
        item: dict[str, object] = {"id": f"I-{record.id}", "date": record.day.isoformat()}
        for role, pid in record.parties:
            item[role] = parties[pid].name
            item[f"{role}_country"] = parties[pid].country
        item["hs_code"] = record.hs_code
        items.append(item)
    result = exposure.add_rows(store, "shipments", items, user="bench", org=IMPORTER.record_org)
    return list(result.record_ids)


def _pages(store: Store, shipment_ids: list[str], rng: random.Random) -> Table:
    table = Table(("request", "requests", "p50 ms", "p99 ms", "max ms"))
    exposure.trace_stored_one(store, shipment_ids[0])  # the cache holds the engine from here on
    picks = [rng.choice(shipment_ids) for _ in range(CACHED_REQUESTS)]
    queue = iter(picks)
    _row(
        table,
        "trace one stored shipment, cached engine",
        _timed(lambda: exposure.trace_stored_one(store, next(queue)), len(picks)),
    )
    own = _importer_shipments(store, shipment_ids[:IMPORTER_SHIPMENTS])
    exposure.trace_stored_one(store, own[0], IMPORTER)  # its scope's engine is built here
    queue = iter([rng.choice(own) for _ in range(CACHED_REQUESTS)])
    _row(
        table,
        "trace one stored shipment, an importer (its own scope's cached engine)",
        _timed(lambda: exposure.trace_stored_one(store, next(queue), IMPORTER), CACHED_REQUESTS),
    )
    exposure.trace_stored_one(store, shipment_ids[0])  # the enforcement side's engine again
    queue = iter(picks[:REBUILT_REQUESTS])
    _row(
        table,
        "trace one stored shipment, engine rebuilt per request (before)",
        _timed(lambda: _rebuilt_trace(store, next(queue)), REBUILT_REQUESTS),
    )
    first = _timed(lambda: shipment_rows(store), 1)
    _row(table, "/shipments rows, first after a build (one bulk flag pass)", first)
    _row(table, "/shipments rows, cached", _timed(lambda: shipment_rows(store), PAGE_REPEATS))
    _row(
        table,
        "/shipments rows, engine rebuilt and every shipment traced (before)",
        _timed(lambda: _rebuilt_rows(store), REBUILT_PAGE_REPEATS),
    )
    return table


if __name__ == "__main__":
    main()
