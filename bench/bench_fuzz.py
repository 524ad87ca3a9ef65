"""Fuzzing: every list loader and every upload endpoint fed hypothesis-generated inputs.

    .venv/bin/python bench/bench_fuzz.py [--examples 100000] [--only LABEL] [--seed N]

- Loaders: each `sources/` reader (OFAC CSV, UN XML, EU CSV, UK CSV, FtM JSON lines, the OpenSanctions
  tables through their shipped mappings) plans and parses each input from a file. Pass: read, or
  refused with `AccompliceError` (one line naming the file); any other exception is a crash.
- Upload endpoints: the app in-process over SQLite holding the UN list, an importer's API token (and
  session for the /batch page). Pass: no 5xx, and a refused input (4xx) leaves the row counts of the jobs,
  watchlist and exposure tables unchanged.
- Inputs (see `fuzz_targets`): real files' heads with up to eight edits (bytes flipped, cut, repeated,
  parser-breaking tokens inserted), real XLSX workbooks with drawn cells, and arbitrary bytes.
- Seeded (`--seed`): the same inputs on every run, so a failure replays. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fuzz_targets import (
    LOADERS,
    Outcome,
    UploadRig,
    endpoint_check,
    endpoints,
    loader_check,
    loader_label,
    run_target,
)

from accomplice import services
from accomplice.settings import get_settings
from accomplice.store import open_store

SEED = 20261208


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000, help="inputs per target")
    parser.add_argument(
        "--only", default=None, help="run only targets whose label contains one of these (comma-separated)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    raw = get_settings().raw_dir
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    # Each input is written to a file before it is read: in memory (/dev/shm) where there is one, as
    # opening files on a disk costs more than parsing a small one.
    memory = Path("/dev/shm")
    scratch = str(memory) if memory.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="accomplice-fuzz-", dir=scratch) as tmp:
        folder = Path(tmp)
        for loader in LOADERS:
            label = f"load {loader_label(loader)}"
            if not _chosen(label, args.only):
                continue
            outcome = run_target(
                label, loader.seed_strategy(raw), loader_check(loader, folder), args.examples, seed=args.seed
            )
            _print(outcome)
            outcomes.append(outcome)
        chosen = [e for e in endpoints() if _chosen(e.label, args.only)]
        if chosen:
            store = open_store(f"sqlite:///{folder / 'fuzz.db'}")
            services.load_list(store, "un", raw / "un" / "un_consolidated_2026-02-27.xml")
            rig = UploadRig(store)
            try:
                for endpoint in chosen:
                    outcome = run_target(
                        endpoint.label,
                        endpoint.strategy,
                        endpoint_check(rig, endpoint),
                        args.examples,
                        seed=args.seed,
                    )
                    _print(outcome)
                    outcomes.append(outcome)
            finally:
                rig.close()
                store.close()
    total = sum(o.inputs for o in outcomes)
    failures = sum(len(o.failed) for o in outcomes)
    seconds = time.perf_counter() - started
    print(f"\n{len(outcomes)} targets, {total:,} inputs, {failures} failures, {seconds:,.0f} s")
    return 1 if failures else 0


def _chosen(label: str, only: str | None) -> bool:
    return only is None or any(part in label for part in only.split(","))


def _print(outcome: Outcome) -> None:
    rate = outcome.inputs / outcome.seconds if outcome.seconds else 0.0
    print(
        f"{outcome.label:<44} {outcome.inputs:>9,} inputs {outcome.accepted:>9,} accepted "
        f"{len(outcome.failed):>5} failures "
        f"{outcome.seconds:>8,.1f} s ({rate:,.0f}/s)",
        flush=True,
    )
    for line in outcome.failed[:5]:
        print(f"    {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
