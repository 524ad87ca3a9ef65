"""`kill -9` at random points of the server's two background workers, twenty times each: the batch
screening job worker and the webhook delivery worker.

Each worker runs in a subprocess (the same `JobWorker` and `deliver_due` that `accomplice serve` runs),
killed after a seeded delay and started again, as a crashed server is restarted. Afterwards nothing is
lost (every row of the job has its result, every alert reached the receiver), nothing is duplicated (one
result row per input row; a webhook delivery may be repeated, at least once, but always under the same
delivery id, so a receiver drops the repeat), and the audit chain is intact. The points are drawn from a
seeded generator, so a failure replays.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accomplice.services import auth as accounts
from accomplice.services import jobs as job_service
from accomplice.services import monitor
from accomplice.store import Store, open_store
from accomplice.store.jobs import JobStore
from accomplice.store.monitor import MonitorStore, NewAlert, NewEntry
from accomplice.store.schema_jobs import job_results
from tests.jobs_data import names_csv

KILLS = 20
# Rows of the screened job: listed names in several scripts among clean ones.
ROWS = 40
# The generator's seed: the same kill points on every run, so a failure can be replayed.
SEED = 20261208
# Kills land anywhere from the end of start-up to a little past the uninterrupted work's length.
KILL_SPAN = 1.2
OPERATOR = accounts.operator_principal("tester")

# The workers run in processes forked from one warm parent (the runner), as `accomplice serve` runs
# them in its own process: a fresh interpreter would spend seconds importing and initialising the name
# analysis before each run, twenty times over. Each forked worker opens its own store connection and is
# killed with SIGKILL by the runner, its parent, after the delay the test gives, or runs to its end.
#
# The job worker runs as the server runs it, with two differences that stand for the passage of time: a
# restarted worker takes over the killed one's job at once (stale after 0 s, not STALE_AFTER_SECONDS),
# and it writes every few rows, so that kills land between many writes of a small job. The delivery
# worker's pass is repeated until nothing is due; a restart comes `arg` seconds later on the store's
# clock, past the lease of the deliveries the killed process had claimed, which a server coming back
# after the lease sends again.
RUNNER = """
import os, sys, time, traceback
from datetime import timedelta
from accomplice.matching.analyze import analyze_name
from accomplice.services import monitor
from accomplice.services.jobs import JobWorker
from accomplice.store import open_store
from accomplice.store.clock import utc_now

def job(url, _arg):
    store = open_store(url)
    worker = JobWorker(store, stale_after=0.0, batch_rows=4, batch_seconds=0.05)
    while worker.run_next():
        pass
    store.close()

def deliver(url, arg):
    store = open_store(url)
    later = timedelta(seconds=float(arg))
    while monitor.deliver_due(store, now=utc_now() + later, limit=1, allow_private=True).attempted:
        pass
    store.close()

analyze_name("Kim Jong Un")
print("ready", flush=True)
for line in sys.stdin:
    kind, url, arg, kill_after = line.split()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            {"job": job, "deliver": deliver}[kind](url, arg)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        os._exit(code)
    deadline = started + float(kill_after)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.002)
    print(os.waitstatus_to_exitcode(status), time.monotonic() - started, flush=True)
"""


class Runner:
    """The warm parent process: `run` forks one worker and reports how it ended and how long it ran."""

    def __init__(self, errors: Path) -> None:
        self.errors = errors.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUNNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        self.errors_path = errors
        assert self._line() == "ready", self.errors_path.read_text()

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def run(self, kind: str, url: str, arg: str = "0", kill_after: float = 300.0) -> tuple[int, float]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{kind} {url} {arg} {kill_after}\n")
        self.process.stdin.flush()
        code, seconds = self._line().split()
        return int(code), float(seconds)

    def complete(self, kind: str, url: str, arg: str = "0") -> float:
        code, seconds = self.run(kind, url, arg)
        assert code == 0, self.errors_path.read_text()
        return seconds

    def kill_at(self, kind: str, url: str, after: float, arg: str = "0") -> None:
        code, _ = self.run(kind, url, arg, kill_after=after)
        assert code in (0, -signal.SIGKILL), self.errors_path.read_text()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.errors.close()


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    forks = Runner(tmp_path_factory.mktemp("kill9") / "runner-errors.txt")
    yield forks
    forks.close()


@contextmanager
def _opened(url: str) -> Iterator[Store]:
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


def _audit_intact(store: Store) -> bool:
    return accounts.verify_audit(store, OPERATOR).ok


# -- the batch job ---------------------------------------------------------------------------------------


@pytest.fixture
def queued_job(raw_dir: Path, tmp_path: Path) -> tuple[str, int]:
    """A store with the UN list (its index persisted) and one queued job of ROWS real names."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    load = subprocess.run(
        [
            str(Path(sys.executable).with_name("accomplice")),
            "--db",
            url,
            "load",
            "un",
            str(raw_dir / "un" / "un_consolidated_2026-02-27.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert load.returncode == 0, load.stderr
    lines = names_csv(raw_dir, clean=20, repeat=2).decode().splitlines()[: ROWS + 1]
    data = ("\n".join(lines) + "\n").encode()
    with _opened(url) as store:
        accounts.add_user(store, OPERATOR, name="analyst1", roles=["analyst"])
        job = job_service.submit_job(
            store, accounts.local_principal(store, "analyst1"), file_name="names.csv", data=data
        )
    return url, job.id


def _job_state(store: Store, job_id: int) -> tuple[str, int, list[tuple[object, ...]]]:
    job = JobStore(store).get(job_id)
    assert job is not None
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                job_results.c.seq,
                job_results.c.record,
                job_results.c.line,
                job_results.c.csv_row,
                job_results.c.matches,
                job_results.c.best_score,
            )
            .where(job_results.c.job_id == job_id)
            .order_by(job_results.c.seq)
        ).all()
        distinct = conn.execute(
            select(func.count(func.distinct(job_results.c.seq))).where(job_results.c.job_id == job_id)
        ).scalar_one()
    # One row per input row: the progress counter and the rows written agree, seqs 0.. without gaps
    # or repeats.
    assert [r.seq for r in rows] == list(range(job.rows_done))
    assert distinct == len(rows)
    return job.state, job.rows_done, [tuple(r) for r in rows]


def _resubmit(store: Store, job_id: int) -> int:
    jobs = JobStore(store)
    job = jobs.get(job_id)
    assert job is not None
    again = job_service.submit_job(
        store,
        accounts.local_principal(store, "analyst1"),
        file_name=job.file_name,
        data=jobs.input_data(job_id),
    )
    return again.id


def test_a_batch_job_killed_anywhere_loses_and_repeats_no_row(
    queued_job: tuple[str, int], runner: Runner, tmp_path: Path
) -> None:
    url, job_id = queued_job
    reference = tmp_path / "reference.db"
    original = Path(url.removeprefix("sqlite:///"))
    reference.write_bytes(original.read_bytes())
    shutil.copytree(
        original.with_name(f"{original.name}.index"), reference.with_name(f"{reference.name}.index")
    )
    length = runner.complete("job", f"sqlite:///{reference}")
    with _opened(f"sqlite:///{reference}") as done:
        state, rows_done, expected = _job_state(done, job_id)
    assert (state, rows_done) == ("done", ROWS)
    rng = random.Random(SEED)
    progress = []
    job_ids = [job_id]
    for attempt in range(KILLS):
        runner.kill_at("job", url, rng.uniform(0.0, KILL_SPAN * length))
        with _opened(url) as store:
            for queued in job_ids:
                state, rows_done, rows = _job_state(store, queued)
                # What is written is exactly the uninterrupted run's first rows.
                assert rows == expected[:rows_done], f"kill {attempt}, job {queued}"
            assert _audit_intact(store), f"kill {attempt}"
            progress.append(rows_done)
            if state == "done":
                # The same file again, so that the next kills land inside a job too.
                job_ids.append(_resubmit(store, job_id))
    runner.complete("job", url)
    with _opened(url) as store:
        for queued in job_ids:
            assert _job_state(store, queued) == ("done", ROWS, expected)
        assert _audit_intact(store)
    # The kills did land inside the jobs, not only before or after them.
    assert sum(0 < done < ROWS for done in progress) >= KILLS // 4, progress


# -- the webhook delivery --------------------------------------------------------------------------------

ALERTS = 12
# The receiver takes this long per request, so that kills land while a delivery is in flight, between
# the POST and the record of its answer, not only between deliveries.
RECEIVER_DELAY_SECONDS = 0.03


@contextmanager
def _slow_receiver() -> Iterator[tuple[str, list[bytes], list[str]]]:
    """A real HTTP server on a free port of 127.0.0.1 that records every body it is sent, and the
    delivery id header of each."""
    bodies: list[bytes] = []
    headers: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(RECEIVER_DELAY_SECONDS)
            with lock:
                bodies.append(body)
                headers.append(self.headers.get(monitor.DELIVERY_HEADER, ""))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies, headers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _queue_alerts(store: Store, count: int, watchlist_name: str = "W") -> None:
    """`count` "new match" alerts (a real OFAC DPRK listing) of one organisation, each queued as a delivery
    to its webhook."""
    raw = MonitorStore(store)
    watchlist = raw.create_watchlist(watchlist_name, org="acme", created_by="ana")
    entries = raw.add_entries(
        watchlist.id, [NewEntry(f"c{i}", "Jon Yun Gun") for i in range(count)], created_by="ana"
    )
    alerts = [
        NewAlert(
            watchlist.id,
            entry_id,
            f"c{i}",
            "Jon Yun Gun",
            "acme",
            "ofac:48262",
            "JON, Yun Gun",
            "new",
            1.0,
            ("names agree",),
            "ofac",
            2,
            "2024-05-03",
        )
        for i, entry_id in enumerate(entries)
    ]
    # One screening per alert: each queues a delivery of its own.
    for generation, alert in enumerate(alerts):
        raw.record_screening(
            [], [alert], generation=f"{watchlist_name}{generation}", payload_of=monitor._payload
        )


def _delivered_ids(bodies: list[bytes]) -> Counter[int]:
    return Counter(int(json.loads(body)["delivery"]) for body in bodies)


def test_a_webhook_delivery_killed_anywhere_still_arrives_under_one_id(
    runner: Runner, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    with _opened(url) as store:
        accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], org="acme")
        ana = accounts.local_principal(store, "ana")
        with _slow_receiver() as (hook_url, bodies, ids):
            monitor.create_webhook(store, ana, hook_url, allow_private=True)
            _queue_alerts(store, ALERTS)
            queued = {d.id: d.payload for d in MonitorStore(store).deliveries()}
            assert len(queued) == ALERTS
            reference = tmp_path / "reference.db"
            store.engine.dispose()
            reference.write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
            length = runner.complete("deliver", f"sqlite:///{reference}")
            assert _delivered_ids(bodies) == Counter(queued.keys()), (
                "the uninterrupted run delivers each once"
            )
            bodies.clear()
            ids.clear()
            # Each restart comes a lease later on the store's clock than the one before.
            step = monitor.CLAIM_LEASE_SECONDS + 1
            rng = random.Random(SEED + 1)
            partial = 0
            for attempt in range(KILLS):
                runner.kill_at("deliver", url, rng.uniform(0.0, KILL_SPAN * length), str(attempt * step))
                with _opened(url) as check:
                    assert _audit_intact(check), f"kill {attempt}"
                    outbox = MonitorStore(check).deliveries()
                    recorded = {d.id for d in outbox if d.delivered_at is not None}
                    # A delivery recorded as delivered was received: the record follows the 2xx answer.
                    assert recorded <= set(_delivered_ids(bodies)), f"kill {attempt}"
                    partial += 0 < len(recorded) < len(outbox)
                    if len(recorded) == len(outbox):
                        # More alerts, so that the next kills land inside deliveries too.
                        _queue_alerts(check, ALERTS, f"W{attempt}")
                        queued.update({d.id: d.payload for d in MonitorStore(check).deliveries()})
            runner.complete("deliver", url, str(KILLS * step))
        with _opened(url) as check:
            assert all(d.delivered_at is not None for d in MonitorStore(check).deliveries())
            assert _audit_intact(check)
    # The kills did land inside the passes, not only before or after them.
    assert partial >= KILLS // 4, partial
    received = _delivered_ids(bodies)
    # Nothing lost: every alert's delivery arrived at least once.
    assert set(received) == set(queued)
    # A repeat carries the same delivery id and the same alerts, so a receiver that keeps the ids it has
    # seen drops it.
    for body, header in zip(bodies, ids, strict=True):
        sent = json.loads(body)
        # The header names the same delivery as the body, so a receiver can drop a repeat unparsed.
        assert header == str(sent["delivery"])
        stored = json.loads(queued[sent["delivery"]])
        assert sent["alerts"] == stored["alerts"]
