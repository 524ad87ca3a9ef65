"""One pass over every current value, for browsing a whole store (yente's `/search` without a query).

The statement views of `Store` carry provenance labels and close open intervals per list component:
right for one entity's page, heavy for every entity at once. Browsing needs only the values and the
versions that first (and last) held them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import select

from accomplice.store import Store
from accomplice.store.schema import statements

__all__ = ["CurrentValue", "iter_current_values"]

# Rows fetched per round trip: enough to keep the driver busy, small enough to stream.
FETCH_ROWS = 20_000


class CurrentValue(NamedTuple):
    entity_key: str
    list_name: str
    prop: str
    value: str
    first_seq: int
    last_seq: int | None  # None while the value is still listed


def iter_current_values(store: Store) -> Iterator[CurrentValue]:
    """Every current statement's entity, list, property, value and version interval, by entity key."""
    query = (
        select(
            statements.c.entity_key,
            statements.c.list_name,
            statements.c.prop,
            statements.c.value,
            statements.c.first_seq,
            statements.c.last_seq,
        )
        .where(statements.c.is_current.is_(True))
        .order_by(statements.c.entity_key, statements.c.id)
        .execution_options(yield_per=FETCH_ROWS)
    )
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            yield CurrentValue(*row)
