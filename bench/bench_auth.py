"""What authentication costs: password hashing, a request with a token or a session, and the audit log.

Baselines in the same run: an anonymous request to a public route (no credential looked up) against the
same request path with an API token and with a session cookie; an audit append against a plain insert of
a login attempt (what any write costs without the chain). Throw-away stores: SQLite in a temp dir and
PostgreSQL in a temp database.

    .venv/bin/python bench/bench_auth.py                 # 1,000 requests, 2,000 audit rows per backend
    .venv/bin/python bench/bench_auth.py --requests 3000 --rows 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

import psycopg
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.api.auth import SESSION_COOKIE
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.schema_auth import login_attempts

PG_ADMIN_URL = os.environ.get("ACCOMPLICE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery staple"
HASH_ROUNDS = 10


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def bench_passwords() -> None:
    hashes, verifies = [], []
    for _ in range(HASH_ROUNDS):
        start = time.perf_counter()
        stored = accounts.hash_password(PASSWORD)
        hashes.append(time.perf_counter() - start)
        start = time.perf_counter()
        accounts._HASHER.verify(stored, PASSWORD)
        verifies.append(time.perf_counter() - start)
    print(f"argon2id hash    {_ms(hashes)}")
    print(f"argon2id verify  {_ms(verifies)}   (every login, and every failed one, costs this)")


def bench_requests(store: Store, requests: int) -> None:
    operator = accounts.operator_principal("bench")
    accounts.add_user(store, operator, name="bench", roles=["analyst"], password=PASSWORD)
    token = accounts.issue_token(store, operator, user="bench").secret
    session = accounts.login(store, "bench", PASSWORD, address="127.0.0.1")
    with TestClient(create_app(store)) as client:
        cases = {
            "anonymous GET /healthz (baseline)": ("/healthz", {}, {}),
            "token     GET /api/me": ("/api/me", {"Authorization": f"Bearer {token}"}, {}),
            "session   GET /api/me": ("/api/me", {}, {SESSION_COOKIE: session.session_id}),
        }
        for label, (url, headers, cookies) in cases.items():
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            for _ in range(50):  # warm up
                client.get(url, headers=headers)
            samples = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
            print(f"  {label:36s} {_ms(samples)}")


def bench_audit(store: Store, rows: int) -> None:
    log = AuditLog(store)
    entry = AuditEntry("bench", "bench.event", "subject", {"n": 1, "text": "값"})
    start = time.perf_counter()
    for _ in range(rows):
        log.record(entry)
    appended = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(rows):
        with store.writer() as conn:
            conn.execute(
                login_attempts.insert(),
                {"user_name": f"u{i}", "address": "x", "at": datetime.now(UTC), "outcome": "bad"},
            )
    plain = time.perf_counter() - start
    start = time.perf_counter()
    report = log.verify()
    verified = time.perf_counter() - start
    assert report.ok, report.message()
    print(f"  audit append (own transaction)        {rows / appended:9,.0f} rows/s")
    print(f"  plain insert, baseline                {rows / plain:9,.0f} rows/s")
    print(f"  verify {report.rows:,} rows                    {report.rows / verified:9,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--rows", type=int, default=2_000)
    args = parser.parse_args()
    bench_passwords()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        print("sqlite")
        bench_requests(store, args.requests)
        bench_audit(store, args.rows)
        store.close()
    name = f"accomplice_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        store = open_store(PG_ADMIN_URL.rpartition("/")[0] + "/" + name)
        print("postgresql")
        bench_requests(store, args.requests)
        bench_audit(store, args.rows)
        store.close()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
