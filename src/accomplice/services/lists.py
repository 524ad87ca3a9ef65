"""Lists: loading (and the hooks run after an import), versions, diffs, entity detail, export, readiness."""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy.exc import SQLAlchemyError

from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.errors import InputError, NotFoundError
from accomplice.lists.model import ImportReport, ListDiff, ListInfo, ProgressFn, StatementView, VersionInfo
from accomplice.sources import get_format
from accomplice.store import EntityRow, Store, write_problem
from accomplice.store.presence import has_list_versions
from accomplice.store.store import ENTITY_ID_PROP

# Called with the store and the reports of an import after new list versions have landed (only when at
# least one version is new). The application registers its hooks here where it is assembled
# (services.hooks: monitoring re-screens watchlists), so that neither the store nor this module knows of
# them and `load_list` callers need not remember to call them.
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


def has_lists(store: Store) -> bool:
    """Whether any list is loaded (cheap: no counts, unlike `list_infos`)."""
    return has_list_versions(store)


# List names, keys and version references come from URLs. A NUL cannot be stored in PostgreSQL text and
# no real key is longer than the column that holds it, so such input is "not found" before any query.
MAX_KEY_CHARS = 255


def plausible_ref(text: str) -> bool:
    return 0 < len(text) <= MAX_KEY_CHARS and "\x00" not in text


def list_versions(store: Store, list_name: str) -> list[VersionInfo]:
    versions = store.versions(list_name) if plausible_ref(list_name) else []
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
        if ref is not None and not plausible_ref(ref):
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
    bundle = store.entity_with_relations(key, MAX_RELATIONS) if plausible_ref(key) else None
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
