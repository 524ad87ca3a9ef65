"""Store methods of documented abuses (tables in `schema_incidents`), on SQLite and PostgreSQL alike.

Every write is one transaction through the store's writer with its audit row, so that an import, a
publication or a key rotation is whole or absent. Search runs on SQLite's FTS5 trigram table (kept in step
here, in the write's transaction) or PostgreSQL's pg_trgm index, behind one method.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, cast, func, insert, select, text, update

from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import utc_now
from accomplice.store.schema_incidents import (
    incident_perpetrators,
    incident_totp,
    incident_victims,
    incidents,
)
from accomplice.store.store import Store

__all__ = [
    "IncidentFilter",
    "IncidentRow",
    "IncidentStore",
    "NewIncident",
    "PerpetratorRow",
    "SealedRow",
    "VictimRow",
]

# Trigram search needs three characters; shorter queries (a two-syllable Korean word) fall back to LIKE.
TRIGRAM = 3
# Refs per `IN (...)` when reading back new ids: well under every backend's bound-parameter limit.
ID_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class PerpetratorRow:
    name: str
    kind: str
    role: str
    degree: str
    entity_key: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class VictimRow:
    """A victim as stored: what may be shown, and the sealed identity."""

    id: int
    pseudonym: str
    role: str
    consent: str
    family_in_dprk: bool
    key_id: str
    sealed: bytes


@dataclass(frozen=True, slots=True)
class NewVictim:
    pseudonym: str
    role: str
    consent: str
    family_in_dprk: bool
    key_id: str
    sealed: bytes


@dataclass(frozen=True, slots=True)
class NewIncident:
    values: dict[str, Any]  # the columns of `incidents` but id, state and publication
    perpetrators: tuple[PerpetratorRow, ...]
    victims: tuple[NewVictim, ...]


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    ref: str
    org: str
    title: str
    record_type: str
    acts: tuple[str, ...]
    date_edtf: str
    date_sort: str
    date_precision: str
    place: str
    place_precision: str
    country: str
    latitude: float | None
    longitude: float | None
    body: dict[str, Any]
    state: str
    public: dict[str, Any] | None
    published_by: str | None
    published_at: datetime | None
    created_by: str | None
    created_at: datetime
    perpetrators: tuple[PerpetratorRow, ...] = ()
    victim_count: int = 0


@dataclass(frozen=True, slots=True)
class SealedRow:
    """Any sealed value (a victim's identity, a TOTP secret), for key rotation."""

    table: str  # "victims" | "totp"
    row_key: str  # victim id or user name
    bound_to: str
    key_id: str
    sealed: bytes


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Which incidents a read returns. `orgs` None = every team's; `published_only` for the public."""

    orgs: frozenset[str] | None = None
    published_only: bool = False
    query: str | None = None
    country: str | None = None
    act: str | None = None
    entity_key: str | None = None
    refs: Sequence[str] | None = None


class IncidentStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- writes -----------------------------------------------------------------------------------

    def add(self, records: Sequence[NewIncident], audit: AuditEntry) -> tuple[int, list[str]]:
        """Insert the records whose ref is new, in one transaction; (added, refs already stored)."""
        refs = [r.values["ref"] for r in records]
        with self.store.writer() as conn:
            known = (
                set(conn.execute(select(incidents.c.ref).where(incidents.c.ref.in_(refs))).scalars())
                if refs
                else set()
            )
            fresh = [r for r in records if r.values["ref"] not in known]
            if not fresh:
                return 0, sorted(known)
            AuditLog(self.store).append_entry(conn, audit)
            now = utc_now()
            # Whole-batch statements (executemany), not a round trip per record: an import of 100,000.
            conn.execute(
                insert(incidents), [{**r.values, "state": "restricted", "created_at": now} for r in fresh]
            )
            ids: dict[str, int] = {}
            fresh_refs = [r.values["ref"] for r in fresh]
            for start in range(0, len(fresh_refs), ID_CHUNK):
                chunk = fresh_refs[start : start + ID_CHUNK]
                ids.update(
                    {
                        ref: i
                        for ref, i in conn.execute(
                            select(incidents.c.ref, incidents.c.id).where(incidents.c.ref.in_(chunk))
                        )
                    }
                )
            perpetrator_rows = [
                {
                    "incident_id": ids[r.values["ref"]],
                    "position": i,
                    "name": p.name,
                    "kind": p.kind,
                    "role": p.role,
                    "degree": p.degree,
                    "entity_key": p.entity_key,
                    "score": p.score,
                }
                for r in fresh
                for i, p in enumerate(r.perpetrators)
            ]
            if perpetrator_rows:
                conn.execute(insert(incident_perpetrators), perpetrator_rows)
            victim_rows = [
                {
                    "incident_id": ids[r.values["ref"]],
                    "pseudonym": v.pseudonym,
                    "role": v.role,
                    "consent": v.consent,
                    "family_in_dprk": v.family_in_dprk,
                    "key_id": v.key_id,
                    "sealed": v.sealed,
                }
                for r in fresh
                for v in r.victims
            ]
            if victim_rows:
                conn.execute(insert(incident_victims), victim_rows)
            if self.store.backend == "sqlite":
                conn.execute(
                    text("INSERT INTO incident_search(rowid, search_text) VALUES (:id, :t)"),
                    [{"id": ids[r.values["ref"]], "t": r.values["search_text"]} for r in fresh],
                )
        return len(fresh), sorted(known)

    def publish(self, ref: str, public: dict[str, Any], by: str | None, audit: AuditEntry) -> None:
        with self.store.writer() as conn:
            AuditLog(self.store).append_entry(conn, audit)
            conn.execute(
                update(incidents)
                .where(incidents.c.ref == ref)
                .values(state="published", public=public, published_by=by, published_at=utc_now())
            )

    def reseal(self, rows: Iterable[SealedRow], audit: AuditEntry) -> int:
        """Write re-sealed values in one transaction (key rotation)."""
        count = 0
        with self.store.writer() as conn:
            AuditLog(self.store).append_entry(conn, audit)
            for row in rows:
                if row.table == "victims":
                    conn.execute(
                        update(incident_victims)
                        .where(incident_victims.c.id == int(row.row_key))
                        .values(key_id=row.key_id, sealed=row.sealed)
                    )
                else:
                    conn.execute(
                        update(incident_totp)
                        .where(incident_totp.c.user_name == row.row_key)
                        .values(key_id=row.key_id, sealed=row.sealed)
                    )
                count += 1
        return count

    def set_totp(self, user: str, key_id: str, sealed: bytes, audit: AuditEntry) -> None:
        with self.store.writer() as conn:
            AuditLog(self.store).append_entry(conn, audit)
            conn.execute(incident_totp.delete().where(incident_totp.c.user_name == user))
            conn.execute(
                insert(incident_totp).values(
                    user_name=user, key_id=key_id, sealed=sealed, created_at=utc_now()
                )
            )

    # -- reads ------------------------------------------------------------------------------------

    def sealed_rows(self) -> list[SealedRow]:
        with self.engine.connect() as conn:
            victims = [
                SealedRow("victims", str(r.id), r.pseudonym, r.key_id, bytes(r.sealed))
                for r in conn.execute(select(incident_victims).order_by(incident_victims.c.id))
            ]
            secrets = [
                SealedRow("totp", r.user_name, f"totp:{r.user_name}", r.key_id, bytes(r.sealed))
                for r in conn.execute(select(incident_totp).order_by(incident_totp.c.user_name))
            ]
        return victims + secrets

    def one_sealed_per_key(self) -> list[SealedRow]:
        """One sealed value per key id in use: enough to tell whether a key file opens the store."""
        seen: dict[str, SealedRow] = {}
        with self.engine.connect() as conn:
            key_ids = conn.execute(select(incident_victims.c.key_id).distinct()).scalars().all()
            for key_id in key_ids:
                r = conn.execute(
                    select(incident_victims).where(incident_victims.c.key_id == key_id).limit(1)
                ).one()
                seen[key_id] = SealedRow("victims", str(r.id), r.pseudonym, r.key_id, bytes(r.sealed))
        return list(seen.values())

    def totp(self, user: str) -> SealedRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(incident_totp).where(incident_totp.c.user_name == user)).one_or_none()
        return None if r is None else SealedRow("totp", user, f"totp:{user}", r.key_id, bytes(r.sealed))

    def victims(self, incident_id: int) -> list[VictimRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(incident_victims)
                .where(incident_victims.c.incident_id == incident_id)
                .order_by(incident_victims.c.id)
            ).all()
        return [
            VictimRow(r.id, r.pseudonym, r.role, r.consent, r.family_in_dprk, r.key_id, bytes(r.sealed))
            for r in rows
        ]

    def _search_ids(self, conn: Connection, query: str) -> Any:
        """A subquery of the ids of incidents whose text holds `query` (any script)."""
        needle = query.strip()
        if self.store.backend == "sqlite" and len(needle) >= TRIGRAM:
            phrase = '"' + needle.replace('"', '""') + '"'
            return (
                select(text("rowid"))
                .select_from(text("incident_search"))
                .where(text("incident_search MATCH :phrase").bindparams(phrase=phrase))
            )
        # PostgreSQL's pg_trgm index serves ILIKE; short queries scan (few incidents hold them).
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return select(incidents.c.id).where(incidents.c.search_text.ilike(f"%{escaped}%", escape="\\"))

    def find(
        self, where: IncidentFilter, *, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[IncidentRow]]:
        """(how many match, one page of them), newest first, with perpetrators and victim counts."""
        clauses: list[ColumnElement[bool]] = []
        with self.engine.connect() as conn:
            if where.orgs is not None:
                clauses.append(incidents.c.org.in_(sorted(where.orgs)))
            if where.published_only:
                clauses.append(incidents.c.state == "published")
            if where.country:
                clauses.append(incidents.c.country == where.country.upper())
            if where.act:
                # JSON has no portable containment test; its text form holds each act quoted.
                clauses.append(cast(incidents.c.acts, String).contains(f'"{where.act}"'))
            if where.refs is not None:
                clauses.append(incidents.c.ref.in_(list(where.refs)))
            if where.entity_key:
                clauses.append(
                    incidents.c.id.in_(
                        select(incident_perpetrators.c.incident_id).where(
                            incident_perpetrators.c.entity_key == where.entity_key
                        )
                    )
                )
            if where.query and where.query.strip():
                clauses.append(incidents.c.id.in_(self._search_ids(conn, where.query)))
            total = conn.execute(select(func.count()).select_from(incidents).where(*clauses)).scalar_one()
            rows = conn.execute(
                select(incidents)
                .where(*clauses)
                .order_by(incidents.c.date_sort.desc(), incidents.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            ids = [r.id for r in rows]
            perps: dict[int, list[PerpetratorRow]] = {i: [] for i in ids}
            counts: dict[int, int] = {}
            if ids:
                for p in conn.execute(
                    select(incident_perpetrators)
                    .where(incident_perpetrators.c.incident_id.in_(ids))
                    .order_by(incident_perpetrators.c.incident_id, incident_perpetrators.c.position)
                ):
                    perps[p.incident_id].append(
                        PerpetratorRow(p.name, p.kind, p.role, p.degree, p.entity_key, p.score)
                    )
                counts = {
                    incident_id: count
                    for incident_id, count in conn.execute(
                        select(incident_victims.c.incident_id, func.count())
                        .where(incident_victims.c.incident_id.in_(ids))
                        .group_by(incident_victims.c.incident_id)
                    )
                }
        return total, [_row(r, tuple(perps[r.id]), counts.get(r.id, 0)) for r in rows]

    def get(self, ref: str) -> IncidentRow | None:
        _, rows = self.find(IncidentFilter(refs=[ref]), limit=1)
        return rows[0] if rows else None

    def perpetrator_entities(self) -> dict[str, int]:
        """Listed entity key → how many incidents name it as perpetrator."""
        query = (
            select(
                incident_perpetrators.c.entity_key,
                func.count(func.distinct(incident_perpetrators.c.incident_id)),
            )
            .where(incident_perpetrators.c.entity_key.is_not(None))
            .group_by(incident_perpetrators.c.entity_key)
        )
        with self.engine.connect() as conn:
            return {key: count for key, count in conn.execute(query)}


def _row(r: Any, perpetrators: tuple[PerpetratorRow, ...], victim_count: int) -> IncidentRow:
    return IncidentRow(
        id=r.id,
        ref=r.ref,
        org=r.org,
        title=r.title,
        record_type=r.record_type,
        acts=tuple(r.acts),
        date_edtf=r.date_edtf,
        date_sort=r.date_sort,
        date_precision=r.date_precision,
        place=r.place,
        place_precision=r.place_precision,
        country=r.country,
        latitude=r.latitude,
        longitude=r.longitude,
        body=dict(r.body),
        state=r.state,
        public=dict(r.public) if r.public is not None else None,
        published_by=r.published_by,
        published_at=r.published_at,
        created_by=r.created_by,
        created_at=r.created_at,
        perpetrators=perpetrators,
        victim_count=victim_count,
    )
