"""The persisted screening index: the same answers as a fresh build, rebuilt when stale or damaged, opened
by the CLI without building, and `serve` announcing itself only once its port answers."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accomplice import services
from accomplice.names.scripts import scripts_of
from accomplice.store import Store, index_files
from tests.helpers import copy_of_store

# Real names sampled per script from the lists (every n-th name, so the sample spans the lists).
SAMPLE_PER_SCRIPT = 25
SCRIPTS = ("latin", "hangul", "han", "cyrillic", "arabic")
# Ports of this module's servers (the helper's range, loopback only).
SERVE_PORT = 8121
SERVE_START_SECONDS = 120


@pytest.fixture(scope="module")
def persisted_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A copy of the DPRK-lists store with its own index folder, beside the copy."""
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("persisted") / "lists.db")
    yield store
    store.close()


def _sample_names(index: services.ScreeningIndex) -> list[str]:
    by_script: dict[str, list[str]] = {s: [] for s in SCRIPTS}
    for entity in index.screener.index:
        for forms in entity.names:
            scripts = scripts_of(forms.text)
            if len(scripts) == 1 and (script := next(iter(scripts))) in by_script:
                by_script[script].append(forms.text)
    sample = []
    for script, names in by_script.items():
        assert names or script == "arabic", f"no {script} names in the lists"
        step = max(1, len(names) // SAMPLE_PER_SCRIPT)
        sample += names[::step][:SAMPLE_PER_SCRIPT]
    # Typed the way users type: lower case, and one word dropped.
    sample += [n.lower() for n in sample[::5]]
    sample += [" ".join(n.split()[1:]) for n in sample[::7] if len(n.split()) > 2]
    return sample


def _results(index: services.ScreeningIndex, names: list[str]) -> list[object]:
    out: list[object] = []
    for name in names:
        for schema in (None, "Person", "Organization"):
            record = services.ScreeningRecord("1", name, schema)
            out.append((name, schema, services.screen_record(index, record, threshold=0.5)))
    return out


def test_persisted_index_screens_exactly_as_a_fresh_build(persisted_store: Store) -> None:
    fresh = services.build_screening_index(persisted_store)
    persisted = services.load_screening_index(persisted_store)
    assert persisted.location is not None
    assert (persisted.location / "manifest.json").exists()
    # Opened again as another process would: mapped files, entities analysed from their records.
    reopened = services.load_screening_index(persisted_store)
    assert reopened.screener.index is not persisted.screener.index
    names = _sample_names(fresh)
    assert len(names) > 100
    expected = _results(fresh, names)
    assert any(matches for _, _, matches in expected)  # type: ignore[misc]
    assert _results(reopened, names) == expected
    assert reopened.entities == fresh.entities
    assert reopened.screener.index.key_count == fresh.screener.index.key_count


def test_list_twins_come_from_the_persisted_index_without_analysing_names(persisted_store: Store) -> None:
    fresh = services.build_screening_index(persisted_store)
    reopened = services.load_screening_index(persisted_store)
    assert list(reopened.screener.index.cluster_keys()) == [e.keys for e in fresh.screener.index]


def _small_store(tmp_path: Path, raw_dir: Path) -> Store:
    from accomplice.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'un.db'}")
    services.load_list(store, "un", raw_dir / "un" / "un_consolidated_2026-02-27.xml")
    return store


def test_index_of_other_list_versions_is_rebuilt_with_one_line_saying_so(
    tmp_path: Path, raw_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _small_store(tmp_path, raw_dir)
    built = services.load_screening_index(store)
    assert built.location is not None
    manifest = json.loads((built.location / "manifest.json").read_text())
    manifest["versions"] = "an older set of list versions"
    (built.location / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING):
        rebuilt = services.load_screening_index(store)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "\n" not in messages[0]
    assert "other list versions" in messages[0]
    assert "rebuilding" in messages[0]
    assert json.loads((built.location / "manifest.json").read_text())["versions"] == (
        store.versions_fingerprint()
    )
    record = services.ScreeningRecord("1", "Korea Kwangson Banking Corp")
    assert services.screen_record(rebuilt, record)[0].key == "un:KPe.025"
    store.close()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_damaged_index_file_is_rebuilt_never_misread(
    tmp_path: Path, raw_dir: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    store = _small_store(tmp_path, raw_dir)
    built = services.load_screening_index(store)
    assert built.location is not None
    postings = built.location / "postings.npy"
    if damage == "truncated":
        postings.write_bytes(postings.read_bytes()[: postings.stat().st_size // 2])
    elif damage == "garbage":
        postings.write_bytes(b"\x00not an array" * (postings.stat().st_size // 13 + 1))
    else:
        postings.unlink()
    with caplog.at_level(logging.WARNING):
        rebuilt = services.load_screening_index(store)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "\n" not in messages[0]
    assert "postings.npy" in messages[0]
    record = services.ScreeningRecord("1", "Korea Kwangson Banking Corp")
    assert services.screen_record(rebuilt, record)[0].key == "un:KPe.025"
    index_files.open_index(built.location, store.versions_fingerprint(), index_files.analysis_fingerprint())
    store.close()


def _accomplice() -> str:
    return str(Path(sys.executable).with_name("accomplice"))


def test_cli_screens_from_the_persisted_index_without_building_it(tmp_path: Path, raw_dir: Path) -> None:
    store = _small_store(tmp_path, raw_dir)
    services.load_screening_index(store)
    result = subprocess.run(
        [_accomplice(), "--db", store.url, "screen", "--name", "Korea Kwangson Banking Corp"],
        capture_output=True,
        text=True,
        timeout=SERVE_START_SECONDS,
        check=True,
    )
    assert "indexing names" not in result.stderr
    assert "un:KPe.025" in result.stdout
    store.close()


def test_index_build_command_writes_the_index_beside_the_store(tmp_path: Path, raw_dir: Path) -> None:
    store = _small_store(tmp_path, raw_dir)
    result = subprocess.run(
        [_accomplice(), "--db", store.url, "index", "build"],
        capture_output=True,
        text=True,
        timeout=SERVE_START_SECONDS,
        check=True,
    )
    folder = tmp_path / "un.db.index"
    assert f"in {folder}" in result.stdout
    manifest = index_files.read_manifest(folder)
    assert manifest is not None
    assert manifest.versions == store.versions_fingerprint()
    store.close()


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_serve_says_it_is_serving_only_once_its_port_answers(tmp_path: Path, raw_dir: Path) -> None:
    store = _small_store(tmp_path, raw_dir)
    services.load_screening_index(store)
    assert not _port_answers(SERVE_PORT)
    server = subprocess.Popen(
        [_accomplice(), "--db", store.url, "serve", "--port", str(SERVE_PORT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert server.stdout is not None
        started = time.monotonic()
        line = server.stdout.readline()
        assert "serving" in line, line
        # Checked at once: the line comes after the port answers, not seconds before.
        assert _port_answers(SERVE_PORT), f"printed {line!r} before the port answered"
        assert time.monotonic() - started < SERVE_START_SECONDS
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
        store.close()
