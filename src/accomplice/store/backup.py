"""Backups of a whole store, taken while it runs, and their restore.

SQLite: SQLite's online backup API copies the database page by page into a new file; writers go on while
it runs and the copy is one consistent state. Restore copies the backup into a new file beside the store
(through the same API, which checks it is a database) and swaps it in with one rename, so a failed
restore leaves the store as it was.

PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, without blocking writers) and
`pg_restore --clean --single-transaction`: the restore replaces every table in one transaction, so it
applies whole or not at all. Both are PostgreSQL's own tools; their client must be at least the server's
version.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from accomplice.errors import InputError

__all__ = ["BACKUP_KINDS", "backup", "backup_kind", "restore"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
BACKUP_KINDS = {"sqlite": SQLITE_MAGIC, "postgresql": PG_DUMP_MAGIC}
# Pages copied per step of an SQLite backup: small enough that writers get the lock between steps (the
# API's own advice for online backups), large enough that a 500 MB store takes a few hundred steps.
SQLITE_PAGES_PER_STEP = 4096
# A pg_dump or pg_restore still running after this long has hung (a lock it waits for); a day's lists are
# dumped in seconds.
PG_TOOL_TIMEOUT_SECONDS = 3600

Progress = Callable[[int, int], None]


def backup_kind(path: Path) -> str:
    """Which backend a backup file is for, from its first bytes; InputError for anything else."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the backup: {exc.strerror or exc}") from None
    for kind, magic in BACKUP_KINDS.items():
        if head.startswith(magic):
            return kind
    raise InputError(
        str(path), "not a backup of accomplice (neither an SQLite database nor a pg_dump archive)"
    )


def backup(engine: Engine, target: Path, progress: Progress | None = None) -> None:
    """Write a consistent copy of the store behind `engine` to `target` (which must not exist)."""
    if engine.dialect.name == "sqlite":
        _backup_sqlite(engine, target, progress)
    else:
        _run_pg("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(engine))


def restore(engine: Engine, source: Path) -> None:
    """Replace the store behind `engine` with the backup at `source`, whole or not at all."""
    kind = backup_kind(source)
    if kind != engine.dialect.name:
        raise InputError(str(source), f"is a {kind} backup; this store is {engine.dialect.name}")
    if kind == "sqlite":
        _restore_sqlite(engine, source)
    else:
        _run_pg(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            f"--dbname={_libpq_url(engine)}", str(source),
        )  # fmt: skip


def _database_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InputError("store", "an in-memory store has nothing to back up or restore")
    return Path(database)


def _backup_sqlite(engine: Engine, target: Path, progress: Progress | None) -> None:
    source = sqlite3.connect(_database_path(engine))
    partial = target.with_name(target.name + ".partial")
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(
                copy,
                pages=SQLITE_PAGES_PER_STEP,
                progress=(lambda _status, left, total: progress(total - left, total)) if progress else None,
            )
        finally:
            copy.close()
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)


def _restore_sqlite(engine: Engine, source: Path) -> None:
    database = _database_path(engine)
    engine.dispose()  # no pooled connection may keep the old file open across the swap
    incoming = database.with_name(database.name + ".restoring")
    incoming.unlink(missing_ok=True)
    try:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            check = backup_db.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise InputError(str(source), f"the backup is damaged ({check[0] if check else 'no answer'})")
            fresh = sqlite3.connect(incoming)
            try:
                backup_db.backup(fresh)
            finally:
                fresh.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(str(source), f"not a readable SQLite backup ({exc})") from None
        finally:
            backup_db.close()
        # The old database's write-ahead log belongs to the old file: left beside the new one, SQLite
        # would replay it into the restored database.
        for leftover in (
            database.with_name(database.name + "-wal"),
            database.with_name(database.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        os.replace(incoming, database)
    finally:
        incoming.unlink(missing_ok=True)


def _libpq_url(engine: Engine) -> str:
    """The store's URL as libpq (pg_dump, pg_restore) reads it: without SQLAlchemy's driver suffix."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run_pg(tool: str, *args: str) -> None:
    found = shutil.which(tool)
    if found is None:
        raise InputError(
            tool, "is not installed; it comes with PostgreSQL's client (Debian: postgresql-client)"
        )
    try:
        done = subprocess.run(  # noqa: S603 - a fixed PostgreSQL tool, arguments passed as a list
            [found, *args], capture_output=True, text=True, timeout=PG_TOOL_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise InputError(tool, f"did not finish in {PG_TOOL_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise InputError(tool, f"failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
