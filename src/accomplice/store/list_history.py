"""A list as it stood at a version, and the difference between two versions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from accomplice.errors import NotFoundError
from accomplice.lists.diff import diff_states
from accomplice.lists.model import COMPONENT_MAIN, ENTITY_ID_PROP, EntitySnapshot, ListDiff
from accomplice.store.list_versions import ListVersions
from accomplice.store.schema import entities, statements
from accomplice.store.sql import chunks

__all__ = ["ListHistory"]


class ListHistory:
    """Snapshots and diffs of the lists of one store, read from the statements' version intervals."""

    def __init__(self, engine: Engine, versions: ListVersions) -> None:
        self.engine = engine
        self.list_versions = versions

    def snapshot(self, list_name: str, seq: int) -> dict[str, EntitySnapshot]:
        """The state of a list as of version `seq`, carrying over components that version did not cover."""
        coverage = self.list_versions.coverage(list_name, seq)
        rows: list[Any] = []
        with self.engine.connect() as conn:
            for component, at in sorted(coverage.items()):
                rows.extend(
                    conn.execute(
                        select(
                            statements.c.entity_key,
                            statements.c.schema,
                            statements.c.prop,
                            statements.c.value,
                            statements.c.component,
                        ).where(
                            statements.c.list_name == list_name,
                            statements.c.component == component,
                            statements.c.first_seq <= at,
                            or_(statements.c.last_seq.is_(None), statements.c.last_seq >= at),
                        )
                    )
                )
            return self._build_snapshot(conn, rows)

    def _build_snapshot(self, conn: Connection, rows: Sequence[Any]) -> dict[str, EntitySnapshot]:
        """Entities from statement rows: presence from the main component; values of other components only
        for entities present (a carried alias of a delisted entity does not bring it back)."""
        values: dict[str, set[tuple[str, str]]] = defaultdict(set)
        schemas: dict[str, str] = {}
        for row in rows:
            if row.component == COMPONENT_MAIN:
                if row.prop == ENTITY_ID_PROP:
                    schemas[row.entity_key] = row.schema
                else:
                    values[row.entity_key].add((row.prop, row.value))
        for row in rows:
            if row.component != COMPONENT_MAIN and row.entity_key in schemas:
                values[row.entity_key].add((row.prop, row.value))
        captions = self._captions(conn, sorted(schemas))
        return {
            key: EntitySnapshot(schema, captions.get(key, key), frozenset(values.get(key, set())))
            for key, schema in schemas.items()
        }

    def _snapshots_of(
        self, list_name: str, seqs: Sequence[int], keys: Iterable[str]
    ) -> list[dict[str, EntitySnapshot]]:
        """The state of some entities at several versions, from one read of their statements.

        Rows are selected by key alone (the entity index) and filtered here: with the list and interval in
        the WHERE clause SQLite prefers the list index and scans the whole list once per chunk of keys.
        """
        coverages = [self.list_versions.coverage(list_name, seq) for seq in seqs]
        seen: list[list[Any]] = [[] for _ in seqs]
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(keys))):
                query = select(
                    statements.c.entity_key,
                    statements.c.schema,
                    statements.c.prop,
                    statements.c.value,
                    statements.c.component,
                    statements.c.list_name,
                    statements.c.first_seq,
                    statements.c.last_seq,
                ).where(statements.c.entity_key.in_(chunk))
                for row in conn.execute(query):
                    if row.list_name != list_name:
                        continue
                    for coverage, bucket in zip(coverages, seen, strict=True):
                        at = coverage.get(row.component)
                        if (
                            at is not None
                            and row.first_seq <= at
                            and (row.last_seq is None or row.last_seq >= at)
                        ):
                            bucket.append(row)
            return [self._build_snapshot(conn, rows) for rows in seen]

    def _touched_keys(self, list_name: str, old_seq: int, new_seq: int) -> set[str]:
        """Entities with a statement that starts or ends between two versions, component by component.

        Every other entity reads the same in both versions, so a diff need only compare these: a statement
        seen in one version and not the other has its first_seq or last_seq between the two.
        """
        old_cov, new_cov = (
            self.list_versions.coverage(list_name, old_seq),
            self.list_versions.coverage(list_name, new_seq),
        )
        touched: set[str] = set()
        with self.engine.connect() as conn:
            for component in sorted(set(old_cov) | set(new_cov)):
                low, high = sorted((old_cov.get(component, 0), new_cov.get(component, 0)))
                if low == high:
                    continue
                started = select(statements.c.entity_key).where(
                    statements.c.list_name == list_name,
                    statements.c.component == component,
                    statements.c.first_seq > low,
                    statements.c.first_seq <= high,
                )
                ended = select(statements.c.entity_key).where(
                    statements.c.list_name == list_name,
                    statements.c.component == component,
                    statements.c.last_seq >= low,
                    statements.c.last_seq < high,
                )
                touched.update(conn.execute(started.distinct()).scalars())
                touched.update(conn.execute(ended.distinct()).scalars())
        return touched

    @staticmethod
    def _captions(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
        captions: dict[str, str] = {}
        for chunk in chunks(keys):
            query = select(entities.c.key, entities.c.caption).where(entities.c.key.in_(chunk))
            captions.update((row.key, row.caption) for row in conn.execute(query))
        return captions

    def diff(self, list_name: str, old: str | int | None = None, new: str | int | None = None) -> ListDiff:
        """Compare two versions of a list (by default the two latest)."""
        new_version = self.list_versions.version(list_name, new)
        if old is None:
            earlier = [v for v in self.list_versions.versions(list_name) if v.seq < new_version.seq]
            if not earlier:
                raise NotFoundError(f"list {list_name!r} has no version before {new_version.seq}")
            old_version = earlier[-1]
        else:
            old_version = self.list_versions.version(list_name, old)
        # Compare only the entities whose statements changed between the two versions: a weekly update
        # touches hundreds of entities, a full snapshot of OFAC reads hundreds of thousands of rows.
        touched = self._touched_keys(list_name, old_version.seq, new_version.seq)
        before, after = self._snapshots_of(list_name, (old_version.seq, new_version.seq), touched)
        added, removed, changed = diff_states(before, after)
        carried = tuple(c for c in old_version.components if c not in new_version.components)
        return ListDiff(list_name, old_version, new_version, added, removed, changed, carried)
