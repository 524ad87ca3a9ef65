"""Screening and §321(b) flagging on Apache Spark beside the local multiprocess engine, in the same run.

    .venv/bin/python bench/bench_spark.py [--names 20000] [--shipments 200000]

- Screening: `--names` rows (the shared screening fixtures — 50,000 negatives, the UN positives clean and
  treated — repeated in order, as bench_screening_speed.py draws them) written to Parquet and screened
  against the UN list: by the local engine with 2 worker processes, then by Spark in local[1] and local[2]
  (Parquet in, Parquet out). Spark's start-up (JVM, session) is timed apart from the job.
- Flagging: `--shipments` lines made from the hand-made trade data (tests/exposure_data, every line on
  days spread over 2012–2025), flagged in local[2] against that store's propagated graph; lines/s.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.batch.spark import spark_session
from accomplice.services import exposure
from accomplice.services.exposure_spark import flag_table
from accomplice.services.screening_spark import screen_table
from accomplice.store import open_store
from common import OUT, Table, bench_store, read_fixture, un_only

TRADE = Path(__file__).resolve().parents[1] / "tests" / "exposure_data"
IMPORT_ORDER = ("relations.csv", "ownership.csv", "facilities.csv", "evidence.jsonl")


def write_names(path: Path, count: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = (
        read_fixture("negatives_global.csv")
        + read_fixture("positives_un_untreated.csv")
        + read_fixture("positives_un_treated.csv")
    )
    picked = list(itertools.islice(itertools.cycle(rows), count))
    table = pa.table(
        {
            "id": [str(i) for i in range(count)],
            "name": [r.name for r in picked],
            "schema": ["Person"] * count,
            "birth_date": [r.birth_date for r in picked],
            "nationality": [r.nationality for r in picked],
        }
    )
    pq.write_table(table, path)


def write_shipments(path: Path, count: int) -> None:
    with (TRADE / "shipments.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        originals = list(reader)
    first, span = date(2012, 1, 1), (date(2025, 12, 31) - date(2012, 1, 1)).days
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for n in range(count):
            row = originals[n % len(originals)]
            day = first + timedelta(days=(n * 7919) % span)  # a prime stride: every day of the span, spread
            writer.writerow({**row, "entry_id": f"L{n}", "entry_date": day.isoformat()})


def main() -> None:
    import pyarrow.parquet as pq

    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--shipments", type=int, default=200_000)
    args = parser.parse_args()
    work = OUT / "spark"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = bench_store("un", un_only())
    index = services.screening_index(store)  # builds and persists the index once, outside the timings
    names = work / "names.parquet"
    write_names(names, args.names)

    table = Table(["engine", "names", "start-up s", "job s", "names/s"])
    records = [
        services.ScreeningRecord(
            r["id"], r["name"], r["schema"], r["birth_date"] or None, r["nationality"] or None
        )
        for r in pq.read_table(names).to_pylist()
    ]
    started = time.perf_counter()
    done = sum(1 for _ in services.screen_records(index, records, workers=2))
    seconds = time.perf_counter() - started
    table.add(*["local, 2 processes", f"{done:,}", "0", f"{seconds:.1f}", f"{done / seconds:,.0f}"])

    for cores in (1, 2):
        started = time.perf_counter()
        spark = spark_session(f"local[{cores}]", app_name=f"bench-{cores}")
        startup = time.perf_counter() - started
        report = screen_table(
            spark, store, str(names), str(work / f"hits-{cores}.parquet"), partitions=4 * cores
        )
        table.add(
            *[
                f"Spark local[{cores}]",
                f"{report.rows:,}",
                f"{startup:.1f}",
                f"{report.seconds:.1f}",
                f"{report.rows / report.seconds:,.0f}",
            ]
        )
        if cores == 2:
            trade_path = work / "trade.db"
            shutil.copy(store.engine.url.database or "", trade_path)
            trade = open_store(f"sqlite:///{trade_path}")
            for name in IMPORT_ORDER:
                exposure.import_file(trade, name.split(".")[0], TRADE / name, user="bench")
            exposure.import_file(trade, "shipments", TRADE / "shipments.csv", user="bench")  # the parties
            lines = work / "entries.csv"
            write_shipments(lines, args.shipments)
            flagged = flag_table(spark, trade, str(lines), str(work / "flags.jsonl"), partitions=4)
            print(
                f"flagging local[2]: {flagged.shipments:,} lines, {flagged.flagged:,} flagged, "
                f"{flagged.seconds:.1f}s, {flagged.shipments / flagged.seconds:,.0f} lines/s"
            )
        spark.stop()
    print(table.markdown())


if __name__ == "__main__":
    main()
