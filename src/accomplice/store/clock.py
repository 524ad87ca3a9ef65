"""The store's one clock: every timestamp it writes is UTC, every timestamp it reads comes back aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["aware", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the only zone the store writes)."""
    return datetime.now(UTC)


@overload
def aware(value: datetime) -> datetime: ...


@overload
def aware(value: None) -> None: ...


@overload
def aware(value: datetime | None) -> datetime | None: ...


def aware(value: datetime | None) -> datetime | None:
    """A timestamp read back from the store, in UTC.

    SQLite hands back naive datetimes for timezone-aware columns (everything written is UTC, so naive means
    UTC); PostgreSQL hands back aware ones in the session's zone, which we bring to UTC so that both backends
    give the same value, and the same text where it is hashed or shown.
    """
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
