"""Fair throughput: the whole `accomplice screen FILE` process against rapidfuzz `cdist` on all cores.

    .venv/bin/python bench/bench_throughput.py [--names 10000] [--db sqlite:///path.db] [--latency 2000]

- A file of `--names` names (the screening fixtures' 50,000 negatives and 1,366 UN positives, clean and
  treated, cycled in order), written as CSV (id,name,schema).
- accomplice: the CLI as a user runs it, `accomplice --db URL screen FILE -o OUT`, one whole process
  from start to exit (imports, opening the persisted index, every row, the output), all cores (its
  default workers). Wall clock and the process's CPU time.
- rapidfuzz: `process.cdist(queries, choices, scorer=WRatio, processor=default_process, workers=-1)`
  over the same names and every name and alias of the same store's screened entities (the choices),
  in blocks of queries so that the score matrix fits in memory; the best choice per query is taken.
  Its time covers the matrix only (no file reading or output): a lower bound of a real run.
- Single name in-process: p50/p99 of `screen_record` over `--latency` names on the persisted index.
- The persisted index's size on disk (all lists).

The store is the benchmark store with every shared list (built under bench/out on first use) unless
`--db` names another; its persisted index is built first when missing, so the timed CLI run measures
screening, not the index build.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.matching.build import NAME_PROPS
from accomplice.services.screening import TARGET_SCHEMAS
from accomplice.store import Store, index_files, open_store
from common import Table, all_lists, bench_store, percentile, read_fixture

# Queries per cdist call: 1,000 × 70,000 choices is a 70 MB uint8 matrix, well within memory.
CDIST_BLOCK = 1_000


def names_file(path: Path, count: int) -> list[str]:
    rows = (
        read_fixture("negatives_global.csv")
        + read_fixture("positives_un_untreated.csv")
        + read_fixture("positives_un_treated.csv")
    )
    names = [row.name for row in itertools.islice(itertools.cycle(rows), count)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "schema"])
        for i, name in enumerate(names):
            writer.writerow([i, name, "Person"])
    return names


def store_choices(store: Store) -> list[str]:
    """Every name and alias of every screened entity (each distinct text once per entity)."""
    choices = []
    for _row, props in store.iter_current_properties(TARGET_SCHEMAS):
        choices += sorted({v for prop in NAME_PROPS for v in props.get(prop, ()) if v.strip()})
    return choices


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(url: str, source: Path, out: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of one whole `accomplice screen` process, and its summary line."""
    command = [str(Path(sys.executable).with_name("accomplice")), "--db", url, "screen", str(source)]
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run([*command, "-o", str(out)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return wall, children_cpu() - cpu, done.stderr.strip().splitlines()[-1]


def run_cdist(queries: list[str], choices: list[str]) -> tuple[float, int]:
    """Seconds for the best choice of every query by cdist on all cores, and how many scored ≥ 90."""
    started = time.perf_counter()
    strong = 0
    for start in range(0, len(queries), CDIST_BLOCK):
        block = queries[start : start + CDIST_BLOCK]
        scores = process.cdist(
            block, choices, scorer=fuzz.WRatio, processor=utils.default_process, dtype=np.uint8, workers=-1
        )
        strong += int((scores.max(axis=1) >= 90).sum())
    return time.perf_counter() - started, strong


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--latency", type=int, default=2_000)
    parser.add_argument("--db", help="store URL (default: the benchmark store with every shared list)")
    args = parser.parse_args()

    store = open_store(args.db) if args.db else bench_store("all", all_lists())
    started = time.perf_counter()
    index = services.load_screening_index(store)
    open_seconds = time.perf_counter() - started
    choices = store_choices(store)

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "names.csv"
        queries = names_file(source, args.names)
        cli_wall, cli_cpu, summary = run_cli(store.url, source, Path(tmp) / "out.jsonl")
        cdist_seconds, strong = run_cdist(queries, choices)

    cores = os.cpu_count() or 1
    ours, theirs = args.names / cli_wall, args.names / cdist_seconds
    speed = Table(["matcher", "names", "choices", "seconds", "names/s", "vs cdist"])
    speed.add(
        f"`accomplice screen FILE`, whole process ({cli_cpu:.0f} s CPU)",
        args.names,
        f"{index.entities:,} entities",
        round(cli_wall, 1),
        round(ours),
        f"{ours / theirs:.2f}×",
    )
    speed.add(
        f"rapidfuzz cdist WRatio, workers=-1 ({cores} cores)",
        args.names,
        f"{len(choices):,} names",
        round(cdist_seconds, 1),
        round(theirs),
        "1×",
    )

    records = [services.ScreeningRecord(str(i), n, "Person") for i, n in enumerate(queries[: args.latency])]
    latencies = []
    for record in records:
        t = time.perf_counter()
        services.screen_record(index, record)
        latencies.append((time.perf_counter() - t) * 1000)
    latency = Table(["single name, in-process", "queries", "p50 ms", "p95 ms", "p99 ms", "max ms"])
    latency.add(
        "screen_record (persisted index)",
        len(latencies),
        round(percentile(latencies, 50), 2),
        round(percentile(latencies, 95), 2),
        round(percentile(latencies, 99), 2),
        round(max(latencies), 1),
    )
    size = index_files.index_size(index.location) if index.location is not None else 0
    print(f"accomplice: {summary}")
    print(f"cdist: {strong:,} of {len(queries):,} names have a choice at WRatio >= 90")
    print(f"persisted index: {size / 2**20:.1f} MiB on disk; opened in {open_seconds:.2f} s\n")
    print(speed.markdown() + "\n")
    print(latency.markdown())


if __name__ == "__main__":
    main()
