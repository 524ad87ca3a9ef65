"""Loading speed: every shared list into a fresh SQLite store and a fresh PostgreSQL database.

    .venv/bin/python bench/bench_load.py [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--skip-pg]

Each store starts empty and receives the whole shared catalogue (`accomplice load all`: OFAC SDN in two
versions and the Consolidated list, UN, three EU regulations, UK in two versions, the FtM sample and the
OpenSanctions tables) in one process, as `make run` does. Then the same catalogue is loaded again: every
file is already stored, so each re-import must be a no-op. Targets from the foundation issue: all lists
under 60 s into SQLite, an unchanged re-import under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.store import open_store
from common import RAW, Table


def run(url: str, label: str, table: Table, per_list: Table) -> None:
    store = open_store(url)
    started = time.perf_counter()
    reports = services.load_shared(store, RAW)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = services.load_shared(store, RAW)
    second = time.perf_counter() - started
    entities = sum(r.version.counts.get("entities", 0) for r in reports if not r.unchanged)
    statements = sum(r.added_statements for r in reports)
    table.add(
        label,
        len(reports),
        entities,
        statements,
        round(first, 1),
        round(second, 2),
        all(r.unchanged for r in again),
    )
    for report in reports:
        per_list.add(
            label,
            report.list_name,
            report.version.label,
            report.version.counts.get("entities", 0),
            report.added_statements,
            round(report.seconds, 2),
        )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    table = Table(
        ["store", "files", "entities", "statements", "load all s", "re-import all s", "re-import no-op"]
    )
    per_list = Table(["store", "list", "version", "entities", "statements", "write s"])
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", "SQLite (WAL)", table, per_list)
    if not args.skip_pg:
        name = f"accomplice_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run(f"{args.pg.rpartition('/')[0]}/{name}", "PostgreSQL 15", table, per_list)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(table.markdown())
    print()
    print(per_list.markdown())


if __name__ == "__main__":
    main()
