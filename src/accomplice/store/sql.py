"""SQL helpers every store module shares: bound parameters in chunks, and the dialect's INSERT."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["CHUNK", "chunks", "dialect_insert"]

# SQLite accepts at most 32,766 bound parameters per statement; chunks stay far below on every backend.
CHUNK = 900


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices of at most `size`, for statements that bind one parameter per item."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(engine: Engine, table: Any) -> Any:
    """The backend's own INSERT for `table`, which (unlike the generic one) offers ON CONFLICT."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
