"""Shared fixtures: the real shared data folder, and stores on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser
from sqlalchemy import text

from accomplice.settings import get_settings
from accomplice.store import Store, open_store

# CI starts PostgreSQL (see .ci/run); trust authentication on the local socket/loopback, as on this machine.
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session", autouse=True)
def _index_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Screening indexes of PostgreSQL stores go under the test's temporary folder, not ./data/index
    (those of SQLite stores sit beside their files, already under tmp_path)."""
    previous = os.environ.get("ACCOMPLICE_INDEX_DIR")
    os.environ["ACCOMPLICE_INDEX_DIR"] = str(tmp_path_factory.mktemp("index"))
    yield
    if previous is None:
        os.environ.pop("ACCOMPLICE_INDEX_DIR", None)
    else:
        os.environ["ACCOMPLICE_INDEX_DIR"] = previous


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    raw = get_settings().raw_dir
    if not raw.is_dir():
        pytest.fail(f"shared data not found at {raw}; set ACCOMPLICE_SHARED (tests need the real lists)")
    return raw


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test process; fails loudly if PostgreSQL is down."""
    admin = os.environ.get("ACCOMPLICE_TEST_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)
    name = f"accomplice_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for the contract tests and is not reachable at {admin}: {exc}")
    base, _, _ = admin.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    store = open_store(url, upgrade=False)
    with store.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    store.close()


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'accomplice.db'}"
    url: str = request.getfixturevalue("pg_database")
    _reset_postgres(url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


# The lists the screening tests search: the coherent OFAC set, the UN list, the EU DPRK regime and the UK
# list — the DPRK designations of four publishers.
SCREENING_LISTS = (
    ("ofac", "ofac/2023-12-28", None),
    ("un", "un/un_consolidated_2026-02-27.xml", None),
    ("eu", "eu/eu_journal_consolidated_32017R1509.csv", None),
    ("uk", "uk/hmt_conlist_2018-04-13.csv", None),
)


@pytest.fixture(scope="session")
def screening_store(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[Store]:
    """A SQLite store holding the DPRK lists of OFAC, UN, EU and UK, built once per test process."""
    from accomplice import services

    path = tmp_path_factory.mktemp("screening") / "lists.db"
    store = open_store(f"sqlite:///{path}")
    for fmt, relative, list_name in SCREENING_LISTS:
        services.load_list(store, fmt, raw_dir / relative, list_name=list_name)
    yield store
    store.close()


@pytest.fixture(scope="session")
def all_lists_store(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[Store]:
    """A SQLite store with every shared list (`accomplice load all`) and its screening index, built once
    per test process (about a minute); read-only: tests that write use `copy_of_store` of it."""
    from tests.all_lists import build_all_lists_store

    store = build_all_lists_store(tmp_path_factory.mktemp("all_lists") / "all.db", raw_dir)
    yield store
    store.close()


@pytest.fixture(scope="session")
def web_store_url(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the two real OFAC versions and the hostile test list, built once per worker.

    The API, web and browser tests only read it, so they share it instead of loading OFAC three times.
    """
    from tests.web_data import build_web_store

    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'accomplice.db'}"
    store = open_store(url)
    try:
        build_web_store(store, raw_dir)
    finally:
        store.close()
    return url


@pytest.fixture(scope="session")
def jobs_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A copy of the DPRK-lists store for the batch-job tests: the jobs and decisions they write stay in it,
    away from the screening tests, which expect their own decisions only."""
    from tests.helpers import copy_of_store

    store = copy_of_store(screening_store, tmp_path_factory.mktemp("jobs") / "jobs.db")
    yield store
    store.close()


@pytest.fixture(scope="session")
def monitor_scenario(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[object]:
    """Watchlists re-screened across the two real OFAC versions (see tests/monitor_data.py), built once
    per test process for the monitoring service, API, page and browser tests."""
    from tests.monitor_data import monitoring_scenario

    with monitoring_scenario(tmp_path_factory.mktemp("monitor"), raw_dir) as scenario:
        yield scenario


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium for the browser tests of one module (tests/browser_support.py)."""
    from tests.browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session for every Spark test of the process (tests/test_spark_*.py, which run in
    one xdist group): two cores, and up to three attempts per task — local mode retries a failed task only
    when the master says so ("local[N,F]"), as a cluster does by spark.task.maxFailures."""
    from accomplice.batch.spark import spark_session  # pyspark is in the dev extra: make test installs it

    session = spark_session("local[2,3]", app_name="accomplice-tests")
    yield session
    session.stop()
