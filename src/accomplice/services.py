"""Use-cases: each composes the store, the list formats and the pure core. Interfaces call only these."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from accomplice.errors import InputError, NotFoundError
from accomplice.lists.model import ImportReport, ListDiff, ListInfo, ProgressFn, StatementView, VersionInfo
from accomplice.sources import get_format
from accomplice.store import EntityRow, Store
from accomplice.store.store import ENTITY_ID_PROP

__all__ = [
    "SHARED_CATALOGUE",
    "EntityDetail",
    "SharedListFile",
    "diff_list",
    "entity_detail",
    "entity_json",
    "export_entities",
    "filter_diff_by_program",
    "list_infos",
    "list_versions",
    "load_list",
    "load_shared",
    "lookup",
]


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
    loading a catalogue of old and new versions again must not append the old one as newest.
    """
    fmt = get_format(format_name, mapping=mapping)
    plan = fmt.plan(path, list_name=list_name)
    if store.latest_checksum(plan.spec.name) == plan.checksum:
        latest = store.version(plan.spec.name)
        return ImportReport(plan.spec.name, latest, True, 0, 0, 0, latest.warnings, 0.0)
    if skip_known:
        for known in store.versions(plan.spec.name):
            if known.checksum == plan.checksum:
                return ImportReport(plan.spec.name, known, True, 0, 0, 0, known.warnings, 0.0)
    parsed = fmt.parse(plan, progress)
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
    from accomplice.sources.mapping import shipped_mapping

    reports = []
    for item in catalogue:
        path = raw_dir / item.path
        if not path.exists():
            continue
        mapping = shipped_mapping(item.mapping) if item.mapping else None
        reports.append(
            load_list(
                store,
                item.format,
                path,
                list_name=item.list_name,
                data_date=item.data_date,
                mapping=mapping,
                progress=progress,
                skip_known=True,
            )
        )
    return reports


def list_infos(store: Store) -> list[ListInfo]:
    return store.lists()


def list_versions(store: Store, list_name: str) -> list[VersionInfo]:
    versions = store.versions(list_name)
    if not versions:
        raise NotFoundError(f"no list named {list_name!r}; see `accomplice lists`")
    return versions


def diff_list(store: Store, list_name: str, old: str | None = None, new: str | None = None) -> ListDiff:
    list_versions(store, list_name)
    return store.diff(list_name, old, new)


@dataclass(frozen=True, slots=True)
class EntityDetail:
    """Everything the store knows about one entity, values grouped by property with their provenance."""

    entity: EntityRow
    statements: tuple[StatementView, ...]
    relations: tuple[tuple[EntityRow, tuple[StatementView, ...]], ...]

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


def entity_detail(store: Store, key: str) -> EntityDetail:
    row = store.entity(key)
    if row is None:
        raise NotFoundError(f"no entity with key {key!r}")
    relations = []
    for rel_key in store.referencing(key):
        rel = store.entity(rel_key)
        if rel is not None:
            relations.append((rel, tuple(store.entity_statements(rel_key, current_only=True))))
    return EntityDetail(row, tuple(store.entity_statements(key)), tuple(relations))


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


def entity_json(detail: EntityDetail) -> dict[str, object]:
    """An entity with every statement and its provenance, as the CLI's --json and the API return it."""
    row = detail.entity
    return {
        "key": row.key,
        "schema": row.schema,
        "caption": row.caption,
        "listed": row.is_current,
        "lists": list(row.lists),
        "properties": {prop: [_statement_json(s) for s in items] for prop, items in detail.by_prop().items()},
        "relations": [
            {
                "key": rel.key,
                "schema": rel.schema,
                "properties": {s.prop: s.value for s in statements if s.prop != ENTITY_ID_PROP},
            }
            for rel, statements in detail.relations
        ],
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


def lookup(store: Store, text: str, limit: int = 20) -> list[EntityRow]:
    """A plain name lookup (substring, case-insensitive); a key finds its entity directly."""
    text = text.strip()
    if not text:
        return []
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
    writer = csv.writer(out)
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
