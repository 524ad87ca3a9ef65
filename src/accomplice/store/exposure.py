"""Store methods of the exposure data: one transaction per import batch, reads as exposure values.

Records name parties by their `party:` id. A party's resolution (which listed entity it is) is read
together with the newest analyst decision on it, so that every reader sees the same effective answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select, union
from sqlalchemy.exc import IntegrityError

from accomplice.errors import InputError
from accomplice.exposure.model import (
    SHIPMENT_ROLES,
    Evidence,
    Facility,
    Ownership,
    Period,
    Shipment,
    Source,
    SupplyRelation,
)
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware, utc_now
from accomplice.store.schema import list_versions
from accomplice.store.schema_exposure import (
    exposure_batches,
    exposure_documents,
    exposure_evidence,
    exposure_facilities,
    exposure_ownership,
    exposure_parties,
    exposure_party_decisions,
    exposure_shipments,
    exposure_sources,
    exposure_supply,
)
from accomplice.store.sql import chunks, dialect_insert
from accomplice.store.store import Store

__all__ = [
    "SHARED",
    "BatchInfo",
    "DocumentRecord",
    "ExposureBatch",
    "ExposureStore",
    "PartyDecision",
    "PartyRecord",
]

# Party ids start with this; any other subject of labour evidence is a facility id.
PARTY_PREFIX = "party:"
# The organisation value of shared records (entered by enforcement analysts and researchers).
SHARED = ""


@dataclass(frozen=True, slots=True)
class PartyDecision:
    """An analyst's decision on a party: `confirmed` as the listed entity `entity_key`, or `split` off."""

    party_id: str
    action: str
    entity_key: str | None
    user: str
    reason: str = ""
    created_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """A trade party with its automatic resolution and, when read back, the decision that applies."""

    id: str
    name: str
    country: str | None
    schema: str
    norm_key: str
    resolved_key: str | None = None
    score: float | None = None
    explanation: tuple[str, ...] = ()
    decision: PartyDecision | None = None

    @property
    def status(self) -> str:
        """auto (screening decided), confirmed or split (an analyst did)."""
        return self.decision.action if self.decision else "auto"

    @property
    def entity_key(self) -> str | None:
        """The listed entity this party is, after the newest decision; None when it is no listed entity."""
        if self.decision is None:
            return self.resolved_key
        return self.decision.entity_key if self.decision.action == "confirmed" else None

    @property
    def node(self) -> str:
        """The id the engine knows this party by: the listed entity's key, or the party's own id."""
        return self.entity_key or self.id


@dataclass(frozen=True, slots=True)
class BatchInfo:
    id: int
    kind: str
    file_name: str
    checksum: str
    counts: dict[str, int]
    user: str
    imported_at: datetime
    unchanged: bool = False
    org: str = SHARED


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """An uploaded rebuttal document, without its bytes (read those with `ExposureStore.document_content`)."""

    id: int
    org: str
    shipment_id: str | None
    subject: str
    kind: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    note: str
    user: str
    uploaded_at: datetime


@dataclass(slots=True)
class ExposureBatch:
    """Everything one file brings in, validated before any write; stored in one transaction."""

    kind: str
    file_name: str
    checksum: str
    user: str
    org: str = SHARED  # whose records these are (SHARED: everyone's with the right role)
    sources: list[Source] = field(default_factory=list)
    parties: list[PartyRecord] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    supply: list[SupplyRelation] = field(default_factory=list)
    ownership: list[Ownership] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            name: len(items)
            for name, items in (
                ("sources", self.sources),
                ("parties", self.parties),
                ("shipments", self.shipments),
                ("relations", self.supply),
                ("ownership", self.ownership),
                ("facilities", self.facilities),
                ("evidence", self.evidence),
            )
            if items
        }


def _period(start: date | None, end: date | None) -> Period:
    return Period(start, end)


class ExposureStore:
    """The exposure tables of one `Store` (same engine, same single-writer discipline)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _upsert(self, conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows, replacing those with the same id: a corrected file replaces its records."""
        for chunk in chunks(rows):
            stmt = dialect_insert(self.engine, table).values(list(chunk))
            updated = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != "id"}
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=updated))

    # -- writes -------------------------------------------------------------------------------------

    def find_batch(self, kind: str, checksum: str, org: str = SHARED) -> BatchInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(exposure_batches).where(
                    exposure_batches.c.kind == kind,
                    exposure_batches.c.checksum == checksum,
                    exposure_batches.c.org == org,
                )
            ).first()
        return self._batch(row, unchanged=True) if row is not None else None

    @staticmethod
    def _batch(row: Any, *, unchanged: bool = False) -> BatchInfo:
        return BatchInfo(
            row.id,
            row.kind,
            row.file_name,
            row.checksum,
            dict(row.counts),
            row.user,
            aware(row.imported_at),
            unchanged,
            row.org,
        )

    def import_batch(self, batch: ExposureBatch) -> BatchInfo:
        """Store a whole batch in one transaction; a batch of the same kind and checksum is a no-op.

        Parties already stored keep their resolution (and the decisions on it); sources and records
        with an id already stored are replaced by the newer version.
        """
        now = utc_now()
        try:
            with self.store.writer() as conn:
                existing = conn.execute(
                    select(exposure_batches).where(
                        exposure_batches.c.kind == batch.kind,
                        exposure_batches.c.checksum == batch.checksum,
                        exposure_batches.c.org == batch.org,
                    )
                ).first()
                if existing is not None:
                    return self._batch(existing, unchanged=True)
                self._refuse_other_orgs_records(conn, batch)
                counts = batch.counts()
                inserted = conn.execute(
                    exposure_batches.insert().values(
                        kind=batch.kind,
                        file_name=batch.file_name,
                        checksum=batch.checksum,
                        counts=counts,
                        user=batch.user,
                        imported_at=now,
                        org=batch.org,
                    )
                ).inserted_primary_key
                assert inserted is not None
                batch_id = int(inserted[0])
                self._write(conn, batch, batch_id, now)
        except IntegrityError:
            # Another writer stored the same file between our check and our insert (PostgreSQL).
            found = self.find_batch(batch.kind, batch.checksum, batch.org)
            if found is None:
                raise
            return found
        return BatchInfo(
            batch_id, batch.kind, batch.file_name, batch.checksum, counts, batch.user, now, org=batch.org
        )

    def _refuse_other_orgs_records(self, conn: Connection, batch: ExposureBatch) -> None:
        """Refuse a batch that would replace records another organisation stored under the same ids.

        Records are replaced by id (a corrected file replaces its records), so without this check one
        importer could overwrite, and so take over, another's shipments or declared suppliers. The
        message names the id but nothing of the other organisation's record.
        """
        for table, ids in (
            (exposure_sources, [x.id for x in batch.sources]),
            (exposure_shipments, [x.id for x in batch.shipments]),
            (exposure_supply, [x.id for x in batch.supply]),
            (exposure_ownership, [x.id for x in batch.ownership]),
            (exposure_facilities, [x.id for x in batch.facilities]),
            (exposure_evidence, [x.id for x in batch.evidence]),
        ):
            for chunk in chunks(sorted(set(ids))):
                clash = conn.execute(
                    select(table.c.id)
                    .join(exposure_batches, exposure_batches.c.id == table.c.batch_id)
                    .where(table.c.id.in_(chunk), exposure_batches.c.org != batch.org)
                    .limit(1)
                ).scalar()
                if clash is not None:
                    raise InputError(
                        batch.file_name,
                        f"record id {clash!r} is already used by a record of another organisation; "
                        "give this record an id of your own",
                    )

    def _write(self, conn: Connection, batch: ExposureBatch, batch_id: int, now: datetime) -> None:
        if batch.parties:
            for chunk in chunks(batch.parties):
                stmt = dialect_insert(self.engine, exposure_parties).values(
                    [
                        {
                            "id": p.id,
                            "name": p.name,
                            "country": p.country,
                            "schema": p.schema,
                            "norm_key": p.norm_key,
                            "resolved_key": p.resolved_key,
                            "score": p.score,
                            "explanation": list(p.explanation),
                            "resolved_at": now,
                            "batch_id": batch_id,
                        }
                        for p in chunk
                    ]
                )
                conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
        self._upsert(
            conn,
            exposure_sources,
            [
                {
                    "id": s.id,
                    "title": s.title,
                    "url": s.url,
                    "published": s.published,
                    "reliability": s.reliability,
                    "confidential": s.confidential,
                    "batch_id": batch_id,
                }
                for s in batch.sources
            ],
        )
        self._upsert(
            conn,
            exposure_shipments,
            [
                {
                    "id": s.id,
                    "day": s.day,
                    **{role.value: dict(s.parties).get(role) for role in SHIPMENT_ROLES},
                    "goods": s.goods,
                    "hs_code": s.hs_code,
                    "quantity": s.quantity,
                    "value": s.value,
                    "origin": s.origin,
                    "port_lading": s.port_lading,
                    "port_unlading": s.port_unlading,
                    "vessel_name": s.vessel_name,
                    "vessel_imo": s.vessel_imo,
                    "batch_id": batch_id,
                }
                for s in batch.shipments
            ],
        )
        self._upsert(
            conn,
            exposure_supply,
            [
                {
                    "id": r.id,
                    "supplier": r.supplier,
                    "buyer": r.buyer,
                    "tier": r.tier,
                    "goods": r.goods,
                    "hs_prefixes": list(r.hs_prefixes),
                    "start_date": r.period.start,
                    "end_date": r.period.end,
                    "source_id": r.source.id if r.source else None,
                    "batch_id": batch_id,
                }
                for r in batch.supply
            ],
        )
        self._upsert(
            conn,
            exposure_ownership,
            [
                {
                    "id": o.id,
                    "owner": o.owner,
                    "owned": o.owned,
                    "share": o.share,
                    "start_date": o.period.start,
                    "end_date": o.period.end,
                    "source_id": o.source.id if o.source else None,
                    "batch_id": batch_id,
                }
                for o in batch.ownership
            ],
        )
        self._upsert(
            conn,
            exposure_facilities,
            [
                {
                    "id": f.id,
                    "operator": f.operator,
                    "name": f.name,
                    "location": f.location,
                    "country": f.country,
                    "start_date": f.period.start,
                    "end_date": f.period.end,
                    "batch_id": batch_id,
                }
                for f in batch.facilities
            ],
        )
        self._upsert(
            conn,
            exposure_evidence,
            [
                {
                    "id": e.id,
                    "subject_party": e.subject if e.subject.startswith(PARTY_PREFIX) else None,
                    "subject_facility": None if e.subject.startswith(PARTY_PREFIX) else e.subject,
                    "start_date": e.period.start,
                    "end_date": e.period.end,
                    "source_id": e.source.id,
                    "statement": e.statement,
                    "workers": e.workers,
                    "batch_id": batch_id,
                }
                for e in batch.evidence
            ],
        )

    def add_party_decision(self, decision: PartyDecision) -> None:
        """Record an analyst's decision on a party. Append-only: a changed mind is a new row."""
        with self.store.writer() as conn:
            conn.execute(
                exposure_party_decisions.insert().values(
                    party_id=decision.party_id,
                    action=decision.action,
                    entity_key=decision.entity_key,
                    reason=decision.reason,
                    user=decision.user,
                    created_at=decision.created_at,
                )
            )

    # -- reads --------------------------------------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever an exposure batch, a party decision or a list version is stored (by any
        process): lets caches of what is built from them (the engine over the store) know to rebuild.

        Rows of these tables are only ever appended, so their count and newest id move with every write;
        the newest timestamps tell a database emptied and refilled to the same counts from the old one.
        """
        query = select(
            *(
                part
                for table, stamp in (
                    (exposure_batches, exposure_batches.c.imported_at),
                    (exposure_party_decisions, exposure_party_decisions.c.created_at),
                    (list_versions, list_versions.c.imported_at),
                )
                for part in (
                    select(func.count()).select_from(table).scalar_subquery(),
                    select(func.max(table.c.id)).scalar_subquery(),
                    select(func.max(stamp)).scalar_subquery(),
                )
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        return ":".join(str(value) for value in row)

    def batches(self) -> list[BatchInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_batches).order_by(exposure_batches.c.id)).all()
        return [self._batch(r) for r in rows]

    def party_decisions(self, party_id: str | None = None) -> list[PartyDecision]:
        query = select(exposure_party_decisions).order_by(exposure_party_decisions.c.id)
        if party_id is not None:
            query = query.where(exposure_party_decisions.c.party_id == party_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            PartyDecision(r.party_id, r.action, r.entity_key, r.user, r.reason, aware(r.created_at))
            for r in rows
        ]

    def parties(
        self, *, ids: Sequence[str] | None = None, norm_keys: Sequence[str] | None = None
    ) -> list[PartyRecord]:
        """Parties (all, or those with these ids or normalized keys), each with its newest decision."""
        query = select(exposure_parties).order_by(exposure_parties.c.id)
        decisions_query = select(exposure_party_decisions).order_by(exposure_party_decisions.c.id)
        with self.engine.connect() as conn:
            if ids is None and norm_keys is None:
                rows = list(conn.execute(query))
            else:
                rows = []
                for column, values in (
                    (exposure_parties.c.id, ids),
                    (exposure_parties.c.norm_key, norm_keys),
                ):
                    for chunk in chunks(sorted(set(values or ()))):
                        rows.extend(conn.execute(query.where(column.in_(chunk))))
            wanted = {r.id for r in rows}
            latest: dict[str, PartyDecision] = {}
            for r in conn.execute(decisions_query):
                if r.party_id in wanted:
                    latest[r.party_id] = PartyDecision(
                        r.party_id, r.action, r.entity_key, r.user, r.reason, aware(r.created_at)
                    )
        seen: set[str] = set()
        parties = []
        for r in rows:
            if r.id in seen:
                continue
            seen.add(r.id)
            parties.append(
                PartyRecord(
                    r.id,
                    r.name,
                    r.country,
                    r.schema,
                    r.norm_key,
                    r.resolved_key,
                    r.score,
                    tuple(r.explanation),
                    latest.get(r.id),
                )
            )
        return parties

    def sources(self) -> dict[str, Source]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_sources)).all()
        return {
            r.id: Source(r.id, r.title, r.url, r.published, r.reliability, bool(r.confidential)) for r in rows
        }

    def shipments(
        self, ids: Sequence[str] | None = None, *, orgs: Collection[str] | None = None
    ) -> list[Shipment]:
        """Stored shipments (all, or those with these ids), of the organisations `orgs` (None: every one)."""
        query = select(exposure_shipments).order_by(exposure_shipments.c.day, exposure_shipments.c.id)
        if orgs is not None:
            query = query.join(
                exposure_batches, exposure_batches.c.id == exposure_shipments.c.batch_id
            ).where(exposure_batches.c.org.in_(sorted(orgs)))
        with self.engine.connect() as conn:
            if ids is None:
                rows = list(conn.execute(query))
            else:
                rows = []
                for chunk in chunks(sorted(set(ids))):
                    rows.extend(conn.execute(query.where(exposure_shipments.c.id.in_(chunk))))
        return [
            Shipment(
                r.id,
                r.day,
                tuple((role, getattr(r, role)) for role in SHIPMENT_ROLES if getattr(r, role)),
                r.goods,
                r.hs_code,
                r.quantity,
                r.value,
                r.origin,
                r.port_lading,
                r.port_unlading,
                r.vessel_name,
                r.vessel_imo,
            )
            for r in sorted(rows, key=lambda r: (r.day, r.id))
        ]

    def record_orgs(self) -> dict[str, dict[str, str]]:
        """Which organisation holds each record that is not shared, by kind and id.

        Kinds: "shipments", "relations", "ownership", "facilities", "evidence", "sources". Shared records
        are left out, so the answer stays small however much enforcement data the store holds.
        """
        found: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for kind, table in (
                ("shipments", exposure_shipments),
                ("relations", exposure_supply),
                ("ownership", exposure_ownership),
                ("facilities", exposure_facilities),
                ("evidence", exposure_evidence),
                ("sources", exposure_sources),
            ):
                rows = conn.execute(
                    select(table.c.id, exposure_batches.c.org)
                    .join(exposure_batches, exposure_batches.c.id == table.c.batch_id)
                    .where(exposure_batches.c.org != SHARED)
                )
                found[kind] = {r.id: r.org for r in rows}
        return found

    def party_ids_of(self, orgs: Collection[str]) -> set[str]:
        """The parties that records of these organisations name (shipments, relations, ownership...)."""
        columns = [
            *(getattr(exposure_shipments.c, role) for role in SHIPMENT_ROLES),
            exposure_supply.c.supplier,
            exposure_supply.c.buyer,
            exposure_ownership.c.owner,
            exposure_ownership.c.owned,
            exposure_facilities.c.operator,
            exposure_evidence.c.subject_party,
        ]
        wanted = sorted(orgs)
        selects = [
            select(column.label("party"))
            .join(exposure_batches, exposure_batches.c.id == column.table.c.batch_id)
            .where(exposure_batches.c.org.in_(wanted), column.is_not(None))
            for column in columns
        ]
        with self.engine.connect() as conn:
            return set(conn.execute(union(*selects)).scalars())

    # -- rebuttal documents ---------------------------------------------------------------------------

    def add_document(
        self,
        *,
        org: str,
        shipment_id: str | None,
        subject: str,
        kind: str,
        file_name: str,
        media_type: str,
        content: bytes,
        note: str,
        user: str,
        audit: AuditEntry | None = None,
    ) -> DocumentRecord:
        """Store a document and, in the same transaction, its audit row."""
        now = utc_now()
        digest = hashlib.sha256(content).hexdigest()
        with self.store.writer() as conn:
            inserted = conn.execute(
                exposure_documents.insert().values(
                    org=org,
                    shipment_id=shipment_id,
                    subject=subject,
                    kind=kind,
                    file_name=file_name,
                    media_type=media_type,
                    size=len(content),
                    sha256=digest,
                    note=note,
                    content=content,
                    user=user,
                    uploaded_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            if audit is not None:
                AuditLog(self.store).append_entry(
                    conn,
                    replace(audit, detail={**audit.detail, "document": int(inserted[0]), "sha256": digest}),
                )
        return DocumentRecord(
            int(inserted[0]),
            org,
            shipment_id,
            subject,
            kind,
            file_name,
            media_type,
            len(content),
            digest,
            note,
            user,
            now,
        )

    _DOCUMENT_COLUMNS = tuple(c for c in exposure_documents.c if c.name != "content")

    @staticmethod
    def _document(row: Any) -> DocumentRecord:
        return DocumentRecord(
            row.id,
            row.org,
            row.shipment_id,
            row.subject,
            row.kind,
            row.file_name,
            row.media_type,
            row.size,
            row.sha256,
            row.note,
            row.user,
            aware(row.uploaded_at),
        )

    def documents(
        self,
        *,
        shipment_id: str | None = None,
        party_level: bool = False,
        orgs: Collection[str] | None = None,
    ) -> list[DocumentRecord]:
        """Documents of `orgs` (None: all): about this shipment, and/or (`party_level`) those about a party
        for every shipment; neither given: all."""
        docs = exposure_documents.c
        about = []
        if shipment_id is not None:
            about.append(docs.shipment_id == shipment_id)
        if party_level:
            about.append(docs.shipment_id.is_(None))
        query = select(*self._DOCUMENT_COLUMNS).order_by(docs.id)
        if about:
            query = query.where(or_(*about))
        if orgs is not None:
            query = query.where(docs.org.in_(sorted(orgs)))
        with self.engine.connect() as conn:
            return [self._document(r) for r in conn.execute(query)]

    def document(self, document_id: int) -> tuple[DocumentRecord, bytes] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(exposure_documents).where(exposure_documents.c.id == document_id)
            ).first()
        return None if row is None else (self._document(row), bytes(row.content))

    def supply(self, sources: dict[str, Source] | None = None) -> list[SupplyRelation]:
        sources = self.sources() if sources is None else sources
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_supply).order_by(exposure_supply.c.id)).all()
        return [
            SupplyRelation(
                r.id,
                r.supplier,
                r.buyer,
                _period(r.start_date, r.end_date),
                tuple(r.hs_prefixes),
                r.tier,
                sources.get(r.source_id) if r.source_id else None,
                r.goods,
            )
            for r in rows
        ]

    def ownership(self, sources: dict[str, Source] | None = None) -> list[Ownership]:
        sources = self.sources() if sources is None else sources
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_ownership).order_by(exposure_ownership.c.id)).all()
        return [
            Ownership(
                r.id,
                r.owner,
                r.owned,
                r.share,
                _period(r.start_date, r.end_date),
                sources.get(r.source_id) if r.source_id else None,
            )
            for r in rows
        ]

    def facilities(self) -> list[Facility]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_facilities).order_by(exposure_facilities.c.id)).all()
        return [
            Facility(r.id, r.operator, r.name, r.location, r.country, _period(r.start_date, r.end_date))
            for r in rows
        ]

    def facility_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(wanted):
                found.update(
                    conn.execute(
                        select(exposure_facilities.c.id).where(exposure_facilities.c.id.in_(chunk))
                    ).scalars()
                )
        return found

    def evidence(self, sources: dict[str, Source] | None = None) -> list[Evidence]:
        sources = self.sources() if sources is None else sources
        with self.engine.connect() as conn:
            rows = conn.execute(select(exposure_evidence).order_by(exposure_evidence.c.id)).all()
        return [
            Evidence(
                r.id,
                r.subject_party or r.subject_facility,
                _period(r.start_date, r.end_date),
                sources[r.source_id],
                r.statement,
                r.workers,
            )
            for r in rows
        ]
