"""Screening: the index (cached per store, persisted beside it), screening names and files, their results
as JSON and CSV, the query checks and the plain lookup of the search box."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.batch.inputs import IDENTIFIER_COLUMNS, read_rows
from accomplice.batch.local import map_ordered
from accomplice.errors import NotFoundError, TooLongError
from accomplice.lists.model import ProgressFn
from accomplice.matching import CandidateIndex, Match, QueryEntity, Screener, indexed_entity, query_entity
from accomplice.matching.decisions import (
    Decision,
    apply_decisions,
    dismissed,
    latest_decisions,
    query_fingerprint,
    without_dismissed,
)
from accomplice.matching.resolve import cluster_entities, merge_clusters
from accomplice.services.auth import ANONYMOUS, Principal
from accomplice.services.lists import plausible_ref
from accomplice.settings import get_settings
from accomplice.store import EntityRow, Store, index_files
from accomplice.store.index_files import IndexManifest

log = logging.getLogger(__name__)

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


def country_codes(values: Sequence[str]) -> list[str]:
    codes = []
    for value in values:
        for part in re.split(r"[;,/|]", value):
            part = part.strip()
            if part and (code := _country_code(part)):
                codes.append(code)
    return codes


def clean_dates(values: Sequence[str]) -> list[str]:
    if not any(v and v.strip() for v in values):
        return []  # without loading FtM (a fifth of a CLI call's start-up) for a name screened alone
    from followthemoney.types import registry

    return [d for v in values if v and (d := registry.date.clean(v.strip())) is not None]


# A date of birth is echoed in its warning up to this length: enough to recognise it, not a pasted document.
SHOWN_DATE_CHARS = 40


def birth_date_warning(value: str | None, what: str = "date of birth") -> str | None:
    """Why a date of birth given with a name is left out of its screening (None when it is read): the name
    is still screened, by name alone, and the user is told so rather than left to believe the date counted."""
    if value is None or not value.strip() or clean_dates([value]):
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
        birth_dates=clean_dates([record.birth_date] if record.birth_date else []),
        countries=country_codes([record.nationality] if record.nationality else []),
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
    if not text or any(ch.isspace() for ch in text) or not plausible_ref(text):
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
