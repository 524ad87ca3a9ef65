"""Downloading the official lists: a local HTTP server mirrors the official paths with the real files.

No test touches the internet: every download goes to a stdlib server on 127.0.0.1 (through the
`base_url` parameter or the ACCOMPLICE_DOWNLOAD_BASE_URL setting) that serves the shared files under
the official URL paths, answers If-None-Match with 304, and fails on request.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accomplice import services
from accomplice.errors import AccompliceError, DownloadError, OfflineError
from accomplice.sources import download
from accomplice.sources.download import download_all, download_source
from accomplice.store import Store, open_store

OFAC_2023 = "ofac/2023-12-28"
OFAC_2024_SDN = "ofac/2024-05-03/sdn.csv"
OFAC_2025_PARTIAL = "ofac/2025-12-partial"
OFAC_CONS = "ofac/consolidated_non_sdn_2025-12"
UN_XML = "un/un_consolidated_2026-02-27.xml"
UK_CSV = "uk/hmt_conlist_2018-04-13.csv"
SDN_FILES = ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")


def _path(url: str) -> str:
    return urlsplit(url).path


SDN_PATH = _path(download.OFAC_SDN_CSV_URL)
ADD_PATH = _path(download.OFAC_ADD_CSV_URL)
ALT_PATH = _path(download.OFAC_ALT_CSV_URL)
COMMENTS_PATH = _path(download.OFAC_SDN_COMMENTS_CSV_URL)
UN_PATH = _path(download.UN_CONSOLIDATED_XML_URL)
UK_PATH = _path(download.UK_OFSI_CONLIST_CSV_URL)


def _official_files(raw_dir: Path) -> dict[str, Path]:
    """Official URL path -> the real shared file served there."""
    sdn = raw_dir / OFAC_2023
    cons = raw_dir / OFAC_CONS
    return {
        SDN_PATH: sdn / "sdn.csv",
        ADD_PATH: sdn / "add.csv",
        ALT_PATH: sdn / "alt.csv",
        COMMENTS_PATH: sdn / "sdn_comments.csv",
        _path(download.OFAC_CONS_PRIM_CSV_URL): cons / "cons_prim.csv",
        _path(download.OFAC_CONS_ADD_CSV_URL): cons / "cons_add.csv",
        _path(download.OFAC_CONS_ALT_CSV_URL): cons / "cons_alt.csv",
        _path(download.OFAC_CONS_COMMENTS_CSV_URL): cons / "cons_comments.csv",
        UN_PATH: raw_dir / UN_XML,
        UK_PATH: raw_dir / UK_CSV,
    }


@dataclass
class Mirror:
    """What the local server serves, how it misbehaves, and what it was asked."""

    url: str
    files: dict[str, Path]
    # path -> failure modes for the next requests ("500", "503", "truncate"), consumed one per request
    failures: dict[str, deque[str]] = field(default_factory=dict)
    # path -> a failure mode applied to every request
    always: dict[str, str] = field(default_factory=dict)
    log: list[tuple[str, int, str | None]] = field(default_factory=list)  # (path, status, If-None-Match)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status, _ in self.log if p == path]


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            conditional = self.headers.get("If-None-Match")
            if path not in mirror.files:
                self._status(path, 404, conditional)
                return
            queued = mirror.failures.get(path)
            mode = queued.popleft() if queued else mirror.always.get(path)
            if mode in ("500", "503"):
                self._status(path, int(mode), conditional)
                return
            data = mirror.files[path].read_bytes()
            etag = _etag(data)
            if conditional == etag:
                mirror.log.append((path, 304, conditional))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            mirror.log.append((path, 200, conditional))
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            mtime = mirror.files[path].stat().st_mtime
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
            self.end_headers()
            # a truncated answer announces the whole length, sends half and hangs up
            self.wfile.write(data[: len(data) // 2] if mode == "truncate" else data)

        def _status(self, path: str, status: int, conditional: str | None) -> None:
            mirror.log.append((path, status, conditional))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def mirror(raw_dir: Path) -> Iterator[Mirror]:
    files = _official_files(raw_dir)
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        pytest.fail(f"shared files missing: {missing}")
    box = Mirror(url="", files=files)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def dead_url() -> str:
    """An address on which nothing listens: the port was free a moment ago and is closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _hidden(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.name.startswith("."))


def test_downloaded_ofac_set_loads_and_store_holds_listed_entity(
    mirror: Mirror, raw_dir: Path, tmp_path: Path, store: Store
) -> None:
    cache = tmp_path / "cache"
    seen: list[tuple[str, int, int]] = []
    folder = download_source(
        "ofac", cache, progress=lambda s, d, t: seen.append((s, d, t)), base_url=mirror.url
    )
    assert folder == cache / "ofac"
    for name in SDN_FILES:
        assert _sha(folder / name) == _sha(raw_dir / OFAC_2023 / name)
        meta = json.loads((folder / f"{name}.meta.json").read_text())
        assert meta["sha256"] == _sha(raw_dir / OFAC_2023 / name)
        assert meta["size"] == (raw_dir / OFAC_2023 / name).stat().st_size
        assert meta["url"] == mirror.url + _path(getattr(download, f"OFAC_{name[:-4].upper()}_CSV_URL"))
        assert meta["etag"].startswith('"')
        assert meta["last_modified"].endswith("GMT")
        assert meta["fetched_at"]
    last = {stage: (done, total) for stage, done, total in seen}
    size = (raw_dir / OFAC_2023 / "sdn.csv").stat().st_size
    assert last["downloading ofac/sdn.csv"] == (size, size)

    report = services.load_list(store, "ofac", folder)
    assert report.list_name == "ofac"
    assert "KDBKKPPY" in services.entity_detail(store, "ofac:12312").values("swiftBic")
    assert {f.name: f.sha256 for f in report.version.files} == {
        name: _sha(raw_dir / OFAC_2023 / name) for name in SDN_FILES
    }


def test_second_download_is_answered_304_and_rewrites_nothing(mirror: Mirror, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = download_source("ofac", cache, base_url=mirror.url)
    before = _stats(folder)
    mirror.log.clear()
    again = download_source("ofac", cache, base_url=mirror.url)
    assert again == folder
    assert [status for _, status, _ in mirror.log] == [304, 304, 304, 304]
    assert all(etag for _, _, etag in mirror.log)  # every request was conditional
    assert _stats(folder) == before
    assert _hidden(cache) == []


def test_changed_file_is_replaced_and_unchanged_files_are_kept(
    mirror: Mirror, raw_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    folder = download_source("ofac", cache, base_url=mirror.url)
    before = _stats(folder)
    mirror.files[SDN_PATH] = raw_dir / OFAC_2024_SDN
    download_source("ofac", cache, base_url=mirror.url)
    assert mirror.statuses(SDN_PATH) == [200, 200]
    assert mirror.statuses(ALT_PATH) == [200, 304]
    assert _sha(folder / "sdn.csv") == _sha(raw_dir / OFAC_2024_SDN)
    after = _stats(folder)
    assert after["alt.csv"][0] == before["alt.csv"][0]  # the very same file, not a copy
    assert after["sdn.csv"] != before["sdn.csv"]


def test_failure_on_third_file_keeps_previous_complete_set(
    mirror: Mirror, raw_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    folder = download_source("ofac", cache, base_url=mirror.url)
    before = _stats(folder)
    # a newer set is published, and ALT.CSV (the third file) keeps failing
    mirror.files[SDN_PATH] = raw_dir / OFAC_2024_SDN
    mirror.files[ADD_PATH] = raw_dir / OFAC_2025_PARTIAL / "add.csv"
    mirror.files[ALT_PATH] = raw_dir / OFAC_2025_PARTIAL / "alt.csv"
    mirror.always[ALT_PATH] = "500"
    with pytest.raises(DownloadError) as caught:
        download_source("ofac", cache, base_url=mirror.url)
    message = str(caught.value)
    assert "\n" not in message
    assert "500" in message
    assert "previous copy" in message
    assert mirror.statuses(ALT_PATH) == [200, 500, 500, 500]  # first set, then three attempts
    assert mirror.statuses(COMMENTS_PATH) == [200]  # never reached
    assert _stats(folder) == before
    for name in SDN_FILES:
        assert _sha(folder / name) == _sha(raw_dir / OFAC_2023 / name)
    assert _hidden(cache) == []


def test_transient_server_error_is_retried(mirror: Mirror, raw_dir: Path, tmp_path: Path) -> None:
    mirror.failures[UN_PATH] = deque(["503"])
    path = download_source("un", tmp_path / "cache", base_url=mirror.url)
    assert mirror.statuses(UN_PATH) == [503, 200]
    assert _sha(path) == _sha(raw_dir / UN_XML)


def test_truncated_response_is_rejected_and_not_cached(mirror: Mirror, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    mirror.always[UN_PATH] = "truncate"
    with pytest.raises(DownloadError) as caught:
        download_source("un", cache, base_url=mirror.url)
    message = str(caught.value)
    assert "\n" not in message
    assert "closed before the file was complete" in message
    assert mirror.statuses(UN_PATH) == [200, 200, 200]
    assert list(cache.iterdir()) == []


def test_truncated_update_keeps_previous_copy(mirror: Mirror, raw_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = download_source("uk", cache, base_url=mirror.url)
    mirror.files[UK_PATH] = raw_dir / "uk/hmt_conlist_2014-04-02.csv"
    mirror.always[UK_PATH] = "truncate"
    with pytest.raises(DownloadError):
        download_source("uk", cache, base_url=mirror.url)
    assert _sha(path) == _sha(raw_dir / UK_CSV)
    assert _hidden(cache) == []


@pytest.mark.parametrize(
    ("fmt", "path", "served", "reason"),
    [
        ("ofac", SDN_PATH, UN_XML, "not an OFAC legacy CSV file"),
        ("un", UN_PATH, f"{OFAC_2023}/sdn.csv", "not well-formed XML"),
        ("uk", UK_PATH, UN_XML, "not the OFSI list CSV"),
    ],
    ids=["xml-as-ofac", "csv-as-un", "xml-as-uk"],
)
def test_file_of_another_format_is_rejected_and_not_cached(
    mirror: Mirror, raw_dir: Path, tmp_path: Path, fmt: str, path: str, served: str, reason: str
) -> None:
    mirror.files[path] = raw_dir / served
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as caught:
        download_source(fmt, cache, base_url=mirror.url)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)
    assert list(cache.iterdir()) == []


def test_error_status_is_reported_without_retry_and_not_cached(mirror: Mirror, tmp_path: Path) -> None:
    del mirror.files[UN_PATH]
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as caught:
        download_source("un", cache, base_url=mirror.url)
    assert "answered 404" in str(caught.value)
    assert "may have moved" in str(caught.value)
    assert mirror.statuses(UN_PATH) == [404]  # a 4xx is not worth repeating
    assert list(cache.iterdir()) == []


def test_every_real_shared_list_file_passes_its_format_check(raw_dir: Path) -> None:
    ofac = sorted((raw_dir / "ofac").glob("*/*.csv"))
    assert len(ofac) == 12
    for path in ofac:
        check = download.check_ofac_comments_csv if "comments" in path.name else download.check_ofac_csv
        assert check(path) is None, path
    assert download.check_un_xml(raw_dir / UN_XML) is None
    for path in sorted((raw_dir / "uk").glob("*.csv")):
        assert download.check_ofsi_csv(path) is None, path


def test_remarks_file_without_rows_passes_but_primary_file_does_not(tmp_path: Path) -> None:
    eof_only = tmp_path / "sdn_comments.csv"
    eof_only.write_bytes(b"\x1a")  # what a legacy file with no rows holds: the DOS end-of-file byte
    assert download.check_ofac_comments_csv(eof_only) is None
    problem = download.check_ofac_csv(eof_only)
    assert problem is not None
    assert "not an OFAC legacy CSV" in problem


def test_un_xml_cut_at_an_element_boundary_is_rejected(raw_dir: Path, tmp_path: Path) -> None:
    data = (raw_dir / UN_XML).read_bytes()
    cut = tmp_path / "consolidated.xml"
    cut.write_bytes(data[: data.index(b"</INDIVIDUALS>")])
    assert download.check_un_xml(raw_dir / UN_XML) is None
    problem = download.check_un_xml(cut)
    assert problem is not None
    assert "incomplete" in problem


def test_unreachable_server_raises_one_line_offline_error(dead_url: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(OfflineError) as caught:
        download_source("ofac", cache, base_url=dead_url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot reach 127.0.0.1: ")
    assert "refused" in message.lower()
    assert "accomplice load ofac PATH" in message
    assert _hidden(cache) == []


def test_offline_uses_cached_copy_only_with_a_warning(mirror: Mirror, dead_url: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = download_source("ofac", cache, base_url=mirror.url)
    before = _stats(folder)
    with pytest.raises(OfflineError):
        download_source("ofac", cache, base_url=dead_url)  # no warn callback: never silently stale
    warnings: list[str] = []
    assert download_source("ofac", cache, base_url=dead_url, warn=warnings.append) == folder
    assert len(warnings) == 1
    assert "cannot reach 127.0.0.1" in warnings[0]
    assert "using the cached copy fetched" in warnings[0]
    assert _stats(folder) == before


def test_set_interrupted_between_renames_is_recovered(mirror: Mirror, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = download_source("ofac", cache, base_url=mirror.url)
    # the state a crash leaves between "live -> .old" and "staging -> live"
    os.replace(folder, cache / ".ofac.old")
    (cache / ".ofac.staging-crashed").mkdir()
    (cache / ".ofac.staging-crashed" / "sdn.csv.part").write_bytes(b"36,")
    mirror.log.clear()
    assert download_source("ofac", cache, base_url=mirror.url) == folder
    assert [status for _, status, _ in mirror.log] == [304, 304, 304, 304]
    assert _hidden(cache) == []


def test_eu_download_explains_why_it_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(AccompliceError) as caught:
        download_source("eu", tmp_path / "cache")
    message = str(caught.value)
    assert "\n" not in message
    assert "token" in message
    assert "accomplice load eu PATH" in message
    assert not (tmp_path / "cache").exists()


def test_download_all_fetches_every_loadable_list_in_load_order(
    mirror: Mirror, raw_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    warnings: list[str] = []
    got = download_all(cache, warn=warnings.append, base_url=mirror.url)
    assert got == [
        ("ofac", cache / "ofac"),
        ("ofac", cache / "ofac_cons"),
        ("un", cache / "un" / "consolidated.xml"),
        ("uk", cache / "uk" / "conlist.csv"),
    ]
    assert _sha(cache / "ofac_cons" / "cons_prim.csv") == _sha(raw_dir / OFAC_CONS / "cons_prim.csv")
    assert any(w.startswith("uk: the OFSI Consolidated List has not been updated") for w in warnings)
    assert any(w.startswith("eu: no official download") for w in warnings)


def test_download_all_skips_a_failing_source_with_a_warning(mirror: Mirror, tmp_path: Path) -> None:
    mirror.always[UN_PATH] = "truncate"
    warnings: list[str] = []
    got = download_all(tmp_path / "cache", warn=warnings.append, base_url=mirror.url)
    assert [fmt for fmt, _ in got] == ["ofac", "ofac", "uk"]
    assert any(w.startswith("un: ") and w.endswith("skipped") for w in warnings)


# --- the command line, in a separate process, pointed at the mirror by the environment -------------------
def _cli(tmp_path: Path, base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ACCOMPLICE_DOWNLOAD_BASE_URL": base_url,
        "ACCOMPLICE_DATA_DIR": str(tmp_path / "data"),
        "ACCOMPLICE_CACHE_DIR": str(tmp_path / "cache"),
        "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    return subprocess.run(
        [sys.executable, "-c", "from accomplice.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_load_ofac_download_stores_the_downloaded_set(mirror: Mirror, tmp_path: Path) -> None:
    result = _cli(tmp_path, mirror.url, "load", "--no-index", "ofac", "--download")
    assert result.returncode == 0, result.stderr
    assert "ofac: version 1" in result.stdout
    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        assert store.entity("ofac:12312") is not None
    finally:
        store.close()
    again = _cli(tmp_path, mirror.url, "load", "--no-index", "ofac", "--download")
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    assert mirror.statuses(SDN_PATH) == [200, 304]


def _stored_files(db: Path) -> dict[str, dict[str, int]]:
    """sha256 of every file in any stored version -> {list name: entity count of that version}."""
    store = open_store(f"sqlite:///{db}")
    try:
        found: dict[str, dict[str, int]] = {}
        for info in store.lists():
            for version in store.versions(info.name):
                for f in version.files:
                    found.setdefault(f.sha256, {})[info.name] = version.counts.get("entities", 0)
        return found
    finally:
        store.close()


def test_cli_load_un_download_stores_the_un_list(mirror: Mirror, raw_dir: Path, tmp_path: Path) -> None:
    result = _cli(tmp_path, mirror.url, "load", "--no-index", "un", "--download")
    assert result.returncode == 0, result.stderr
    stored = _stored_files(tmp_path / "cli.db")
    un_versions = stored.get(_sha(raw_dir / UN_XML), {})
    assert len(un_versions) == 1, stored
    # 730 individuals + 273 entities in the list of 2026-02-27
    assert next(iter(un_versions.values())) >= 1003


def test_cli_load_eu_download_gives_one_line_reason(mirror: Mirror, tmp_path: Path) -> None:
    result = _cli(tmp_path, mirror.url, "load", "--no-index", "eu", "--download")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: eu: no official download")
    assert mirror.log == []


def test_cli_offline_download_is_one_line_error(dead_url: str, tmp_path: Path) -> None:
    result = _cli(tmp_path, dead_url, "load", "--no-index", "ofac", "--download")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot reach 127.0.0.1")


def test_cli_load_all_download_loads_every_downloaded_list(
    mirror: Mirror, raw_dir: Path, tmp_path: Path
) -> None:
    result = _cli(tmp_path, mirror.url, "load", "--no-index", "all", "--download")
    assert result.returncode == 0, result.stderr
    stored = _stored_files(tmp_path / "cli.db")
    for served in mirror.files.values():
        assert _sha(served) in stored, f"{served} was downloaded but is in no stored version"
    assert stored[_sha(raw_dir / OFAC_2023 / "sdn.csv")] == {
        "ofac": stored[_sha(raw_dir / OFAC_2023 / "sdn.csv")]["ofac"]
    }
    assert "ofac_cons" in stored[_sha(raw_dir / OFAC_CONS / "cons_prim.csv")]
    assert "OFSI Consolidated List has not been updated" in result.stderr
