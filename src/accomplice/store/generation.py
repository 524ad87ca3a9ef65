"""Marks that change whenever the lists change: how caches built from the store know to rebuild.

The screening index and the services' caches ask the store whether anything changed since they were
built; asking costs a query, so they may skip asking for a moment while this process's own count of
writes stands still (`local_writes`), yet see this process's own imports and decisions at once.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from sqlalchemy import Engine, func, select

from accomplice.store.schema import list_versions

__all__ = ["ChangeMarks", "note_local_write"]

# List versions and decisions written through any Store of this process, by store URL.
_LOCAL_WRITES: Counter[str] = Counter()


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def note_local_write(engine: Engine) -> None:
    """Count a list version or decision this process has just committed to the store of `engine`."""
    _LOCAL_WRITES[_key(engine)] += 1


class ChangeMarks:
    """What the lists of one store look like from afar: a generation, a fingerprint, a local count."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def generation(self) -> str:
        """Changes whenever any list gets a new version: lets caches (the screening index) know to rebuild."""
        with self.engine.connect() as conn:
            count, last = conn.execute(select(func.count(), func.max(list_versions.c.id))).one()
        return f"{count}:{last}"

    def versions_fingerprint(self) -> str:
        """A hash of every list version the store holds (list, sequence, content checksum): what a persisted
        screening index was built from. Unlike `generation` it tells a store emptied and loaded again with
        other files from the one the index was built on."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(list_versions.c.list_name, list_versions.c.seq, list_versions.c.checksum).order_by(
                    list_versions.c.list_name, list_versions.c.seq
                )
            ).all()
        digest = hashlib.sha256()
        for name, seq, checksum in rows:
            digest.update(f"{name}\x1f{seq}\x1f{checksum}\x1e".encode())
        return digest.hexdigest()[:32]

    def local_writes(self) -> int:
        """List versions and decisions written to this store by this process so far."""
        return _LOCAL_WRITES[_key(self.engine)]
