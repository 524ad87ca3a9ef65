"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from accomplice.store import Store, open_store

# Run a test once against the embedded SQLite store and once against the machine's PostgreSQL.
BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)


def copy_of_store(store: Store, path: Path) -> Store:
    """A private copy of a SQLite store at `path` (SQLite's online backup), for tests that write to it."""
    source = store.engine.url.database
    assert source is not None
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(path)) as copy:
        original.backup(copy)
    return open_store(f"sqlite:///{path}")
