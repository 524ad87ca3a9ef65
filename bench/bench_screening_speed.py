"""Screening speed: batch names/s, single-name latency, index build time and memory — beside baselines.

    .venv/bin/python bench/bench_screening_speed.py [--names 100000] [--workers 2] [--million]

- Batch: 100,000 names (the 50,000 negatives and the 1,366 UN positives, clean and treated, repeated in
  order until 100,000) screened against every shared list, with `--workers` processes.
- Single name: p50/p99 latency of one in-process `screen_record` call over 2,000 names, one thread.
- Baselines in the same run: nomenklatura's logic-v2 scoring the candidates accomplice proposes plus the
  10 nearest names by rapidfuzz (it has no index of its own), and brute-force rapidfuzz (WRatio of the
  query against every indexed name), each on a sample, reported as names/s on one core.
- Index: build time and resident memory for all lists; with `--million`, for a synthetic list of
  1,000,000 entities made by recombining the words of real listed names (documented below).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.matching import CandidateIndex, Screener, indexed_entity
from accomplice.matching.screen import CANDIDATES_SCORED
from baseline import LOGIC_V2_THRESHOLD, logic_v2, logic_v2_score, make_proxy, proxy_of
from common import SEED, Table, all_lists, bench_store, percentile, read_fixture

BRUTE_FORCE_EXTRA = 10


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def records(limit: int) -> list[services.ScreeningRecord]:
    rows = (
        read_fixture("negatives_global.csv")
        + read_fixture("positives_un_untreated.csv")
        + read_fixture("positives_un_treated.csv")
    )
    out = []
    for i, row in enumerate(itertools.islice(itertools.cycle(rows), limit)):
        out.append(
            services.ScreeningRecord(
                str(i), row.name, "Person", row.birth_date or None, row.nationality or None
            )
        )
    return out


def synthetic_index(index: services.ScreeningIndex, size: int) -> tuple[CandidateIndex, float, float]:
    """1,000,000 entities from real listed names: each synthetic person takes a surname-like word and
    one or two given-name words from different real listed people (and organisations recombine their
    words likewise), so the word and syllable statistics are those of real lists, at scale."""
    rng = random.Random(SEED)
    persons = [e for e in index.screener.index if e.schema == "Person"]
    orgs = [e for e in index.screener.index if e.schema != "Person" and e.schema != "Vessel"]
    person_words = [f.text.replace(",", "").split() for e in persons for f in e.names[:1]]
    org_words = [f.text.split() for e in orgs for f in e.names[:1]]
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    synthetic = CandidateIndex()
    for i in range(size):
        if i % 3:
            parts = [rng.choice(rng.choice(person_words)) for _ in range(rng.choice((2, 3, 3)))]
            schema = "Person"
            props = {"name": [" ".join(parts)], "birthDate": [f"19{rng.randrange(40, 99)}"]}
        else:
            parts = [rng.choice(rng.choice(org_words)) for _ in range(rng.choice((2, 3, 4)))]
            schema = "Organization"
            props = {"name": [" ".join(parts)]}
        synthetic.add(indexed_entity(f"synthetic:{i}", schema, props["name"][0], props, ("synthetic",)))
    synthetic.freeze()
    seconds = time.perf_counter() - started
    return synthetic, seconds, rss_mib() - before


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-sample", type=int, default=2_000)
    parser.add_argument("--baseline-sample", type=int, default=300)
    parser.add_argument(
        "--million", action="store_true", help="also build a 1,000,000-entity synthetic index"
    )
    parser.add_argument(
        "--synthetic", type=int, default=0, help="also build a synthetic index of this many entities"
    )
    args = parser.parse_args()

    store = bench_store("all", all_lists())
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    index = services.build_screening_index(store)
    build_seconds = time.perf_counter() - started
    index_mib = rss_mib() - before
    names_total = sum(len(e.names) for e in index.screener.index)
    build = Table(["index", "entities", "names", "keys", "build s", "memory MiB"])
    build.add(
        "all shared lists",
        index.entities,
        names_total,
        index.screener.index.key_count,
        round(build_seconds, 1),
        round(index_mib),
    )

    batch = records(args.names)
    started = time.perf_counter()
    hits = sum(1 for r in services.screen_records(index, batch, workers=args.workers) if r.matches)
    batch_seconds = time.perf_counter() - started
    ours_rate = len(batch) / batch_seconds

    sample = batch[: args.latency_sample]
    latencies = []
    for record in sample:
        t = time.perf_counter()
        services.screen_record(index, record)
        latencies.append((time.perf_counter() - t) * 1000)

    rng = random.Random(SEED)
    baseline_sample = rng.sample(batch, args.baseline_sample)
    names = [(forms.text, e) for e in index.screener.index for forms in e.names]
    choices = [n for n, _ in names]
    started = time.perf_counter()
    for record in baseline_sample:
        process.extractOne(record.name, choices, scorer=fuzz.WRatio)
    brute_rate = len(baseline_sample) / (time.perf_counter() - started)

    logic_v2()  # load its data before timing
    started = time.perf_counter()
    for record in baseline_sample:
        query = services.to_query(record)
        candidates = {
            c.entity.key: c.entity for c in index.screener.index.candidates(query, CANDIDATES_SCORED)
        }
        for _, _, position in process.extract(
            record.name, choices, scorer=fuzz.WRatio, limit=BRUTE_FORCE_EXTRA
        ):
            candidates[names[position][1].key] = names[position][1]
        proxy = make_proxy("Person", [record.name], birth_dates=list(query.birth_dates))
        _ = [logic_v2_score(proxy, proxy_of(e)) >= LOGIC_V2_THRESHOLD for e in candidates.values()]
    logic_rate = len(baseline_sample) / (time.perf_counter() - started)

    # The baselines run on one core; both are embarrassingly parallel, so they are credited with the
    # same number of cores as accomplice (their rate × workers) before comparing.
    cores = f"names/s ({args.workers} cores)"
    speed = Table(["matcher", "names", "names/s (1 core)", cores, "vs accomplice"])
    speed.add("accomplice (index + features)", len(batch), "", round(ours_rate), "1×")
    speed.add(
        "brute-force rapidfuzz WRatio, best of all names",
        len(baseline_sample),
        round(brute_rate),
        f"{brute_rate * args.workers:.0f} (est.)",
        f"{ours_rate / (brute_rate * args.workers):.0f}× slower",
    )
    speed.add(
        "nomenklatura logic-v2 on the same candidates",
        len(baseline_sample),
        round(logic_rate, 1),
        f"{logic_rate * args.workers:.1f} (est.)",
        f"{ours_rate / (logic_rate * args.workers):.0f}× slower",
    )
    latency = Table(["single name, in-process", "queries", "p50 ms", "p95 ms", "p99 ms", "max ms"])
    latency.add(
        "screen_record",
        len(latencies),
        round(percentile(latencies, 50), 2),
        round(percentile(latencies, 95), 2),
        round(percentile(latencies, 99), 2),
        round(max(latencies), 1),
    )

    print(f"rows with a match: {hits:,} of {len(batch):,}\n")
    print(build.markdown() + "\n")
    print(speed.markdown() + "\n")
    print(latency.markdown())
    size = 1_000_000 if args.million else args.synthetic
    if size:
        synthetic, seconds, mib = synthetic_index(index, size)
        screener = Screener(synthetic)
        lat = []
        for record in sample[:500]:
            query = services.to_query(record)
            t = time.perf_counter()
            screener.screen(query)
            lat.append((time.perf_counter() - t) * 1000)
        big = Table(["synthetic index", "entities", "keys", "build s", "memory MiB", "p50 ms", "p99 ms"])
        big.add(
            "recombined real names",
            len(synthetic),
            synthetic.key_count,
            round(seconds, 1),
            round(mib),
            round(percentile(lat, 50), 2),
            round(percentile(lat, 99), 2),
        )
        print("\n" + big.markdown())


if __name__ == "__main__":
    main()
