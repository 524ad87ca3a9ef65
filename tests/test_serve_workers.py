"""`accomplice serve --workers N`: N server processes answer on one port; background work runs once.

The server runs as a real subprocess over a real store (the UN list); which process answered a
connection is read from the kernel (/proc/net/tcp and each process's open sockets), and which process ran
a batch job from the job's own record of its worker.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accomplice import services
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store
from accomplice.store.jobs import JobStore
from tests.jobs_data import names_csv

WORKERS = 2
# Starting Python N+1 times and migrating the store takes seconds; on a loaded host, tens.
START_SECONDS = 180
JOB_SECONDS = 180
# A server process building its screening index answers slowly on a loaded host.
REQUEST_SECONDS = 60
# Connections are handed to whichever process accepts first. A process still building its screening
# index (a minute on a loaded host) rarely wins, so connections are tried, one at a time with a pause,
# until every process has answered one or this long has passed.
ACCEPT_SECONDS = 180
CONNECTION_PAUSE_SECONDS = 0.2
JOBS = 3
# Each job screens the listed and clean names of tests/jobs_data this many times over: long enough (a
# second or more) to be seen running, and so to see which process runs it.
JOB_REPEAT = 10
JOB_POLL_SECONDS = 0.05


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _server_processes(pid: int) -> list[int]:
    """The uvicorn worker processes under `accomplice serve` (started by multiprocessing's spawn)."""
    return [c for c in _children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the connection from `client_port` (from /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return inode
    return None


def _owner(inode: str, pids: list[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return pid
            except FileNotFoundError:
                continue
    return None


@pytest.fixture(scope="module")
def served(
    raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.Popen[bytes], int, str, Store]]:
    """`accomplice serve --workers 2` over a store of the UN list, with an analyst's token."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('serve') / 'lists.db'}")
    services.load_list(store, "un", raw_dir / "un/un_consolidated_2026-02-27.xml")
    # As `accomplice load` does: the server processes open the persisted index instead of building it.
    services.load_screening_index(store)
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name="serve-analyst", roles=["analyst"], org="ngo")
    token = accounts.issue_token(store, operator, user="serve-analyst").secret
    port = _free_port()
    accomplice = Path(sys.executable).with_name("accomplice")
    proc = subprocess.Popen(
        [str(accomplice), "--db", store.url, "serve", "--port", str(port), "--workers", str(WORKERS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=REQUEST_SECONDS).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /healthz"
            time.sleep(0.2)
        while len(_server_processes(proc.pid)) < WORKERS:
            assert time.monotonic() < deadline, "the server processes did not all start"
            time.sleep(0.2)
        yield proc, port, token, store
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()
        store.close()


def _healthz(port: int) -> socket.socket:
    """A connection that asked for /healthz, got `200 OK` and is kept open (HTTP/1.1 keep-alive)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    return sock


def test_two_server_processes_both_answer_requests_on_one_port(
    served: tuple[subprocess.Popen[bytes], int, str, Store],
) -> None:
    proc, port, _, _ = served
    workers = _server_processes(proc.pid)
    assert len(workers) == WORKERS
    answered_by: set[int] = set()
    deadline = time.monotonic() + ACCEPT_SECONDS
    while answered_by != set(workers) and time.monotonic() < deadline:
        # Held open while its owner is looked up, so that its server end stays in the process that
        # accepted it.
        with _healthz(port) as sock:
            inode = _socket_inode(port, sock.getsockname()[1])
            assert inode is not None
            owner = _owner(inode, workers)
        assert owner in workers, "a connection was answered by a process that is not a server worker"
        answered_by.add(owner)
        time.sleep(CONNECTION_PAUSE_SECONDS)
    assert answered_by == set(workers)


def test_batch_jobs_run_in_the_supervising_process_only(
    served: tuple[subprocess.Popen[bytes], int, str, Store], raw_dir: Path
) -> None:
    proc, port, token, store = served
    headers = {"Authorization": f"Bearer {token}"}
    names = names_csv(raw_dir, repeat=JOB_REPEAT)
    job_ids = []
    for _ in range(JOBS):
        # Separate connections: the jobs are submitted to whichever server processes take them.
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/jobs",
            headers=headers,
            files={"file": ("names.csv", names, "text/csv")},
            timeout=REQUEST_SECONDS,
        )
        assert answer.status_code == 201, answer.text
        job_ids.append(answer.json()["id"])
    # A running job names its worker (host:pid:instance); the name is cleared when the job ends.
    runners: set[str] = set()
    deadline = time.monotonic() + JOB_SECONDS
    jobs = JobStore(store)
    while True:
        records = [jobs.get(job_id) for job_id in job_ids]
        runners.update(r.worker for r in records if r is not None and r.worker is not None)
        states = {r.state for r in records if r is not None}
        if states == {"done"}:
            break
        assert states <= {"queued", "running", "done"}, states
        assert time.monotonic() < deadline, f"jobs still {states} after {JOB_SECONDS}s"
        time.sleep(JOB_POLL_SECONDS)
    assert len(runners) == 1
    assert {int(worker.split(":")[1]) for worker in runners} == {proc.pid}
