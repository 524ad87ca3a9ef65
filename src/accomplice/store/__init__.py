"""Storage adapter: SQLAlchemy 2 over SQLite (embedded default, WAL, one writer) or PostgreSQL."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError as StoreUnavailable

from accomplice.store.engine import StoreLocationError, sqlite_path, write_problem
from accomplice.store.store import EntityRow, Store, open_store

# StoreUnavailable: the database did not answer or refused a write (down, locked, read-only, disk full);
# interfaces answer it as 503 with its reason rather than as an internal error.
__all__ = [
    "EntityRow",
    "Store",
    "StoreLocationError",
    "StoreUnavailable",
    "open_store",
    "sqlite_path",
    "write_problem",
]
