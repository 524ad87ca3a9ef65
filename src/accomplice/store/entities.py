"""Reads of listed entities: by key, the current ones, their statements and the relations naming them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from accomplice.lists.model import ENTITY_ID_PROP, StatementView
from accomplice.store.schema import entities, entity_lists, statements
from accomplice.store.sql import chunks
from accomplice.store.statement_views import statement_views

__all__ = ["EntityReads", "EntityRow"]

# Entities with their list memberships: one row per (entity, list).
_Q_ENTITIES_WITH_LISTS = (
    select(entities, entity_lists.c.list_name)
    .select_from(entities.outerjoin(entity_lists, entity_lists.c.entity_key == entities.c.key))
    .where(entities.c.key.in_(bindparam("keys", expanding=True)))
    .order_by(entities.c.key, entity_lists.c.list_name)
)


@dataclass(frozen=True, slots=True)
class EntityRow:
    key: str
    schema: str
    caption: str
    is_current: bool
    lists: tuple[str, ...]


class EntityReads:
    """The entities of one store as `EntityRow`s, with their statements and current values."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def entity(self, key: str) -> EntityRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(entities).where(entities.c.key == key)).one_or_none()
            if row is None:
                return None
            lists = tuple(
                conn.execute(
                    select(entity_lists.c.list_name)
                    .where(entity_lists.c.entity_key == key)
                    .order_by(entity_lists.c.list_name)
                ).scalars()
            )
        return EntityRow(row.key, row.schema, row.caption, row.is_current, lists)

    def entity_rows(self, keys: Sequence[str]) -> dict[str, EntityRow]:
        """Several entities by key in two queries, however many keys; unknown keys are left out."""
        unique = sorted(set(keys))
        if not unique:
            return {}
        with self.engine.connect() as conn:
            return self._rows_by_key(conn, unique)

    def entity_statements(self, key: str, *, current_only: bool = False) -> list[StatementView]:
        query = select(statements).where(statements.c.entity_key == key)
        if current_only:
            query = query.where(statements.c.is_current.is_(True))
        return self._views(query.order_by(statements.c.list_name, statements.c.prop, statements.c.id))

    @staticmethod
    def _rows_by_key(conn: Connection, keys: Sequence[str]) -> dict[str, EntityRow]:
        lists: dict[str, list[str]] = defaultdict(list)
        rows: dict[str, Any] = {}
        for chunk in chunks(keys):
            for r in conn.execute(_Q_ENTITIES_WITH_LISTS, {"keys": list(chunk)}):
                rows[r.key] = r
                if r.list_name is not None:
                    lists[r.key].append(r.list_name)
        return {k: EntityRow(k, r.schema, r.caption, r.is_current, tuple(lists[k])) for k, r in rows.items()}

    def referencing(self, key: str) -> list[str]:
        """Keys of current entities (relations) whose properties point at `key`."""
        with self.engine.connect() as conn:
            return sorted(
                set(
                    conn.execute(
                        select(statements.c.entity_key).where(
                            statements.c.ref_key == key, statements.c.is_current.is_(True)
                        )
                    ).scalars()
                )
            )

    def values_of(self, keys: Sequence[str], prop: str) -> dict[str, set[str]]:
        """Every value (in any version) of `prop` for each of `keys`."""
        found: dict[str, set[str]] = defaultdict(set)
        with self.engine.connect() as conn:
            for chunk in chunks(list(keys)):
                rows = conn.execute(
                    select(statements.c.entity_key, statements.c.value).where(
                        statements.c.entity_key.in_(chunk), statements.c.prop == prop
                    )
                )
                for row in rows:
                    found[row.entity_key].add(row.value)
        return dict(found)

    def current_values(self, list_name: str, keys: Sequence[str], prop: str) -> dict[str, set[str]]:
        """The values of `prop` that the latest version of `list_name` holds for each of `keys`."""
        found: dict[str, set[str]] = defaultdict(set)
        with self.engine.connect() as conn:
            for chunk in chunks(list(keys)):
                rows = conn.execute(
                    select(statements.c.entity_key, statements.c.value).where(
                        statements.c.list_name == list_name,
                        statements.c.entity_key.in_(chunk),
                        statements.c.prop == prop,
                        statements.c.last_seq.is_(None),
                    )
                )
                for row in rows:
                    found[row.entity_key].add(row.value)
        return dict(found)

    def iter_current_statements(self, list_name: str | None = None) -> Iterator[StatementView]:
        query = select(statements).where(statements.c.is_current.is_(True))
        if list_name is not None:
            query = query.where(statements.c.list_name == list_name)
        yield from self._views(query.order_by(statements.c.entity_key, statements.c.id))

    def _views(self, query: Any) -> list[StatementView]:
        with self.engine.connect() as conn:
            return statement_views(conn, conn.execute(query).all())

    def count_current_entities(self, schemas: Iterable[str] | None = None) -> int:
        query = select(func.count()).select_from(entities).where(entities.c.is_current.is_(True))
        if schemas is not None:
            query = query.where(entities.c.schema.in_(list(schemas)))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def iter_current_entities(self) -> Iterator[EntityRow]:
        with self.engine.connect() as conn:
            memberships: dict[str, list[str]] = defaultdict(list)
            for m in conn.execute(
                select(entity_lists.c.entity_key, entity_lists.c.list_name).where(
                    entity_lists.c.is_current.is_(True)
                )
            ):
                memberships[m.entity_key].append(m.list_name)
            rows = conn.execute(
                select(entities).where(entities.c.is_current.is_(True)).order_by(entities.c.key)
            ).all()
        for row in rows:
            yield EntityRow(row.key, row.schema, row.caption, True, tuple(sorted(memberships[row.key])))

    def iter_current_properties(
        self, schemas: Iterable[str] | None = None
    ) -> Iterator[tuple[EntityRow, dict[str, list[str]]]]:
        """Every current entity (of `schemas`) with its current values grouped by property.

        One ordered pass over the statements: what the screening index is built from.
        """
        wanted = set(schemas) if schemas is not None else None
        with self.engine.connect() as conn:
            rows_by_key = {
                row.key: row
                for row in conn.execute(select(entities).where(entities.c.is_current.is_(True)))
                if wanted is None or row.schema in wanted
            }
            memberships: dict[str, set[str]] = defaultdict(set)
            for m in conn.execute(
                select(entity_lists.c.entity_key, entity_lists.c.list_name).where(
                    entity_lists.c.is_current.is_(True)
                )
            ):
                memberships[m.entity_key].add(m.list_name)
            query = (
                select(statements.c.entity_key, statements.c.prop, statements.c.value)
                .where(statements.c.is_current.is_(True), statements.c.prop != ENTITY_ID_PROP)
                .order_by(statements.c.entity_key)
            )
            current_key: str | None = None
            props: dict[str, list[str]] = defaultdict(list)
            for key, prop, value in conn.execute(query):
                if key != current_key:
                    if current_key is not None and current_key in rows_by_key:
                        yield self._entity_row(rows_by_key[current_key], memberships), dict(props)
                    current_key = key
                    props = defaultdict(list)
                if key in rows_by_key and value not in props[prop]:
                    props[prop].append(value)
            if current_key is not None and current_key in rows_by_key:
                yield self._entity_row(rows_by_key[current_key], memberships), dict(props)

    @staticmethod
    def _entity_row(row: Any, memberships: dict[str, set[str]]) -> EntityRow:
        return EntityRow(
            row.key, row.schema, row.caption, bool(row.is_current), tuple(sorted(memberships[row.key]))
        )
