"""Use-cases: each composes the store, the list formats and the pure core. Interfaces call only these."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.batch.inputs import IDENTIFIER_COLUMNS, read_rows
from accomplice.batch.local import map_ordered
from accomplice.errors import InputError, NotFoundError, TooLongError
from accomplice.lists.model import ImportReport, ListDiff, ListInfo, ProgressFn, StatementView, VersionInfo
from accomplice.matching import CandidateIndex, Match, QueryEntity, Screener, indexed_entity, query_entity
from accomplice.matching.decisions import (
    JUDGEMENTS,
    Decision,
    apply_decisions,
    dismissed,
    latest_decisions,
    query_fingerprint,
    require_reason,
    without_dismissed,
)
from accomplice.matching.resolve import cluster_entities, merge_clusters
from accomplice.services.auth import ANONYMOUS, AuthError, ForbiddenError, Permission, Principal
from accomplice.settings import get_settings
from accomplice.sources import get_format
from accomplice.store import EntityRow, Store, index_files, write_problem
from accomplice.store.audit import AuditEntry
from accomplice.store.index_files import IndexManifest
from accomplice.store.store import ENTITY_ID_PROP

__all__ = [
    "MAX_KEY_CHARS",
    "MAX_QUERY_CHARS",
    "POST_IMPORT_HOOKS",
    "SHARED_CATALOGUE",
    "EntityDetail",
    "ListOverview",
    "LookupHit",
    "Readiness",
    "SharedListFile",
    "birth_date_warning",
    "check_query_length",
    "clean_query",
    "diff_list",
    "entity_detail",
    "entity_json",
    "export_entities",
    "filter_diff_by_program",
    "list_infos",
    "list_overview",
    "list_overviews",
    "list_versions",
    "load_list",
    "load_shared",
    "lookup",
    "lookup_hits",
    "readiness",
    "screen_query",
    "search_key",
]


# Called with the store and the reports of an import after new list versions have landed (only when at
# least one version is new). Use-case modules register here (services.monitor re-screens watchlists), so
# that the store knows nothing of them and `load_list` callers need not remember to call them.
PostImportHook = Callable[[Store, Sequence[ImportReport]], object]
POST_IMPORT_HOOKS: list[PostImportHook] = []


def _after_import(store: Store, reports: Sequence[ImportReport]) -> None:
    if any(not r.unchanged for r in reports):
        for hook in POST_IMPORT_HOOKS:
            hook(store, reports)


def load_list(
    store: Store,
    format_name: str,
    path: Path,
    *,
    list_name: str | None = None,
    label: str | None = None,
    data_date: str | None = None,
    mapping: Path | None = None,
    progress: ProgressFn | None = None,
    skip_known: bool = False,
) -> ImportReport:
    """Parse `path` with the named format and store it as a new version (or do nothing if unchanged).

    With `skip_known`, files already stored as any version of the list (not only the latest) are skipped:
    loading a catalogue of old and new versions again must not append the old one as newest. A new version
    runs the POST_IMPORT_HOOKS (watchlist re-screening) once it is stored.
    """
    report = _import_list(
        store,
        format_name,
        path,
        list_name=list_name,
        label=label,
        data_date=data_date,
        mapping=mapping,
        progress=progress,
        skip_known=skip_known,
    )
    _after_import(store, [report])
    return report


def _import_list(
    store: Store,
    format_name: str,
    path: Path,
    *,
    list_name: str | None,
    label: str | None,
    data_date: str | None,
    mapping: Path | None,
    progress: ProgressFn | None,
    skip_known: bool,
) -> ImportReport:
    fmt = get_format(format_name, mapping=mapping)
    plan = fmt.plan(path, list_name=list_name)
    if store.latest_checksum(plan.spec.name) == plan.checksum:
        latest = store.version(plan.spec.name)
        return ImportReport(plan.spec.name, latest, True, 0, 0, 0, latest.warnings, 0.0)
    if skip_known:
        for known in store.versions(plan.spec.name):
            if known.checksum == plan.checksum:
                return ImportReport(plan.spec.name, known, True, 0, 0, 0, known.warnings, 0.0)
    spec_name = plan.spec.name

    def previous(keys: Sequence[str], prop: str) -> dict[str, set[str]]:
        return store.current_values(spec_name, keys, prop)

    parsed = fmt.parse(plan, progress, previous)
    if not parsed.records:
        raise InputError(str(path), f"holds no {format_name} entities")
    return store.import_version(
        plan.spec,
        parsed.records,
        components=plan.components,
        files=plan.files,
        checksum=plan.checksum,
        label=label or parsed.label,
        data_date=data_date or parsed.data_date,
        warnings=parsed.warnings,
        progress=progress,
    )


@dataclass(frozen=True, slots=True)
class SharedListFile:
    """One real list file of the shared data folder, in the order `make run` loads them."""

    format: str
    path: str  # relative to shared/data/raw
    list_name: str | None = None
    data_date: str | None = None
    mapping: str | None = None  # name of a mapping shipped in accomplice/sources/mappings


# Older versions first, so that each list's latest version is its newest data and diffs read forward.
SHARED_CATALOGUE: tuple[SharedListFile, ...] = (
    SharedListFile("ofac", "ofac/2023-12-28", data_date="2023-12-28"),
    SharedListFile("ofac", "ofac/2024-05-03/sdn.csv", data_date="2024-05-03"),
    SharedListFile("ofac", "ofac/consolidated_non_sdn_2025-12", data_date="2025-12"),
    SharedListFile("un", "un/un_consolidated_2026-02-27.xml"),
    SharedListFile("eu", "eu/eu_journal_consolidated_32017R1509.csv"),
    SharedListFile("eu", "eu/eu_journal_consolidated_32014R0269.csv"),
    SharedListFile("eu", "eu/eu_journal_consolidated_32014R0833.csv"),
    SharedListFile("uk", "uk/hmt_conlist_2014-04-02.csv"),
    SharedListFile("uk", "uk/hmt_conlist_2018-04-13.csv"),
    SharedListFile(
        "ftm", "opensanctions/ftm_samples/yente_fixture_t1_entities.ftm.json", list_name="os_sample"
    ),
    SharedListFile(
        "csv",
        "opensanctions/ftm_samples/ua_war_sanctions_targets.simple.csv",
        mapping="opensanctions_targets_simple.yml",
    ),
    SharedListFile(
        "csv", "opensanctions/source_tables/cn_countersanctions.csv", mapping="cn_countersanctions.yml"
    ),
    SharedListFile(
        "csv",
        "opensanctions/source_tables/us_dod_1260h_chinese_military_companies.csv",
        mapping="us_dod_1260h.yml",
    ),
    SharedListFile("csv", "opensanctions/source_tables/us_state_inksna.csv", mapping="us_state_inksna.yml"),
    SharedListFile("csv", "opensanctions/source_tables/us_bis_mieu.csv", mapping="us_bis_mieu.yml"),
)


def load_shared(
    store: Store,
    raw_dir: Path,
    *,
    catalogue: Sequence[SharedListFile] = SHARED_CATALOGUE,
    progress: ProgressFn | None = None,
) -> list[ImportReport]:
    """Load every list of the shared data folder that is present; a missing folder is an error."""
    if not raw_dir.is_dir():
        raise NotFoundError(
            f"{raw_dir}: shared data folder not found (set ACCOMPLICE_SHARED or use --download)"
        )
    reports = []
    for item in catalogue:
        path = raw_dir / item.path
        if not path.exists():
            continue
        mapping = None
        if item.mapping:
            from accomplice.sources.mapping import shipped_mapping

            mapping = shipped_mapping(item.mapping)
        reports.append(
            _import_list(
                store,
                item.format,
                path,
                list_name=item.list_name,
                label=None,
                data_date=item.data_date,
                mapping=mapping,
                progress=progress,
                skip_known=True,
            )
        )
    # Once for the whole catalogue: watchlists are re-screened against all the new versions together.
    _after_import(store, reports)
    return reports


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the store answers a real query, for load balancers and `make run` checks."""

    ready: bool
    backend: str
    lists: int
    detail: str | None = None


def readiness(store: Store) -> Readiness:
    """Ask the store for its lists; any database error means not ready (reported, never raised)."""
    try:
        count = len(store.lists())
        read_only = write_problem(store.engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return Readiness(False, store.backend, 0, f"store unavailable: {reason}")
    if read_only:
        # Reads still answer, but logins, tokens, decisions and imports would all fail.
        return Readiness(False, store.backend, count, f"store takes no writes: {read_only}")
    return Readiness(True, store.backend, count)


def list_infos(store: Store) -> list[ListInfo]:
    return store.lists()


# List names, keys and version references come from URLs. A NUL cannot be stored in PostgreSQL text and
# no real key is longer than the column that holds it, so such input is "not found" before any query.
MAX_KEY_CHARS = 255


def _plausible_ref(text: str) -> bool:
    return 0 < len(text) <= MAX_KEY_CHARS and "\x00" not in text


def list_versions(store: Store, list_name: str) -> list[VersionInfo]:
    versions = store.versions(list_name) if _plausible_ref(list_name) else []
    if not versions:
        raise NotFoundError(f"no list named {list_name!r}; see `accomplice lists`")
    return versions


@dataclass(frozen=True, slots=True)
class ListOverview:
    """A list with every one of its versions, oldest first."""

    info: ListInfo
    versions: tuple[VersionInfo, ...]


def list_overviews(store: Store) -> list[ListOverview]:
    return [ListOverview(info, tuple(store.versions(info.name))) for info in store.lists()]


def list_overview(store: Store, list_name: str) -> ListOverview:
    versions = list_versions(store, list_name)
    info = next(i for i in store.lists() if i.name == list_name)
    return ListOverview(info, tuple(versions))


# A diff of two OFAC versions reads the statements of every entity that changed (some 30,000 rows, a few
# hundred milliseconds), too slow to repeat on every page view. Versions are immutable once
# imported, so a diff between two of them changes only when the list gets a new version (captions come
# from the latest one): the key holds the latest version's checksum and import time, and a small LRU keeps
# the diffs that analysts open again and again (the two latest versions of each list).
DIFF_CACHE_SIZE = 32
_diff_cache: OrderedDict[tuple[str, ...], ListDiff] = OrderedDict()
_diff_cache_lock = threading.Lock()


def diff_list(store: Store, list_name: str, old: str | None = None, new: str | None = None) -> ListDiff:
    versions = list_versions(store, list_name)
    for ref in (old, new):
        if ref is not None and not _plausible_ref(ref):
            raise NotFoundError(f"list {list_name!r} has no version {ref[:80]!r}")
    new_version = store.version(list_name, new)
    old_version = store.version(list_name, old) if old is not None else None
    latest = versions[-1]
    cache_key = (
        store.url,
        list_name,
        str(old_version.seq if old_version else ""),
        str(new_version.seq),
        str(latest.seq),
        latest.checksum,
        latest.imported_at.isoformat(),
    )
    with _diff_cache_lock:
        cached = _diff_cache.get(cache_key)
        if cached is not None:
            _diff_cache.move_to_end(cache_key)
            return cached
    result = store.diff(list_name, old_version.seq if old_version else None, new_version.seq)
    with _diff_cache_lock:
        _diff_cache[cache_key] = result
        while len(_diff_cache) > DIFF_CACHE_SIZE:
            _diff_cache.popitem(last=False)
    return result


# An entity page shows at most this many relations (OFAC's most linked entries have a few hundred);
# the rest are counted, not fetched, so that one hub entity cannot make a page slow.
MAX_RELATIONS = 500


@dataclass(frozen=True, slots=True)
class EntityDetail:
    """Everything the store knows about one entity, values grouped by property with their provenance.

    `relations` are the relation entities (links, ownerships...) that point at this entity, each with
    its current statements; `referents` are the entities that this entity's values or its relations'
    values point at, so that interfaces can name and link them without asking again.
    """

    entity: EntityRow
    statements: tuple[StatementView, ...]
    relations: tuple[tuple[EntityRow, tuple[StatementView, ...]], ...]
    referents: dict[str, EntityRow] = field(default_factory=dict)
    more_relations: int = 0

    def values(self, prop: str, *, current_only: bool = True) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.statements:
            if s.prop == prop and (s.is_current or not current_only):
                seen.setdefault(s.value, None)
        return list(seen)

    def by_prop(self) -> dict[str, list[StatementView]]:
        grouped: dict[str, list[StatementView]] = defaultdict(list)
        for s in self.statements:
            if s.prop != ENTITY_ID_PROP:
                grouped[s.prop].append(s)
        return dict(grouped)

    def presence(self) -> list[StatementView]:
        """The statements saying which list versions listed this entity (one per list)."""
        return [s for s in self.statements if s.prop == ENTITY_ID_PROP]


def entity_detail(store: Store, key: str) -> EntityDetail:
    """The entity, its statements, the relations pointing at it and the entities they name.

    One read of the store with a fixed number of queries however many relations the entity has, so that
    the API answers in milliseconds on every backend.
    """
    bundle = store.entity_with_relations(key, MAX_RELATIONS) if _plausible_ref(key) else None
    if bundle is None:
        raise NotFoundError(f"no entity with key {key[:MAX_KEY_CHARS]!r}")
    return EntityDetail(
        bundle.entity,
        tuple(bundle.statements),
        tuple((row, tuple(items)) for row, items in bundle.relations),
        bundle.referents,
        bundle.more_relations,
    )


def _statement_json(s: StatementView) -> dict[str, object]:
    return {
        "prop": s.prop,
        "value": s.value,
        "original_value": s.original_value,
        "lang": s.lang,
        "list": s.list_name,
        "component": s.component,
        "first_seen": {"seq": s.first_seq, "label": s.first_seen},
        "last_seen": {"seq": s.last_seq, "label": s.last_seen},
        "current": s.is_current,
    }


def _entity_ref_json(row: EntityRow) -> dict[str, object]:
    return {"key": row.key, "schema": row.schema, "caption": row.caption, "listed": row.is_current}


def entity_json(detail: EntityDetail) -> dict[str, object]:
    """An entity with every statement and its provenance, as the CLI's --json and the API return it."""
    row = detail.entity
    relations = []
    for rel, statements in detail.relations:
        props: dict[str, list[str]] = {}
        presence = None
        for s in statements:
            if s.prop == ENTITY_ID_PROP:
                presence = presence or s
                continue
            values = props.setdefault(s.prop, [])
            if s.value not in values:
                values.append(s.value)
        relations.append(
            {
                **_entity_ref_json(rel),
                "properties": props,
                "list": presence.list_name if presence else None,
                "first_seen": {"seq": presence.first_seq, "label": presence.first_seen} if presence else None,
                "last_seen": {"seq": presence.last_seq, "label": presence.last_seen} if presence else None,
            }
        )
    return {
        "key": row.key,
        "schema": row.schema,
        "caption": row.caption,
        "listed": row.is_current,
        "lists": list(row.lists),
        "listings": [
            {
                "list": s.list_name,
                "first_seen": {"seq": s.first_seq, "label": s.first_seen},
                "last_seen": {"seq": s.last_seq, "label": s.last_seen},
                "current": s.is_current,
            }
            for s in detail.presence()
        ],
        "properties": {prop: [_statement_json(s) for s in items] for prop, items in detail.by_prop().items()},
        "relations": relations,
        "more_relations": detail.more_relations,
        "referents": {key: _entity_ref_json(ref) for key, ref in detail.referents.items()},
    }


def filter_diff_by_program(store: Store, diff: ListDiff, program: str) -> ListDiff:
    """Keep only entities that carry a program containing `program` (e.g. DPRK) in either version."""
    keys = [c.key for c in (*diff.added, *diff.removed, *diff.changed)]
    programs = store.values_of(keys, "programId")
    wanted = program.upper()

    def keep(key: str) -> bool:
        return any(wanted in p.upper() for p in programs.get(key, ()))

    return ListDiff(
        diff.list_name,
        diff.old,
        diff.new,
        tuple(c for c in diff.added if keep(c.key)),
        tuple(c for c in diff.removed if keep(c.key)),
        tuple(c for c in diff.changed if keep(c.key)),
        diff.carried_components,
    )


_KEYISH = re.compile(r"^[a-z_]+:\S+$")
# The longest OFAC name or alias is 196 characters; a query over 500 is not a name, and refusing it keeps
# a pasted document from turning into a slow scan.
MAX_QUERY_CHARS = 500


def check_query_length(text: str, field: str = "query", subject: str = "The name") -> None:
    """Refuse a text over MAX_QUERY_CHARS with a sentence saying what is too long, by how much."""
    if len(text) > MAX_QUERY_CHARS:
        raise TooLongError(field, subject, len(text), MAX_QUERY_CHARS)


def clean_query(text: str) -> str:
    """Drop control characters (NUL, pasted line breaks) that no stored name contains, and trim."""
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).split())


@dataclass(frozen=True, slots=True)
class LookupHit:
    """An entity a plain lookup found, with the names that contain the query: why it was found."""

    entity: EntityRow
    matched: tuple[tuple[str, str], ...]  # (property, name)


def lookup_hits(store: Store, text: str, limit: int = 20) -> list[LookupHit]:
    """`lookup`, with the listed names that matched each entity."""
    rows = lookup(store, text, limit)
    matched = store.matching_names([r.key for r in rows], clean_query(text)) if rows else {}
    return [LookupHit(row, tuple(matched.get(row.key, ()))) for row in rows]


def lookup(store: Store, text: str, limit: int = 20) -> list[EntityRow]:
    """A plain name lookup (substring, case-insensitive); a key finds its entity directly."""
    text = clean_query(text)
    if not text:
        return []
    check_query_length(text)
    if _KEYISH.match(text):
        row = store.entity(text)
        if row is not None:
            return [row]
    return store.lookup_names(text, limit=limit)


def _ftm_entities(store: Store) -> Iterator[dict[str, object]]:
    current: dict[str, object] | None = None
    props: dict[str, list[str]] = {}
    datasets: set[str] = set()
    for s in store.iter_current_statements():
        if current is None or current["id"] != s.entity_key:
            if current is not None:
                current["properties"] = props
                current["datasets"] = sorted(datasets)
                yield current
            current = {"id": s.entity_key, "schema": s.schema}
            props, datasets = {}, set()
        datasets.add(s.list_name)
        if s.prop == ENTITY_ID_PROP:
            current["schema"] = s.schema
            current["caption"] = s.original_value or s.entity_key
            continue
        values = props.setdefault(s.prop, [])
        if s.value not in values:
            values.append(s.value)
    if current is not None:
        current["properties"] = props
        current["datasets"] = sorted(datasets)
        yield current


CSV_EXPORT_COLUMNS = (
    ("id", None),
    ("schema", None),
    ("caption", None),
    ("lists", None),
    ("names", ("name",)),
    ("aliases", ("alias", "weakAlias", "previousName")),
    ("birth_dates", ("birthDate", "incorporationDate")),
    ("countries", ("nationality", "citizenship", "country", "jurisdiction", "flag")),
    ("programs", ("programId",)),
    (
        "identifiers",
        ("imoNumber", "swiftBic", "passportNumber", "idNumber", "registrationNumber", "taxNumber"),
    ),
    ("addresses", ("address",)),
)


def export_entities(store: Store, fmt: str, out: IO[str]) -> int:
    """Write every current entity as FtM JSON lines or as one CSV row each; returns the count."""
    count = 0
    if fmt == "ftm":
        for entity in _ftm_entities(store):
            out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}; use ftm or csv")
    writer = formula_safe_writer(out)
    writer.writerow([name for name, _ in CSV_EXPORT_COLUMNS])
    for entity in _ftm_entities(store):
        props = entity["properties"]
        assert isinstance(props, dict)
        row = []
        for name, sources in CSV_EXPORT_COLUMNS:
            if sources is None:
                value = entity.get({"lists": "datasets"}.get(name, name), "")
                row.append(";".join(value) if isinstance(value, list) else str(value))
            else:
                row.append(";".join(v for p in sources for v in props.get(p, [])))
        writer.writerow(row)
        count += 1
    return count


def export_text(store: Store, fmt: str) -> str:
    buffer = io.StringIO()
    export_entities(store, fmt, buffer)
    return buffer.getvalue()


log = logging.getLogger(__name__)

# --- screening -----------------------------------------------------------------------------------------

# The schemas a screening query can hit; relations (Ownership, UnknownLink) and documents are not targets.
TARGET_SCHEMAS = ("Person", "Organization", "Company", "LegalEntity", "PublicBody", "Vessel", "Airplane")


@dataclass(slots=True)
class ScreeningIndex:
    """The index over a store's current entities, tagged with the store generation it reflects."""

    screener: Screener
    generation: str
    entities: int
    build_seconds: float
    # The decisions screening applies, newest per (query, entity) pair, all of one organisation: the
    # enforcement side's shared ones ("") in the cached index; `with_decisions` lays another over it.
    decisions: dict[tuple[str, str], Decision]
    # Whose decisions `decisions` holds ("" = shared; None = none applied), so that a decision is added to
    # the dict only when it is of the same organisation.
    decisions_org: str | None = ""
    # Store.decisions_mark() when `decisions` were read ("" until then: the first check reads them again).
    decisions_mark: str = ""
    # The folder of the persisted index this one maps (None: built in memory only).
    location: Path | None = None

    def entity_fingerprints(self, keys: Iterable[str]) -> dict[str, str]:
        index = self.screener.index
        return {k: e.fingerprint for k in keys if (e := index.get(k)) is not None}


def _candidate_index(store: Store, progress: ProgressFn | None) -> CandidateIndex:
    """Analyse every current target entity's names, group each real-world entity's list entries, and
    index them: the expensive part (tens of seconds over every list)."""
    index = CandidateIndex()
    total = store.count_current_entities(TARGET_SCHEMAS)
    indexed = []
    for done, (row, props) in enumerate(store.iter_current_properties(TARGET_SCHEMAS), start=1):
        indexed.append(indexed_entity(row.key, row.schema, row.caption, props, row.lists))
        if progress and done % 2_000 == 0:
            progress("indexing names", done, total)
    for entity, keys in zip(indexed, cluster_entities(indexed), strict=True):
        entity.keys = keys
    for entity in merge_clusters(indexed):
        index.add(entity)
    index.freeze()
    if progress:
        progress("indexing names", total, total)
    return index


def _screening_index_of(
    store: Store, index: CandidateIndex, generation: str, seconds: float, location: Path | None = None
) -> ScreeningIndex:
    mark = store.decisions_mark()  # before reading them: a decision added meanwhile is read again later
    return ScreeningIndex(
        Screener(index),
        generation,
        len(index),
        seconds,
        latest_decisions(store.decisions(org="")),
        "",
        mark,
        location,
    )


def build_screening_index(store: Store, *, progress: ProgressFn | None = None) -> ScreeningIndex:
    """Read every current target entity and build the candidate index in memory (not persisted)."""
    started = time.perf_counter()
    generation = store.generation()
    index = _candidate_index(store, progress)
    return _screening_index_of(store, index, generation, time.perf_counter() - started)


def screening_index_dir(store: Store) -> Path | None:
    """Where `store`'s persisted screening index lives: beside an SQLite file (`<db>.index/`), or for
    another database (PostgreSQL) in a folder named after its URL under the settings' index folder
    (ACCOMPLICE_INDEX_DIR, default `<data dir>/index`). None for an in-memory database."""
    path = store.file_path
    if path is not None:
        return path.with_name(f"{path.name}.index")
    if store.backend == "sqlite":
        return None
    base = get_settings().index_dir
    if base is None:
        return None
    return base / hashlib.sha256(store.url.encode()).hexdigest()[:INDEX_DIR_HASH_CHARS]


# Characters of the URL's hash that name a database's index folder: enough that two URLs never share one.
INDEX_DIR_HASH_CHARS = 16


@lru_cache(maxsize=1)
def _analysis() -> str:
    return index_files.analysis_fingerprint()


def _open_persisted(
    directory: Path, versions: str, *, quiet: bool = False
) -> tuple[CandidateIndex, IndexManifest] | None:
    """The persisted index if it is there and current; a stale or damaged one is reported in one line."""
    try:
        return index_files.open_index(directory, versions, _analysis())
    except index_files.IndexFileError as exc:
        if not quiet:
            log.warning("screening index: %s; rebuilding it", exc)
    return None


def load_screening_index(
    store: Store, *, progress: ProgressFn | None = None, rebuild: bool = False
) -> ScreeningIndex:
    """The persisted screening index of `store`, mapped from its files (milliseconds); built and saved
    first when it is missing, stale (other list versions, other matching code) or damaged, or `rebuild`.

    Processes building at once build it once: the others wait for the lock and open what it wrote.
    A store without a place for files (in-memory SQLite) gets an index built in memory.
    """
    directory = screening_index_dir(store)
    if directory is None:
        return build_screening_index(store, progress=progress)
    generation = store.generation()
    # Read before the entities are: a list loaded meanwhile makes the index stale, never wrongly current.
    versions = store.versions_fingerprint()
    opened = None if rebuild else _open_persisted(directory, versions)
    if opened is None:
        with index_files.build_lock(directory):
            # Another process may have built it while this one waited (already reported if not).
            opened = None if rebuild else _open_persisted(directory, versions, quiet=True)
            if opened is None:
                return _build_and_save(store, directory, generation, versions, progress)
    index, manifest = opened
    return _screening_index_of(store, index, generation, manifest.build_seconds, directory)


@dataclass(frozen=True, slots=True)
class IndexBuildReport:
    location: Path | None  # None: the store has no place for index files (in-memory database)
    entities: int
    keys: int
    seconds: float
    bytes: int  # size of the index files


def rebuild_screening_index(store: Store, *, progress: ProgressFn | None = None) -> IndexBuildReport:
    """Build the store's persisted screening index anew (`accomplice index build`) and make this
    process use it."""
    started = time.perf_counter()
    with _INDEX_LOCK:
        index = load_screening_index(store, progress=progress, rebuild=True)
        _INDEX_CACHE[store.url] = index
        _CHECKED.pop(store.url, None)
    size = index_files.index_size(index.location) if index.location is not None else 0
    return IndexBuildReport(
        index.location,
        index.entities,
        index.screener.index.key_count,
        time.perf_counter() - started,
        size,
    )


def refresh_screening_index(store: Store, *, progress: ProgressFn | None = None) -> ScreeningIndex:
    """The store's screening index, rebuilt now if a list changed since it was built: what `load` calls
    after an import, so that the next `screen`, `trace` or server start opens it in milliseconds."""
    return screening_index(store, progress=progress)


def _build_and_save(
    store: Store, directory: Path, generation: str, versions: str, progress: ProgressFn | None
) -> ScreeningIndex:
    started = time.perf_counter()
    built = _candidate_index(store, progress)
    seconds = time.perf_counter() - started
    try:
        if progress:
            progress("saving screening index", 0, 1)
        index_files.save_index(
            directory, built, versions=versions, analysis=_analysis(), build_seconds=seconds
        )
        if progress:
            progress("saving screening index", 1, 1)
        opened = index_files.open_index(directory, versions, _analysis())
    except (OSError, index_files.IndexFileError) as exc:
        # A read-only or full disk costs the next process a build, not this one its answers.
        log.warning("screening index: not saved to %s (%s); using it from memory", directory, exc)
        return _screening_index_of(store, built, generation, seconds)
    assert opened is not None  # just written
    # The mapped copy, not the one analysed here: its pages are shared with every other process.
    return _screening_index_of(store, opened[0], generation, seconds, directory)


def with_decisions(
    store: Store,
    index: ScreeningIndex,
    org: str | None,
    *,
    fresh: bool = False,
    query_fingerprint: str | None = None,
) -> ScreeningIndex:
    """The shared index with the decisions of `org` as the ones screening applies (see
    Principal.decision_org: "" = the enforcement side's shared decisions, None = none at all).

    The index itself (seconds to build) stays shared; only the decisions differ per call. The cached
    index already holds the shared decisions: it is returned as it is unless `fresh` asks for a private
    copy read from the store now (a job, which must not see the dict change under its feet). A caller
    that screens one name passes its `query_fingerprint`, and only that name's decisions are read (an
    organisation's thousands of decisions cost ~60 ms to read per search; one name's, one indexed lookup).
    """
    if org is None:
        return replace(index, decisions={}, decisions_org=None)
    if org == index.decisions_org and not fresh:
        return index
    found = store.decisions(org=org, query_fingerprint=query_fingerprint)
    return replace(index, decisions=latest_decisions(found), decisions_org=org)


_COUNTRY_CODE = re.compile(r"^[a-z]{2}$")


@lru_cache(maxsize=4096)
def _country_code(text: str) -> str | None:
    """A country code for what a user typed ("kp", "North Korea", "DPRK"); cached, fuzzy lookups are slow."""
    from followthemoney.types import registry

    lowered = text.lower()
    return lowered if _COUNTRY_CODE.match(lowered) else registry.country.clean(text, fuzzy=True)


def _countries(values: Sequence[str]) -> list[str]:
    codes = []
    for value in values:
        for part in re.split(r"[;,/|]", value):
            part = part.strip()
            if part and (code := _country_code(part)):
                codes.append(code)
    return codes


def _dates(values: Sequence[str]) -> list[str]:
    from followthemoney.types import registry

    return [d for v in values if v and (d := registry.date.clean(v.strip())) is not None]


# A date of birth is echoed in its warning up to this length: enough to recognise it, not a pasted document.
SHOWN_DATE_CHARS = 40


def birth_date_warning(value: str | None, what: str = "date of birth") -> str | None:
    """Why a date of birth given with a name is left out of its screening (None when it is read): the name
    is still screened, by name alone, and the user is told so rather than left to believe the date counted."""
    if value is None or not value.strip() or _dates([value]):
        return None
    shown = value.strip()[:SHOWN_DATE_CHARS]
    return f"{what} {shown!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY); screened without it"


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    """One row to screen, as the CLI reads it from CSV/XLSX/JSONL and the API from JSON."""

    id: str
    name: str
    schema: str | None = None
    birth_date: str | None = None
    nationality: str | None = None
    imo: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()

    @property
    def fingerprint(self) -> str:
        return query_fingerprint(
            self.name, schema=self.schema, birth_date=self.birth_date, nationality=self.nationality
        )


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    id: str
    name: str
    matches: tuple[Match, ...]
    error: str | None = None


SCHEMA_NAMES = {s.lower(): s for s in TARGET_SCHEMAS}


def record_from_row(row: dict[str, str]) -> ScreeningRecord:
    """A screening record from an input row (columns as batch.inputs reads them)."""
    schema = row.get("schema") or None
    if schema is not None:
        schema = SCHEMA_NAMES.get(schema.lower().replace(" ", ""), schema)
    identifiers = tuple(
        (IDENTIFIER_KINDS.get(column, column), value)
        for column in IDENTIFIER_COLUMNS
        if (value := row.get(column, ""))
    )
    return ScreeningRecord(
        id=row.get("id", ""),
        name=row.get("name", ""),
        schema=schema,
        birth_date=row.get("birth_date") or None,
        nationality=row.get("nationality") or None,
        imo=row.get("imo") or None,
        identifiers=identifiers,
    )


IDENTIFIER_KINDS = {"swift": "bic", "id_number": "id"}


def to_query(record: ScreeningRecord) -> QueryEntity:
    identifiers = list(record.identifiers)
    if record.imo:
        identifiers.append(("imo", record.imo))
    return query_entity(
        record.id,
        [n for n in re.split(r"\s*[|]\s*", record.name) if n] if record.name else [],
        schema=record.schema or None,
        birth_dates=_dates([record.birth_date] if record.birth_date else []),
        countries=_countries([record.nationality] if record.nationality else []),
        identifiers=identifiers,
    )


def screen_record(
    index: ScreeningIndex,
    record: ScreeningRecord,
    *,
    threshold: float | None = None,
    limit: int = 10,
    hide_decided: bool = False,
) -> list[Match]:
    """Screen one record; analysts' decisions on earlier screenings of the same person override scores.

    A match decided not a match is kept, marked with its decision, after the others; `hide_decided`
    leaves such matches out."""
    matches = screen_entity(index, to_query(record), record.fingerprint, threshold=threshold, limit=limit)
    return without_dismissed(matches) if hide_decided else matches


def screen_entity(
    index: ScreeningIndex,
    query: QueryEntity,
    fingerprint: str,
    *,
    threshold: float | None = None,
    limit: int = 10,
) -> list[Match]:
    """Screen a query built by the caller (several names, dates, identifiers); `fingerprint` says who was
    screened, so that analysts' decisions on the same person apply (see ScreeningRecord.fingerprint)."""
    matches = index.screener.screen(query, threshold=threshold, limit=limit)
    if not index.decisions:
        return matches
    decided = {
        key for (fp, key), d in index.decisions.items() if fp == fingerprint and d.judgement == "match"
    }
    extra = [index.screener.match_of(query, key) for key in decided if key not in {m.key for m in matches}]
    keys = {m.key for m in matches} | decided
    applied = apply_decisions(
        matches,
        fingerprint,
        index.decisions,
        index.entity_fingerprints(keys),
        [m for m in extra if m is not None],
    )
    # `limit` bounds the matches to review; the dismissed ones (at most the screener's `limit`) all stay,
    # so that a confirmed match brought back cannot push a decision's trace out of the results.
    return [*without_dismissed(applied)[:limit], *(m for m in applied if dismissed(m))]


def screen_name(
    index: ScreeningIndex,
    name: str,
    *,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
    imo: str | None = None,
    hide_decided: bool = False,
) -> list[Match]:
    """Screen a single name, with whatever evidence is known."""
    record = ScreeningRecord("1", name, schema, birth_date, nationality, imo)
    return screen_record(index, record, hide_decided=hide_decided)


def screen_records(
    index: ScreeningIndex,
    records: Iterable[ScreeningRecord],
    *,
    threshold: float | None = None,
    limit: int = 10,
    workers: int | None = 1,
    hide_decided: bool = False,
) -> Iterator[ScreeningResult]:
    """Screen many records, results in input order; `workers` > 1 uses that many processes."""

    def one(record: ScreeningRecord) -> ScreeningResult:
        if not record.name.strip():
            return ScreeningResult(record.id, record.name, (), "empty name")
        found = screen_record(index, record, threshold=threshold, limit=limit, hide_decided=hide_decided)
        return ScreeningResult(record.id, record.name, tuple(found))

    yield from map_ordered(one, records, workers=workers)


def decided_json(decision: Decision) -> dict[str, str]:
    """Who decided a pair, when and why: shown beside the match in every output."""
    return {
        "judgement": decision.judgement,
        "by": decision.user,
        "at": decision.created_at.isoformat(timespec="seconds"),
        "reason": decision.reason,
    }


def match_json(m: Match) -> dict[str, object]:
    """One match of the JSONL contract; `decision` (the judgement) and `decided` (who, when, why) only
    when an analyst's decision applies."""
    payload: dict[str, object] = {
        "key": m.key,
        "keys": list(m.keys),
        "score": m.score,
        "schema": m.schema,
        "caption": m.caption,
        "lists": list(m.lists),
        "explanation": m.explanation,
    }
    if m.decision:
        payload["decision"] = m.decision
    if m.decided is not None:
        payload["decided"] = decided_json(m.decided)
    return payload


def result_json(result: ScreeningResult) -> dict[str, object]:
    """The JSONL contract of `accomplice screen`: one object per input row, in input order."""
    payload: dict[str, object] = {"id": result.id, "matches": [match_json(m) for m in result.matches]}
    if result.error:
        payload["error"] = result.error
    return payload


def hide_decided_json(payload: dict[str, Any]) -> dict[str, Any]:
    """A result object (`result_json`) without the matches decided not a match: `--hide-decided`."""
    kept = [m for m in payload["matches"] if m.get("decision") != "no-match"]
    return {**payload, "matches": kept}


CSV_RESULT_COLUMNS = (
    "id",
    "name",
    "matches",
    "key",
    "keys",
    "score",
    "schema",
    "caption",
    "lists",
    "explanation",
    # The best match's decision, and how many of the row's matches were decided not a match: the CSV
    # keeps one match per row, and must not lose the trace of the others' decisions.
    "decision",
    "decided_by",
    "decided_at",
    "reason",
    "not_a_match",
)


def result_csv_row(result: ScreeningResult) -> list[str]:
    """The CSV form flattens the best match of each row."""
    return csv_row_of(result_json(result), result.name)


def csv_row_of(payload: dict[str, Any], name: str) -> list[str]:
    """The CSV row of a result object (`result_json`) screened for `name`: its best match, flattened."""
    matches = payload["matches"]
    best = matches[0] if matches else None
    if best is None:
        empty = ["", "", "", "", "", ""]  # key .. lists
        return [payload["id"], name, "0", *empty, payload.get("error") or "", "", "", "", "", "0"]
    decided = best.get("decided") or {}
    return [
        payload["id"],
        name,
        str(len(matches)),
        best["key"],
        ";".join(best["keys"]),
        f"{best['score']:.4f}",
        best["schema"],
        best["caption"],
        ";".join(best["lists"]),
        " | ".join(best["explanation"]),
        best.get("decision") or "",
        decided.get("by", ""),
        decided.get("at", ""),
        decided.get("reason", ""),
        str(sum(1 for m in matches if m.get("decision") == "no-match")),
    ]


@dataclass(frozen=True, slots=True)
class ScreenFileReport:
    rows: int
    rows_with_matches: int
    seconds: float
    # Matches found, and how many of them an analyst decided are not a match (written unless `hidden`).
    matches: int = 0
    decided_not_a_match: int = 0
    hidden: bool = False

    def summary(self) -> str:
        """What the CLI prints after a file: rows, speed, and matches apart from decided ones."""
        rate = self.rows / max(self.seconds, 1e-9)
        decided = f"{self.decided_not_a_match:,} of them decided not a match" + (
            " and left out (--hide-decided)" if self.hidden else ""
        )
        return (
            f"screened {self.rows:,} rows in {self.seconds:.1f}s ({rate:,.0f}/s); "
            f"{self.rows_with_matches:,} with matches; {self.matches:,} matches, {decided}"
        )


def screen_file(
    store: Store,
    source: str | Path,
    out: IO[str],
    *,
    fmt: str = "jsonl",
    threshold: float | None = None,
    limit: int = 10,
    workers: int | None = None,
    index: ScreeningIndex | None = None,
    progress: ProgressFn | None = None,
    encoding: str | None = None,
    warn: Callable[[str], None] | None = None,
    hide_decided: bool = False,
) -> ScreenFileReport:
    """Screen every row of a CSV/XLSX/JSONL file into JSONL or CSV, streaming, in input order.

    `encoding` names that of a text file that is neither UTF-8 nor UTF-16 with a byte-order mark.
    `warn` is told, naming file and line, of each row whose date of birth is not a date. Matches an
    analyst decided are not a match are written with their decision unless `hide_decided`; the report
    counts them either way.
    """
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown output format {fmt!r}; use jsonl or csv")
    rows = [(line, record_from_row(row)) for line, row in read_rows(source, encoding=encoding)]
    for line, record in rows:
        if warn is not None and (problem := birth_date_warning(record.birth_date, "birth_date")):
            warn(f"{source}:{line}: {problem}")
    started = time.perf_counter()
    index = index or screening_index(store, progress=progress)
    writer = formula_safe_writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_RESULT_COLUMNS)
    hits = found = decided = 0
    for done, result in enumerate(
        screen_records(index, (r for _, r in rows), threshold=threshold, limit=limit, workers=workers),
        start=1,
    ):
        hits += bool(result.matches)
        found += len(result.matches)
        decided += sum(1 for m in result.matches if dismissed(m))
        payload = result_json(result)
        if hide_decided:
            payload = hide_decided_json(payload)
        if writer is not None:
            writer.writerow(csv_row_of(payload, result.name))
        else:
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
        if progress and (done % 500 == 0 or done == len(rows)):
            progress("screening", done, len(rows))
    return ScreenFileReport(len(rows), hits, time.perf_counter() - started, found, decided, hide_decided)


def checked_reason(reason: str) -> str:
    """A decision's reason, trimmed; InputError when it is empty or blank (see `require_reason`). The
    interfaces check it before anything slow, and `decide` again for every caller."""
    try:
        return require_reason(reason)
    except ValueError as exc:
        raise InputError("reason", str(exc)) from None


def decide(
    store: Store,
    principal: Principal,
    *,
    name: str,
    entity_key: str,
    judgement: str,
    reason: str,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
    index: ScreeningIndex | None = None,
) -> Decision:
    """Record that screening `name` against `entity_key` is (or is not) a true match, and why: a
    decision without a reason (empty or blank) is refused with InputError.

    Needs the DECIDE permission; the decision names the principal's user, is its organisation's (an
    importer's) or the enforcement side's shared one (see Principal.decision_org), and is audited in the
    same transaction. `index` gets the decision only when it holds that organisation's decisions.
    """
    if not principal.is_authenticated or principal.user is None:
        raise AuthError("a decision needs the analyst who takes it: log in first")
    if not principal.can(Permission.DECIDE):
        raise ForbiddenError(f"{principal.user} may not record decisions (needs the 'decide' permission)")
    org = principal.decision_org
    if org is None:
        raise ForbiddenError(f"{principal.user} has no organisation to record decisions for")
    user = principal.user
    if judgement not in JUDGEMENTS:
        raise InputError("decision", f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}")
    reason = checked_reason(reason)
    index = index or screening_index(store)
    fingerprints = index.entity_fingerprints([entity_key])
    if entity_key not in fingerprints:
        raise NotFoundError(f"no listed entity with key {entity_key!r}")
    record = ScreeningRecord("decision", name, schema, birth_date, nationality)
    decision = Decision(
        query_fingerprint=record.fingerprint,
        query_text=name,
        entity_key=entity_key,
        judgement=judgement,
        reason=reason,
        user=user,
        # The fingerprint of the entity as screening sees it (all lists' copies together), so that a
        # change on any list asks the question again.
        entity_fingerprint=fingerprints[entity_key],
        created_at=datetime.now(UTC),
        org=org,
    )
    audit = AuditEntry(
        user,
        "decision.add",
        entity_key,
        {"query": name, "judgement": judgement, "reason": reason, "org": org},
    )
    store.add_decision(decision, audit)
    if index.decisions_org == org:
        index.decisions[(decision.query_fingerprint, entity_key)] = decision
    return decision


_INDEX_CACHE: dict[str, ScreeningIndex] = {}
# One build at a time: a server's first searches wait for the build under way instead of each starting one.
_INDEX_LOCK = threading.Lock()
# How long a process trusts its index without asking the store whether a list got a new version or an
# analyst decided in another process (another server process, the CLI). Asking on every request cost two
# store reads per /match; once a second, another process's import or decision applies within the second.
# This process's own imports and decisions apply at once (Store.local_writes).
FRESHNESS_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Checked:
    at: float  # time.monotonic()
    local_writes: int


_CHECKED: dict[str, _Checked] = {}


def screening_index(store: Store, *, progress: ProgressFn | None = None) -> ScreeningIndex:
    """The screening index for `store`, rebuilt only when a list got a new version since the last build;
    its analysts' decisions reloaded when a decision was added since (in any process)."""
    cached = _INDEX_CACHE.get(store.url)
    checked = _CHECKED.get(store.url)
    local_writes = store.local_writes()
    now = time.monotonic()
    if (
        cached is not None
        and checked is not None
        and checked.local_writes == local_writes
        and now - checked.at < FRESHNESS_SECONDS
    ):
        return cached
    generation = store.generation()
    if cached is None or cached.generation != generation:
        with _INDEX_LOCK:
            cached = _INDEX_CACHE.get(store.url)
            if cached is None or cached.generation != generation:
                cached = load_screening_index(store, progress=progress)
                _INDEX_CACHE[store.url] = cached
    mark = store.decisions_mark()
    if mark != cached.decisions_mark:
        # Read after the mark: a decision landing in between is read now and the mark moves again later.
        cached.decisions = latest_decisions(store.decisions(org=""))
        cached.decisions_mark = mark
    _CHECKED[store.url] = _Checked(now, local_writes)
    return cached


def as_record(item: ScreeningRecord | dict[str, object], position: int) -> ScreeningRecord:
    if isinstance(item, ScreeningRecord):
        return item
    row = {str(k): "" if v is None else str(v) for k, v in item.items()}
    row.setdefault("id", str(position))
    return record_from_row(row)


# A list key typed into the search box: a list's name, a colon, the list's own id ("ofac:12312",
# "un:KPi.066", "eu_prk:13", "uk:11035"). FollowTheMoney ids ("NK-2ZDzh9...") carry no colon; they are
# recognised by being stored keys (see `search_key`).
_SEARCH_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:\S+$")


def search_key(store: Store, text: str) -> str | None:
    """The stored entity key that a search text names, or None when the text is a name to screen.

    Any loaded list's key form opens its entry: `ofac:12312`, `un:KPe.035` and, without a colon, a
    FollowTheMoney id. The list part is read case-insensitively (`OFAC:12312`), the id part as written.
    A text shaped like a list key that names no stored entity is not screened as a name (a score for
    "ofac:99999" would be a fake match): NotFoundError says which key is missing.
    """
    text = clean_query(text)
    if not text or any(ch.isspace() for ch in text) or not _plausible_ref(text):
        return None
    prefix, colon, rest = text.partition(":")
    candidates = [text] + ([f"{prefix.lower()}:{rest}"] if colon and prefix != prefix.lower() else [])
    for key in candidates:
        if store.entity(key) is not None:
            return key
    if _SEARCH_KEY.match(text):
        raise NotFoundError(f"no entity with key {text!r} on the loaded lists")
    return None


def screen_query(
    store: Store,
    text: str,
    *,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
    limit: int = 10,
    threshold: float | None = None,
    principal: Principal = ANONYMOUS,
    hide_decided: bool = False,
) -> list[Match]:
    """What the search box does with a name: screen it across scripts (a list key is opened instead, by
    the interfaces: see `search_key`).

    The decisions applied are the principal's (Principal.decision_org): an importer's organisation's, the
    enforcement side's shared ones, or none for anonymous visitors, to whom analysts' notes are not shown.
    """
    check_query_length(text)
    index = screening_index(store)
    record = ScreeningRecord("search", text, schema, birth_date, nationality)
    index = with_decisions(store, index, principal.decision_org, query_fingerprint=record.fingerprint)
    return screen_record(index, record, threshold=threshold, limit=limit, hide_decided=hide_decided)


# Registers its post-import hook (watchlist re-screening); imported last, as it builds on the names above.
from accomplice.services import monitor as _monitor  # noqa: E402, F401
