"""Server start-up and memory: time until /healthz answers, and what each worker holds of the index.

    .venv/bin/python bench/bench_serve.py --db sqlite:///path.db [--workers 2] [--port 8130] [--queries 200]

Starts `accomplice serve --workers N` on a store whose persisted index is built (built first if not),
times how long /healthz takes to answer, screens `--queries` names through the yente-compatible search
API (anonymous screening allowed for the run) so that every worker touches the index, then reads each
worker's /proc/<pid>/smaps: resident (RSS) and proportional (PSS: shared pages divided among the
processes mapping them) memory, in all and for the index files alone. N workers holding N copies would
show an index PSS equal to its RSS in each; mapped files shared by all show PSS ≈ RSS / N.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.store import open_store
from common import Table, read_fixture

READY_TIMEOUT_SECONDS = 300


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return int(response.status)
    except OSError:
        return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def memory_kib(pid: int, folder: Path) -> dict[str, int]:
    """RSS and PSS of a process, in all and of the mappings of files in `folder`."""
    totals = {"rss": 0, "pss": 0, "index_rss": 0, "index_pss": 0}
    in_index = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields[0].endswith(":"):  # a mapping's header: address range, perms, ..., path
            in_index = len(fields) >= 6 and fields[5].startswith(str(folder))
        elif fields[0] in ("Rss:", "Pss:"):
            key = fields[0][:-1].lower()
            totals[key] += int(fields[1])
            if in_index:
                totals[f"index_{key}"] += int(fields[1])
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8130)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    store = open_store(args.db)
    index = services.load_screening_index(store)
    assert index.location is not None, "the store has no persisted index (in-memory database?)"
    folder = index.location.resolve()
    store.close()

    command = [
        str(Path(sys.executable).with_name("accomplice")),
        "--db",
        args.db,
        "serve",
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
    ]
    env = {**os.environ, "ACCOMPLICE_PUBLIC_SCREENING": "1"}
    base = f"http://127.0.0.1:{args.port}"
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while get(f"{base}/healthz") != 200:
            if time.perf_counter() - started > READY_TIMEOUT_SECONDS or server.poll() is not None:
                sys.exit("the server did not answer /healthz")
            time.sleep(0.05)
        ready = time.perf_counter() - started
        names = [row.name for row in read_fixture("positives_un_untreated.csv")[: args.queries]]
        statuses = [get(f"{base}/search/default?q={urllib.parse.quote(n)}") for n in names]
        served = sum(1 for s in statuses if s == 200)
        # uvicorn's workers are spawned children of the supervisor; multiprocessing's tracker is not one.
        workers = [
            p
            for p in children(server.pid)
            if "resource_tracker" not in Path(f"/proc/{p}/cmdline").read_text()
        ]
        workers = workers or [server.pid]
        table = Table(["process", "RSS MiB", "PSS MiB", "index RSS MiB", "index PSS MiB"])
        for pid in [server.pid, *workers]:
            m = memory_kib(pid, folder)
            role = "supervisor" if pid == server.pid and workers != [server.pid] else "worker"
            table.add(
                f"{role} {pid}",
                round(m["rss"] / 1024),
                round(m["pss"] / 1024),
                round(m["index_rss"] / 1024, 1),
                round(m["index_pss"] / 1024, 1),
            )
        print(f"/healthz answered {ready:.2f} s after start ({args.workers} workers)")
        print(f"{served} of {len(names)} searches answered 200\n")
        print(table.markdown())
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
