"""Load on yente's `POST /match/default`: concurrent clients against a real server over every shared list.

    .venv/bin/python bench/bench_match_load.py --seconds 20                       # SQLite, 1 process
    .venv/bin/python bench/bench_match_load.py --seconds 20 --workers 1 2 --find-rate
    .venv/bin/python bench/bench_match_load.py --seconds 20 --backend postgres --workers 1 2 --find-rate
    .venv/bin/python bench/bench_match_load.py --seconds 20 --rate 150           # one open-loop rate

- Store: every list of the shared catalogue (services.load_shared). SQLite: the cached bench store under
  bench/out (bench/common.bench_store). PostgreSQL: `--db-url`, loaded if it holds no lists yet; without
  `--db-url`, a throw-away database is created, loaded and dropped.
- Server: `accomplice serve --workers N` in its own process on a free port (one run per N of `--workers`),
  so that client and server share no interpreter; an analyst's API token (services.auth) is sent as yente
  clients send it, `Authorization: ApiKey <token>`. A run starts once every server process has built its
  screening index (one match answered on each of as many fresh connections as there are processes, and
  the processes' CPU has gone quiet).
- Closed loop: `--clients` concurrent clients, each sending one yente query at a time for `--seconds`.
  A query is a Person example (name, birthDate, nationality) drawn with a fixed seed from the real
  screening fixtures: the 50,000 OpenSanctions negatives and the 1,366 UN positives, clean and treated —
  mostly names that are not listed, as in real screening.
- Open loop (`--rate R`, or `--find-rate`): requests are started at R per second on a fixed schedule and
  spread over the `--clients` connections; a request whose connection is still busy waits, and its latency
  counts from its scheduled start (no coordinated omission). `--find-rate` raises the rate by
  RATE_STEP from START_RATE until p99 reaches the target, then reports the highest rate that met it: the
  capacity figure when the closed-loop target is out of reach.
- The load generator is a minimal HTTP/1.1 keep-alive client over asyncio streams (pre-encoded requests,
  Content-Length framing), not httpx: on a 2-core host the generator shares the CPU with the server, and
  httpx's per-request CPU would be counted against the server.
- Reported beside the target (p99 < 50 ms, no errors): throughput, p50/p95/p99/max latency, errors (non-200
  answers or transport errors), the share of queries with a match, and the host's CPU pressure
  (/proc/pressure/cpu, `some avg10`) and load average at the end of each run; and as the baseline of the
  same run, the same queries answered in-process by the use-case (services.yente.match_batch, no HTTP,
  one at a time), which is the floor that HTTP, JSON and concurrency add to.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.services import auth as accounts
from accomplice.services import yente
from accomplice.store import Store, open_store
from common import RAW, SEED, Table, all_lists, bench_store, percentile, read_fixture

TARGET_P99_MS = 50.0
DEFAULT_SECONDS = 120
DEFAULT_CLIENTS = 32
# Queries drawn for the run; more than a run sends at ~1,000 req/s would only cost memory.
QUERY_POOL = 20_000
# In-process baseline: enough queries for a stable p99, few enough to take seconds.
BASELINE_QUERIES = 2_000
# Building the screening index over every list takes a minute or two on a loaded host.
SERVER_READY_SECONDS = 600
# After the first answer, the run waits until the server's processes use less than this share of one CPU
# over QUIET_WINDOW_SECONDS: another process may still be building its index.
QUIET_CPU_SHARE = 0.2
QUIET_WINDOW_SECONDS = 2.0
REQUEST_TIMEOUT_SECONDS = 30
# --find-rate: the first rate is this share of the closed-loop throughput (p99 under 50 ms needs slack),
# each next one RATE_STEP times higher; on a miss at the first rate it steps down instead, at most
# MAX_RATE_STEPS steps in all. 15 % steps bound the answer to within 15 % of the true capacity.
START_RATE_SHARE = 0.5
RATE_STEP = 1.15
MAX_RATE_STEPS = 12
DEFAULT_RATE_SECONDS = 15.0
PG_ADMIN_URL = os.environ.get("ACCOMPLICE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_USER = "bench-analyst"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def queries(count: int) -> list[dict[str, Any]]:
    rows = (
        read_fixture("negatives_global.csv")
        + read_fixture("positives_un_untreated.csv")
        + read_fixture("positives_un_treated.csv")
    )
    rng = random.Random(SEED)
    out = []
    for row in rng.choices(rows, k=count):
        props: dict[str, list[str]] = {"name": [row.name]}
        if row.birth_date:
            props["birthDate"] = [row.birth_date]
        if row.nationality:
            props["nationality"] = [row.nationality]
        out.append({"queries": {"q": {"schema": "Person", "properties": props}}})
    return out


def host_pressure() -> str:
    """The host's CPU pressure (share of time some task waited for a CPU, last 10 s) and load average."""
    cpu = Path("/proc/pressure/cpu")
    some = cpu.read_text().split()[1].removeprefix("avg10=") if cpu.exists() else "?"
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{some} % / {' '.join(load)}"


def _token(store: Store) -> str:
    operator = accounts.operator_principal("bench")
    if BENCH_USER not in {u.name for u in accounts.list_users(store, operator)}:
        accounts.add_user(store, operator, name=BENCH_USER, roles=["analyst"], org="bench")
    return accounts.issue_token(store, operator, user=BENCH_USER, name="bench_match_load", days=1).secret


@contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    name = f"accomplice_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    for proc in found:
        children = Path(f"/proc/{proc}/task/{proc}/children")
        if children.exists():
            found.extend(int(c) for c in children.read_text().split())
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


@contextmanager
def _server(url: str, token: str, probe: dict[str, Any], workers: int) -> Iterator[tuple[str, int]]:
    port = _free_port()
    accomplice = Path(sys.executable).with_name("accomplice")
    proc = subprocess.Popen(
        [str(accomplice), "--db", url, "serve", "--port", str(port)]
        + (["--workers", str(workers)] if workers > 1 else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"ApiKey {token}"}
    try:
        deadline = time.monotonic() + SERVER_READY_SECONDS
        started = time.perf_counter()
        while True:
            try:
                answer = httpx.post(
                    f"{base}/match/default", json=probe, headers=headers, timeout=SERVER_READY_SECONDS
                )
                if answer.status_code == 200:
                    break
                raise SystemExit(f"the first match answered {answer.status_code}: {answer.text[:500]}")
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise SystemExit(f"server did not start: {err[-2000:]}")
            time.sleep(0.2)
        while time.monotonic() < deadline:
            pids = _process_tree(proc.pid)
            before = _cpu_seconds(pids)
            time.sleep(QUIET_WINDOW_SECONDS)
            if _cpu_seconds(pids) - before < QUIET_CPU_SHARE * QUIET_WINDOW_SECONDS:
                break
        print(
            f"  server ready ({workers} process(es), indexes built) after "
            f"{time.perf_counter() - started:.1f}s",
            flush=True,
        )
        yield base, port
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@dataclass
class Outcome:
    latencies: list[float]
    errors: int
    hits: int
    elapsed: float


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends pre-encoded requests and reads Content-Length bodies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(head[9:12]), await self.reader.readexactly(length)

    async def post(self, request: bytes) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._send(request), REQUEST_TIMEOUT_SECONDS)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _requests(port: int, token: str, pool: list[dict[str, Any]]) -> list[bytes]:
    out = []
    for body in pool:
        payload = json.dumps(body).encode()
        out.append(
            (
                f"POST /match/default HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: ApiKey {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
        )
    return out


async def _load(
    port: int, requests: list[bytes], clients: int, seconds: float, rate: float | None
) -> Outcome:
    """Closed loop (rate None: each client sends its next request when answered) or open loop (requests
    scheduled at `rate` per second, each sent on the next free connection, timed from its schedule)."""
    outcome = Outcome([], 0, 0, 0.0)
    tickets = itertools.count()
    rng = random.Random(SEED + 1)
    offset = rng.randrange(len(requests))

    async def client() -> None:
        connection = _Connection(port)
        while True:
            ticket = next(tickets)
            now = time.perf_counter()
            if rate is None:
                if now >= deadline:
                    break
                scheduled = now
            else:
                scheduled = started + ticket / rate
                if scheduled >= deadline:
                    break
                if scheduled > now:
                    await asyncio.sleep(scheduled - now)
            try:
                status, body = await connection.post(requests[(offset + ticket) % len(requests)])
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                outcome.errors += 1
                continue
            outcome.latencies.append((time.perf_counter() - scheduled) * 1000)
            if status != 200:
                outcome.errors += 1
            elif json.loads(body)["responses"]["q"]["total"]["value"]:
                outcome.hits += 1
        connection.close()

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    outcome.elapsed = time.perf_counter() - started
    return outcome


def _measure(port: int, requests: list[bytes], clients: int, seconds: float, rate: float | None) -> Outcome:
    return asyncio.run(_load(port, requests, clients, seconds, rate))


def _row(table: Table, label: str, outcome: Outcome) -> float:
    lat = outcome.latencies
    p99 = percentile(lat, 99)
    table.add(
        label,
        len(lat),
        round(len(lat) / outcome.elapsed) if outcome.elapsed else 0,
        f"{percentile(lat, 50):,.1f}",
        f"{percentile(lat, 95):,.1f}",
        f"{p99:,.1f}",
        f"{max(lat, default=0):,.1f}",
        outcome.errors,
        f"{outcome.hits / max(1, len(lat)):.1%}",
        host_pressure(),
    )
    print(f"  {label}: {len(lat)} answers, p99 {p99:.1f} ms, {outcome.errors} errors", flush=True)
    return p99


def _meets(p99: float, outcome: Outcome) -> bool:
    return p99 < TARGET_P99_MS and outcome.errors == 0


def _find_rate(
    label: str, port: int, requests: list[bytes], clients: int, seconds: float, start: float, table: Table
) -> float | None:
    """The highest open-loop rate tried whose p99 met the target (None if even the lowest missed)."""
    best: float | None = None
    rate = max(1.0, round(start))
    direction = 0
    for _ in range(MAX_RATE_STEPS):
        outcome = _measure(port, requests, clients, seconds, rate)
        met = _meets(_row(table, f"{label}, open loop {rate:.0f} req/s", outcome), outcome)
        if met:
            best = rate if best is None else max(best, rate)
        if direction == 0:
            direction = 1 if met else -1
        if (direction == 1 and not met) or (direction == -1 and met):
            break
        rate = max(1.0, round(rate * RATE_STEP if direction == 1 else rate / RATE_STEP))
    return best


def _baseline(store: Store, pool: list[dict[str, Any]]) -> list[float]:
    options = yente.MatchOptions()
    timings = []
    for body in pool[:BASELINE_QUERIES]:
        t0 = time.perf_counter()
        yente.match_batch(store, "default", body["queries"], options)
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def run(backend: str, url: str, pool: list[dict[str, Any]], args: argparse.Namespace, table: Table) -> None:
    store = open_store(url)
    if not store.lists():
        started = time.perf_counter()
        services.load_shared(store, RAW)
        print(f"  {backend}: loaded every shared list in {time.perf_counter() - started:.0f}s", flush=True)
    token = _token(store)
    started = time.perf_counter()
    services.screening_index(store)
    print(f"  {backend}: in-process index built in {time.perf_counter() - started:.1f}s", flush=True)
    base_ms = _baseline(store, pool)
    store.close()
    table.add(
        f"{backend}: in-process use-case, 1 at a time (baseline)",
        len(base_ms),
        round(1000 * len(base_ms) / sum(base_ms)),
        f"{percentile(base_ms, 50):.2f}",
        f"{percentile(base_ms, 95):.2f}",
        f"{percentile(base_ms, 99):.2f}",
        f"{max(base_ms):,.1f}",
        "-",
        "-",
        host_pressure(),
    )
    for workers in args.workers:
        label = f"{backend}, {workers} process{'es' if workers > 1 else ''}"
        with _server(url, token, pool[0], workers) as (_, port):
            requests = _requests(port, token, pool)
            closed = _measure(port, requests, args.clients, args.seconds, None)
            p99 = _row(table, f"{label}, {args.clients} clients closed loop", closed)
            verdict = "meets" if _meets(p99, closed) else "misses"
            print(f"  {label}: closed loop {verdict} the target (p99 < {TARGET_P99_MS:.0f} ms, 0 errors)")
            for rate in args.rate:
                _row(
                    table,
                    f"{label}, open loop {rate:.0f} req/s",
                    _measure(port, requests, args.clients, args.rate_seconds, rate),
                )
            if args.find_rate:
                throughput = len(closed.latencies) / closed.elapsed
                best = _find_rate(
                    label,
                    port,
                    requests,
                    args.clients,
                    args.rate_seconds,
                    START_RATE_SHARE * throughput,
                    table,
                )
                found = f"{best:.0f} req/s" if best is not None else "none of the rates tried"
                print(f"  {label}: highest open-loop rate with p99 < {TARGET_P99_MS:.0f} ms: {found}")
                CAPACITY.append((label, best))


CAPACITY: list[tuple[str, float | None]] = []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="Closed-loop run length.")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="Server processes, one run each.")
    parser.add_argument("--rate", type=float, nargs="*", default=[], help="Open-loop rates (req/s) to run.")
    parser.add_argument(
        "--find-rate", action="store_true", help="Search the highest rate meeting the target."
    )
    parser.add_argument(
        "--rate-seconds", type=float, default=DEFAULT_RATE_SECONDS, help="Open-loop run length."
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--db-url", default=None, help="PostgreSQL URL (loaded if empty); implies postgres")
    args = parser.parse_args()
    backend = args.backend or ("postgres" if args.db_url else "sqlite")
    pool = queries(QUERY_POOL)
    table = Table(
        [
            "run",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
            "with a match",
            "CPU pressure / load avg at end",
        ]
    )
    print(
        f"host: {os.cpu_count()} CPUs; CPU pressure / load average before the runs: {host_pressure()}",
        flush=True,
    )
    if backend in ("sqlite", "both"):
        store = bench_store("all", all_lists())
        url = store.url
        store.close()
        run("sqlite", url, pool, args, table)
    if backend in ("postgres", "both"):
        with _postgres(args.db_url) as url:
            run("postgresql", url, pool, args, table)
    print()
    print(
        f"target: p99 < {TARGET_P99_MS:.0f} ms, 0 errors; closed loop with {args.clients} concurrent clients"
    )
    print(table.markdown())
    for label, best in CAPACITY:
        found = f"{best:.0f} req/s" if best is not None else "none of the rates tried"
        print(f"{label}: highest open-loop rate with p99 < {TARGET_P99_MS:.0f} ms and no errors: {found}")


if __name__ == "__main__":
    main()
