"""Create SQLAlchemy engines for the embedded SQLite store and for PostgreSQL, configured the same way."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from accomplice.errors import AccompliceError

__all__ = ["StoreLocationError", "make_engine", "normalize_url", "sqlite_path", "write_problem", "writer"]

# Readers wait this long for the single SQLite writer instead of failing at once with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Imports of the full lists are a few hundred thousand rows; a larger page cache keeps them off the disk.
SQLITE_CACHE_KIB = 64_000


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them to the psycopg 3 driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN cannot be IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so that two writers queue instead of deadlocking on upgrade.
        if conn.get_execution_options().get("sqlite_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def writer(engine: Engine) -> AbstractContextManager[Connection]:
    """A write transaction: committed when the block ends, rolled back if it raises.

    Every write in the store goes through here. On SQLite the transaction takes the write lock up front
    (BEGIN IMMEDIATE, see `_on_begin`), so that two writers queue instead of failing mid-way; on PostgreSQL
    it is an ordinary transaction.
    """
    return engine.execution_options(sqlite_write=True).begin()


class StoreLocationError(AccompliceError):
    """The file a SQLite store URL names cannot be created there (a file where a folder should be...)."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL (also in the `file:` URI form); None for other stores and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    database = parsed.database
    if parsed.query.get("uri") in ("true", "1") and database.startswith("file:"):
        database = database.removeprefix("file:")
    return Path(database)


def _read_only_uri(url: str) -> bool:
    """A `file:...?mode=ro&uri=true` URL: SQLite opens the file read-only and must not create anything."""
    query = make_url(url).query
    return query.get("uri") in ("true", "1") and query.get("mode") == "ro"


def _ensure_folder(path: Path) -> None:
    """Create the folder of a new SQLite file; say in one line why that is impossible where it is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            reason = f"{blocker} is a file, not a folder"
        else:
            reason = f"cannot create the folder {path.parent} ({exc.strerror or exc})"
        raise StoreLocationError(f"cannot create the store at {path}: {reason}") from None


def write_problem(engine: Engine) -> str | None:
    """Why this store cannot take writes (a read-only file, connection or database), or None.

    For readiness checks: a read-only store answers every read, so only this shows that logins, tokens
    and imports would fail. It never waits for the write lock: a store whose lock another writer holds
    is writable."""
    if engine.dialect.name == "sqlite":
        return _sqlite_write_problem(engine)
    with engine.connect() as conn:
        read_only = conn.execute(text("SELECT current_setting('transaction_read_only')")).scalar()
        recovering = conn.execute(text("SELECT pg_is_in_recovery()")).scalar()
    if recovering:
        return "the PostgreSQL server is a read-only standby (in recovery)"
    if read_only == "on":
        return "the PostgreSQL session is read-only (default_transaction_read_only)"
    return None


def _sqlite_write_problem(engine: Engine) -> str | None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            # A write that changes nothing, rolled back: SQLite checks for a read-only file or a
            # read-only connection (mode=ro) only when a statement writes.
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("UPDATE alembic_version SET version_num = version_num")
            cursor.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if raw.in_transaction:
                cursor.execute("ROLLBACK")
            return None if "locked" in message or "no such table" in message else message
        finally:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        return None
    finally:
        raw.close()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and not _read_only_uri(url):
            _ensure_folder(path)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)
