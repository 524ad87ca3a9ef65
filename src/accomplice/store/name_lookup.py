"""Plain name lookup: a case-insensitive substring of current names and aliases (no fuzzy matching)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from accomplice.store.entities import EntityReads, EntityRow
from accomplice.store.schema import statements
from accomplice.store.sql import chunks

__all__ = ["LOOKUP_NAME_PROPS", "NameLookup"]

# Properties a plain name lookup searches.
LOOKUP_NAME_PROPS = ("name", "alias", "weakAlias", "previousName", "firstName", "lastName")


class NameLookup:
    """Substring lookups over the current names of one store's entities."""

    def __init__(self, engine: Engine, entities: EntityReads) -> None:
        self.engine = engine
        self.entities = entities

    @staticmethod
    def _name_contains(text: str) -> Any:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return and_(
            statements.c.is_current.is_(True),
            statements.c.prop.in_(LOOKUP_NAME_PROPS),
            or_(
                func.lower(statements.c.value).like(func.lower(pattern), escape="\\"),
                statements.c.value.like(pattern, escape="\\"),
            ),
        )

    def lookup_names(self, text: str, limit: int = 20) -> list[EntityRow]:
        """Plain case-insensitive substring lookup over current names and aliases (no fuzzy matching)."""
        query = select(statements.c.entity_key).where(self._name_contains(text)).distinct().limit(limit)
        with self.engine.connect() as conn:
            keys = list(conn.execute(query).scalars())
        return sorted(self.entities.entity_rows(keys).values(), key=lambda e: (e.caption, e.key))

    def matching_names(self, keys: Sequence[str], text: str) -> dict[str, list[tuple[str, str]]]:
        """For each of `keys`, its current (property, name) pairs that `lookup_names(text)` matches."""
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(keys))):
                query = (
                    select(statements.c.entity_key, statements.c.prop, statements.c.value)
                    .where(statements.c.entity_key.in_(chunk), self._name_contains(text))
                    .order_by(statements.c.entity_key, statements.c.id)
                )
                for row in conn.execute(query):
                    if (row.prop, row.value) not in found[row.entity_key]:
                        found[row.entity_key].append((row.prop, row.value))
        return dict(found)
