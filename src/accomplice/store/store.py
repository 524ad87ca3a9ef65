"""The store: versioned list statements in SQLite or PostgreSQL behind one small API.

Every value a list states is a row in `statements` with the interval `[first_seq, last_seq]` of that
list's versions in which it was seen; `last_seq` is NULL while the value is still seen. An import compares
the new values with the open ones, per component, and only closes the intervals of values that went and
inserts rows for values that came, all inside one transaction: a failed or killed import leaves the
previous version exactly as it was.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Engine,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from accomplice.errors import NotFoundError
from accomplice.lists.counts import ADDED_LINKS, ADDED_RECORDS, REMOVED_LINKS, REMOVED_RECORDS, is_link_schema
from accomplice.lists.diff import diff_states
from accomplice.lists.model import (
    COMPONENT_MAIN,
    ENTITY_ID_PROP,
    EntityRecord,
    EntitySnapshot,
    ImportReport,
    ListDiff,
    ListInfo,
    ListSpec,
    ProgressFn,
    SourceFile,
    StatementView,
    VersionInfo,
    statement_hash,
)
from accomplice.matching.decisions import Decision
from accomplice.store import migrate
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware, utc_now
from accomplice.store.engine import make_engine, writer
from accomplice.store.schema import decisions, entities, entity_lists, list_versions, source_lists, statements

__all__ = ["ENTITY_ID_PROP", "EntityBundle", "EntityRow", "Store", "open_store"]


# SQLite accepts at most 32,766 bound parameters per statement; chunks stay far below on every backend.
CHUNK = 900
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
# Properties a plain name lookup searches.
LOOKUP_NAME_PROPS = ("name", "alias", "weakAlias", "previousName", "firstName", "lastName")


# The entity read is the API's hot path (target: p99 under 5 ms through HTTP). It is one statement, built
# once with bound parameters: one round trip to the database (each costs a wake-up of the PostgreSQL
# backend, which on a busy host is most of the latency), one consistent snapshot without a transaction,
# and nothing for SQLAlchemy to rebuild or re-key per request.
# Relations (links, ownerships...) currently naming an entity: the first `max_relations` by key.
_RELATIONS = (
    select(statements.c.entity_key)
    .where(statements.c.ref_key == bindparam("key"), statements.c.is_current.is_(True))
    .distinct()
    .order_by(statements.c.entity_key)
    .limit(bindparam("max_relations", type_=Integer))
    .cte("relations")
)
# The entity's statements (all versions) and its relations' current ones. A UNION rather than an OR:
# PostgreSQL cannot combine an index scan with an IN (subquery) under OR, and scans the table.
_STATEMENTS = union_all(
    select(statements).where(statements.c.entity_key == bindparam("key")),
    select(statements).where(
        statements.c.entity_key.in_(select(_RELATIONS.c.entity_key)), statements.c.is_current.is_(True)
    ),
).cte("page_statements")
# Every entity the page names: itself, its relations, and the targets of their references.
_NAMED = union(
    select(_STATEMENTS.c.entity_key.label("key")),
    select(_STATEMENTS.c.ref_key).where(_STATEMENTS.c.ref_key.is_not(None)),
).cte("named")


def _nulls(**types: Any) -> list[Any]:
    """Typed NULL columns: PostgreSQL types a UNION column from its first branches, so a NULL says what
    it stands for."""
    return [cast(null(), t).label(name) for name, t in types.items()]


# The three parts share one row shape, told apart by `part`: statements (s), entities with one row per
# list membership (e), and the versions of the lists involved, for labels and open intervals (v).
_Q_ENTITY_PAGE = union_all(
    select(
        literal("s").label("part"),
        _STATEMENTS.c.entity_key,
        _STATEMENTS.c.list_name,
        _STATEMENTS.c.component,
        _STATEMENTS.c.schema,
        _STATEMENTS.c.prop,
        _STATEMENTS.c.value,
        _STATEMENTS.c.lang,
        _STATEMENTS.c.original_value,
        _STATEMENTS.c.ref_key,
        _STATEMENTS.c.first_seq,
        _STATEMENTS.c.last_seq,
        _STATEMENTS.c.is_current,
        _STATEMENTS.c.id,
        *_nulls(caption=Text(), label=Text(), components=JSON()),
    ),
    select(
        literal("e"),
        entities.c.key,
        entity_lists.c.list_name,
        *_nulls(component=String()),
        entities.c.schema,
        *_nulls(
            prop=String(),
            value=Text(),
            lang=String(),
            original_value=Text(),
            ref_key=String(),
            first_seq=Integer(),
            last_seq=Integer(),
        ),
        entities.c.is_current,
        *_nulls(id=Integer()),
        entities.c.caption,
        *_nulls(label=Text(), components=JSON()),
    )
    .select_from(entities.outerjoin(entity_lists, entity_lists.c.entity_key == entities.c.key))
    .where(entities.c.key.in_(select(_NAMED.c.key))),
    select(
        literal("v"),
        *_nulls(entity_key=String()),
        list_versions.c.list_name,
        *_nulls(
            component=String(),
            schema=String(),
            prop=String(),
            value=Text(),
            lang=String(),
            original_value=Text(),
            ref_key=String(),
        ),
        list_versions.c.seq,
        *_nulls(last_seq=Integer(), is_current=Boolean(), id=Integer(), caption=Text()),
        list_versions.c.label,
        list_versions.c.components,
    ).where(list_versions.c.list_name.in_(select(_STATEMENTS.c.list_name))),
)
_Q_RELATION_COUNT = select(func.count(func.distinct(statements.c.entity_key))).where(
    statements.c.ref_key == bindparam("key"), statements.c.is_current.is_(True)
)
# Entities with their list memberships: one row per (entity, list).
_Q_ENTITIES_WITH_LISTS = (
    select(entities, entity_lists.c.list_name)
    .select_from(entities.outerjoin(entity_lists, entity_lists.c.entity_key == entities.c.key))
    .where(entities.c.key.in_(bindparam("keys", expanding=True)))
    .order_by(entities.c.key, entity_lists.c.list_name)
)
_Q_VERSION_LABELS = (
    select(list_versions.c.list_name, list_versions.c.seq, list_versions.c.label, list_versions.c.components)
    .where(list_versions.c.list_name.in_(bindparam("lists", expanding=True)))
    .order_by(list_versions.c.seq)
)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


@dataclass(frozen=True, slots=True)
class EntityRow:
    key: str
    schema: str
    caption: str
    is_current: bool
    lists: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntityBundle:
    """An entity with its statements, the relations naming it and the entities named (one read)."""

    entity: EntityRow
    statements: list[StatementView]
    relations: list[tuple[EntityRow, list[StatementView]]]
    referents: dict[str, EntityRow]
    more_relations: int


def _version_from_row(row: Any) -> VersionInfo:
    files = tuple(SourceFile(**f) for f in row.files)
    return VersionInfo(
        list_name=row.list_name,
        seq=row.seq,
        label=row.label,
        data_date=row.data_date,
        imported_at=aware(row.imported_at),
        checksum=row.checksum,
        components=tuple(row.components),
        files=files,
        counts=dict(row.counts),
        warnings=tuple(row.warnings),
    )


# List versions and decisions written through any Store of this process, by store URL: caches that ask
# the store whether anything changed (`generation`, `decisions_mark`) may skip asking for a moment while
# this count stands still, yet see this process's own writes at once (services.screening_index).
_LOCAL_WRITES: Counter[str] = Counter()


class Store:
    """Versioned sanctions-list statements in one database (SQLite file or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def file_path(self) -> Path | None:
        """The database file of an SQLite store; None for an in-memory one or another database."""
        url = self.engine.url
        database = url.database
        if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return None
        if database.startswith("file:"):
            return None  # a URI filename (shared in-memory databases): no file to sit beside
        return Path(database).resolve()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def writer(self) -> AbstractContextManager[Connection]:
        """A write transaction on this store (the one write seam: see `engine.writer`)."""
        return writer(self.engine)

    # -- lists and versions -------------------------------------------------------------------------

    def lists(self) -> list[ListInfo]:
        with self.engine.connect() as conn:
            specs = conn.execute(select(source_lists).order_by(source_lists.c.name)).all()
            version_rows = conn.execute(select(list_versions).order_by(list_versions.c.seq)).all()
            current: dict[str, int] = defaultdict(int)
            current_links: dict[str, int] = defaultdict(int)
            for list_name, schema, count in conn.execute(
                select(entity_lists.c.list_name, entities.c.schema, func.count())
                .join(entities, entities.c.key == entity_lists.c.entity_key)
                .where(entity_lists.c.is_current.is_(True))
                .group_by(entity_lists.c.list_name, entities.c.schema)
            ):
                (current_links if is_link_schema(schema) else current)[list_name] += int(count)
        by_list: dict[str, list[Any]] = defaultdict(list)
        for row in version_rows:
            by_list[row.list_name].append(row)
        infos = []
        for spec in specs:
            versions = by_list.get(spec.name, [])
            latest = versions[-1] if versions else None
            infos.append(
                ListInfo(
                    name=spec.name,
                    title=spec.title,
                    publisher=spec.publisher,
                    source_url=spec.source_url,
                    format=spec.format,
                    licence=spec.licence,
                    versions=len(versions),
                    latest_seq=latest.seq if latest else None,
                    latest_label=latest.label if latest else None,
                    latest_imported_at=_version_from_row(latest).imported_at if latest else None,
                    current_entities=current[spec.name],
                    current_links=current_links[spec.name],
                )
            )
        return infos

    def versions(self, list_name: str) -> list[VersionInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(list_versions)
                .where(list_versions.c.list_name == list_name)
                .order_by(list_versions.c.seq)
            ).all()
        return [_version_from_row(r) for r in rows]

    def version(self, list_name: str, ref: str | int | None = None) -> VersionInfo:
        """Find a version by number, label, data date, `latest` or `previous` (None means latest)."""
        versions = self.versions(list_name)
        if not versions:
            raise NotFoundError(f"list {list_name!r} has no versions in {self.url}")
        if ref is None or ref == "latest":
            return versions[-1]
        if ref == "previous":
            if len(versions) < 2:
                raise NotFoundError(f"list {list_name!r} has only one version")
            return versions[-2]
        text = str(ref)
        for candidate in versions:
            if text == str(candidate.seq) or text == f"{list_name}@{candidate.seq}":
                return candidate
        matches = [v for v in versions if text in (v.label, v.data_date)]
        if matches:
            return matches[-1]
        known = ", ".join(f"{v.seq} ({v.label})" for v in versions)
        raise NotFoundError(f"list {list_name!r} has no version {text!r}; known: {known}")

    def latest_checksum(self, list_name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(list_versions.c.checksum)
                .where(list_versions.c.list_name == list_name)
                .order_by(list_versions.c.seq.desc())
                .limit(1)
            ).scalar()

    # -- import -------------------------------------------------------------------------------------

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
        with self.writer() as conn:
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
                for chunk in _chunks(closed_ids):
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
                for chunk in _chunks(rows, PROGRESS_EVERY):
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
            version = _version_from_row(
                conn.execute(select(list_versions).where(list_versions.c.id == version_id)).one()
            )
        self._refresh_statistics()
        _LOCAL_WRITES[self.url] += 1
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
        stmt = self._insert(source_lists).values(name=spec.name, created_at=utc_now(), **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def _insert(self, table: Any) -> Any:
        if self.backend == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _locked_versions(self, conn: Connection, list_name: str) -> list[VersionInfo]:
        query = (
            select(list_versions).where(list_versions.c.list_name == list_name).order_by(list_versions.c.seq)
        )
        if self.backend == "postgresql":
            # Serialise concurrent imports of one list (SQLite does so with BEGIN IMMEDIATE).
            conn.execute(
                select(source_lists.c.name).where(source_lists.c.name == list_name).with_for_update()
            )
        return [_version_from_row(r) for r in conn.execute(query).all()]

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
        membership = self._insert(entity_lists)
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
        for chunk in _chunks(member_rows, PROGRESS_EVERY):
            conn.execute(membership, list(chunk))
        for chunk in _chunks(gone):
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
        for chunk in _chunks(arrived):
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
        for chunk in _chunks(keys):
            for row in conn.execute(
                select(entities.c.key, entities.c.schema, entities.c.caption, entities.c.is_current).where(
                    entities.c.key.in_(chunk)
                )
            ):
                known[row.key] = (row.schema, row.caption, row.is_current)
        entity_insert = self._insert(entities)
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
        for chunk in _chunks(entity_rows, PROGRESS_EVERY):
            conn.execute(entity_insert, list(chunk))
        for chunk in _chunks(gone):
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

    # -- reads --------------------------------------------------------------------------------------

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

    def entity_with_relations(self, key: str, max_relations: int) -> EntityBundle | None:
        """An entity, every statement of it, the current relations naming it and the entities they name.

        One statement (one consistent snapshot, even while a list is imported), however many relations
        there are: this is the hot path of the entity API and page. PostgreSQL runs it outside a
        transaction, which saves the BEGIN and ROLLBACK round trips; a hub entity with more relations
        than `max_relations` costs one more query to count them.
        """
        engine = self.engine
        if self.backend == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            rows = conn.execute(_Q_ENTITY_PAGE, {"key": key, "max_relations": max_relations}).all()
            statement_rows = sorted(
                (r for r in rows if r.part == "s"), key=lambda r: (r.entity_key, r.list_name, r.prop, r.id)
            )
            shown = sorted({r.entity_key for r in statement_rows} - {key})
            total = len(shown)
            if total >= max_relations:
                total = int(conn.execute(_Q_RELATION_COUNT, {"key": key}).scalar_one())
        lists: dict[str, list[str]] = defaultdict(list)
        found: dict[str, EntityRow] = {}
        entity_rows = sorted(
            (r for r in rows if r.part == "e"), key=lambda r: (r.entity_key, r.list_name or "")
        )
        for r in entity_rows:
            if r.list_name is not None:
                lists[r.entity_key].append(r.list_name)
        for r in entity_rows:
            found[r.entity_key] = EntityRow(
                r.entity_key, r.schema, r.caption, r.is_current, tuple(lists[r.entity_key])
            )
        if key not in found or not statement_rows:
            return None
        versions = sorted((r for r in rows if r.part == "v"), key=lambda r: r.first_seq)
        labels, latest = self._version_labels(
            (r.list_name, r.first_seq, r.label, r.components) for r in versions
        )
        views = self._make_views(statement_rows, labels, latest)
        named = {r.ref_key for r in statement_rows if r.ref_key is not None}
        own = [v for v in views if v.entity_key == key]
        by_relation: dict[str, list[StatementView]] = defaultdict(list)
        for view in views:
            if view.entity_key != key:
                by_relation[view.entity_key].append(view)
        relations = [(found[k], by_relation[k]) for k in shown if k in found]
        referents = {k: found[k] for k in sorted(named) if k in found and k != key}
        return EntityBundle(found[key], own, relations, referents, total - len(shown))

    @staticmethod
    def _rows_by_key(conn: Connection, keys: Sequence[str]) -> dict[str, EntityRow]:
        lists: dict[str, list[str]] = defaultdict(list)
        rows: dict[str, Any] = {}
        for chunk in _chunks(keys):
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
            for chunk in _chunks(list(keys)):
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
            for chunk in _chunks(list(keys)):
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
            return self._statement_views(conn, conn.execute(query).all())

    @classmethod
    def _statement_views(cls, conn: Connection, rows: Sequence[Any]) -> list[StatementView]:
        """Statement rows with their provenance: version labels, and open intervals closed at the latest
        version that covered the component."""
        lists = sorted({r.list_name for r in rows})
        versions = conn.execute(_Q_VERSION_LABELS, {"lists": lists}).all() if lists else []
        labels, latest = cls._version_labels([(v.list_name, v.seq, v.label, v.components) for v in versions])
        return cls._make_views(rows, labels, latest)

    @staticmethod
    def _version_labels(
        versions: Iterable[Any],
    ) -> tuple[dict[tuple[str, int], str], dict[tuple[str, str], int]]:
        """From (list, seq, label, components) in version order: each version's label, and the latest
        version that covered each component of each list."""
        labels: dict[tuple[str, int], str] = {}
        latest: dict[tuple[str, str], int] = {}
        for list_name, seq, label, components in versions:
            labels[(list_name, seq)] = label
            for component in components:
                latest[(list_name, component)] = seq
        return labels, latest

    @staticmethod
    def _make_views(
        rows: Iterable[Any], labels: dict[tuple[str, int], str], latest: dict[tuple[str, str], int]
    ) -> list[StatementView]:
        views = []
        for r in rows:
            last_seq = (
                r.last_seq if r.last_seq is not None else latest.get((r.list_name, r.component), r.first_seq)
            )
            views.append(
                StatementView(
                    entity_key=r.entity_key,
                    list_name=r.list_name,
                    component=r.component,
                    schema=r.schema,
                    prop=r.prop,
                    value=r.value,
                    lang=r.lang,
                    original_value=r.original_value,
                    first_seq=r.first_seq,
                    last_seq=last_seq,
                    first_seen=labels.get((r.list_name, r.first_seq), str(r.first_seq)),
                    last_seen=labels.get((r.list_name, last_seq), str(last_seq)),
                    is_current=r.is_current,
                )
            )
        return views

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

    def decisions_mark(self) -> str:
        """Changes whenever a decision is added (by any process): lets caches of decisions reload them."""
        with self.engine.connect() as conn:
            count, last = conn.execute(select(func.count(), func.max(decisions.c.id))).one()
        return f"{count}:{last}"

    def local_writes(self) -> int:
        """List versions and decisions written to this store by this process so far (see _LOCAL_WRITES)."""
        return _LOCAL_WRITES[self.url]

    # -- decisions (append-only) ----------------------------------------------------------------------

    def add_decision(self, decision: Decision, audit: AuditEntry | None = None) -> None:
        """Record an analyst's decision. There is no update or delete: a changed mind is a new row.

        `audit` is recorded in the audit log in the same transaction.
        """
        with self.writer() as conn:
            conn.execute(
                decisions.insert().values(
                    query_fingerprint=decision.query_fingerprint,
                    query_text=decision.query_text,
                    entity_key=decision.entity_key,
                    judgement=decision.judgement,
                    reason=decision.reason,
                    user=decision.user,
                    entity_fingerprint=decision.entity_fingerprint,
                    created_at=decision.created_at,
                    org=decision.org,
                )
            )
            if audit is not None:
                AuditLog(self).append_entry(conn, audit)
        _LOCAL_WRITES[self.url] += 1

    def decisions(
        self, *, org: str | None, entity_key: str | None = None, query_fingerprint: str | None = None
    ) -> list[Decision]:
        """The decisions of organisation `org` ("" = the enforcement side's shared ones), oldest first.

        `org` is required so that no screening mixes organisations' decisions by accident; None reads every
        organisation's (the full history, for an audit). `query_fingerprint` narrows them to one screened
        name (one search needs no others).
        """
        query = select(decisions).order_by(decisions.c.id)
        if org is not None:
            query = query.where(decisions.c.org == org)
        if query_fingerprint is not None:
            query = query.where(decisions.c.query_fingerprint == query_fingerprint)
        if entity_key is not None:
            query = query.where(decisions.c.entity_key == entity_key)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Decision(
                r.query_fingerprint,
                r.query_text,
                r.entity_key,
                r.judgement,
                r.reason,
                r.user,
                r.entity_fingerprint,
                aware(r.created_at),
                r.org,
            )
            for r in rows
        ]

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
        return sorted(self.entity_rows(keys).values(), key=lambda e: (e.caption, e.key))

    def matching_names(self, keys: Sequence[str], text: str) -> dict[str, list[tuple[str, str]]]:
        """For each of `keys`, its current (property, name) pairs that `lookup_names(text)` matches."""
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
                query = (
                    select(statements.c.entity_key, statements.c.prop, statements.c.value)
                    .where(statements.c.entity_key.in_(chunk), self._name_contains(text))
                    .order_by(statements.c.entity_key, statements.c.id)
                )
                for row in conn.execute(query):
                    if (row.prop, row.value) not in found[row.entity_key]:
                        found[row.entity_key].append((row.prop, row.value))
        return dict(found)

    def snapshot(self, list_name: str, seq: int) -> dict[str, EntitySnapshot]:
        """The state of a list as of version `seq`, carrying over components that version did not cover."""
        coverage = self._coverage(list_name, seq)
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
        coverages = [self._coverage(list_name, seq) for seq in seqs]
        seen: list[list[Any]] = [[] for _ in seqs]
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(keys))):
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

    def _coverage(self, list_name: str, seq: int) -> dict[str, int]:
        """For each component, the latest version up to `seq` that covered it (whose values hold at `seq`)."""
        return {c: v.seq for v in self.versions(list_name) if v.seq <= seq for c in v.components}

    def _touched_keys(self, list_name: str, old_seq: int, new_seq: int) -> set[str]:
        """Entities with a statement that starts or ends between two versions, component by component.

        Every other entity reads the same in both versions, so a diff need only compare these: a statement
        seen in one version and not the other has its first_seq or last_seq between the two.
        """
        old_cov, new_cov = self._coverage(list_name, old_seq), self._coverage(list_name, new_seq)
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
        for chunk in _chunks(keys):
            query = select(entities.c.key, entities.c.caption).where(entities.c.key.in_(chunk))
            captions.update((row.key, row.caption) for row in conn.execute(query))
        return captions

    def diff(self, list_name: str, old: str | int | None = None, new: str | int | None = None) -> ListDiff:
        """Compare two versions of a list (by default the two latest)."""
        new_version = self.version(list_name, new)
        if old is None:
            earlier = [v for v in self.versions(list_name) if v.seq < new_version.seq]
            if not earlier:
                raise NotFoundError(f"list {list_name!r} has no version before {new_version.seq}")
            old_version = earlier[-1]
        else:
            old_version = self.version(list_name, old)
        # Compare only the entities whose statements changed between the two versions: a weekly update
        # touches hundreds of entities, a full snapshot of OFAC reads hundreds of thousands of rows.
        touched = self._touched_keys(list_name, old_version.seq, new_version.seq)
        before, after = self._snapshots_of(list_name, (old_version.seq, new_version.seq), touched)
        added, removed, changed = diff_states(before, after)
        carried = tuple(c for c in old_version.components if c not in new_version.components)
        return ListDiff(list_name, old_version, new_version, added, removed, changed, carried)


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """Open (and migrate) the store at `url`, or the configured default (embedded SQLite)."""
    if url is None:
        from accomplice.settings import get_settings

        url = get_settings().db_url
    make_url(url)  # raises a clear ArgumentError on a malformed URL before we touch anything
    engine = make_engine(url)
    if upgrade:
        migrate.upgrade(engine)
    return Store(engine)
