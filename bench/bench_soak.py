"""Soak: 32 clients for 10 minutes on a mixed load against `accomplice serve --workers 2` on PostgreSQL.

    .venv/bin/python bench/bench_soak.py                       # 10 minutes, throw-away PostgreSQL database
    .venv/bin/python bench/bench_soak.py --minutes 1 --db-url postgresql://postgres@127.0.0.1/accomplice_soak

- Store: a PostgreSQL database with the DPRK lists of OFAC, the UN, the EU and the UK (loaded if empty),
  the exposure examples of tests/exposure_data imported, and an analyst's API token.
- Server: `accomplice serve --workers 2` in its own process (bench_match_load's `_server`: started, its
  indexes built, its CPU quiet before the clock starts).
- Load: `--clients` concurrent clients in a closed loop, each drawing its next request with fixed
  weights (WEIGHTS): yente `/match` of real names from the screening fixtures, entity pages (HTML) and
  entity JSON, `/search`, `POST /api/trace` of the example shipments, and now and then a batch job
  (`POST /api/jobs`, 20 names) whose completion is awaited by polling.
- Reported: requests and errors per kind (an error is any answer but the expected status, or a transport
  error), p50/p99/max latency per kind, jobs submitted and completed, and the server's memory (RSS of
  every process of the server) sampled every SAMPLE_SECONDS: the first sample after the warm-up minute
  against the last. The target: 0 errors, memory flat within 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.services.exposure import import_file
from accomplice.settings import get_settings
from accomplice.store import open_store
from bench_match_load import _postgres, _process_tree, _server, _token, queries
from common import percentile

ROOT = Path(__file__).resolve().parents[1]
EXPOSURE = ROOT / "tests" / "exposure_data"
LISTS = (
    ("ofac", "ofac/2023-12-28"),
    ("un", "un/un_consolidated_2026-02-27.xml"),
    ("eu", "eu/eu_journal_consolidated_32017R1509.csv"),
    ("uk", "uk/hmt_conlist_2018-04-13.csv"),
)
# The share of each kind of request: mostly screening, as a bank's or an importer's integration sends.
WEIGHTS = {"match": 50, "entity_html": 12, "entity_json": 10, "search": 15, "trace": 11, "job": 2}
ENTITY_KEYS = ("ofac:20157", "ofac:12312", "un:KPe.035", "ofac:9345", "uk:11286", "ofac:20564")
SEARCHES = ("korea", "daesong bank", "김정은", "丹东", "Ким", "kwangson", "chongchongang")
JOB_NAMES = 20
SAMPLE_SECONDS = 15
WARM_UP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60
# Memory may grow by this share between the first sample after the warm-up and the last.
FLAT_MEMORY_SHARE = 0.10


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    jobs_done: int = 0
    memory: list[tuple[float, int]] = field(default_factory=list)


def _prepare(url: str) -> str:
    store = open_store(url)
    raw = get_settings().raw_dir
    if not store.lists():
        for fmt, relative in LISTS:
            services.load_list(store, fmt, raw / relative)
        for kind, name in (
            ("relations", "relations.csv"),
            ("ownership", "ownership.csv"),
            ("facilities", "facilities.csv"),
            ("evidence", "evidence.jsonl"),
        ):
            import_file(store, kind, EXPOSURE / name, user="soak")
    token = _token(store)
    store.close()
    return token


def _shipments() -> list[dict[str, str]]:
    with (EXPOSURE / "shipments.csv").open(encoding="utf-8") as handle:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(handle)]


def _rss_kib(pid: int) -> int:
    total = 0
    for proc in _process_tree(pid):
        try:
            for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


async def _job(client: httpx.AsyncClient, names: list[str]) -> tuple[bool, str]:
    body = "id,name\n" + "".join(f"{i},{n}\n" for i, n in enumerate(names))
    answer = await client.post(
        "/api/jobs", files={"file": ("soak.csv", io.BytesIO(body.encode()), "text/csv")}
    )
    if answer.status_code != 201:
        return False, f"upload {answer.status_code}: {answer.text[:120]}"
    job_id = answer.json()["id"]
    for _ in range(600):
        state = (await client.get(f"/api/jobs/{job_id}")).json()
        if state["state"] == "done":
            return True, ""
        if state["state"] in ("failed", "cancelled"):
            return False, f"job {job_id} {state['state']}"
        await asyncio.sleep(1)
    return False, f"job {job_id} not done after 10 minutes"


async def _client(
    base: str, token: str, pool: list[dict[str, Any]], rng: random.Random, until: float, tally: Tally
) -> None:
    shipments = _shipments()
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    headers = {"Authorization": f"ApiKey {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                if kind == "job":
                    names = [q["queries"]["q"]["properties"]["name"][0] for q in rng.sample(pool, JOB_NAMES)]
                    ok, why = await _job(client, names)
                    if ok:
                        tally.jobs_done += 1
                    else:
                        tally.errors[kind].append(why)
                    continue
                if kind == "match":
                    answer = await client.post("/match/default", json=rng.choice(pool))
                elif kind == "entity_html":
                    answer = await client.get(
                        f"/entities/{rng.choice(ENTITY_KEYS)}", headers={"Accept": "text/html"}
                    )
                elif kind == "entity_json":
                    answer = await client.get(f"/entities/{rng.choice(ENTITY_KEYS)}")
                elif kind == "search":
                    answer = await client.get("/search/default", params={"q": rng.choice(SEARCHES)})
                else:
                    answer = await client.post("/api/trace", json={"shipments": rng.sample(shipments, 2)})
                if answer.status_code != 200:
                    tally.errors[kind].append(f"{answer.status_code}: {answer.text[:120]}")
            except httpx.HTTPError as exc:
                tally.errors[kind].append(f"{type(exc).__name__}: {exc}")
                continue
            tally.latencies[kind].append(time.perf_counter() - started)


async def _sample_memory(pid: int, until: float, tally: Tally, started: float) -> None:
    while time.monotonic() < until:
        tally.memory.append((time.monotonic() - started, _rss_kib(pid)))
        await asyncio.sleep(SAMPLE_SECONDS)
    tally.memory.append((time.monotonic() - started, _rss_kib(pid)))


async def _soak(base: str, server_pid: int, token: str, clients: int, seconds: float) -> Tally:
    pool = queries(5_000)
    tally = Tally()
    started = time.monotonic()
    until = started + seconds
    tasks = [_client(base, token, pool, random.Random(i), until, tally) for i in range(clients)]
    await asyncio.gather(_sample_memory(server_pid, until, tally, started), *tasks)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db-url", default=None, help="PostgreSQL URL (default: a throw-away database)")
    args = parser.parse_args()
    with _postgres(args.db_url) as url:
        print(
            f"preparing {url.rpartition('/')[2]} (DPRK lists of OFAC, UN, EU, UK; exposure examples)",
            flush=True,
        )
        token = _prepare(url)
        probe = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}}
        with _server(url, token, probe, args.workers) as (base, _port):
            server_pid = _server_pid(base)
            print(f"soaking {args.clients} clients for {args.minutes:g} min against {base}", flush=True)
            tally = asyncio.run(_soak(base, server_pid, token, args.clients, args.minutes * 60))
    return _report(tally, args)


def _server_pid(base: str) -> int:
    """The pid of the `accomplice serve` process listening at `base` (the parent of its workers)."""
    port = base.rsplit(":", 1)[1]
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().split(b"\0")
        except (FileNotFoundError, PermissionError):
            continue
        if b"serve" in cmdline and port.encode() in cmdline:
            return int(status.parent.name)
    raise SystemExit(f"no server process found for {base}")


def _report(tally: Tally, args: argparse.Namespace) -> int:
    print(f"\n{'kind':12} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    errors = 0
    for kind in WEIGHTS:
        times = tally.latencies.get(kind, [])
        failed = tally.errors.get(kind, [])
        errors += len(failed)
        count = len(times) + (tally.jobs_done if kind == "job" else 0)
        if kind == "job":
            submitted = count + len(failed)
            print(f"{kind:12} {submitted:>9} {len(failed):>7}   (jobs completed: {tally.jobs_done})")
            continue
        p50, p99 = (percentile(times, 50) * 1000, percentile(times, 99) * 1000) if times else (0.0, 0.0)
        slowest = max(times, default=0) * 1000
        print(f"{kind:12} {count:>9} {len(failed):>7} {p50:>8.1f} {p99:>8.1f} {slowest:>8.1f}")
    for kind, failed in tally.errors.items():
        for why in failed[:3]:
            print(f"  {kind} error: {why}")
    after_warm_up = [kib for at, kib in tally.memory if at >= WARM_UP_SECONDS] or [
        kib for _, kib in tally.memory
    ]
    first, last = after_warm_up[0], after_warm_up[-1]
    growth = (last - first) / first if first else 0.0
    print(
        f"\nserver memory (RSS, all processes): {first / 1024:.0f} MiB after warm-up, {last / 1024:.0f} MiB "
        f"at the end ({growth:+.1%}; target within {FLAT_MEMORY_SHARE:.0%}); samples: "
        + ", ".join(f"{kib / 1024:.0f}" for _, kib in tally.memory)
    )
    print(
        f"errors: {errors} (target 0); {args.clients} clients, {args.workers} workers, {args.minutes:g} min"
    )
    return 0 if errors == 0 and growth <= FLAT_MEMORY_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
