"""Use-cases of the CAATSA §321(b) exposure feature: import trade data, resolve parties, trace shipments.

Every party a file names is screened against the loaded lists (the same screening as `accomplice
screen`): at or above the threshold it is taken for that listed entity, and the engine knows it by the
entity's key; below, it is a party of its own (`party:<slug>-<hash>`). Analysts confirm or split these
resolutions (append-only decisions), which the engine sees at its next build without any trade record
being rewritten.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import date, datetime
from pathlib import Path as FilePath
from typing import IO, Any

from accomplice.batch.exposure import (
    ParsedFile,
    read_exposure_bytes,
    read_exposure_file,
    read_exposure_rows,
)
from accomplice.errors import InputError, NotFoundError
from accomplice.exposure.engine import ExposureEngine
from accomplice.exposure.model import (
    FACILITY_PREFIX,
    EdgeKind,
    Evidence,
    Facility,
    Hop,
    Listing,
    Ownership,
    Party,
    Path,
    Period,
    Shipment,
    Source,
    SupplyRelation,
    Trace,
)
from accomplice.exposure.rebuttal import rebuttal_checklist
from accomplice.lists.model import ProgressFn
from accomplice.services.auth import ForbiddenError, Principal
from accomplice.services.exposure_cache import cached_view, per_generation
from accomplice.services.exposure_visibility import (
    OrgScope,
    counts_in_trace,
    may_add_evidence,
    may_see_confidential,
    own_orgs,
    reader_scope,
    sees_record,
)
from accomplice.services.jobs import clean_file_name
from accomplice.services.list_twins import list_twins
from accomplice.services.screening import ScreeningIndex, ScreeningRecord, screen_record, screening_index
from accomplice.store import Store
from accomplice.store.exposure import (
    SHARED,
    BatchInfo,
    DocumentRecord,
    ExposureBatch,
    ExposureStore,
    PartyDecision,
    PartyRecord,
)

__all__ = [
    "SHARED",
    "WITHHELD_PATH",
    "ExposureView",
    "ImportResult",
    "OrgScope",
    "add_records",
    "add_rows",
    "build_view",
    "confirm_party",
    "documents_about",
    "held_kinds",
    "import_file",
    "import_upload",
    "is_dprk_listing",
    "list_evidence",
    "list_parties",
    "list_relations",
    "party_exposure",
    "party_id",
    "party_record_json",
    "redact_path",
    "redact_trace",
    "redacted_paths_json",
    "require_evidence_writer",
    "split_party",
    "stored_documents",
    "trace_file",
    "trace_rows",
    "trace_shipments",
    "trace_stored",
    "upload_records",
    "visible_nodes",
    "visible_party_node",
    "visible_shipment",
]

# Sources marked confidential (an informant, a partner's report) appear as this unless the reader may
# see them: the path still shows that a source exists, and its id lets an authorised analyst find it.
CONFIDENTIAL_TITLE = "confidential source {id}"
# What a reader sees in place of the part of a path that runs through another organisation's records
# (an importer's declared suppliers are its own business): the flag and its reason stay visible.
WITHHELD_PATH = "the rest of this path runs through records of another organisation (withheld)"
# Slugs keep party ids readable in logs and URLs; the hash makes them unique.
SLUG_CHARS = 48
PARTY_HASH_CHARS = 12
# Shipments traced between two progress callbacks.
PROGRESS_EVERY = 50

# OFAC program codes of the North Korea sanctions: DPRK, DPRK2, DPRK3, DPRK4, DPRK-NKSPEA and NKSPEA.
_OFAC_DPRK = re.compile(r"^(DPRK[-0-9A-Z]*|NKSPEA)$")
# The EU's and UK's DPRK regimes as their lists name them (EU programme key, UK regime name).
_REGIME_DPRK = ("EU-PRK", "PRK", "DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA", "NORTH KOREA")
# The names within a longer regime name: the UK list of 2018 files 574 DPRK designations under "North
# Korea (Democratic People's Republic of Korea)", which an exact comparison missed.
_REGIME_DPRK_NAMES = ("DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA", "NORTH KOREA")
# OFAC's remark on designations that carry North Korea secondary sanctions risk, whatever the program.
OFAC_DPRK_REMARK = "North Korea Sanctions Regulations"
# The lists whose listing is an SDN-style asset freeze that OFAC's 50% rule propagates to owned firms.
BLOCKING_LISTS = ("ofac",)


def is_dprk_listing(key: str, list_name: str, programs: Collection[str], notes: Collection[str] = ()) -> bool:
    """A listing under a North Korea program: OFAC DPRK*/NKSPEA, UN 1718 (un:KP… keys), EU/UK DPRK.

    OFAC also marks DPRK-related designations under other programs (NPWMD: Dandong Hongxiang) with the
    remark "Secondary sanctions risk: North Korea Sanctions Regulations"; that marks them DPRK too.
    """
    if list_name == "un" and key.startswith("un:KP"):
        return True
    if list_name.startswith("ofac") and any(OFAC_DPRK_REMARK in n for n in notes):
        return True
    for program in programs:
        upper = program.strip().upper()
        if _OFAC_DPRK.match(upper) or upper in _REGIME_DPRK or "DPRK" in upper:
            return True
        if any(name in upper for name in _REGIME_DPRK_NAMES):
            return True
    return False


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_CHARS].strip("-")


def party_id(norm_key: str, name: str) -> str:
    """`party:<slug>-<hash>` from the folded name and country: the same party in every file."""
    digest = hashlib.sha256(norm_key.encode()).hexdigest()[:PARTY_HASH_CHARS]
    slug = _slug(name)
    return f"party:{slug}-{digest}" if slug else f"party:{digest}"


# --- import --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportResult:
    batch: BatchInfo
    parties: tuple[PartyRecord, ...]  # the parties the file names, with their resolution
    record_ids: tuple[str, ...]  # ids of the file's records, in file order

    @property
    def resolved(self) -> int:
        return sum(1 for p in self.parties if p.entity_key is not None)


def _resolve(
    store: Store,
    parsed: ParsedFile,
    *,
    index: ScreeningIndex | None,
    threshold: float | None,
    progress: ProgressFn | None,
) -> dict[str, PartyRecord]:
    """Every party the file names: stored ones as they are, new ones screened against the lists."""
    known = {p.norm_key: p for p in ExposureStore(store).parties(norm_keys=list(parsed.parties))}
    resolved: dict[str, PartyRecord] = {}
    todo = [(k, n) for k, n in parsed.parties.items() if k not in known]
    keyed = [n.entity_key for _, n in todo if n.entity_key is not None]
    rows = store.entity_rows(keyed) if keyed else {}
    if todo and any(n.entity_key is None for _, n in todo):
        index = index or screening_index(store, progress=progress)
    for done, (norm_key, name) in enumerate(todo, start=1):
        pid = party_id(norm_key, name.name)
        if name.entity_key is not None:
            row = rows.get(name.entity_key)
            if row is None:
                raise InputError(
                    parsed.path,
                    f"refers to {name.entity_key!r}, neither an entity of the file nor a listed entity",
                    line=parsed.party_lines[norm_key],
                )
            resolved[norm_key] = PartyRecord(
                pid, row.caption, None, row.schema, norm_key, row.key, 1.0, ("named by its key in the file",)
            )
            continue
        assert index is not None
        record = ScreeningRecord(
            pid, name.name, "Person" if name.schema == "Person" else None, None, name.country
        )
        matches = screen_record(index, record, threshold=threshold, limit=1)
        best = matches[0] if matches and matches[0].decision != "no-match" else None
        resolved[norm_key] = PartyRecord(
            pid,
            name.name,
            name.country,
            name.schema,
            norm_key,
            best.key if best else None,
            round(best.score, 4) if best else None,
            tuple(best.explanation) if best else (),
        )
        if progress and (done % PROGRESS_EVERY == 0 or done == len(todo)):
            progress("resolving parties", done, len(todo))
    return {**known, **resolved}


def _cited(parsed: ParsedFile) -> list[tuple[int, Source]]:
    """The sources the file's rows cite, each with the line of the row citing it."""
    return [
        (parsed.lines[row.id], row.source)
        for row in parsed.rows
        if isinstance(row, SupplyRelation | Ownership | Evidence) and row.source is not None
    ]


def _sources(store: Store, parsed: ParsedFile) -> list[Source]:
    """The sources rows describe; a bare source_id must name a source of the file or of the store."""
    described: dict[str, Source] = {}
    bare: list[tuple[int, Source]] = []
    for line, source in _cited(parsed):
        if not source.title:
            bare.append((line, source))
            continue
        described[source.id] = source
    if bare:
        stored = ExposureStore(store).sources()
        for line, source in bare:
            if source.id not in described and source.id not in stored:
                raise InputError(
                    parsed.path, f"source_id {source.id!r} is not a stored source; give source_title", line
                )
    return list(described.values())


def _batch(
    store: Store,
    parsed: ParsedFile,
    parties: Mapping[str, PartyRecord],
    user: str,
    file_name: str,
    org: str = SHARED,
) -> ExposureBatch:
    """The file's records with their parties named by party id and their cited sources resolved."""
    ids = {k: p.id for k, p in parties.items()}
    batch = ExposureBatch(parsed.kind, file_name, parsed.checksum, user, org)
    known = {p.id for p in ExposureStore(store).parties(ids=list(ids.values()))}
    batch.parties = [p for p in parties.values() if p.id not in known]
    all_sources = ExposureStore(store).sources()

    def source(cited: Source | None) -> Source | None:
        if cited is None or cited.title:
            return cited
        # A reference to a stored source; one that is not stored is refused by `_sources` below.
        return all_sources[cited.id] if cited.id in all_sources else Source(cited.id, cited.id)

    facilities_here = {r.id for r in parsed.rows if isinstance(r, Facility)}
    wanted = {
        r.subject for r in parsed.rows if isinstance(r, Evidence) and r.subject.startswith(FACILITY_PREFIX)
    }
    stored_facilities = ExposureStore(store).facility_ids(wanted - facilities_here)
    for row in parsed.rows:
        if isinstance(row, Shipment):
            batch.shipments.append(replace(row, parties=tuple((role, ids[k]) for role, k in row.parties)))
        elif isinstance(row, SupplyRelation):
            batch.supply.append(
                replace(row, supplier=ids[row.supplier], buyer=ids[row.buyer], source=source(row.source))
            )
        elif isinstance(row, Ownership):
            batch.ownership.append(
                replace(row, owner=ids[row.owner], owned=ids[row.owned], source=source(row.source))
            )
        elif isinstance(row, Facility):
            batch.facilities.append(replace(row, operator=ids[row.operator]))
        else:
            on_facility = row.subject.startswith(FACILITY_PREFIX)
            if on_facility and row.subject not in facilities_here | stored_facilities:
                raise InputError(
                    parsed.path,
                    f"facility {row.subject!r} is not stored; import the facilities first",
                    parsed.lines[row.id],
                )
            src = source(row.source)
            assert src is not None
            batch.evidence.append(
                replace(row, subject=row.subject if on_facility else ids[row.subject], source=src)
            )
    batch.sources = _sources(store, parsed)
    return batch


# Ids the file readers derive from a record's content when the file gives none (batch/exposure.py).
_DERIVED_ID_PREFIXES = ("rel:", "own:", "src:", "ev:")


def _org_id(record_id: str, org: str) -> str:
    """A derived id made the organisation's own: two importers that declare the same supplier get two
    records, each seen by its own organisation, instead of the second being refused as a clash (which
    would also tell it that a competitor declared that supplier). Ids a file gives are kept as given."""
    if not org or not record_id.startswith(_DERIVED_ID_PREFIXES):
        return record_id
    prefix = record_id.split(":", 1)[0]
    digest = hashlib.sha256(f"{org}\x1f{record_id}".encode()).hexdigest()[:16]
    return f"{prefix}:{digest}"


def _scoped(parsed: ParsedFile, org: str) -> ParsedFile:
    """`parsed` with its derived record and source ids made `org`'s own (unchanged for shared records)."""
    if not org:
        return parsed

    def source(cited: Source | None) -> Source | None:
        return None if cited is None else replace(cited, id=_org_id(cited.id, org))

    rows: list[Any] = []
    lines: dict[str, int] = {}
    for row in parsed.rows:
        scoped = row
        if isinstance(row, SupplyRelation | Ownership):
            scoped = replace(row, id=_org_id(row.id, org), source=source(row.source))
        elif isinstance(row, Evidence):
            scoped_source = source(row.source)
            assert scoped_source is not None
            scoped = replace(row, id=_org_id(row.id, org), source=scoped_source)
        rows.append(scoped)
        lines.setdefault(scoped.id, parsed.lines[row.id])
    return replace(parsed, rows=rows, lines=lines)


def _store_parsed(
    store: Store,
    parsed: ParsedFile,
    *,
    user: str,
    file_name: str,
    index: ScreeningIndex | None,
    threshold: float | None,
    progress: ProgressFn | None,
    org: str,
) -> ImportResult:
    exposure = ExposureStore(store)
    parsed = _scoped(parsed, org)
    record_ids = tuple(r.id for r in parsed.rows)
    existing = exposure.find_batch(parsed.kind, parsed.checksum, org)
    if existing is not None:
        return ImportResult(existing, tuple(exposure.parties(norm_keys=list(parsed.parties))), record_ids)
    parties = _resolve(store, parsed, index=index, threshold=threshold, progress=progress)
    batch = _batch(store, parsed, parties, user, file_name, org)
    info = exposure.import_batch(batch)
    return ImportResult(info, tuple(exposure.parties(ids=[p.id for p in parties.values()])), record_ids)


def import_file(
    store: Store,
    kind: str,
    path: str | FilePath,
    *,
    user: str,
    index: ScreeningIndex | None = None,
    threshold: float | None = None,
    progress: ProgressFn | None = None,
    org: str = SHARED,
    encoding: str | None = None,
) -> ImportResult:
    """Read, validate, resolve and store one file of `kind`, in one transaction; the same file again is
    a no-op. Nothing is written when any line is bad. `org`: whose records these are (SHARED: records
    of the enforcement and research roles, which every reader with the right role sees). `encoding`
    names that of a CSV or JSONL file that is neither UTF-8 nor UTF-16 with a byte-order mark."""
    parsed = read_exposure_file(kind, path, encoding=encoding)
    return _store_parsed(
        store,
        parsed,
        user=user,
        file_name=FilePath(path).name,
        index=index,
        threshold=threshold,
        progress=progress,
        org=org,
    )


def import_upload(
    store: Store,
    kind: str,
    file_name: str,
    data: bytes,
    *,
    user: str,
    org: str = SHARED,
    index: ScreeningIndex | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """As `import_file`, for the bytes of an uploaded file (its name's suffix says CSV, XLSX or JSONL)."""
    name = clean_file_name(file_name)
    parsed = read_exposure_bytes(kind, name, data, encoding=encoding)
    return _store_parsed(
        store, parsed, user=user, file_name=name, index=index, threshold=None, progress=None, org=org
    )


def _rows_of(items: Sequence[Mapping[str, object]]) -> Iterator[tuple[int, dict[str, str]]]:
    for number, item in enumerate(items, start=1):
        yield (
            number,
            {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in item.items()},
        )


def _body_checksum(kind: str, items: Sequence[Mapping[str, object]]) -> str:
    canonical = json.dumps([dict(i) for i in items], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{kind}\n{canonical}".encode()).hexdigest()


def add_rows(
    store: Store,
    kind: str,
    items: Sequence[Mapping[str, object]],
    *,
    user: str,
    index: ScreeningIndex | None = None,
    org: str = SHARED,
) -> ImportResult:
    """Store records sent as JSON objects (the API's POST bodies), with the columns of the file format.

    Errors name the item by its position (1 = first) as `request:N`. `org` as for `import_file`.
    """
    from accomplice.batch.exposure import COLUMNS

    spec = COLUMNS[kind]
    rows = [(n, {spec.aliases.get(k, k): v for k, v in row.items()}) for n, row in _rows_of(items)]
    for number, row in rows:
        missing = [c for c in spec.required if not row.get(c)]
        if missing:
            raise InputError("request", f"missing {', '.join(missing)}", line=number)
    parsed = read_exposure_rows(kind, iter(rows), path="request", checksum=_body_checksum(kind, items))
    return _store_parsed(
        store, parsed, user=user, file_name="api", index=index, threshold=None, progress=None, org=org
    )


def require_evidence_writer(principal: Principal) -> None:
    """Labour evidence taints every organisation's shipments, so an org-bound importer may not add it: one
    importer must not be able to flag a competitor's suppliers. Importers send what they know to the
    enforcement side, whose analysts and researchers record it."""
    if not may_add_evidence(principal):
        raise ForbiddenError("importers cannot add labour evidence; send it to an analyst or researcher")


def add_records(
    store: Store, principal: Principal, kind: str, items: Sequence[Mapping[str, object]]
) -> ImportResult:
    """`add_rows` for a writer: its records are its organisation's (shared for the enforcement side)."""
    if kind == "evidence":
        require_evidence_writer(principal)
    return add_rows(store, kind, items, user=str(principal.user), org=principal.record_org)


def upload_records(
    store: Store, principal: Principal, kind: str, file_name: str, data: bytes, *, encoding: str | None = None
) -> ImportResult:
    """`import_upload` for a writer: its records are its organisation's (shared for the enforcement side)."""
    if kind == "evidence":
        require_evidence_writer(principal)
    return import_upload(
        store, kind, file_name, data, user=str(principal.user), org=principal.record_org, encoding=encoding
    )


def party_record_json(record: PartyRecord) -> dict[str, object]:
    """A party with its resolution and the decision that applies, as the API returns it."""
    return {
        "id": record.id,
        "name": record.name,
        "country": record.country,
        "resolved": record.entity_key,
        "score": record.score,
        "status": record.status,
        "explanation": list(record.explanation),
        "decision": None
        if record.decision is None
        else {
            "action": record.decision.action,
            "entity": record.decision.entity_key,
            "reason": record.decision.reason,
            "by": record.decision.user,
            "at": record.decision.created_at.isoformat(),
        },
    }


def list_parties(store: Store) -> list[PartyRecord]:
    """Every stored party with its resolution and the decision that applies, by id."""
    return ExposureStore(store).parties()


# --- decisions on parties ------------------------------------------------------------------------------


def _party(store: Store, pid: str) -> PartyRecord:
    found = ExposureStore(store).parties(ids=[pid])
    if not found:
        raise NotFoundError(f"no party with id {pid!r}; see the parties of `accomplice trace` output")
    return found[0]


def confirm_party(store: Store, pid: str, entity_key: str, *, user: str, reason: str = "") -> PartyRecord:
    """An analyst confirms that party `pid` is the listed entity `entity_key` (append-only)."""
    if not user.strip():
        raise InputError("decision", "a decision needs the name of the analyst who takes it")
    _party(store, pid)
    if store.entity(entity_key) is None:
        raise NotFoundError(f"no listed entity with key {entity_key!r}")
    ExposureStore(store).add_party_decision(PartyDecision(pid, "confirmed", entity_key, user, reason))
    return _party(store, pid)


def split_party(store: Store, pid: str, *, user: str, reason: str = "") -> PartyRecord:
    """An analyst decides that party `pid` is not the listed entity screening took it for."""
    if not user.strip():
        raise InputError("decision", "a decision needs the name of the analyst who takes it")
    _party(store, pid)
    ExposureStore(store).add_party_decision(PartyDecision(pid, "split", None, user, reason))
    return _party(store, pid)


# --- the engine over the store -------------------------------------------------------------------------


@dataclass(slots=True)
class ExposureView:
    """The engine built from the store, with what is needed to explain its answers."""

    engine: ExposureEngine
    parties: dict[str, PartyRecord]  # by party id
    nodes: dict[str, str]  # party id -> the engine's node (listed key or party id)
    names: dict[str, str]  # node -> a name to show
    listings: dict[str, list[Listing]]
    facilities: dict[str, Facility]
    # kind ("relations", "ownership", "facilities", "evidence", "sources", "shipments") -> id -> org, for
    # records that are not shared (see ExposureStore.record_orgs).
    record_orgs: dict[str, dict[str, str]] = field(default_factory=dict)

    def hides(self, kind: str, record_id: str | None, orgs: OrgScope) -> bool:
        """Whether a record of `kind` is another organisation's, for a reader limited to `orgs`."""
        if orgs is None or record_id is None:
            return False
        owner = self.record_orgs.get(kind, {}).get(record_id)
        return owner is not None and not counts_in_trace(owner, orgs)

    def shipment(self, record: Shipment) -> Shipment:
        """The stored shipment as the engine traces it: each party by its graph node."""
        return replace(
            record, parties=tuple((role, self.nodes.get(pid, pid)) for role, pid in record.parties)
        )


def _listings(store: Store, keys: Sequence[str]) -> dict[str, list[Listing]]:
    """The listings of each resolved key: its own and its twins' on other lists (a party resolved to a
    UK entry whose regime name does not say DPRK is DPRK-listed through its UN twin). A twin's listing
    is the party's, naming the twin's entry."""
    twins = list_twins(store, keys)
    rows = store.entity_rows(sorted({k for members in twins.values() for k in members}))
    programs = store.values_of(list(rows), "programId")
    notes = store.values_of(list(rows), "notes")
    found: dict[str, list[Listing]] = {}
    for key, members in twins.items():
        for member in members:
            row = rows.get(member)
            if row is None or not row.is_current:
                continue
            progs = tuple(sorted(programs.get(member, ())))
            found.setdefault(key, []).extend(
                Listing(
                    key,
                    list_name,
                    progs,
                    dprk=is_dprk_listing(member, list_name, progs, notes.get(member, ())),
                    blocked=list_name in BLOCKING_LISTS,
                    entry=member if member != key else None,
                )
                for list_name in row.lists
            )
    return found


@dataclass(frozen=True, slots=True)
class ExposureRecords:
    """Every exposure record of the store as the engine takes them (parties by their effective node),
    read once per store generation; `view_of` builds the engine over the part a reader trusts."""

    parties: dict[str, PartyRecord]  # by party id
    nodes: dict[str, str]  # party id -> the engine's node
    names: dict[str, str]  # node -> a name to show
    listings: dict[str, list[Listing]]
    engine_parties: tuple[Party, ...]
    supply: tuple[SupplyRelation, ...]
    ownership: tuple[Ownership, ...]
    facilities: tuple[Facility, ...]
    evidence: tuple[Evidence, ...]
    record_orgs: dict[str, dict[str, str]]  # kind -> id -> org, for records that are not shared


def read_records(store: Store, *, extra_parties: Iterable[PartyRecord] = ()) -> ExposureRecords:
    """Read every exposure record and the listings of the parties they name."""
    exposure = ExposureStore(store)
    records = {p.id: p for p in exposure.parties()}
    for p in extra_parties:
        records.setdefault(p.id, p)
    nodes = {pid: p.node for pid, p in records.items()}

    def node(pid: str) -> str:
        return nodes.get(pid, pid)

    listings = _listings(store, sorted({p.entity_key for p in records.values() if p.entity_key}))
    names: dict[str, str] = {}
    parties: dict[str, Party] = {}
    for p in records.values():
        names.setdefault(p.node, p.name)
        parties.setdefault(
            p.node,
            Party(p.node, p.name, p.country, p.schema, p.score if p.entity_key else None, p.explanation),
        )
    sources = exposure.sources()
    facilities = tuple(replace(f, operator=node(f.operator)) for f in exposure.facilities())
    for f in facilities:
        names.setdefault(f.id, f.name or f.id)
    return ExposureRecords(
        records,
        nodes,
        names,
        listings,
        tuple(parties.values()),
        tuple(replace(r, supplier=node(r.supplier), buyer=node(r.buyer)) for r in exposure.supply(sources)),
        tuple(replace(o, owner=node(o.owner), owned=node(o.owned)) for o in exposure.ownership(sources)),
        facilities,
        tuple(replace(e, subject=node(e.subject)) for e in exposure.evidence(sources)),
        exposure.record_orgs(),
    )


def view_of(records: ExposureRecords, orgs: OrgScope = None) -> ExposureView:
    """The engine over the records that count in the traces of a reader limited to `orgs` (None: every
    record, the enforcement side's view): shared records and the reader's own (see exposure_visibility).
    Parties and their resolutions are shared: a party's listing is a fact about it, not a record."""

    def trusted(kind: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
        if orgs is None:
            return items
        owners = records.record_orgs.get(kind, {})
        return tuple(i for i in items if counts_in_trace(owners.get(i.id, SHARED), orgs))

    facilities: tuple[Facility, ...] = trusted("facilities", records.facilities)
    engine = ExposureEngine.from_values(
        parties=records.engine_parties,
        listings=tuple(item for items in records.listings.values() for item in items),
        supply=trusted("relations", records.supply),
        ownership=trusted("ownership", records.ownership),
        facilities=facilities,
        evidence=trusted("evidence", records.evidence),
    )
    return ExposureView(
        engine,
        records.parties,
        records.nodes,
        records.names,
        records.listings,
        {f.id: f for f in facilities},
        records.record_orgs,
    )


def build_view(
    store: Store, *, extra_parties: Iterable[PartyRecord] = (), orgs: OrgScope = None
) -> ExposureView:
    """Read every exposure record and build the engine over those a reader limited to `orgs` trusts."""
    return view_of(read_records(store, extra_parties=extra_parties), orgs)


# --- JSON --------------------------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _period_json(period: Period) -> dict[str, str | None]:
    return {"start": _day(period.start), "end": _day(period.end)}


def source_json(source: Source | None, *, may_see_confidential: bool) -> dict[str, object] | None:
    """A source as a path shows it; a confidential one is only its id unless the reader may see it."""
    if source is None:
        return None
    if source.confidential and not may_see_confidential:
        return {"id": source.id, "title": CONFIDENTIAL_TITLE.format(id=source.id), "confidential": True}
    return {
        "id": source.id,
        "title": source.title,
        "url": source.url,
        "published": _day(source.published),
        "reliability": source.reliability,
        "confidential": source.confidential,
    }


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _hop_json(hop: Hop, view: ExposureView, *, may_see_confidential: bool) -> dict[str, object]:
    return {
        "kind": str(hop.kind),
        "from": hop.from_node,
        "from_name": view.names.get(hop.from_node, hop.from_node),
        "to": hop.to_node,
        "to_name": view.names.get(hop.to_node, hop.to_node),
        "record": hop.relation_id,
        "period": _period_json(hop.period),
        "source": source_json(hop.source, may_see_confidential=may_see_confidential),
    }


# Which record an evidence-path hop rests on, by hop kind (SHIPS hops rest on the shipment itself).
_HOP_RECORDS = {EdgeKind.SUPPLIES: "relations", EdgeKind.OWNS: "ownership", EdgeKind.OPERATES: "facilities"}


def redact_path(path: Path, view: ExposureView, orgs: OrgScope) -> tuple[Path, bool]:
    """The part of a path a reader limited to `orgs` may see, and whether anything was withheld.

    The path is cut at the first hop that rests on another organisation's record (or its source), with
    the fact at its end: what lies beyond would tell the reader another importer's suppliers.
    """
    for n, hop in enumerate(path.hops):
        kind = _HOP_RECORDS.get(hop.kind)
        hidden_record = kind is not None and view.hides(kind, hop.relation_id, orgs)
        hidden_source = hop.source is not None and view.hides("sources", hop.source.id, orgs)
        if hidden_record or hidden_source:
            return replace(path, hops=path.hops[:n], evidence=None, listing=None, blocked_share=None), True
    evidence = path.evidence
    if evidence is not None and (
        view.hides("evidence", evidence.id, orgs) or view.hides("sources", evidence.source.id, orgs)
    ):
        return replace(path, evidence=None), True
    return path, False


def redact_trace(trace: Trace, view: ExposureView, orgs: OrgScope) -> tuple[Trace, set[int]]:
    """The trace with each path redacted for `orgs`, and the positions of the paths that were cut."""
    if trace.flag is None or orgs is None:
        return trace, set()
    paths = []
    cut = set()
    for n, path in enumerate(trace.flag.paths):
        shown, withheld = redact_path(path, view, orgs)
        paths.append(shown)
        if withheld:
            cut.add(n)
    return replace(trace, flag=replace(trace.flag, paths=tuple(paths))), cut


def redacted_paths_json(
    trace: Trace, view: ExposureView, *, may_see_confidential: bool, orgs: OrgScope = None
) -> tuple[Trace, list[dict[str, object]]]:
    """The trace as a reader limited to `orgs` may see it, and its paths as JSON: one redaction for both
    (the checklist is made from the redacted trace)."""
    shown, cut = redact_trace(trace, view, orgs)
    if shown.flag is None:
        return shown, []
    return shown, [
        _path_payload(p, view, may_see_confidential=may_see_confidential, withheld=n in cut)
        for n, p in enumerate(shown.flag.paths)
    ]


def path_json(
    path: Path, view: ExposureView, *, may_see_confidential: bool, orgs: OrgScope = None
) -> dict[str, object]:
    shown, withheld = redact_path(path, view, orgs)
    return _path_payload(shown, view, may_see_confidential=may_see_confidential, withheld=withheld)


def _path_payload(
    path: Path, view: ExposureView, *, may_see_confidential: bool, withheld: bool
) -> dict[str, object]:
    payload: dict[str, object] = {
        "reason": str(path.reason),
        "hops": [_hop_json(h, view, may_see_confidential=may_see_confidential) for h in path.hops],
    }
    if withheld:
        payload["withheld"] = WITHHELD_PATH
    if path.evidence is not None:
        e = path.evidence
        payload["evidence"] = {
            "id": e.id,
            "subject": e.subject,
            "subject_name": view.names.get(e.subject, e.subject),
            "period": _period_json(e.period),
            "statement": e.statement
            if not e.source.confidential or may_see_confidential
            else "(withheld: confidential source)",
            "workers": e.workers,
            "source": source_json(e.source, may_see_confidential=may_see_confidential),
        }
    if path.listing is not None:
        listing = path.listing
        payload["listing"] = {
            # The entry that lists the party: its own key, or its twin's on the list that says DPRK.
            "entity": listing.entry or listing.party,
            "name": view.names.get(listing.party, listing.party),
            "list": listing.list_key,
            "programs": list(listing.programs),
            "dprk": listing.dprk,
            "blocked": listing.blocked,
        }
    if path.blocked_share is not None:
        payload["blocked_share"] = path.blocked_share
    return payload


def _party_json(record: PartyRecord | None, node: str, view: ExposureView) -> dict[str, object]:
    if record is None:
        return {"node": node, "name": view.names.get(node, node)}
    return {
        "id": record.id,
        "node": record.node,
        "name": record.name,
        "country": record.country,
        "resolved": record.entity_key,
        "score": record.score if record.entity_key else None,
        "status": record.status,
        "explanation": list(record.explanation) if record.entity_key else [],
        "decided_by": record.decision.user if record.decision else None,
        "decided_at": record.decision.created_at.isoformat() if record.decision else None,
    }


def trace_json(
    trace: Trace,
    record: Shipment,
    view: ExposureView,
    *,
    may_see_confidential: bool = False,
    held: Mapping[str, Collection[str]] | None = None,
    orgs: OrgScope = None,
    seen_by_reader: Collection[str] | None = None,
) -> dict[str, object]:
    """The JSON contract of `accomplice trace` and the API: one object per shipment.

    For a reader limited to `orgs`, paths through other organisations' records are cut (`withheld`), the
    rebuttal checklist asks only about the parties the reader may see, and a clean shipment's checked
    upstream lists only its own parties and those `seen_by_reader` (see `visible_nodes`).
    """
    payload: dict[str, object] = {
        "shipment": record.id,
        "date": record.day.isoformat(),
        "goods": record.goods,
        "hs_code": record.hs_code,
        "origin": record.origin,
        "vessel": {"name": record.vessel_name, "imo": record.vessel_imo}
        if record.vessel_name or record.vessel_imo
        else None,
        "parties": [
            {"role": role, **_party_json(view.parties.get(pid), view.nodes.get(pid, pid), view)}
            for role, pid in record.parties
        ],
        "flagged": trace.flag is not None,
    }
    if trace.flag is None:
        payload["reasons"] = []
        payload["paths"] = []
        checked = trace.checked
        listed = checked.parties
        if seen_by_reader is not None:
            own = {view.nodes.get(pid, pid) for _, pid in record.parties}
            listed = tuple(n for n in listed if n in own or n in seen_by_reader)
        payload["checked"] = {
            "parties": [{"node": n, "name": view.names.get(n, n)} for n in listed],
            "relations": checked.relations,
            "evidence_records_in_period": checked.evidence_records_in_period,
        }
        return payload
    payload["reasons"] = [str(r) for r in trace.flag.reasons]
    shown, payload["paths"] = redacted_paths_json(
        trace, view, may_see_confidential=may_see_confidential, orgs=orgs
    )
    payload["rebuttal"] = _jsonable(rebuttal_checklist(shown, held or {}))
    return payload


# --- tracing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TraceReport:
    shipments: int
    flagged: int
    seconds: float


def trace_shipments(
    view: ExposureView,
    records: Sequence[Shipment],
    *,
    max_paths: int = 3,
    may_see_confidential: bool = False,
    progress: ProgressFn | None = None,
    orgs: OrgScope = None,
    held: Mapping[str, Mapping[str, Collection[str]]] | None = None,
    store: Store | None = None,
) -> Iterator[dict[str, object]]:
    """Trace each shipment, streaming one JSON object per shipment in the order given.

    `held[shipment id]`: the document kinds already stored for it (see `held_kinds`). A reader limited to
    `orgs` needs the `store` too, to read which parties it may see."""
    seen_by_reader = None
    if orgs is not None:
        assert store is not None, "a reader limited to organisations needs the store to know what it sees"
        seen_by_reader = visible_nodes(store, view, orgs)
    for done, record in enumerate(records, start=1):
        trace = view.engine.trace(view.shipment(record), max_paths=max_paths)
        yield trace_json(
            trace,
            record,
            view,
            may_see_confidential=may_see_confidential,
            held=(held or {}).get(record.id),
            orgs=orgs,
            seen_by_reader=seen_by_reader,
        )
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            progress("tracing", done, len(records))


def _write_traces(
    view: ExposureView,
    records: Sequence[Shipment],
    out: IO[str],
    *,
    max_paths: int,
    may_see_confidential: bool,
    progress: ProgressFn | None,
) -> TraceReport:
    started = time.perf_counter()
    flagged = 0
    for item in trace_shipments(
        view, records, max_paths=max_paths, may_see_confidential=may_see_confidential, progress=progress
    ):
        flagged += bool(item["flagged"])
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return TraceReport(len(records), flagged, time.perf_counter() - started)


def trace_file(
    store: Store,
    path: str | FilePath,
    out: IO[str],
    *,
    user: str,
    max_paths: int = 3,
    may_see_confidential: bool = False,
    index: ScreeningIndex | None = None,
    progress: ProgressFn | None = None,
) -> TraceReport:
    """Import a file of shipments (a no-op if already imported) and trace each of them into `out`."""
    result = import_file(store, "shipments", path, user=user, index=index, progress=progress)
    records = ExposureStore(store).shipments(list(result.record_ids))
    order = {sid: n for n, sid in enumerate(result.record_ids)}
    records.sort(key=lambda r: order[r.id])
    return _write_traces(
        cached_view(store),
        records,
        out,
        max_paths=max_paths,
        may_see_confidential=may_see_confidential,
        progress=progress,
    )


def trace_stored(
    store: Store,
    out: IO[str],
    *,
    max_paths: int = 3,
    may_see_confidential: bool = False,
    progress: ProgressFn | None = None,
) -> TraceReport:
    """Trace every stored shipment, by date, into `out`."""
    return _write_traces(
        cached_view(store),
        ExposureStore(store).shipments(),
        out,
        max_paths=max_paths,
        may_see_confidential=may_see_confidential,
        progress=progress,
    )


def visible_shipment(store: Store, shipment_id: str, orgs: OrgScope = None) -> Shipment:
    """A stored shipment the reader may see (an importer: only its own organisation's), or NotFoundError.

    Another organisation's shipment is "not found", not "forbidden": the answer must not tell an importer
    which entry ids its competitors hold.
    """
    records = ExposureStore(store).shipments([shipment_id], orgs=own_orgs(orgs))
    if not records:
        raise NotFoundError(f"no stored shipment with id {shipment_id!r}")
    return records[0]


def stored_documents(
    store: Store, view: ExposureView, record: Shipment, orgs: OrgScope = None
) -> list[DocumentRecord]:
    """The rebuttal documents stored for a shipment that count for it and that the reader may see.

    Documents count when they belong to the shipment's organisation (or are shared): those about this
    shipment, and those about a party for every shipment (which `documents_about` narrows to its parties).
    """
    owner = view.record_orgs.get("shipments", {}).get(record.id, SHARED)
    allowed = {owner, SHARED} if orgs is None else {owner, SHARED} & (orgs | {SHARED})
    return ExposureStore(store).documents(shipment_id=record.id, party_level=True, orgs=allowed)


def held_kinds(documents: Iterable[DocumentRecord]) -> dict[str, set[str]]:
    """The document kinds at hand, by subject (a party's node or the shipment id): what ticks a checklist."""
    held: dict[str, set[str]] = {}
    for doc in documents:
        held.setdefault(doc.subject, set()).add(doc.kind)
    return held


def documents_about(
    documents: Iterable[DocumentRecord], shipment_id: str, subjects: Collection[str]
) -> list[DocumentRecord]:
    """Of `stored_documents`, those to list for a shipment: its own, and party-wide ones about `subjects`."""
    return [d for d in documents if d.shipment_id == shipment_id or d.subject in subjects]


def trace_stored_one(
    store: Store, shipment_id: str, principal: Principal | None = None, *, max_paths: int = 3
) -> dict[str, object]:
    """The trace of one stored shipment as `principal` may see it (None: the local operator), with its
    rebuttal checklist ticked from stored documents."""
    orgs = reader_scope(principal)
    record = visible_shipment(store, shipment_id, orgs)
    view = cached_view(store, orgs=orgs)
    held = {record.id: held_kinds(stored_documents(store, view, record, orgs))}
    return next(
        trace_shipments(
            view,
            [record],
            max_paths=max_paths,
            may_see_confidential=may_see_confidential(principal),
            orgs=orgs,
            held=held,
            store=store,
        )
    )


def trace_rows(
    store: Store,
    items: Sequence[Mapping[str, object]],
    principal: Principal | None = None,
    *,
    max_paths: int = 3,
    index: ScreeningIndex | None = None,
) -> list[dict[str, object]]:
    """Trace shipments given as JSON objects without storing them (the API's POST /api/trace).

    Parties are resolved as an import would (stored parties keep their decisions), but nothing is written.
    """
    from accomplice.batch.exposure import COLUMNS

    spec = COLUMNS["shipments"]
    rows = [(n, {spec.aliases.get(k, k): v for k, v in row.items()}) for n, row in _rows_of(items)]
    for number, row in rows:
        missing = [c for c in spec.required if not row.get(c)]
        if missing:
            raise InputError("request", f"missing {', '.join(missing)}", line=number)
    parsed = read_exposure_rows(
        "shipments", iter(rows), path="request", checksum=_body_checksum("shipments", items)
    )
    parties = _resolve(store, parsed, index=index, threshold=None, progress=None)
    batch = _batch(store, parsed, parties, "api", "request")
    orgs = reader_scope(principal)
    view = cached_view(store, extra_parties=parties.values(), orgs=orgs)
    return list(
        trace_shipments(
            view,
            batch.shipments,
            max_paths=max_paths,
            may_see_confidential=may_see_confidential(principal),
            orgs=orgs,
            store=store,
        )
    )


def party_exposure(
    store: Store,
    party: str,
    day: date | None = None,
    principal: Principal | None = None,
    *,
    max_paths: int = 3,
) -> dict[str, object]:
    """Every path by which a party (a `party:` id or a listed entity's key) is exposed on `day`.

    An importer may ask only about parties its own or shared records name.
    """
    orgs = reader_scope(principal)
    confidential = may_see_confidential(principal)
    view = cached_view(store, orgs=orgs)
    node, seen_by_reader = visible_party_node(store, view, party, orgs)
    paths = view.engine.exposure(node, day, max_paths=max_paths)
    return {
        "party": party,
        "node": node,
        "name": view.names.get(node, node),
        "day": _day(day),
        "exposed": bool(paths),
        "paths": [path_json(p, view, may_see_confidential=confidential, orgs=orgs) for p in paths],
        "downstream": sorted(
            n for n in view.engine.downstream(node) if seen_by_reader is None or n in seen_by_reader
        ),
    }


def visible_party_node(
    store: Store, view: ExposureView, party: str, orgs: OrgScope
) -> tuple[str, frozenset[str] | None]:
    """The engine node of a party (a `party:` id or a listed key) that the reader may look up, and every
    node it may see (None: all); a party it may not see is "not found", like one that does not exist."""
    if party in view.parties:
        node = view.nodes[party]
    elif party in view.names:
        node = party
    else:
        raise NotFoundError(f"no party or resolved entity {party!r} in the exposure data")
    seen_by_reader = None if orgs is None else visible_nodes(store, view, orgs)
    if seen_by_reader is not None and node not in seen_by_reader:
        raise NotFoundError(f"no party or resolved entity {party!r} in the exposure data")
    return node, seen_by_reader


def visible_nodes(store: Store, view: ExposureView, orgs: frozenset[str]) -> frozenset[str]:
    """The engine nodes a reader limited to `orgs` may look up: those its visible records name.

    Read once per store generation and scope, with the scope's cached engine: the query runs over every
    record table, and an importer's every trace and page needs it."""

    def compute(store: Store, cached: ExposureView) -> frozenset[str]:
        party_ids = ExposureStore(store).party_ids_of(orgs | {SHARED})
        return frozenset(cached.nodes.get(pid, pid) for pid in party_ids)

    return per_generation(store, "visible_nodes", compute, orgs)


def list_evidence(store: Store, principal: Principal | None = None) -> list[dict[str, object]]:
    """Stored labour evidence, subjects by party id or facility id, sources as a path shows them.

    An importer sees shared evidence and its own organisation's."""
    orgs = reader_scope(principal)
    confidential = may_see_confidential(principal)
    exposure = ExposureStore(store)
    hidden = _hidden_ids(exposure, "evidence", orgs)
    names = {p.id: p.name for p in exposure.parties()}
    names.update({f.id: f.name for f in exposure.facilities()})
    return [
        {
            "id": e.id,
            "subject": e.subject,
            "subject_name": names.get(e.subject, e.subject),
            "period": _period_json(e.period),
            "statement": e.statement
            if not e.source.confidential or confidential
            else "(withheld: confidential source)",
            "workers": e.workers,
            "source": source_json(e.source, may_see_confidential=confidential),
        }
        for e in exposure.evidence()
        if e.id not in hidden
    ]


def _hidden_ids(exposure: ExposureStore, kind: str, orgs: OrgScope) -> set[str]:
    if orgs is None:
        return set()
    return {rid for rid, org in exposure.record_orgs()[kind].items() if not sees_record(org, orgs)}


def list_relations(store: Store, principal: Principal | None = None) -> list[dict[str, object]]:
    """Stored supply relations with their parties' names and sources (shared and the reader's own)."""
    orgs = reader_scope(principal)
    confidential = may_see_confidential(principal)
    exposure = ExposureStore(store)
    hidden = _hidden_ids(exposure, "relations", orgs)
    names = {p.id: p.name for p in exposure.parties()}
    return [
        {
            "id": r.id,
            "supplier": r.supplier,
            "supplier_name": names.get(r.supplier, r.supplier),
            "buyer": r.buyer,
            "buyer_name": names.get(r.buyer, r.buyer),
            "tier": r.tier,
            "goods": r.goods,
            "hs_prefixes": list(r.hs_prefixes),
            "period": _period_json(r.period),
            "source": source_json(r.source, may_see_confidential=confidential),
        }
        for r in exposure.supply()
        if r.id not in hidden
    ]
