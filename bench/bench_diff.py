"""List diff: the store's diff (only entities whose statements changed) against comparing full snapshots.

Loads the OFAC 2023-12-28 set and the 2024-05-03 sdn.csv into a throw-away store per backend (or uses
--sqlite-url / --pg-url), then times `Store.diff("ofac")` and the full-snapshot comparison it replaced,
interleaved, and checks that both give the same diff.

    .venv/bin/python bench/bench_diff.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from accomplice.lists.diff import diff_states
from accomplice.store import Store, open_store
from bench_api import _load, _postgres, _sqlite

ROUNDS = 3
T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench(backend: str, url: str) -> None:
    store: Store = open_store(url)
    _load(store)
    fast_times, full_times = [], []
    for _ in range(ROUNDS):
        seconds, diff = _timed(lambda: store.diff("ofac", 1, 2))
        fast_times.append(seconds)
        seconds, full = _timed(lambda: diff_states(store.snapshot("ofac", 1), store.snapshot("ofac", 2)))
        full_times.append(seconds)
        assert (diff.added, diff.removed, diff.changed) == full
    store.close()
    fast, slow = statistics.median(fast_times), statistics.median(full_times)
    print(
        f"{backend:<10} Store.diff {fast * 1000:7.0f} ms   full snapshots {slow * 1000:7.0f} ms   "
        f"({slow / fast:.1f}x; median of {ROUNDS}; same diff)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite-url")
    parser.add_argument("--pg-url")
    args = parser.parse_args()
    print("ofac 2023-12-28 -> 2024-05-03 (1,821 added, 139 removed, 61 changed)", flush=True)
    with _sqlite(args.sqlite_url) as url:
        bench("sqlite", url)
    with _postgres(args.pg_url) as url:
        bench("postgresql", url)


if __name__ == "__main__":
    main()
