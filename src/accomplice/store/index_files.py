"""The screening index on disk: flat arrays saved with numpy and mapped read-only by every process.

Building the index analyses every name of every list (a minute and more); opening these files takes
milliseconds, and processes that map the same files (server workers, CLI calls) share their pages instead
of each holding a copy. Entities are stored as compact records whose names are analysed only when a query
touches them (matching.build.RecordEntities).

A folder holds one index: `manifest.json`, written last, names what it was built from (the store's list
versions and the matching code) and the size of every array file; an index whose manifest disagrees is
stale, one whose files do not open or have another size is damaged. Either way the caller builds anew.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from accomplice.matching.analyze import add_known_groups, use_phrase_tagger
from accomplice.matching.build import (
    GROUP_SEPARATOR,
    RecordEntities,
    entity_records,
    group_lookup,
    known_group_texts,
)
from accomplice.matching.index import TABLE_NAMES, TEXT_TABLE_PARTS, CandidateIndex, IndexTables, TextTable
from accomplice.matching.phrase_groups import PhraseTagger
from accomplice.store.name_phrases import verified_phrases

__all__ = [
    "FORMAT_VERSION",
    "IndexFileError",
    "IndexManifest",
    "StaleIndexError",
    "analysis_fingerprint",
    "build_lock",
    "index_size",
    "open_index",
    "read_manifest",
    "save_index",
]

# Bumped whenever the layout of the files changes: an index of another layout is rebuilt, not misread.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
RECORDS = "records"
RECORD_START = "record_start"
GROUPS = "groups"
# rigour's person-tagger phrases (store.name_phrases): empty when rigour's data could not be read.
PHRASES = "phrases"
ARRAY_NAMES = (
    *TABLE_NAMES,
    RECORDS,
    RECORD_START,
    *(f"{table}_{part}" for table in (GROUPS, PHRASES) for part in TEXT_TABLE_PARTS),
)
# The analysis of a name depends on our code and reference data and on these libraries' data: a change
# in any of them changes keys and readings, so an index built before it is stale.
ANALYSIS_PACKAGES = ("accomplice.matching", "accomplice.names")
ANALYSIS_LIBRARIES = ("rigour", "pypinyin", "followthemoney", "numpy")


class IndexFileError(Exception):
    """A persisted index that cannot be used as it is: damaged or incomplete (one line: what and where)."""


class StaleIndexError(IndexFileError):
    """A persisted index built from other list versions or by other matching code."""


@dataclass(frozen=True, slots=True)
class IndexManifest:
    format: int
    # What the index was built from: the store's list versions, and the analysis code and data.
    versions: str
    analysis: str
    entities: int
    keys: int
    built_at: str
    build_seconds: float
    files: dict[str, int]  # array name -> file size in bytes

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def _package_files(package: str) -> list[Path]:
    root = Path(__file__).resolve().parents[1] / package.removeprefix("accomplice.").replace(".", "/")
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def analysis_fingerprint() -> str:
    """A hash of everything that decides how names are analysed: our matching and names packages (code
    and reference data) and the versions of the libraries they read names with (about 1 MB, ~5 ms)."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\n".encode())
    src = Path(__file__).resolve().parents[1]
    for package in ANALYSIS_PACKAGES:
        for path in _package_files(package):
            digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in ANALYSIS_LIBRARIES:
        digest.update(f"{name}={_library_version(name)}\n".encode())
    return digest.hexdigest()[:32]


def _array_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.npy"


def read_manifest(directory: Path) -> IndexManifest | None:
    """The manifest of the index in `directory`; None when there is none (never built)."""
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = IndexManifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFileError(f"{path}: unreadable index manifest ({exc})") from exc
    return manifest


def _check(directory: Path, manifest: IndexManifest, versions: str, analysis: str) -> None:
    if manifest.format != FORMAT_VERSION:
        raise StaleIndexError(f"{directory}: index files of format {manifest.format}, not {FORMAT_VERSION}")
    if manifest.versions != versions:
        raise StaleIndexError(f"{directory}: index built from other list versions than the store's")
    if manifest.analysis != analysis:
        raise StaleIndexError(f"{directory}: index built by another version of the name analysis")
    for name in ARRAY_NAMES:
        path = _array_path(directory, name)
        size = path.stat().st_size if path.exists() else -1
        if size != manifest.files.get(name):
            raise IndexFileError(f"{path}: index file missing or of the wrong size; it was damaged")


def _load(directory: Path, name: str) -> np.ndarray[Any, Any]:
    path = _array_path(directory, name)
    try:
        # Mapped, not read: pages are read when a query touches them and shared between processes.
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"{path}: index file does not open ({exc})") from exc
    # A plain array over the same mapped pages: numpy's memmap subclass costs a Python call per element
    # read (`__array_finalize__`), a tenth of a query's time in the lookups that read one key at a time.
    array: np.ndarray[Any, Any] = np.asarray(mapped)
    return array


def open_index(directory: Path, versions: str, analysis: str) -> tuple[CandidateIndex, IndexManifest] | None:
    """The persisted index in `directory`, mapped; None when none was built there.

    Raises StaleIndexError when it was built from other list versions or code, IndexFileError when a
    file is damaged: the caller rebuilds.
    """
    manifest = read_manifest(directory)
    if manifest is None:
        return None
    _check(directory, manifest, versions, analysis)
    arrays = {name: _load(directory, name) for name in ARRAY_NAMES}
    _check_shapes(directory, arrays, manifest)
    tables = IndexTables(**{name: arrays[name] for name in TABLE_NAMES})
    entities = RecordEntities(arrays[RECORDS], arrays[RECORD_START])
    # Names analysed again (candidates) and query words the lists have skip rigour's tagger, and with
    # the tagger's phrases so do all other words: no process builds the tagger to read a query.
    # (the same answers: store.name_phrases checked them on every known text when it saved the table).
    add_known_groups(group_lookup(TextTable.from_dict(GROUPS, arrays)))
    phrases = TextTable.from_dict(PHRASES, arrays)
    if len(phrases):
        use_phrase_tagger(PhraseTagger(phrases.get))
    return CandidateIndex.from_tables(tables, entities), manifest


def _check_shapes(directory: Path, arrays: dict[str, np.ndarray[Any, Any]], manifest: IndexManifest) -> None:
    """The arrays agree with each other and the manifest (cheap: lengths and end offsets only)."""
    keys, entities = len(arrays["key_hash"]), len(arrays[RECORD_START]) - 1
    consistent = (
        keys == manifest.keys
        and entities == manifest.entities
        and len(arrays["key_start"]) == keys + 1
        and len(arrays["key_text_start"]) == keys + 1
        and (keys == 0 or int(arrays["key_start"][-1]) == len(arrays["postings"]))
        and (keys == 0 or int(arrays["key_text_start"][-1]) == len(arrays["key_text"]))
        and len(arrays["entity_hash"]) == len(arrays["entity_position"])
        and (entities == 0 or int(arrays[RECORD_START][-1]) == len(arrays[RECORDS]))
    )
    if not consistent:
        raise IndexFileError(f"{directory}: index files disagree with each other; they were damaged")


def save_index(
    directory: Path, index: CandidateIndex, *, versions: str, analysis: str, build_seconds: float
) -> IndexManifest:
    """Write `index` to `directory`, replacing what is there only once every file is complete."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        arrays = dict(index.tables.as_dict())
        arrays[RECORDS], arrays[RECORD_START] = entity_records(index)
        groups = known_group_texts(index)
        arrays.update(TextTable.build(groups).as_dict(GROUPS))
        rigour_answers = {
            text: frozenset(g for g in value.split(GROUP_SEPARATOR) if g) for text, value in groups.items()
        }
        arrays.update(TextTable.build(verified_phrases(rigour_answers) or {}).as_dict(PHRASES))
        for name, array in arrays.items():
            np.save(_array_path(staging, name), np.ascontiguousarray(array), allow_pickle=False)
        manifest = IndexManifest(
            format=FORMAT_VERSION,
            versions=versions,
            analysis=analysis,
            entities=len(index),
            keys=index.key_count,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(build_seconds, 2),
            files={name: _array_path(staging, name).stat().st_size for name in ARRAY_NAMES},
        )
        (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
        _swap(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _swap(staging: Path, directory: Path) -> None:
    """Put the new folder in place. Processes that mapped the old files keep reading them until they
    reopen (unlinked files live on while mapped)."""
    old = directory.with_name(f"{directory.name}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def index_size(directory: Path) -> int:
    manifest = read_manifest(directory)
    return manifest.total_bytes if manifest is not None else 0


@contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """One build of an index at a time across processes: N server workers starting together build it
    once; the others wait and open what it wrote."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        handle = open(directory.with_name(f"{directory.name}.lock"), "a+b")  # noqa: SIM115
    except OSError:
        # No place to write (a read-only folder): the build cannot be saved either, which the caller
        # reports; building without the lock costs at worst a second build, never a wrong index.
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
