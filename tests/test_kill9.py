"""`kill -9` at random points of a list import and of an exposure import, twenty times each: afterwards
nothing is half-written, the import run again completes to exactly what an uninterrupted one stores, and
the audit chain is intact. The points are drawn from a seeded generator, so a failure replays."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accomplice.services import auth as accounts
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog
from accomplice.store.schema import list_versions, statements
from accomplice.store.schema_exposure import exposure_batches, exposure_shipments

ACCOMPLICE = str(Path(sys.executable).with_name("accomplice"))
EXPOSURE_DATA = Path(__file__).parent / "exposure_data"
KILLS = 20
# The generator's seed: the same twenty kill points on every run, so a failure can be replayed.
SEED = 20261207
# Kills land anywhere from just after start-up to a little past the uninterrupted run's length: before
# the transaction, inside it, and at its commit.
KILL_SPAN = 1.2


def _run(args: list[str], db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCOMPLICE, "--db", db, *args], capture_output=True, text=True, timeout=600, check=False
    )


def _kill_at(args: list[str], db: str, after: float) -> None:
    process = subprocess.Popen(
        [ACCOMPLICE, "--db", db, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def _opened(url: str) -> Iterator[Store]:
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


def _timed(args: list[str], db: str) -> float:
    started = time.monotonic()
    done = _run(args, db)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def _list_state(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(list_versions)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(statements)).scalar_one()
        current = conn.execute(
            select(func.count()).select_from(statements).where(statements.c.is_current.is_(True))
        ).scalar_one()
    return int(versions), int(rows), int(current)


def test_a_list_import_killed_anywhere_leaves_nothing_half_written(raw_dir: Path, tmp_path: Path) -> None:
    un = str(raw_dir / "un" / "un_consolidated_2026-02-27.xml")
    args = ["load", "--no-index", "un", un]
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    length = _timed(args, reference)
    with _opened(reference) as done:
        expected = _list_state(done)
    rng = random.Random(SEED)
    db = f"sqlite:///{tmp_path / 'killed.db'}"
    for attempt in range(KILLS):
        _kill_at(args, db, rng.uniform(0.05, KILL_SPAN * length))
        with _opened(db) as store:
            versions, rows, current = _list_state(store)
            # Either the whole version or none of it: never a version without its rows, or rows without it.
            assert (versions, rows, current) in ((0, 0, 0), expected), f"kill {attempt}: {versions, rows}"
            assert AuditLog(store).verify().ok
    finished = _run(args, db)
    assert finished.returncode == 0, finished.stderr
    with _opened(db) as store:
        assert _list_state(store) == expected
        assert AuditLog(store).verify().ok


def _exposure_state(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(exposure_batches)).scalar_one()
        shipments = conn.execute(select(func.count()).select_from(exposure_shipments)).scalar_one()
    return int(batches), int(shipments)


@pytest.fixture
def un_store_url(raw_dir: Path, tmp_path: Path) -> str:
    """A store with the UN list and its persisted index, so each import starts without building one."""
    url = f"sqlite:///{tmp_path / 'exposure.db'}"
    loaded = _run(["load", "un", str(raw_dir / "un" / "un_consolidated_2026-02-27.xml")], url)
    assert loaded.returncode == 0, loaded.stderr
    with _opened(url) as store:
        accounts.add_user(store, accounts.operator_principal("tester"), name="analyst1", roles=["analyst"])
    return url


def test_an_exposure_import_killed_anywhere_leaves_nothing_half_written(
    un_store_url: str, tmp_path: Path
) -> None:
    args = ["exposure", "import", "shipments", str(EXPOSURE_DATA / "shipments.csv"), "--user", "analyst1"]
    reference = tmp_path / "reference.db"
    reference.write_bytes(Path(un_store_url.removeprefix("sqlite:///")).read_bytes())
    reference_url = f"sqlite:///{reference}"
    length = _timed(args, reference_url)
    with _opened(reference_url) as done:
        expected = _exposure_state(done)
    assert expected[1] > 0
    rng = random.Random(SEED + 1)
    for attempt in range(KILLS):
        _kill_at(args, un_store_url, rng.uniform(0.05, KILL_SPAN * length))
        with _opened(un_store_url) as store:
            state = _exposure_state(store)
            assert state in ((0, 0), expected), f"kill {attempt}: {state}"
            assert AuditLog(store).verify().ok
    finished = _run(args, un_store_url)
    assert finished.returncode == 0, finished.stderr
    with _opened(un_store_url) as store:
        assert _exposure_state(store) == expected
        assert AuditLog(store).verify().ok
