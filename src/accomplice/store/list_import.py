"""A list version's import: the new values compared with the open ones, in one transaction.

Every value a list states is a row in `statements` with the interval `[first_seq, last_seq]` of that
list's versions in which it was seen; `last_seq` is NULL while the value is still seen. An import compares
the new values with the open ones, per component, and only closes the intervals of values that went and
inserts rows for values that came, all inside one transaction: a failed or killed import leaves the
previous version exactly as it was.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update

from accomplice.lists.counts import ADDED_LINKS, ADDED_RECORDS, REMOVED_LINKS, REMOVED_RECORDS, is_link_schema
from accomplice.lists.model import (
    COMPONENT_MAIN,
    ENTITY_ID_PROP,
    EntityRecord,
    ImportReport,
    ListSpec,
    ProgressFn,
    SourceFile,
    VersionInfo,
    statement_hash,
)
from accomplice.store.clock import utc_now
from accomplice.store.engine import writer
from accomplice.store.generation import note_local_write
from accomplice.store.list_versions import version_from_row
from accomplice.store.schema import entities, entity_lists, list_versions, source_lists, statements
from accomplice.store.sql import chunks, dialect_insert

__all__ = ["ListImport"]

STATEMENT_COLUMNS = (
    "hash",
    "list_name",
    "entity_key",
    "component",
    "schema",
    "prop",
    "value",
    "lang",
    "original_value",
    "ref_key",
    "first_seq",
    "last_seq",
    "is_current",
)
# Rows written between two progress callbacks during an import.
PROGRESS_EVERY = 5_000


@cache
def _is_ref(schema: str, prop: str) -> bool:
    # Imported here: loading followthemoney's model costs ~0.7 s, which a CLI call that only screens
    # (and so never writes statements) should not pay.
    from followthemoney import model
    from followthemoney.types import registry

    schema_obj = model.get(schema)
    if schema_obj is None:
        return False
    prop_obj = schema_obj.get(prop)
    return prop_obj is not None and prop_obj.type == registry.entity


class ListImport:
    """Writes list versions into one store (the only writer of `statements`, `entities` and versions)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def import_version(
        self,
        spec: ListSpec,
        records: Sequence[EntityRecord],
        *,
        components: Sequence[str],
        files: Sequence[SourceFile],
        checksum: str,
        label: str | None = None,
        data_date: str | None = None,
        warnings: Sequence[str] = (),
        progress: ProgressFn | None = None,
    ) -> ImportReport:
        """Store `records` as the next version of `spec.name`, in one transaction.

        `components` names the parts of the list these files cover; values of components not covered
        (an alias file that was not supplied) are carried over from the last version that had them.
        """
        if COMPONENT_MAIN not in components:
            raise ValueError("every list version must cover the main component")
        started = time.perf_counter()
        new_by_comp = self._new_statements(records, components)
        with writer(self.engine) as conn:
            self._ensure_list(conn, spec)
            previous = self._locked_versions(conn, spec.name)
            if previous and previous[-1].checksum == checksum:
                return ImportReport(
                    spec.name, previous[-1], True, 0, 0, 0, tuple(warnings), time.perf_counter() - started
                )
            new_seq = previous[-1].seq + 1 if previous else 1
            coverage = {c: v.seq for v in previous for c in v.components}
            version_id = conn.execute(
                list_versions.insert().values(
                    list_name=spec.name,
                    seq=new_seq,
                    label=label or (data_date or f"v{new_seq}"),
                    data_date=data_date,
                    imported_at=utc_now(),
                    checksum=checksum,
                    components=sorted(components),
                    files=[
                        {"name": f.name, "component": f.component, "sha256": f.sha256, "size": f.size}
                        for f in files
                    ],
                    counts={},
                    warnings=list(warnings),
                )
            ).inserted_primary_key
            assert version_id is not None
            version_id = version_id[0]
            total_new = sum(len(v) for v in new_by_comp.values())
            written = 0
            added = removed = retained = 0
            for component in sorted(components):
                fresh = new_by_comp.get(component, {})
                existing = self._open_statements(conn, spec.name, component)
                closed_ids = [row_id for h, row_id in existing.items() if h not in fresh]
                retained += len(existing) - len(closed_ids)
                removed += len(closed_ids)
                # A value absent from the new version closes its interval at the last version that had it.
                closes_at = coverage.get(component, new_seq - 1)
                for chunk in chunks(closed_ids):
                    conn.execute(
                        update(statements)
                        .where(statements.c.id.in_(chunk))
                        .values(last_seq=closes_at, is_current=False)
                    )
                rows = [
                    {
                        **row,
                        "list_name": spec.name,
                        "first_seq": new_seq,
                        "last_seq": None,
                        "is_current": True,
                    }
                    for h, row in fresh.items()
                    if h not in existing
                ]
                added += len(rows)
                for chunk in chunks(rows, PROGRESS_EVERY):
                    self._insert_statements(conn, chunk)
                    written += len(chunk)
                    if progress:
                        progress("writing statements", written, total_new)
                written += len(fresh) - len(rows)
            if progress and written == total_new and not added:
                progress("writing statements", total_new, total_new)
            counts = self._refresh_entities(conn, spec.name, new_seq, records)
            counts["statements"] = total_new
            conn.execute(update(list_versions).where(list_versions.c.id == version_id).values(counts=counts))
            version = version_from_row(
                conn.execute(select(list_versions).where(list_versions.c.id == version_id)).one()
            )
        self._refresh_statistics()
        note_local_write(self.engine)
        return ImportReport(
            spec.name,
            version,
            False,
            added,
            removed,
            retained,
            tuple(warnings),
            time.perf_counter() - started,
        )

    def _refresh_statistics(self) -> None:
        """Give PostgreSQL's planner the table statistics of the new version.

        Autovacuum may be off or behind after a bulk import; without statistics PostgreSQL reads an
        entity by scanning every statement (55 ms) instead of the entity index (0.3 ms). ANALYZE samples
        the tables, a fraction of a second beside the import itself. SQLite plans well without them.
        """
        if self.backend == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE statements, entities, entity_lists, list_versions"))

    @staticmethod
    def _new_statements(
        records: Sequence[EntityRecord], components: Sequence[str]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        covered = set(components)
        by_comp: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for record in records:
            main = by_comp[COMPONENT_MAIN]
            # The schema is part of the presence statement's identity, so a schema change is a change.
            h = statement_hash(record.key, ENTITY_ID_PROP, f"{record.key}#{record.schema}", None)
            main[h] = {
                "hash": h,
                "entity_key": record.key,
                "component": COMPONENT_MAIN,
                "schema": record.schema,
                "prop": ENTITY_ID_PROP,
                "value": record.key,
                "lang": None,
                "original_value": record.caption,
                "ref_key": None,
            }
            for value in record.values:
                if value.component not in covered:
                    raise ValueError(f"value of component {value.component!r} outside {sorted(covered)}")
                h = statement_hash(record.key, value.prop, value.value, value.lang)
                by_comp[value.component][h] = {
                    "hash": h,
                    "entity_key": record.key,
                    "component": value.component,
                    "schema": record.schema,
                    "prop": value.prop,
                    "value": value.value,
                    "lang": value.lang,
                    "original_value": value.original_value,
                    "ref_key": value.value if _is_ref(record.schema, value.prop) else None,
                }
        return by_comp

    def _ensure_list(self, conn: Connection, spec: ListSpec) -> None:
        values = {
            "title": spec.title,
            "publisher": spec.publisher,
            "source_url": spec.source_url,
            "format": spec.format,
            "licence": spec.licence,
        }
        stmt = dialect_insert(self.engine, source_lists).values(
            name=spec.name, created_at=utc_now(), **values
        )
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def _locked_versions(self, conn: Connection, list_name: str) -> list[VersionInfo]:
        query = (
            select(list_versions).where(list_versions.c.list_name == list_name).order_by(list_versions.c.seq)
        )
        if self.backend == "postgresql":
            # Serialise concurrent imports of one list (SQLite does so with BEGIN IMMEDIATE).
            conn.execute(
                select(source_lists.c.name).where(source_lists.c.name == list_name).with_for_update()
            )
        return [version_from_row(r) for r in conn.execute(query).all()]

    def _insert_statements(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if self.backend != "postgresql":
            conn.execute(statements.insert(), list(rows))
            return
        # COPY is an order of magnitude faster than INSERT batches on PostgreSQL, in the same transaction.
        driver = conn.connection.driver_connection
        assert driver is not None
        columns = ", ".join(STATEMENT_COLUMNS)
        with driver.cursor() as cursor, cursor.copy(f"COPY statements ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in STATEMENT_COLUMNS))

    @staticmethod
    def _open_statements(conn: Connection, list_name: str, component: str) -> dict[str, int]:
        """Statements of a component still open (seen in the latest version that covered it)."""
        rows = conn.execute(
            select(statements.c.hash, statements.c.id).where(
                statements.c.list_name == list_name,
                statements.c.component == component,
                statements.c.last_seq.is_(None),
            )
        ).all()
        return {row.hash: row.id for row in rows}

    def _refresh_entities(
        self, conn: Connection, list_name: str, new_seq: int, records: Sequence[EntityRecord]
    ) -> dict[str, int]:
        """Update the entity caches for what changed: new, returned, delisted, renamed, re-typed."""
        now = utc_now()
        by_key = {r.key: r for r in records}
        new_keys = set(by_key)
        previous = set(
            conn.execute(
                select(entity_lists.c.entity_key).where(
                    entity_lists.c.list_name == list_name, entity_lists.c.is_current.is_(True)
                )
            ).scalars()
        )
        gone = sorted(previous - new_keys)
        arrived = sorted(new_keys - previous)
        membership = dialect_insert(self.engine, entity_lists)
        membership = membership.on_conflict_do_update(
            index_elements=["entity_key", "list_name"], set_={"last_seq": None, "is_current": True}
        )
        member_rows = [
            {
                "entity_key": k,
                "list_name": list_name,
                "first_seq": new_seq,
                "last_seq": None,
                "is_current": True,
            }
            for k in arrived
        ]
        for chunk in chunks(member_rows, PROGRESS_EVERY):
            conn.execute(membership, list(chunk))
        for chunk in chunks(gone):
            conn.execute(
                update(entity_lists)
                .where(entity_lists.c.list_name == list_name, entity_lists.c.entity_key.in_(chunk))
                .values(is_current=False, last_seq=new_seq - 1)
            )
            # Values of carried components (aliases) of a delisted entity stay open but are not current.
            conn.execute(
                update(statements)
                .where(
                    statements.c.list_name == list_name,
                    statements.c.entity_key.in_(chunk),
                    statements.c.is_current.is_(True),
                )
                .values(is_current=False)
            )
        for chunk in chunks(arrived):
            # An entity listed again: its carried values that are still open become current again.
            conn.execute(
                update(statements)
                .where(
                    statements.c.list_name == list_name,
                    statements.c.entity_key.in_(chunk),
                    statements.c.last_seq.is_(None),
                    statements.c.is_current.is_(False),
                )
                .values(is_current=True)
            )
        known: dict[str, tuple[str, str, bool]] = {}
        keys = sorted(new_keys | set(gone))
        for chunk in chunks(keys):
            for row in conn.execute(
                select(entities.c.key, entities.c.schema, entities.c.caption, entities.c.is_current).where(
                    entities.c.key.in_(chunk)
                )
            ):
                known[row.key] = (row.schema, row.caption, row.is_current)
        entity_insert = dialect_insert(self.engine, entities)
        entity_insert = entity_insert.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "schema": entity_insert.excluded.schema,
                "caption": entity_insert.excluded.caption,
                "is_current": True,
                "updated_at": entity_insert.excluded.updated_at,
            },
        )
        entity_rows = [
            {"key": r.key, "schema": r.schema, "caption": r.caption, "is_current": True, "updated_at": now}
            for r in records
            if known.get(r.key) != (r.schema, r.caption, True)
        ]
        for chunk in chunks(entity_rows, PROGRESS_EVERY):
            conn.execute(entity_insert, list(chunk))
        for chunk in chunks(gone):
            still_listed = set(
                conn.execute(
                    select(entity_lists.c.entity_key).where(
                        entity_lists.c.entity_key.in_(chunk), entity_lists.c.is_current.is_(True)
                    )
                ).scalars()
            )
            delisted = [k for k in chunk if k not in still_listed]
            if delisted:
                conn.execute(
                    update(entities)
                    .where(entities.c.key.in_(delisted))
                    .values(is_current=False, updated_at=now)
                )
        counts: Counter[str] = Counter(r.schema for r in records)
        result = {f"schema:{schema}": n for schema, n in sorted(counts.items())}
        # "entities" and the added/removed counts are records, links included, as versions have always
        # stored them; the links among them are counted too, so that readers can tell the two apart.
        result["entities"] = len(records)
        result[ADDED_RECORDS] = len(arrived)
        result[REMOVED_RECORDS] = len(gone)
        result[ADDED_LINKS] = sum(1 for k in arrived if is_link_schema(by_key[k].schema))
        result[REMOVED_LINKS] = sum(1 for k in gone if k in known and is_link_schema(known[k][0]))
        return result
