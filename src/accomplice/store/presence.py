"""Whether a store holds any list: one indexed count, for the commands that warn on an empty store."""

from __future__ import annotations

from sqlalchemy import func, select

from accomplice.store.schema import list_versions
from accomplice.store.store import Store

__all__ = ["has_list_versions"]


def has_list_versions(store: Store) -> bool:
    """True once any list version is loaded. `Store.lists` answers too, but counts every list's entities
    per schema (and loads FtM's model to tell links apart): most of a CLI call's start-up."""
    with store.engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(list_versions)).scalar_one())
