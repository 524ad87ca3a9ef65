"""Storage adapter: SQLAlchemy 2 over SQLite (embedded default, WAL, one writer) or PostgreSQL."""

from __future__ import annotations

from accomplice.store.engine import StoreLocationError, sqlite_path
from accomplice.store.store import EntityRow, Store, open_store

__all__ = ["EntityRow", "Store", "StoreLocationError", "open_store", "sqlite_path"]
