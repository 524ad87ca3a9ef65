"""Watchlist re-screening: what `services.monitor.rescreen` costs over plain batch screening of the same rows.

Loads OFAC 2023-12-28 into a throw-away SQLite store, fills a watchlist with ENTRIES real listed names (a
worst case: every entry has matches to compare and store), imports OFAC 2024-05-03 (which re-screens every
entry through the post-import hook), and times, against the same screening index:

- baseline: `services.screen_records` over the same records (what `accomplice screen` does), and
- monitor: `monitor.rescreen` (screening plus reading the last state, comparing fingerprints and decisions,
  writing the new state and any alerts in one transaction).

    .venv/bin/python bench/bench_monitor.py [--entries 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from accomplice import services
from accomplice.services import monitor
from accomplice.services.auth import operator_principal
from accomplice.settings import get_settings
from accomplice.store import open_store

ROUNDS = 3
# A fixed seed: the same sample of listed names in every run.
SEED = 20240503


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=2000)
    args = parser.parse_args()
    raw = get_settings().raw_dir
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        services.load_list(store, "ofac", raw / "ofac/2023-12-28", data_date="2023-12-28")
        operator = operator_principal("bench")
        captions = sorted(
            {
                r.caption
                for r in store.iter_current_entities()
                if r.schema in ("Person", "Organization", "Company")
            }
        )
        names = random.Random(SEED).sample(captions, min(args.entries, len(captions)))
        watchlist = monitor.create_watchlist(store, operator, "bench")
        started = time.perf_counter()
        monitor.add_entries(
            store, operator, watchlist.id, [{"id": str(i), "name": n} for i, n in enumerate(names)]
        )
        baseline_add = time.perf_counter() - started
        started = time.perf_counter()
        services.load_list(store, "ofac", raw / "ofac/2024-05-03/sdn.csv", data_date="2024-05-03")
        import_seconds = time.perf_counter() - started
        alerts = monitor.alerts(store, operator, limit=100_000)
        index = services.screening_index(store)
        records = [services.ScreeningRecord(str(i), n) for i, n in enumerate(names)]
        plain, monitored = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _result in services.screen_records(index, records, limit=monitor.MONITOR_MATCH_LIMIT):
                pass
            plain.append(time.perf_counter() - started)
            report = monitor.rescreen(store, index=index)
            assert report.alerts == (), "a re-screening without a new list version raises nothing"
            monitored.append(report.seconds)
        store.close()
    base, mon = statistics.median(plain), statistics.median(monitored)
    n = len(names)
    print(f"{n:,} watchlist entries (real OFAC names), SQLite, median of {ROUNDS}:")
    print(f"  baseline screen_records   {base:6.2f} s  ({base / n * 1000:.2f} ms per entry)")
    print(f"  monitor.rescreen          {mon:6.2f} s  ({mon / n * 1000:.2f} ms per entry, {mon / base:.2f}x)")
    print(f"  adding the entries (index build + baseline screening): {baseline_add:.1f} s")
    print(f"  import of 2024-05-03 incl. re-screening: {import_seconds:.1f} s -> {len(alerts):,} alerts")


if __name__ == "__main__":
    main()
