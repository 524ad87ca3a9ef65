"""§321(b) cases at scale: the case list, its search and the public statistics over many cases.

Fills a throw-away store with CASES synthetic cases of EVENTS_PER_CASE dated events each (a seeded
generator: detention dates over five fiscal years, HS codes and origins drawn from the exposure examples'
shipments, each case walked through the flow to a random point), written in batches through
`CaseStore.import_histories`, then times over ROUNDS rounds:

- list: `services.cases.list_cases` (a page of 50, newest first), p50 and p99;
- search: the same with a text query (`q`), p50 and p99;
- filter: the same with a state filter, p50 and p99;
- statistics: `services.case_stats.case_statistics`, once counted (every case, every dimension) and then
  answered again while no case changed.

    .venv/bin/python bench/bench_cases.py [--cases 100000] [--events 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from accomplice.cases import CaseEvent, replay
from accomplice.services import case_stats, cases
from accomplice.services.auth import operator_principal
from accomplice.store import Store, open_store
from accomplice.store.cases import CaseStore, NewCase, NewEvent

SEED = 20201223
ROUNDS = 200
BATCH_CASES = 2_000
# HS codes and origins of the exposure examples' shipments (tests/exposure_data/shipments.csv).
HS_CODES = ("0304.75", "9403.60", "6110.20", "6204.62", "8517.62", "4418.99", "0306.17", "7208.51")
ORIGINS = ("cn", "ru", "vn", "kh", "my", "us")
OUTCOMES = ("excluded", "seized", "released-not-subject", "excluded")
FIRST_DAY = date(2020, 10, 1)
DAYS = 5 * 365


def _history(rng: random.Random, n: int, events: int) -> tuple[NewCase, list[NewEvent]]:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    kinds = ["detained"]
    steps = rng.randrange(1, events + 1)
    while len(kinds) < steps - 2:
        kinds.append(rng.choice(("information-requested", "response")))
    if steps > 2:
        kinds.append("decided")
    if steps > 3 and rng.random() < 0.3:
        kinds += ["protested", "ruled"]
    evs = []
    for kind in kinds:
        at += timedelta(days=rng.randrange(1, 9))
        evs.append(
            NewEvent(
                at, kind, "officer", f"step {kind}", None, rng.choice(OUTCOMES) if kind == "decided" else None
            )
        )
    case = NewCase(
        id=f"B-{n:07d}",
        title=f"Synthetic shipment {n} of {rng.choice(('garments', 'seafood', 'furniture', 'phones'))}",
        org=f"org-{n % 50}",
        source="import",
        opened_on=evs[0].at.date(),
        created_by="bench",
        origin=rng.choice(ORIGINS),
        hs_code=rng.choice(HS_CODES),
        value=float(rng.randrange(1_000, 500_000)),
    )
    return case, evs


def fill(store: Store, total: int, events: int) -> tuple[int, float]:
    rng = random.Random(SEED)
    started = time.perf_counter()
    written = 0
    batch = []
    for n in range(total):
        case, evs = _history(rng, n, events)
        state = replay(CaseEvent(e.at, e.kind, e.by, e.note, e.party, e.outcome) for e in evs)
        batch.append((case, evs, cases.derived_fields(state)))
        written += len(evs)
        if len(batch) == BATCH_CASES:
            CaseStore(store).import_histories(batch, [], audit=None)
            batch = []
    if batch:
        CaseStore(store).import_histories(batch, [], audit=None)
    return written, time.perf_counter() - started


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def run(store: Store, label: str, total: int, events: int) -> None:
    written, seconds = fill(store, total, events)
    print(f"{label}: {total:,} cases, {written:,} events written in {seconds:.0f} s")
    officer = operator_principal("bench")
    rng = random.Random(SEED + 1)
    for name, fn in (
        ("list", lambda: cases.list_cases(store, officer, limit=50, offset=rng.randrange(0, 2000))),
        (
            "search",
            lambda: cases.list_cases(store, officer, query=f"shipment {rng.randrange(total)} ", limit=50),
        ),
        ("filter", lambda: cases.list_cases(store, officer, state="detained", limit=50)),
    ):
        p50, p99 = timed(fn, ROUNDS)
        print(f"  {name:10} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    started = time.perf_counter()
    case_stats.case_statistics(store)
    print(f"  statistics, counted     {(time.perf_counter() - started) * 1000:7.1f} ms")
    p50, p99 = timed(lambda: case_stats.case_statistics(store), ROUNDS)
    print(f"  statistics, unchanged   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=19)
    parser.add_argument("--postgres", help="a throw-away PostgreSQL database URL to run against as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        run(store, "SQLite", args.cases, args.events)
        store.close()
    if args.postgres:
        store = open_store(args.postgres)
        run(store, "PostgreSQL", args.cases, args.events)
        store.close()


if __name__ == "__main__":
    main()
