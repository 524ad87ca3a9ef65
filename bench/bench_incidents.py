"""Incidents at volume: import, search in four scripts and an entity's graph page, on SQLite and PostgreSQL.

Generates INCIDENTS synthetic records holding PEOPLE victims (`accomplice.incidents.synthetic`, seeded),
imports them in one transaction each of BATCH records (every victim sealed with AES-GCM), then times
`services.incidents.incident_page` for searches in Hangul, Hanzi, Cyrillic and Latin letters and
`services.incidents.entity_graph` for a UN-listed perpetrator (the UN list is loaded first, so perpetrators
resolve by screening).

    .venv/bin/python bench/bench_incidents.py [--incidents 100000] [--people 500000] [--skip-pg]

Targets (issue 14): search p99 < 200 ms, a graph page < 300 ms, 100,000 records imported < 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from itertools import islice
from pathlib import Path

import psycopg
from bench.common import percentile

from accomplice import services
from accomplice.incidents.synthetic import synthetic_records
from accomplice.services import incident_keys, incidents
from accomplice.services.auth import operator_principal
from accomplice.services.screening import screening_index
from accomplice.settings import get_settings
from accomplice.store import Store, open_store

OPERATOR = operator_principal("bench")
# Records per import call: one transaction each, as a documenter's file would be.
BATCH = 10_000
QUERIES = ("강제노동", "여권", "护照被没收", "паспортах", "Dandong", "Hunchun", "Seafood plant", "강제송환")
SEARCH_ROUNDS = 25
GRAPH_ROUNDS = 20
LISTED = "un:KPe.001"  # Korea Mining Development Trading Corporation, a perpetrator of the generator
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def run(store: Store, count: int, people: int) -> dict[str, object]:
    services.load_list(store, "un", get_settings().raw_dir / "un/un_consolidated_2026-02-27.xml")
    index = screening_index(store)
    started = time.perf_counter()
    records = synthetic_records(count, people)
    added = 0
    while batch := list(islice(records, BATCH)):
        lines = [json.dumps(r, ensure_ascii=False) for r in batch]
        added += incidents.import_lines(store, OPERATOR, lines, "synthetic", index=index).added
    imported = time.perf_counter() - started
    search_ms = []
    for _ in range(SEARCH_ROUNDS):
        for query in QUERIES:
            t = time.perf_counter()
            incidents.incident_page(store, OPERATOR, query=query, limit=50)
            search_ms.append((time.perf_counter() - t) * 1000)
    graph_ms = []
    for _ in range(GRAPH_ROUNDS):
        t = time.perf_counter()
        graph = incidents.entity_graph(store, OPERATOR, LISTED)
        graph_ms.append((time.perf_counter() - t) * 1000)
    return {
        "backend": store.backend,
        "incidents": added,
        "people": people,
        "import_s": round(imported, 1),
        "search_p50_ms": round(percentile(search_ms, 50), 1),
        "search_p99_ms": round(percentile(search_ms, 99), 1),
        "graph_p50_ms": round(percentile(graph_ms, 50), 1),
        "graph_p99_ms": round(percentile(graph_ms, 99), 1),
        "graph_abuses": len(graph.abuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ[incident_keys.KEY_FILE_ENV] = str(Path(folder) / "bench.key")
        incident_keys.init_key_file(Path(folder) / "bench.key")
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        print(json.dumps(run(store, args.incidents, args.people)), flush=True)
        store.close()
        if not args.skip_pg:
            name = f"bench_incidents_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                store = open_store(f"{PG_ADMIN.rpartition('/')[0]}/{name}")
                print(json.dumps(run(store, args.incidents, args.people)), flush=True)
                store.close()
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
